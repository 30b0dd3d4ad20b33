package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// target is one setup under load: where to send requests, and which
// processes serve them as proxies, so that their CPU time is counted.
type target struct {
	name    string
	url     string
	headers headerFlags
	pids    []int // the proxies; their children (nginx's workers) count too

	client *http.Client
	header http.Header
	res    result
	lat    []time.Duration
}

type loadOptions struct {
	targets          []*target
	concurrency      int
	duration, warmup time.Duration
	slices           int // the targets take turns this many times
	registryPID      int // the provider's process, 0 if not counted
	clockTicks       int // of /proc's CPU times, per second
}

type result struct {
	requests, errors int64
	sent             int64
	elapsed          time.Duration
	p50, p99         time.Duration
	// CPU time of the proxies and the registry, and the machine's idle
	// time, in clock ticks, over the target's turns and warm-up.
	proxyTicks, registryTicks, idleTicks int64
	wall                                 time.Duration
}

// String is one line of JSON, which bench/gateway/run reads.
func (r result) String(clockTicks int) string {
	perRequest := func(ticks int64) float64 {
		return float64(ticks) / float64(clockTicks) * 1e6 / float64(max(r.sent, 1))
	}
	idle := float64(r.idleTicks) / float64(clockTicks) / (r.wall.Seconds() * float64(runtime.NumCPU())) * 100
	return fmt.Sprintf(`{"rps":%.0f,"p50_ms":%.2f,"p99_ms":%.2f,"requests":%d,"errors":%d,"sent":%d,"proxies_cpu_us":%.0f,"registry_cpu_us":%.0f,"idle_pct":%.0f}`,
		float64(r.requests)/r.elapsed.Seconds(), ms(r.p50), ms(r.p99), r.requests, r.errors, r.sent,
		perRequest(r.proxyTicks), perRequest(r.registryTicks), idle)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// load keeps o.concurrency requests in flight against each target in
// turn: a warm-up each first (so connections and caches are set up), then
// o.duration each, measured, in o.slices turns. Turns of a few seconds
// rather than one stretch each put both targets under the same drift of
// the machine's speed, which on a shared VM swings by a fifth within a
// minute. The order of the turns alternates (A B B A …), so a steady
// drift favours neither. A request is an error unless it answers 200; its
// latency counts either way.
func load(ctx context.Context, o loadOptions) error {
	if len(o.targets) == 0 || o.concurrency < 1 || o.slices < 1 {
		return fmt.Errorf("load: -target, -url, -c ≥ 1 and -slices ≥ 1 are required")
	}
	for _, t := range o.targets {
		if t.url == "" {
			return fmt.Errorf("load: target %s has no -url", t.name)
		}
		t.header = http.Header{}
		for _, h := range t.headers {
			k, v, _ := strings.Cut(h, ":")
			t.header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
		}
		t.client = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
			MaxIdleConnsPerHost: o.concurrency, MaxConnsPerHost: o.concurrency, DisableCompression: true}}
		t.pids = withChildren(t.pids)
		// First a single request, so a broken setup fails loudly.
		if status, err := get(ctx, t.client, t.url, t.header); err != nil || status != http.StatusOK {
			return fmt.Errorf("load: GET %s: status %d, %v", t.url, status, err)
		}
		t.res.sent++
	}
	for _, t := range o.targets {
		if o.warmup > 0 {
			t.turn(ctx, o, o.warmup, false)
		}
	}
	slice := o.duration / time.Duration(o.slices)
	for s := range o.slices {
		for i := range o.targets {
			if s%2 == 1 {
				i = len(o.targets) - 1 - i
			}
			o.targets[i].turn(ctx, o, slice, true)
		}
	}
	for _, t := range o.targets {
		slices.Sort(t.lat)
		if len(t.lat) > 0 {
			t.res.p50 = t.lat[len(t.lat)*50/100]
			t.res.p99 = t.lat[min(len(t.lat)-1, len(t.lat)*99/100)]
		}
		fmt.Printf("%s %s\n", t.name, t.res.String(o.clockTicks))
	}
	return nil
}

// turn loads t for d and adds what it cost to t.res: the requests sent
// and the CPU and idle time always (a warm-up's too, as the servers
// spent them), the requests, errors, time and latencies when measured.
func (t *target) turn(ctx context.Context, o loadOptions, d time.Duration, measured bool) {
	proxies, registry, idle := cpuTicks(t.pids), cpuTicks([]int{o.registryPID}), idleTicks()
	lat := make([][]time.Duration, o.concurrency)
	errs := make([]int64, o.concurrency)
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for i := range o.concurrency {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				t0 := time.Now()
				status, err := get(ctx, t.client, t.url, t.header)
				lat[i] = append(lat[i], time.Since(t0))
				if err != nil || status != http.StatusOK {
					errs[i]++
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	t.res.proxyTicks += cpuTicks(t.pids) - proxies
	t.res.registryTicks += cpuTicks([]int{o.registryPID}) - registry
	t.res.idleTicks += idleTicks() - idle
	t.res.wall += elapsed
	for i := range lat {
		n := int64(len(lat[i]))
		t.res.sent += n
		if measured {
			t.res.requests += n
			t.res.errors += errs[i]
			t.lat = append(t.lat, lat[i]...)
		}
	}
	if measured {
		t.res.elapsed += elapsed
	}
}

// cpuTicks is the CPU time (user and system, in clock ticks) that the
// processes pids have used so far; 0 for a pid of 0 or one gone.
func cpuTicks(pids []int) int64 {
	var total int64
	for _, pid := range pids {
		if pid == 0 {
			continue
		}
		f := procStat(pid)
		if len(f) > 12 {
			utime, _ := strconv.ParseInt(f[11], 10, 64)
			stime, _ := strconv.ParseInt(f[12], 10, 64)
			total += utime + stime
		}
	}
	return total
}

// procStat is /proc/PID/stat's fields after the command's name: the
// process's state is the first.
func procStat(pid int) []string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil
	}
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 {
		s = s[i+1:]
	}
	return strings.Fields(s)
}

// withChildren is pids and their children's pids.
func withChildren(pids []int) []int {
	entries, _ := os.ReadDir("/proc")
	all := slices.Clone(pids)
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if f := procStat(pid); len(f) > 1 {
			ppid, _ := strconv.Atoi(f[1])
			if slices.Contains(pids, ppid) {
				all = append(all, pid)
			}
		}
	}
	return all
}

// idleTicks is the machine's idle time so far (all CPUs, clock ticks).
func idleTicks() int64 {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line) // cpu user nice system idle iowait …
	if len(f) < 6 {
		return 0
	}
	idle, _ := strconv.ParseInt(f[4], 10, 64)
	iowait, _ := strconv.ParseInt(f[5], 10, 64)
	return idle + iowait
}

func get(ctx context.Context, c *http.Client, url string, header http.Header) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	req.Header = header.Clone()
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}
