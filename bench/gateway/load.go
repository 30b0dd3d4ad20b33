package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

type loadOptions struct {
	url              string
	concurrency      int
	duration, warmup time.Duration
	headers          headerFlags
}

type result struct {
	requests, errors int64
	sent             int64
	elapsed          time.Duration
	p50, p99         time.Duration
}

// String is one line of JSON, which bench/gateway/run reads.
func (r result) String() string {
	return fmt.Sprintf(`{"rps":%.0f,"p50_ms":%.2f,"p99_ms":%.2f,"requests":%d,"errors":%d,"sent":%d}`,
		float64(r.requests)/r.elapsed.Seconds(), ms(r.p50), ms(r.p99), r.requests, r.errors, r.sent)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// load keeps o.concurrency requests in flight: a warm-up first (so
// connections and caches are set up), then o.duration measured. A request
// is an error unless it answers 200; its latency counts either way.
func load(ctx context.Context, o loadOptions) (result, error) {
	if o.url == "" || o.concurrency < 1 {
		return result{}, fmt.Errorf("load: -url and -c ≥ 1 are required")
	}
	header := http.Header{}
	for _, h := range o.headers {
		k, v, _ := strings.Cut(h, ":")
		header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConnsPerHost: o.concurrency, MaxConnsPerHost: o.concurrency, DisableCompression: true}}
	// First a single request, so a broken setup fails loudly.
	if status, err := get(ctx, client, o.url, header); err != nil || status != http.StatusOK {
		return result{}, fmt.Errorf("load: GET %s: status %d, %v", o.url, status, err)
	}
	run := func(d time.Duration) (result, [][]time.Duration) {
		lat := make([][]time.Duration, o.concurrency)
		errs := make([]int64, o.concurrency)
		deadline := time.Now().Add(d)
		start := time.Now()
		var wg sync.WaitGroup
		for i := range o.concurrency {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for time.Now().Before(deadline) {
					t0 := time.Now()
					status, err := get(ctx, client, o.url, header)
					lat[i] = append(lat[i], time.Since(t0))
					if err != nil || status != http.StatusOK {
						errs[i]++
					}
				}
			}()
		}
		wg.Wait()
		r := result{elapsed: time.Since(start)}
		for i := range lat {
			r.requests += int64(len(lat[i]))
			r.errors += errs[i]
		}
		return r, lat
	}
	var warm result
	if o.warmup > 0 {
		warm, _ = run(o.warmup)
	}
	r, lat := run(o.duration)
	// Everything sent, the first request and the warm-up's included: what
	// the servers' CPU time is divided by.
	r.sent = 1 + warm.requests + r.requests
	all := slices.Concat(lat...)
	slices.Sort(all)
	if len(all) > 0 {
		r.p50 = all[len(all)*50/100]
		r.p99 = all[min(len(all)-1, len(all)*99/100)]
	}
	return r, nil
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
