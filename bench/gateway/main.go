// Command gateway is bench/gateway's helper: it serves the population
// registry over HTTP (the provider every setup ends at), writes the
// federation's certificates for the security servers, and generates load
// with fixed concurrency for a fixed time, printing requests per second,
// latency percentiles and the CPU time each request cost. bench/gateway/run
// drives it.
//
//	gateway registry -addr 127.0.0.1:9000 -data DIR
//	gateway pki -dir DIR
//	gateway load -c 32 -d 10s -slices 5 -registry-pid PID \
//	    -target NAME -url URL [-pids 'PID…'] [-H 'Name: value' ...] [-target …]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"strconv"
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
		o := loadOptions{clockTicks: 100}
		// -target starts a target; -url, -pids and -H apply to the last.
		last := func() *target {
			if len(o.targets) == 0 {
				o.targets = append(o.targets, &target{name: "load"})
			}
			return o.targets[len(o.targets)-1]
		}
		fs.Func("target", "a setup's name: the flags after it describe it (repeatable)", func(name string) error {
			o.targets = append(o.targets, &target{name: name})
			return nil
		})
		fs.Func("url", "the URL to GET", func(u string) error { last().url = u; return nil })
		fs.Func("pids", "the proxies' process ids, space-separated", func(v string) error {
			for _, f := range strings.Fields(v) {
				pid, err := strconv.Atoi(f)
				if err != nil {
					return err
				}
				last().pids = append(last().pids, pid)
			}
			return nil
		})
		fs.Func("H", "a request header, 'Name: value' (repeatable)", func(v string) error { return last().headers.Set(v) })
		fs.IntVar(&o.concurrency, "c", 32, "requests in flight")
		fs.DurationVar(&o.duration, "d", 10*time.Second, "how long to measure each target")
		fs.DurationVar(&o.warmup, "warmup", 2*time.Second, "load before measuring")
		fs.IntVar(&o.slices, "slices", 5, "how many turns the targets take")
		fs.IntVar(&o.registryPID, "registry-pid", 0, "the provider's process id")
		fs.IntVar(&o.clockTicks, "clock-ticks", 100, "clock ticks per second of /proc's CPU times (getconf CLK_TCK)")
		fs.Parse(os.Args[2:])
		err = load(context.Background(), o)
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
