// Command egov runs the e-Government platform.
//
//	egov [flags]               serve (the default)
//	egov serve [flags]         serve the platform
//	egov migrate [flags]       apply database migrations and exit
//	egov seed [flags]          add the demo data that is missing and exit
//	egov audit verify [flags]  check the audit log's hash chain
//	egov verify [-keys F | -url U] [JWS]
//	                           check a document's signed payload (from its QR code) offline
//	egov gateway serve -gateway-config F
//	                           run one member's security server on its own
//	egov gateway verify        check the gateway's message log chain and signatures
//	egov gateway evidence -seq N | -x-road-id ID
//	                           print the signed record of one exchange (JSON)
//	egov gateway check [-file F]
//	                           verify such a record offline, without the database
//
// Every flag also reads an EGOV_* environment variable; `egov -h` lists them.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/egov/egov/internal/app"
	"github.com/egov/egov/internal/config"
	"github.com/egov/egov/internal/documents"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "egov:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	command := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		command, args = args[0], args[1:]
	}
	if command == "verify" {
		// Offline: no configuration, no database, only the issuers' keys.
		if code := documents.VerifyCommand(args, stdout); code != 0 {
			return fmt.Errorf("verify: the document is not valid (exit %d)", code)
		}
		return nil
	}
	if command == "audit" {
		if len(args) == 0 || args[0] != "verify" {
			return errors.New("usage: egov audit verify [flags]")
		}
		command, args = "audit verify", args[1:]
	}
	gatewaySub := ""
	if command == "gateway" {
		if len(args) == 0 || strings.HasPrefix(args[0], "-") {
			return errors.New("usage: egov gateway verify | evidence | check [flags]")
		}
		gatewaySub, args = args[0], args[1:]
	}
	var gatewayFlags gatewayOptions
	var seedFlags seedOptions
	var extra []func(*flag.FlagSet)
	if command == "seed" {
		extra = append(extra, seedFlags.register)
	}
	if command == "gateway" {
		extra = append(extra, gatewayFlags.register)
	}
	cfg, rest, err := config.Load(args, os.Getenv, extra...)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("unexpected arguments %q", rest)
	}
	logger := newLogger(cfg, stderr)
	slog.SetDefault(logger)

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	switch command {
	case "serve":
		return serve(ctx, cfg, logger, stdout)
	case "migrate":
		db, err := app.Open(ctx, cfg)
		if err != nil {
			return err
		}
		defer db.Close()
		fmt.Fprintln(stdout, "migrations applied")
		return nil
	case "seed":
		return seed(ctx, cfg, logger, stdout, seedFlags)
	case "audit verify":
		return auditVerify(ctx, cfg, stdout)
	case "gateway":
		return gatewayCommand(ctx, gatewaySub, cfg, logger, os.Stdin, stdout, gatewayFlags)
	}
	return fmt.Errorf("unknown command %q (want serve, migrate, seed, audit verify or gateway)", command)
}

func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// seedOptions are the flags of `egov seed`.
type seedOptions struct {
	people int
	seed   int64
}

func (o *seedOptions) register(fs *flag.FlagSet) {
	fs.IntVar(&o.people, "people", 0, "seed: also generate this many synthetic people, with families, businesses and vehicles")
	fs.Int64Var(&o.seed, "seed", 1, "seed: seed of the synthetic population (same seed, same people)")
}

// seed adds the demo data that is missing and, with --people N, a
// synthetic population of N more people (deterministic for --seed).
func seed(ctx context.Context, cfg *config.Config, logger *slog.Logger, stdout io.Writer, opts seedOptions) error {
	db, err := app.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	cfg.Demo = false // New must not seed; this command reports what it adds
	a, err := app.New(ctx, cfg, db, logger)
	if err != nil {
		return err
	}
	added, err := a.Seed(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "demo data: %d rows added\n", added)
	if opts.people > 0 {
		stats, err := a.Registry.GeneratePopulation(ctx, opts.seed, opts.people)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "population: %d people, %d businesses, %d vehicles in %s (%.0f people/s)\n",
			stats.People, stats.Businesses, stats.Vehicles, stats.Elapsed.Round(time.Millisecond), stats.PeoplePerSecond())
	}
	return nil
}

func serve(ctx context.Context, cfg *config.Config, logger *slog.Logger, stdout io.Writer) error {
	db, err := app.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	a, err := app.New(ctx, cfg, db, logger)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           a.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	background, stopBackground := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.Run(background)
	}()

	printBanner(stdout, cfg, a)
	serveErr := make(chan error, 2)
	go func() { serveErr <- srv.Serve(ln) }()
	govstackSrv, err := serveGovStack(cfg, a, logger, serveErr)
	if err != nil {
		srv.Close()
		stopBackground()
		<-done
		return err
	}

	select {
	case err := <-serveErr:
		stopBackground()
		<-done
		return err
	case <-ctx.Done():
	}
	// SIGTERM: stop taking connections, let in-flight requests finish.
	logger.Info("shutting down", "timeout", cfg.ShutdownTimeout.String())
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	err = srv.Shutdown(shutdownCtx)
	if govstackSrv != nil {
		err = errors.Join(err, govstackSrv.Shutdown(shutdownCtx))
	}
	stopBackground()
	<-done
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	logger.Info("stopped")
	return nil
}

// serveGovStack serves the GovStack building-block APIs on their own
// listener when one is configured: they are for other systems, outside
// egov's sessions and CSRF.
func serveGovStack(cfg *config.Config, a *app.App, logger *slog.Logger, serveErr chan<- error) (*http.Server, error) {
	if cfg.GovStackAddr == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", cfg.GovStackAddr)
	if err != nil {
		return nil, err
	}
	srv := &http.Server{
		Handler:           a.GovStack.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	logger.Info("GovStack APIs listening", "addr", ln.Addr().String())
	go func() { serveErr <- srv.Serve(ln) }()
	return srv, nil
}

func printBanner(w io.Writer, cfg *config.Config, a *app.App) {
	store := "SQLite in " + cfg.DataDir
	if cfg.DatabaseURL != "" {
		store = "PostgreSQL"
	}
	fmt.Fprintf(w, "\negov is serving at %s (%s)\n", cfg.BaseURL, store)
	fmt.Fprintf(w, "  catalog: %d services\n", a.Catalog.Count())
	if cfg.Demo {
		fmt.Fprintln(w, "  demo mode: synthetic data; no real person is named")
		fmt.Fprintf(w, "  demo sign-in: %s/auth/demo\n", cfg.BaseURL)
		fmt.Fprintln(w, "    citizens (FIN): 5ZQX7KA Aysel Məmmədova, 2HPL4RM Rəşad Məmmədov (director of 1700123451),")
		fmt.Fprintln(w, "                    7MJD3TE Gülnarə Həsənova, 3KCR8WN Tural Quliyev")
		fmt.Fprintln(w, "    staff (password demo): admin, asan.operator, dim.operator, dim.supervisor,")
		fmt.Fprintln(w, "                           migration.operator, border.officer, auditor")
	}
	fmt.Fprintln(w)
}
