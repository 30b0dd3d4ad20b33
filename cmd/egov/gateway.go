package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	"github.com/egov/egov/internal/app"
	"github.com/egov/egov/internal/config"
	"github.com/egov/egov/internal/gateway"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/web"
)

// gatewayOptions are the flags of `egov gateway …`.
type gatewayOptions struct {
	seq      int64
	xRoadID  string
	evidence string
	config   string
	bodies   bool
}

func (o *gatewayOptions) register(fs *flag.FlagSet) {
	fs.Int64Var(&o.seq, "seq", 0, "gateway evidence: the message's sequence number in the log")
	fs.StringVar(&o.xRoadID, "x-road-id", "", "gateway evidence: the exchange's X-Road-Id (its request's message)")
	fs.StringVar(&o.evidence, "file", "-", "gateway check: the evidence JSON to check (- for standard input)")
	fs.StringVar(&o.config, "gateway-config", "", "gateway serve, verify, evidence: the security server's configuration (JSON; see internal/gateway/standalone.go); verify and evidence without it work on egov's own log")
	fs.BoolVar(&o.bodies, "bodies", false, "gateway evidence: include the exchange's request and response bodies, opened with the server's secret (kept only with keep_bodies / -gateway-keep-bodies)")
}

// gatewayCommand runs `egov gateway verify`, `egov gateway evidence` and
// `egov gateway check`.
func gatewayCommand(ctx context.Context, sub string, cfg *config.Config, logger *slog.Logger, stdin io.Reader, stdout io.Writer, opts gatewayOptions) error {
	switch sub {
	case "check":
		return gatewayCheck(stdin, stdout, opts.evidence)
	case "serve":
		return gatewayServe(ctx, cfg, logger, stdout, opts.config)
	}
	g, closeDB, err := openGateway(ctx, cfg, logger, opts.config)
	if err != nil {
		return err
	}
	defer closeDB()
	switch sub {
	case "verify":
		report, err := g.Verify(ctx)
		var broken *gateway.BrokenError
		if errors.As(err, &broken) {
			return fmt.Errorf("message log broken at seq %d: %s", broken.Seq, broken.Reason)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "message log intact: %d messages, %d signatures, signed up to seq %d\n",
			report.Messages, report.Signatures, report.SignedUpTo)
		if report.AnchorSeq > 0 {
			fmt.Fprintf(stdout, "entries up to seq %d were cut by retention; verified from the signed anchor there\n", report.AnchorSeq)
		}
		return nil
	case "evidence":
		seq := opts.seq
		if opts.xRoadID != "" {
			msgs, err := g.Messages(ctx, opts.xRoadID)
			if err != nil {
				return err
			}
			if len(msgs) == 0 {
				return fmt.Errorf("no exchange with X-Road-Id %q", opts.xRoadID)
			}
			seq = msgs[0].Seq
		}
		if seq <= 0 {
			return errors.New("usage: egov gateway evidence -seq N | -x-road-id ID")
		}
		// Sign the head first, so the evidence carries a signature even
		// for a message newer than the last batch.
		if _, err := g.SignHead(ctx); err != nil {
			return err
		}
		ev, err := g.Evidence(ctx, seq)
		if err != nil {
			return err
		}
		if opts.bodies {
			if ev.Bodies, err = g.MessageBodies(ctx, seq); err != nil {
				return fmt.Errorf("bodies of message %d: %w", seq, err)
			}
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(ev)
	}
	return fmt.Errorf("unknown command \"gateway %s\" (want serve, verify, evidence or check)", sub)
}

// openGateway opens the message log to verify or export from: a
// standalone server's (its database in the data directory or
// EGOV_DATABASE_URL, its secret from its configuration), or egov's own
// (its secret the site secret).
func openGateway(ctx context.Context, cfg *config.Config, logger *slog.Logger, confPath string) (*gateway.Gateway, func(), error) {
	var opts gateway.Options
	var db *store.DB
	var err error
	if confPath != "" {
		conf, err := gateway.LoadStandalone(confPath)
		if err != nil {
			return nil, nil, err
		}
		if opts, err = conf.Options(); err != nil {
			return nil, nil, err
		}
		if db, err = store.Open(ctx, cfg.DatabaseURL, cfg.DataDir); err != nil {
			return nil, nil, err
		}
		if err := db.Migrate(ctx, gateway.Migrations); err != nil {
			db.Close()
			return nil, nil, err
		}
	} else {
		if db, err = app.Open(ctx, cfg); err != nil {
			return nil, nil, err
		}
		if opts.Secret, err = web.LoadSecret(ctx, db, cfg.Secret); err != nil {
			db.Close()
			return nil, nil, err
		}
	}
	g := gateway.New(db, logger)
	if err := g.Configure(opts); err != nil {
		db.Close()
		return nil, nil, err
	}
	if confPath != "" && db.Engine == store.SQLite {
		// What a server that stopped left in its journal is indexed
		// first. While it runs, it holds the journal, and the tables
		// hold all but its last moments.
		switch err := g.OpenJournal(ctx, filepath.Join(cfg.DataDir, journalFile)); {
		case errors.Is(err, gateway.ErrJournalBusy):
		case err != nil:
			db.Close()
			return nil, nil, err
		default:
			return g, func() { g.CloseJournal(); db.Close() }, nil
		}
	}
	return g, func() { db.Close() }, nil
}

// journalFile is the message log's journal of a standalone security
// server on SQLite, in its data directory.
const journalFile = "gateway-journal"

func pprofMux() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	return mux
}

// gatewayCheck verifies exported evidence without any database: the
// message's hash, the chain after it and the signature over its head.
func gatewayCheck(stdin io.Reader, stdout io.Writer, file string) error {
	in := stdin
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	var ev gateway.Evidence
	if err := json.NewDecoder(io.LimitReader(in, 64<<20)).Decode(&ev); err != nil {
		return fmt.Errorf("evidence: %w", err)
	}
	if err := gateway.VerifyEvidence(&ev); err != nil {
		return fmt.Errorf("evidence does not verify: %w", err)
	}
	fmt.Fprintf(stdout, "evidence verifies: message %d (%s %s, X-Road-Id %s) signed at seq %d\n",
		ev.Message.Seq, ev.Message.Client, ev.Message.Service, ev.Message.XRoadID, ev.Signature.Seq)
	return nil
}

// gatewayServe runs one member's security server on its own: its systems
// call it over HTTP with their API keys, other members' security servers
// over mutual TLS. Its message log is in its own database (the data
// directory or EGOV_DATABASE_URL).
func gatewayServe(ctx context.Context, cfg *config.Config, logger *slog.Logger, stdout io.Writer, path string) error {
	if path == "" {
		return errors.New("usage: egov gateway serve -gateway-config FILE [-data-dir DIR]")
	}
	conf, err := gateway.LoadStandalone(path)
	if err != nil {
		return err
	}
	if os.Getenv("GOGC") == "" {
		// A security server is a dedicated process with a small live heap
		// and a high allocation rate: collecting at 5× the live heap
		// instead of 2× takes a fifth of its CPU back (bench/gateway).
		// GOGC, when set, still decides.
		debug.SetGCPercent(400)
	}
	db, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx, gateway.Migrations); err != nil {
		return err
	}
	g := gateway.New(db, logger)
	if db.Engine == store.SQLite {
		// This process alone writes its log: a journal spares SQLite a
		// transaction per batch (gateway.OpenJournal).
		if err := g.OpenJournal(ctx, filepath.Join(cfg.DataDir, journalFile)); err != nil {
			return err
		}
		defer func() {
			if err := g.CloseJournal(); err != nil {
				logger.Error("gateway: closing the message log's journal", "err", err)
			}
		}()
	}
	if err := conf.Apply(ctx, g); err != nil {
		return err
	}
	systems := http.NewServeMux()
	systems.Handle("/r1/", g)
	systems.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) })
	servers := []*http.Server{
		{Addr: conf.Listen, Handler: systems, ReadHeaderTimeout: 10 * time.Second},
		{Addr: conf.ListenTLS, Handler: g.ServerProxy(), TLSConfig: g.ServerTLSConfig(), ReadHeaderTimeout: 10 * time.Second},
	}
	lnSystems, err := net.Listen("tcp", conf.Listen)
	if err != nil {
		return err
	}
	lnPeers, err := net.Listen("tcp", conf.ListenTLS)
	if err != nil {
		lnSystems.Close()
		return err
	}
	errc := make(chan error, 2)
	go func() { errc <- servers[0].Serve(lnSystems) }()
	go func() { errc <- servers[1].ServeTLS(lnPeers, "", "") }()
	signCtx, stopSigner := context.WithCancel(ctx)
	defer stopSigner()
	go g.RunSigner(signCtx, 10*time.Second)
	if addr := os.Getenv("EGOV_PPROF_ADDR"); addr != "" {
		// For profiling the hot path (bench/gateway): net/http/pprof's
		// handlers on a loopback address of the operator's choosing.
		go http.ListenAndServe(addr, pprofMux())
	}
	fmt.Fprintf(stdout, "security server of %s: systems at http://%s, security servers at https://%s\n",
		conf.Member, lnSystems.Addr(), lnPeers.Addr())
	select {
	case <-ctx.Done():
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	}
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	for _, srv := range servers {
		srv.Shutdown(shutdown)
	}
	return nil
}
