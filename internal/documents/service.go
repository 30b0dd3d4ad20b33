package documents

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/egov/egov/internal/audit"
	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/store"
)

// Config holds what the service needs from the app and other modules.
type Config struct {
	// KeyEncryptionKey seals the agencies' private keys at rest
	// (AES-256-GCM); 32 bytes, derived by the app from its secret. It must
	// stay the same across restarts and replicas, or no key can sign.
	KeyEncryptionKey []byte
	// BaseURL is the public address of the site, e.g. https://egov.az; the
	// QR code of a document links to BaseURL/verify/{number}.
	BaseURL string
	// AgencyName names an issuing agency by its catalog slug; when nil or
	// when it returns an empty text, the slug is shown.
	AgencyName func(slug string) lang.Text
	// RegistryDocuments lists the documents the base registries hold
	// about the person with FIN (identity card, driving licence, vehicle
	// registration), for the cabinet. When nil the cabinet shows only
	// issued documents.
	RegistryDocuments func(ctx context.Context, fin string) ([]RegistryDocument, error)
	Logger            *slog.Logger
	Now               func() time.Time
}

// Service issues, keeps and verifies documents.
type Service struct {
	db     *store.DB
	cfg    Config
	sealer *sealer
	// shareKey derives the secrets of the rotating QR codes.
	shareKey []byte
}

// New builds the service. It panics when the key encryption key is not
// 32 bytes, a programming error caught at start-up.
func New(db *store.DB, cfg Config) *Service {
	sl, err := newSealer(cfg.KeyEncryptionKey)
	if err != nil {
		panic(err)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cfg.BaseURL = strings.TrimSuffix(cfg.BaseURL, "/")
	return &Service{db: db, cfg: cfg, sealer: sl, shareKey: derive(cfg.KeyEncryptionKey, "documents/share")}
}

// now is the clock at the precision both engines keep.
func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Microsecond) }

// AgencyName is the issuing agency's name in three languages.
func (s *Service) AgencyName(slug string) lang.Text {
	if s.cfg.AgencyName != nil {
		if t := s.cfg.AgencyName(slug); t.AZ != "" {
			return t
		}
	}
	return lang.Text{AZ: slug, EN: slug, RU: slug}
}

// clean makes typed text storable: valid UTF-8 without NUL bytes, no
// space around.
func clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\x00", "")
	return strings.TrimSpace(s)
}

// Limits of what a document holds.
const (
	MaxFields     = 40
	MaxFieldValue = 500
	MaxReason     = 1000
)

func (in *Issue) validate() error {
	in.Type, in.Agency, in.HolderFIN = cleanKey(in.Type), cleanKey(in.Agency), holderKey(in.HolderFIN)
	in.HolderName, in.IdempotencyKey = clean(in.HolderName), cleanKey(in.IdempotencyKey)
	var v errs.Validation
	if in.Type == "" {
		v.Add("type", "documents.error.type_required")
	}
	if in.Agency == "" {
		v.Add("agency", "documents.error.agency_required")
	}
	if in.HolderFIN == "" {
		v.Add("holder_fin", "documents.error.fin_required")
	}
	if in.HolderName == "" {
		v.Add("holder_name", "documents.error.name_required")
	}
	if in.IdempotencyKey == "" {
		v.Add("idempotency_key", "documents.error.idempotency_required")
	}
	if _, ok := lang.Parse(string(in.Lang)); !ok {
		in.Lang = lang.Default
	}
	if len(in.Fields) > MaxFields {
		v.AddWith("fields", "documents.error.too_many_fields", map[string]any{"Max": MaxFields})
	}
	seen := map[string]bool{}
	for i := range in.Fields {
		f := &in.Fields[i]
		f.Key, f.Value = cleanKey(f.Key), clean(f.Value)
		if f.Key == "" || seen[f.Key] || utf8.RuneCountInString(f.Value) > MaxFieldValue {
			v.Add("fields", "documents.error.fields")
		}
		seen[f.Key] = true
	}
	if in.ValidFrom.IsZero() {
		v.Add("valid_from", "documents.error.valid_from_required")
	}
	if !in.ValidUntil.IsZero() && !in.ValidUntil.After(in.ValidFrom) {
		v.Add("valid_until", "documents.error.valid_until")
	}
	return v.Err()
}

// Issue issues a document: numbers it, signs its canonical payload with
// the agency's current key and stores it, valid. The same IdempotencyKey
// again returns the document first issued for it (concurrent calls issue
// once; the key is unique in the store). Validity times are kept to the
// second, as signed.
func (s *Service) Issue(ctx context.Context, in Issue) (*Document, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	if d, err := s.documentWhere(ctx, s.db, "idempotency_key = $1", in.IdempotencyKey); err != nil || d != nil {
		return d, err
	}
	key, priv, err := s.signingKey(ctx, in.Agency)
	if err != nil {
		return nil, err
	}
	now := s.now()
	d := &Document{Type: in.Type, TypeName: in.TypeName, Agency: in.Agency, HolderFIN: in.HolderFIN,
		HolderName: in.HolderName, Lang: in.Lang, Fields: in.Fields, ValidFrom: in.ValidFrom.UTC().Truncate(time.Second),
		IssuedAt: now, KID: key.KID, Status: Valid, UpdatedAt: now}
	if d.TypeName.AZ == "" {
		d.TypeName = lang.Text{AZ: in.Type, EN: in.Type, RU: in.Type}
	}
	if d.Fields == nil {
		d.Fields = []Field{}
	}
	if !in.ValidUntil.IsZero() {
		u := in.ValidUntil.UTC().Truncate(time.Second)
		d.ValidUntil = &u
	}
	for attempt := 0; ; attempt++ {
		d.Number = newNumber()
		payload, err := d.claims().canonical()
		if err != nil {
			return nil, err
		}
		d.Payload = string(payload)
		if d.JWS, err = signJWS(priv, key.KID, payload); err != nil {
			return nil, err
		}
		err = s.db.Tx(ctx, func(tx *sql.Tx) error { return insertDocument(ctx, tx, d, in.IdempotencyKey) })
		if err == nil {
			return d, nil
		}
		if !store.IsUniqueViolation(err) {
			return nil, err
		}
		// Either a concurrent call with the same key won, or (rarely) the
		// number was taken.
		if first, err := s.documentWhere(ctx, s.db, "idempotency_key = $1", in.IdempotencyKey); err != nil || first != nil {
			return first, err
		}
		if attempt >= 5 {
			return nil, fmt.Errorf("documents: no free number after %d attempts", attempt+1)
		}
	}
}

// claims are what the document's JWS signs.
func (d *Document) claims() Claims {
	c := Claims{Version: 1, Number: d.Number, Type: d.Type, Issuer: d.Agency, HolderFIN: d.HolderFIN,
		HolderName: d.HolderName, Lang: string(d.Lang), Data: map[string]string{}, IssuedAt: d.IssuedAt.Unix(),
		NotBefore: d.ValidFrom.Unix()}
	for _, f := range d.Fields {
		c.Data[f.Key] = f.Value
	}
	if d.ValidUntil != nil {
		c.Expires = d.ValidUntil.Unix()
	}
	return c
}

// Get finds a document by number (as typed); NotFound when there is none.
func (s *Service) Get(ctx context.Context, number string) (*Document, error) {
	n := parseNumber(number)
	if n == "" {
		return nil, errs.E(errs.NotFound, "documents.error.not_found")
	}
	d, err := s.documentWhere(ctx, s.db, "number = $1", n)
	if err == nil && d == nil {
		err = errs.E(errs.NotFound, "documents.error.not_found")
	}
	return d, err
}

// holderKey normalises a holder's identifier: a FIN in capitals; a
// foreigner's account subject ("foreigner:GBR:533401372") as it is.
func holderKey(s string) string {
	s = cleanKey(s)
	if strings.Contains(s, ":") {
		return s
	}
	return strings.ToUpper(s)
}

// Holder lists the documents issued to the person with fin (or a
// foreigner's subject, see Issue.HolderFIN), newest first.
func (s *Service) Holder(ctx context.Context, fin string) ([]*Document, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+docColumns+` FROM documents WHERE holder_fin = $1
		ORDER BY issued_at DESC, id DESC`, holderKey(fin))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Document
	for rows.Next() {
		d, err := scanDocument(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// Revoke withdraws a document for good, with a reason shown to whoever
// verifies it. by is the actor the audit log records: a staff account
// ("account:12") or a job ("system:…").
func (s *Service) Revoke(ctx context.Context, by, number, reason string) error {
	return s.setStatus(ctx, by, number, Revoked, reason, Valid, Suspended)
}

// Suspend puts a valid document on hold, with a reason.
func (s *Service) Suspend(ctx context.Context, by, number, reason string) error {
	return s.setStatus(ctx, by, number, Suspended, reason, Valid)
}

// Reinstate makes a suspended document valid again.
func (s *Service) Reinstate(ctx context.Context, by, number string) error {
	return s.setStatus(ctx, by, number, Valid, "", Suspended)
}

func (s *Service) setStatus(ctx context.Context, by, number string, to Status, reason string, from ...Status) error {
	reason = clean(reason)
	if to != Valid && reason == "" {
		return errs.E(errs.Invalid, "documents.error.reason_required").Field("reason", "documents.error.reason_required")
	}
	if utf8.RuneCountInString(reason) > MaxReason {
		return errs.E(errs.Invalid, "documents.error.reason_long").FieldWith("reason", "documents.error.reason_long",
			map[string]any{"Max": MaxReason})
	}
	d, err := s.Get(ctx, number)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		q := `UPDATE documents SET status = $1, reason = $2, updated_at = $3 WHERE id = $4 AND status IN (`
		args := []any{string(to), reason, s.now(), d.ID}
		for i, f := range from {
			if i > 0 {
				q += ", "
			}
			args = append(args, string(f))
			q += fmt.Sprintf("$%d", len(args))
		}
		res, err := tx.ExecContext(ctx, q+")", args...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.E(errs.Conflict, "documents.error.status_"+string(d.Status))
		}
		// The reason is the official's words about the document, not the
		// holder's data; the log keeps what changed and why.
		_, err = audit.Append(ctx, tx, audit.Entry{Actor: by, Action: "document." + statusAction[to],
			Object: "document:" + d.Number, Detail: map[string]string{"agency": d.Agency, "from": string(d.Status)}})
		return err
	})
}

// statusAction names a change of status in the audit log.
var statusAction = map[Status]string{Valid: "reinstate", Suspended: "suspend", Revoked: "revoke"}
