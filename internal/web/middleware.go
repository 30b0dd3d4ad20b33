package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"regexp"
	"runtime/debug"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/lang"
)

func contextWith(ctx context.Context, key ctxKey, v any) context.Context {
	return context.WithValue(ctx, key, v)
}

// Handler wraps the application's routes in the site's middleware, outermost
// first: request ID, metrics and logging, panic recovery, security headers,
// cross-origin protection, language, session, CSRF.
func (s *Site) Handler(routes http.Handler, metrics *Metrics) http.Handler {
	h := routes
	h = s.CSRF(h)
	h = s.loadSession(h)
	h = s.language(h)
	h = crossOrigin(h)
	h = securityHeaders(h)
	h = s.recoverPanics(h)
	h = s.observe(h, metrics)
	h = requestID(h)
	return h
}

var safeRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{8,64}$`)

func requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !safeRequestID.MatchString(id) {
			b := make([]byte, 12)
			rand.Read(b)
			id = hex.EncodeToString(b)
		}
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(contextWith(r.Context(), keyRequestID, id)))
	})
}

// statusWriter remembers the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

// Flush lets server-sent events through the wrapper.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe logs each request and counts it. It logs the route pattern, never
// the path or query, which may hold personal data (a FIN, a plate).
func (s *Site) observe(next http.Handler, m *Metrics) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		// Inner middleware copies the request, so the router reports the
		// matched pattern back through this holder.
		matched := new(string)
		next.ServeHTTP(sw, r.WithContext(contextWith(r.Context(), keyPattern, matched)))
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		pattern := *matched
		if pattern == "" {
			pattern = "unmatched"
		}
		elapsed := time.Since(start)
		if m != nil {
			m.requests.WithLabelValues(pattern, fmt.Sprint(sw.status)).Inc()
			m.duration.WithLabelValues(pattern).Observe(elapsed.Seconds())
		}
		s.Logger.Info("request", "method", r.Method, "pattern", pattern, "status", sw.status,
			"bytes", sw.bytes, "ms", elapsed.Milliseconds(), "request_id", RequestID(r.Context()))
	})
}

func (s *Site) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.Logger.Error("panic", "pattern", r.Pattern, "panic", fmt.Sprint(p), "stack", string(debug.Stack()), "request_id", RequestID(r.Context()))
				s.Error(w, r, errs.E(errs.Internal, "error.internal"))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// ContentSecurityPolicy allows nothing inline and nothing from elsewhere.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", ContentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
		next.ServeHTTP(w, r)
	})
}

// crossOrigin refuses unsafe cross-site browser requests using Fetch
// metadata (Sec-Fetch-Site / Origin), a second wall behind the CSRF token.
func crossOrigin(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	return cop.Handler(next)
}

// language picks the request's language: ?lang= (remembered in a cookie),
// else the cookie, else Accept-Language, else Azerbaijani. A signed-in
// person's choice is also kept in their account (see identity).
func (s *Site) language(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var l lang.Lang
		ctx := r.Context()
		if q := r.URL.Query().Get("lang"); q != "" {
			if parsed, ok := lang.Parse(q); ok {
				l = parsed
				ctx = contextWith(ctx, keyLangChosen, true)
				http.SetCookie(w, &http.Cookie{Name: "lang", Value: string(l), Path: "/", MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteLaxMode, Secure: s.csrf.secure})
			}
		}
		if l == "" {
			if c, err := r.Cookie("lang"); err == nil {
				if parsed, ok := lang.Parse(c.Value); ok {
					l = parsed
				}
			}
		}
		if l == "" {
			l = lang.FromAcceptLanguage(r.Header.Get("Accept-Language"))
		}
		w.Header().Set("Content-Language", string(l))
		w.Header().Add("Vary", "Accept-Language, Cookie")
		next.ServeHTTP(w, r.WithContext(WithLang(ctx, l)))
	})
}

func (s *Site) loadSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess, err := s.Sessions.Load(r.Context(), r)
		if err != nil {
			s.Error(w, r, errs.As(err))
			return
		}
		if sess != nil {
			ctx := contextWith(r.Context(), keySession, sess)
			if s.Resolve != nil {
				p, err := s.Resolve(ctx, sess)
				if err != nil {
					s.Error(w, r, err)
					return
				}
				if p != nil {
					ctx = WithPrincipal(ctx, p)
				}
			}
			r = r.WithContext(ctx)
		} else if token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok &&
			s.ResolveBearer != nil && strings.HasPrefix(r.URL.Path, "/api/") {
			p, err := s.ResolveBearer(r.Context(), strings.TrimSpace(token))
			if err != nil {
				s.Error(w, r, err)
				return
			}
			if p != nil {
				r = r.WithContext(WithPrincipal(r.Context(), p))
			}
		}
		next.ServeHTTP(w, r)
	})
}

// Metrics are the HTTP metrics exported at /metrics.
type Metrics struct {
	Registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// NewMetrics creates a registry with Go runtime, process and HTTP metrics.
func NewMetrics() *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		Registry: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "egov_http_requests_total", Help: "HTTP requests by route pattern and status.",
		}, []string{"pattern", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "egov_http_request_duration_seconds", Help: "HTTP request latency by route pattern.",
			Buckets: prometheus.DefBuckets,
		}, []string{"pattern"}),
	}
	reg.MustRegister(m.requests, m.duration,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}
