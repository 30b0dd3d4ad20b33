package centers

import "sync"

// hub wakes the board's event streams of a centre when a desk of this
// replica calls; streams also poll the database, so calls made on another
// replica reach them too.
type hub struct {
	mu   sync.Mutex
	subs map[string]map[chan struct{}]struct{}
}

func newHub() *hub { return &hub{subs: map[string]map[chan struct{}]struct{}{}} }

func (h *hub) subscribe(centre string) (chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	h.mu.Lock()
	if h.subs[centre] == nil {
		h.subs[centre] = map[chan struct{}]struct{}{}
	}
	h.subs[centre][ch] = struct{}{}
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		delete(h.subs[centre], ch)
		h.mu.Unlock()
	}
}

func (h *hub) notify(centre string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs[centre] {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}
