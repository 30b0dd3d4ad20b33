package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/egov/egov/internal/store"
)

const sessionCookie = "egov_session"

// Session lifetimes: a session ends after IdleTimeout without requests or
// at MaxAge after sign-in, whichever comes first.
const (
	IdleTimeout = 2 * time.Hour
	MaxAge      = 12 * time.Hour
)

// Session is a signed-in session, stored server-side. The cookie holds a
// random token; the database holds only its SHA-256, so a copy of the
// table signs nobody in.
type Session struct {
	idHash    string
	Subject   string
	Data      map[string]string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// IDHash is the hash of the session's token, as stored: it names the
// session (in a signature, say) without revealing the token.
func (s *Session) IDHash() string { return s.idHash }

// Sessions stores sessions in the database, so any replica can serve any
// request.
type Sessions struct {
	db     *store.DB
	secure bool
	now    func() time.Time
}

func (s *Sessions) clock() time.Time {
	if s.now != nil {
		return s.now().UTC()
	}
	return time.Now().UTC()
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// Start signs subject in: it ends the request's current session, if any,
// and issues a new token (rotation on sign-in defeats session fixation).
func (s *Sessions) Start(ctx context.Context, w http.ResponseWriter, r *http.Request, subject string, data map[string]string) (*Session, error) {
	if old := SessionOf(r.Context()); old != nil {
		if err := s.delete(ctx, old.idHash); err != nil {
			return nil, err
		}
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, err
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	if data == nil {
		data = map[string]string{}
	}
	encoded, err := json.Marshal(data)
	if err != nil {
		return nil, err
	}
	now := s.clock()
	sess := &Session{idHash: hashToken(token), Subject: subject, Data: data, CreatedAt: now, ExpiresAt: now.Add(MaxAge)}
	_, err = s.db.ExecContext(ctx,
		`INSERT INTO web_sessions (id_hash, subject, data, created_at, seen_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		sess.idHash, subject, string(encoded), now, now, sess.ExpiresAt)
	if err != nil {
		return nil, err
	}
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: token, Path: "/", HttpOnly: true, Secure: s.secure,
		SameSite: http.SameSiteLaxMode, Expires: sess.ExpiresAt,
	})
	return sess, nil
}

// Load returns the session the request's cookie names, or nil when there is
// none or it has expired. It slides the idle timeout at most once a minute.
func (s *Sessions) Load(ctx context.Context, r *http.Request) (*Session, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" || len(c.Value) > 100 {
		return nil, nil
	}
	sess := &Session{idHash: hashToken(c.Value)}
	var data string
	var seen time.Time
	err = s.db.QueryRowContext(ctx,
		`SELECT subject, data, created_at, seen_at, expires_at FROM web_sessions WHERE id_hash = $1`, sess.idHash).
		Scan(&sess.Subject, &data, &sess.CreatedAt, &seen, &sess.ExpiresAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	now := s.clock()
	if now.After(sess.ExpiresAt) || now.Sub(seen) > IdleTimeout {
		return nil, s.delete(ctx, sess.idHash)
	}
	if err := json.Unmarshal([]byte(data), &sess.Data); err != nil {
		return nil, err
	}
	if now.Sub(seen) > time.Minute {
		if _, err := s.db.ExecContext(ctx, `UPDATE web_sessions SET seen_at = $1 WHERE id_hash = $2`, now, sess.idHash); err != nil {
			return nil, err
		}
	}
	return sess, nil
}

// End signs the request's session out and clears the cookie.
func (s *Sessions) End(ctx context.Context, w http.ResponseWriter, r *http.Request) error {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
	if sess := SessionOf(r.Context()); sess != nil {
		return s.delete(ctx, sess.idHash)
	}
	return nil
}

// EndAll signs subject out everywhere.
func (s *Sessions) EndAll(ctx context.Context, subject string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM web_sessions WHERE subject = $1`, subject)
	return err
}

// Prune deletes expired sessions.
func (s *Sessions) Prune(ctx context.Context) (int64, error) {
	now := s.clock()
	res, err := s.db.ExecContext(ctx, `DELETE FROM web_sessions WHERE expires_at < $1 OR seen_at < $2`, now, now.Add(-IdleTimeout))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (s *Sessions) delete(ctx context.Context, idHash string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM web_sessions WHERE id_hash = $1`, idHash)
	return err
}

// LoadSecret returns the site's signing key: derived from the configured
// secret, or else generated once and kept in the database so that every
// replica signs alike.
func LoadSecret(ctx context.Context, db *store.DB, configured string) ([]byte, error) {
	if configured != "" {
		sum := sha256.Sum256([]byte("egov-site-key|" + configured))
		return sum[:], nil
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, err
	}
	// Two replicas may race to create it; the first insert wins and both
	// read the winner back.
	_, err := db.ExecContext(ctx,
		`INSERT INTO web_secrets (name, value, created_at) VALUES ('site', $1, $2) ON CONFLICT (name) DO NOTHING`,
		hex.EncodeToString(raw), time.Now().UTC())
	if err != nil {
		return nil, err
	}
	var value string
	if err := db.QueryRowContext(ctx, `SELECT value FROM web_secrets WHERE name = 'site'`).Scan(&value); err != nil {
		return nil, err
	}
	return hex.DecodeString(value)
}

// Set changes one value of the session's data.
func (s *Sessions) Set(ctx context.Context, sess *Session, key, value string) error {
	data := map[string]string{}
	for k, v := range sess.Data {
		data[k] = v
	}
	data[key] = value
	encoded, err := json.Marshal(data)
	if err != nil {
		return err
	}
	if _, err := s.db.ExecContext(ctx, `UPDATE web_sessions SET data = $1 WHERE id_hash = $2`, string(encoded), sess.idHash); err != nil {
		return err
	}
	sess.Data = data
	return nil
}
