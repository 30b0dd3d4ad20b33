package gateway

import (
	"sync"
	"time"

	"github.com/egov/egov/internal/errs"
)

// What every exchange reads of the configuration — the service, the
// client's grants, whose an API key is, whether a subsystem exists — is
// cached for confTTL instead of read from the database each time. Every
// change made through this Gateway clears the cache at once; a change
// another replica makes is seen within confTTL, as X-Road's security
// servers see their configuration's changes after their cache expires.
const confTTL = 5 * time.Second

type confCache struct {
	mu  sync.Mutex
	m   map[string]cachedValue
	gen uint64 // bumped by invalidate, so a load that raced a change is not kept
}

type cachedValue struct {
	v   any
	err error
	at  time.Time
}

// cached answers load's result for key, loading it when absent or stale.
// Only answers and "not found" are kept; other errors are retried.
func cached[T any](g *Gateway, key string, load func() (T, error)) (T, error) {
	c := &g.conf
	c.mu.Lock()
	e, ok := c.m[key]
	gen := c.gen
	c.mu.Unlock()
	if ok && time.Since(e.at) < confTTL {
		v, _ := e.v.(T)
		return v, e.err
	}
	v, err := load()
	if err == nil || errs.KindOf(err) == errs.NotFound {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.gen != gen {
			return v, err
		}
		if c.m == nil || len(c.m) > 10000 {
			c.m = map[string]cachedValue{}
		}
		c.m[key] = cachedValue{v: v, err: err, at: time.Now()}
	}
	return v, err
}

// invalidate forgets the cached configuration, after a change.
func (g *Gateway) invalidate() {
	g.conf.mu.Lock()
	g.conf.m = nil
	g.conf.gen++
	g.conf.mu.Unlock()
}
