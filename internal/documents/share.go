package documents

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/egov/egov/internal/errs"
)

// Limits of a share's life.
const (
	MinShare = time.Hour
	MaxShare = 30 * 24 * time.Hour
	// QRWindow is the step of the rotating QR code; a QR token is good
	// for QRWindows steps from the start of the one it was made in, so
	// for QRWindow×QRWindows (three minutes).
	QRWindow  = time.Minute
	QRWindows = 3
)

// Share is one document shared by its holder: a link (its token is shown
// once) and a rotating QR code, both showing only the chosen fields,
// until ExpiresAt or until withdrawn.
type Share struct {
	ID          int64
	DocumentID  int64
	Fields      []string // the keys of the fields shown
	ShowName    bool     // whether the holder's name is shown
	CreatedAt   time.Time
	ExpiresAt   time.Time
	WithdrawnAt *time.Time
	Opens       []Open
	salt        string
}

// Open is one opening of a shared document.
type Open struct {
	Via string // "link" or "qr"
	At  time.Time
}

// Active reports whether the share still opens at now.
func (sh *Share) Active(now time.Time) bool {
	return sh.WithdrawnAt == nil && now.Before(sh.ExpiresAt)
}

// ShareRequest is what the holder chooses.
type ShareRequest struct {
	HolderFIN string
	Number    string
	Fields    []string
	ShowName  bool
	For       time.Duration // between MinShare and MaxShare
}

// Share shares the holder's document. It returns the share and the
// link's token, which is kept only as its hash and cannot be shown again.
func (s *Service) Share(ctx context.Context, req ShareRequest) (*Share, string, error) {
	d, err := s.holderDocument(ctx, req.HolderFIN, req.Number)
	if err != nil {
		return nil, "", err
	}
	var v errs.Validation
	if req.For < MinShare || req.For > MaxShare {
		v.Add("for", "documents.error.share_for")
	}
	fields := []string{}
	for _, f := range d.Fields {
		if slices.Contains(req.Fields, f.Key) {
			fields = append(fields, f.Key)
		}
	}
	if len(fields) == 0 && !req.ShowName {
		v.Add("fields", "documents.error.share_fields")
	}
	if err := v.Err(); err != nil {
		return nil, "", err
	}
	token := "s" + randomToken()
	now := s.now()
	sh := &Share{DocumentID: d.ID, Fields: fields, ShowName: req.ShowName, CreatedAt: now,
		ExpiresAt: now.Add(req.For), salt: randomToken()}
	list, _ := json.Marshal(fields)
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO documents_shares (document_id, token_hash, salt, fields, show_name,
			created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			d.ID, hashToken(token), sh.salt, string(list), boolInt(req.ShowName), now, sh.ExpiresAt).Scan(&sh.ID)
	})
	if err != nil {
		return nil, "", err
	}
	return sh, token, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func randomToken() string {
	b := make([]byte, 24)
	rand.Read(b)
	return b64.EncodeToString(b)
}

func hashToken(t string) string {
	sum := sha256.Sum256([]byte(t))
	return hex.EncodeToString(sum[:])
}

// holderDocument is the document number of the person with fin; anyone
// else's is NotFound.
func (s *Service) holderDocument(ctx context.Context, fin, number string) (*Document, error) {
	d, err := s.Get(ctx, number)
	if err != nil {
		return nil, err
	}
	if fin == "" || d.HolderFIN != holderKey(fin) {
		return nil, errs.E(errs.NotFound, "documents.error.not_found")
	}
	return d, nil
}

const shareColumns = `id, document_id, salt, fields, show_name, created_at, expires_at, withdrawn_at`

func scanShare(row interface{ Scan(...any) error }) (*Share, error) {
	var (
		sh     Share
		fields string
		show   int
		wd     sql.NullTime
	)
	if err := row.Scan(&sh.ID, &sh.DocumentID, &sh.salt, &fields, &show, &sh.CreatedAt, &sh.ExpiresAt, &wd); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(fields), &sh.Fields); err != nil {
		return nil, err
	}
	sh.ShowName = show != 0
	sh.CreatedAt, sh.ExpiresAt, sh.WithdrawnAt = sh.CreatedAt.UTC(), sh.ExpiresAt.UTC(), timePtr(wd)
	return &sh, nil
}

// Shares lists the shares of the holder's document, newest first, each
// with its openings.
func (s *Service) Shares(ctx context.Context, fin, number string) ([]*Share, error) {
	d, err := s.holderDocument(ctx, fin, number)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+shareColumns+` FROM documents_shares WHERE document_id = $1
		ORDER BY created_at DESC, id DESC`, d.ID)
	if err != nil {
		return nil, err
	}
	var out []*Share
	for rows.Next() {
		sh, err := scanShare(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, sh)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, sh := range out {
		if sh.Opens, err = s.opens(ctx, sh.ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *Service) opens(ctx context.Context, shareID int64) ([]Open, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT via, opened_at FROM documents_share_opens WHERE share_id = $1
		ORDER BY opened_at DESC, id DESC`, shareID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Open
	for rows.Next() {
		var o Open
		if err := rows.Scan(&o.Via, &o.At); err != nil {
			return nil, err
		}
		o.At = o.At.UTC()
		out = append(out, o)
	}
	return out, rows.Err()
}

// share finds the holder's share id of document number.
func (s *Service) share(ctx context.Context, fin, number string, id int64) (*Share, error) {
	d, err := s.holderDocument(ctx, fin, number)
	if err != nil {
		return nil, err
	}
	sh, err := scanShare(s.db.QueryRowContext(ctx, `SELECT `+shareColumns+` FROM documents_shares
		WHERE id = $1 AND document_id = $2`, id, d.ID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.E(errs.NotFound, "documents.error.share_not_found")
	}
	return sh, err
}

// Withdraw ends a share at once: its link and QR codes stop opening.
func (s *Service) Withdraw(ctx context.Context, fin, number string, id int64) error {
	sh, err := s.share(ctx, fin, number, id)
	if err != nil {
		return err
	}
	_, err = s.db.ExecContext(ctx, `UPDATE documents_shares SET withdrawn_at = $1 WHERE id = $2 AND withdrawn_at IS NULL`,
		s.now(), sh.ID)
	return err
}

// QRToken is the rotating QR code's current token for the holder's share
// and when it stops opening.
func (s *Service) QRToken(ctx context.Context, fin, number string, id int64) (string, time.Time, error) {
	sh, err := s.share(ctx, fin, number, id)
	if err != nil {
		return "", time.Time{}, err
	}
	now := s.now()
	if !sh.Active(now) {
		return "", time.Time{}, errs.E(errs.NotFound, "documents.error.share_gone")
	}
	w := now.Unix() / int64(QRWindow/time.Second)
	until := time.Unix((w+QRWindows)*int64(QRWindow/time.Second), 0).UTC()
	if until.After(sh.ExpiresAt) {
		until = sh.ExpiresAt
	}
	return qrToken(s.qrSecret(sh), sh.ID, w), until, nil
}

func (s *Service) qrSecret(sh *Share) []byte { return derive(s.shareKey, sh.salt) }

func qrMAC(secret []byte, id, window int64) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(strconv.FormatInt(id, 10) + "." + strconv.FormatInt(window, 10)))
	return b64.EncodeToString(m.Sum(nil)[:16])
}

func qrToken(secret []byte, id, window int64) string {
	return "q" + strconv.FormatInt(id, 10) + "." + strconv.FormatInt(window, 10) + "." + qrMAC(secret, id, window)
}

// shareToken is a parsed token: a link's (hash set) or a QR code's.
type shareToken struct {
	hash   string
	id     int64
	window int64
	mac    string
}

// parseShareToken reads a token from a URL; false when it cannot be one.
func parseShareToken(t string) (shareToken, bool) {
	if len(t) < 2 || len(t) > 100 || !base64URLDots(t) {
		return shareToken{}, false
	}
	switch t[0] {
	case 's':
		if _, err := b64.DecodeString(t[1:]); err != nil || len(t) != 33 {
			return shareToken{}, false
		}
		return shareToken{hash: hashToken(t)}, true
	case 'q':
		parts := strings.Split(t[1:], ".")
		if len(parts) != 3 {
			return shareToken{}, false
		}
		id, err1 := strconv.ParseInt(parts[0], 10, 64)
		w, err2 := strconv.ParseInt(parts[1], 10, 64)
		mac, err3 := b64.DecodeString(parts[2])
		if err1 != nil || err2 != nil || err3 != nil || id <= 0 || w < 0 || len(mac) != 16 ||
			parts[0] != strconv.FormatInt(id, 10) || parts[1] != strconv.FormatInt(w, 10) {
			return shareToken{}, false
		}
		return shareToken{id: id, window: w, mac: parts[2]}, true
	}
	return shareToken{}, false
}

// Shared is a shared document as the one it was shared with sees it:
// the verification result with only the chosen fields.
type Shared struct {
	Share  *Share
	Result Result
}

// OpenShared opens a shared document by its link's or QR code's token and
// logs the opening. A token that is wrong, expired or withdrawn is
// NotFound ("documents.error.share_gone").
func (s *Service) OpenShared(ctx context.Context, token string) (*Shared, error) {
	gone := errs.E(errs.NotFound, "documents.error.share_gone")
	t, ok := parseShareToken(token)
	if !ok {
		return nil, gone
	}
	now := s.now()
	var (
		sh  *Share
		err error
		via = "link"
	)
	if t.hash != "" {
		sh, err = scanShare(s.db.QueryRowContext(ctx, `SELECT `+shareColumns+` FROM documents_shares WHERE token_hash = $1`, t.hash))
	} else {
		via = "qr"
		sh, err = scanShare(s.db.QueryRowContext(ctx, `SELECT `+shareColumns+` FROM documents_shares WHERE id = $1`, t.id))
		if err == nil {
			cur := now.Unix() / int64(QRWindow/time.Second)
			if cur-t.window < 0 || cur-t.window >= QRWindows ||
				!hmac.Equal([]byte(qrMAC(s.qrSecret(sh), t.id, t.window)), []byte(t.mac)) {
				return nil, gone
			}
		}
	}
	if errors.Is(err, sql.ErrNoRows) {
		return nil, gone
	}
	if err != nil {
		return nil, err
	}
	if !sh.Active(now) {
		return nil, gone
	}
	d, err := s.documentWhere(ctx, s.db, "id = $1", sh.DocumentID)
	if err != nil {
		return nil, err
	}
	if d == nil {
		return nil, gone
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO documents_share_opens (share_id, via, opened_at) VALUES ($1, $2, $3)`,
		sh.ID, via, now); err != nil {
		return nil, err
	}
	r, err := s.verifyStored(ctx, d, d.JWS)
	if err != nil {
		return nil, err
	}
	var shown []Field
	for _, f := range d.Fields {
		if slices.Contains(sh.Fields, f.Key) {
			shown = append(shown, f)
		}
	}
	r.Fields = shown
	if !sh.ShowName {
		r.HolderName = ""
	}
	r.Document = nil
	return &Shared{Share: sh, Result: r}, nil
}
