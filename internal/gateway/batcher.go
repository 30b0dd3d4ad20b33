package gateway

import (
	"runtime"
	"sync"
	"time"
)

// batcher hands items to flush in batches, from one goroutine at a time:
// items added while a batch is being flushed wait together for the next.
// When busy says other exchanges are under way, the goroutine first
// gathers: it yields to the process's other goroutines for as long as
// they keep adding items, up to window. Sleeping the whole window
// instead left both CPUs idle at moments when every exchange was parked
// in some batch (8 % idle under bench/gateway's load, against 3 %). An
// idle batcher holds no goroutine. The message log's group commit and
// the batch signatures are both such batches.
//
// With a target, a busy batcher gathers differently: it waits, without
// spinning, until the queue holds target items or the window has
// passed. The signatures do so (see batchsign.go).
type batcher[T any] struct {
	max    int           // the largest batch
	window time.Duration // how long a busy batch may gather
	busy   func() bool   // whether to gather; nil: never
	target func() int    // how many items to wait for; nil: see above
	flush  func([]T)

	mu      sync.Mutex
	queue   []T
	running bool
	want    int           // a waiting gather's target, 0 when none waits
	full    chan struct{} // tells the waiting gather the target is reached
}

func (b *batcher[T]) add(item T) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.queue = append(b.queue, item)
	if b.want > 0 && len(b.queue) >= b.want {
		b.want = 0
		b.full <- struct{}{}
	}
	if !b.running {
		b.running = true
		go b.run()
	}
}

// run flushes batches until the queue is empty. It gathers before each
// batch, not only the first: under load the queue never empties, and a
// writer that took whatever had come during its last flush wrote
// batches of about two, each paying a whole transaction.
func (b *batcher[T]) run() {
	for {
		if b.window > 0 && b.busy != nil && b.busy() {
			b.gather()
		}
		b.mu.Lock()
		batch := b.queue
		if len(batch) > b.max {
			batch = batch[:b.max]
		}
		b.queue = b.queue[len(batch):]
		if len(batch) == 0 {
			b.running = false
			b.queue = nil
			b.mu.Unlock()
			return
		}
		b.mu.Unlock()
		b.flush(batch)
	}
}

// gather yields to the process's other goroutines for as long as they
// keep adding items, up to the window.
func (b *batcher[T]) gather() {
	if b.target != nil {
		b.await(b.target())
		return
	}
	deadline := time.Now().Add(b.window)
	for n := -1; time.Now().Before(deadline); {
		b.mu.Lock()
		l := len(b.queue)
		b.mu.Unlock()
		if l == n || l >= b.max {
			return
		}
		n = l
		runtime.Gosched()
	}
}

// await waits until the queue holds want items or the window passes.
func (b *batcher[T]) await(want int) {
	b.mu.Lock()
	// Also with an empty queue: a runner that has just flushed a batch
	// starts gathering the next at once. (Letting it go, and the next
	// item start another, made the pair cost 5 % more CPU per exchange.)
	if len(b.queue) >= min(want, b.max) {
		b.mu.Unlock()
		return
	}
	if b.full == nil {
		b.full = make(chan struct{}, 1)
	}
	b.want = min(want, b.max)
	b.mu.Unlock()
	t := time.NewTimer(b.window)
	defer t.Stop()
	select {
	case <-b.full:
	case <-t.C:
		b.mu.Lock()
		if b.want == 0 {
			<-b.full // add told at the same moment: take it back
		}
		b.want = 0
		b.mu.Unlock()
	}
}
