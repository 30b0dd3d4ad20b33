// Command gateway is bench/gateway's helper: it serves the population
// registry over HTTP (the provider every setup ends at), writes the
// federation's certificates for the security servers, and generates load
// with fixed concurrency for a fixed time, printing requests per second
// and latency percentiles. bench/gateway/run drives it.
//
//	gateway registry -addr 127.0.0.1:9000 -data DIR
//	gateway pki -dir DIR
//	gateway load -url URL -c 32 -d 10s [-H 'Name: value' ...]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/egov/egov/internal/registry"
	"github.com/egov/egov/internal/store"
)

func main() {
	log.SetFlags(0)
	if len(os.Args) < 2 {
		log.Fatal("usage: gateway registry|pki|load [flags]")
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	var err error
	switch os.Args[1] {
	case "registry":
		addr := fs.String("addr", "127.0.0.1:9000", "listen address")
		data := fs.String("data", "", "data directory of the registry's SQLite store")
		fs.Parse(os.Args[2:])
		err = serveRegistry(*addr, *data)
	case "pki":
		dir := fs.String("dir", ".", "where to write ca.pem and the members' certificates")
		fs.Parse(os.Args[2:])
		err = writePKI(*dir)
	case "load":
		var o loadOptions
		fs.StringVar(&o.url, "url", "", "the URL to GET")
		fs.IntVar(&o.concurrency, "c", 32, "requests in flight")
		fs.DurationVar(&o.duration, "d", 10*time.Second, "how long to measure")
		fs.DurationVar(&o.warmup, "warmup", 2*time.Second, "load before measuring")
		fs.Var(&o.headers, "H", "a request header, 'Name: value' (repeatable)")
		fs.Parse(os.Args[2:])
		var r result
		if r, err = load(context.Background(), o); err == nil {
			fmt.Println(r)
		}
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		log.Fatal(err)
	}
}

// serveRegistry serves the registries, with the demo fixtures, as the
// gateway's provider.
func serveRegistry(addr, data string) error {
	if data == "" {
		return errors.New("registry: -data is required")
	}
	ctx := context.Background()
	db, err := store.Open(ctx, "", data)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx, registry.Migrations); err != nil {
		return err
	}
	reg := registry.New(db)
	if _, err := reg.SeedDemo(ctx, time.Now()); err != nil {
		return err
	}
	srv := &http.Server{Addr: addr, Handler: reg.ProviderHandler(nil), ReadHeaderTimeout: 10 * time.Second}
	fmt.Println("registry at http://" + addr)
	return srv.ListenAndServe()
}

type headerFlags []string

func (h *headerFlags) String() string { return strings.Join(*h, ", ") }

func (h *headerFlags) Set(v string) error {
	if !strings.Contains(v, ":") {
		return fmt.Errorf("header %q is not 'Name: value'", v)
	}
	*h = append(*h, v)
	return nil
}
