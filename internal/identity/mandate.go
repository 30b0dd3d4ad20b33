package identity

import (
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/egov/egov/internal/audit"
	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/nationalid"
)

// Businesses is what identity needs of the business registry: the
// businesses a person directs, and one business by VÖEN.
type Businesses interface {
	DirectedBy(ctx context.Context, fin string) ([]BusinessRef, error)
	Business(ctx context.Context, voen string) (BusinessRef, error)
}

// BusinessRef is a business as identity sees it.
type BusinessRef struct {
	VOEN        string
	Name        string
	DirectorFIN string
	Active      bool
}

// AllServices in a mandate means every service.
const AllServices = "*"

// Mandate lets Grantee act for the business VOEN in Services until
// ValidUntil.
type Mandate struct {
	ID          int64
	VOEN        string
	GrantorFIN  string
	GranteeFIN  string
	Services    []string
	CanDelegate bool
	ValidUntil  time.Time
	CreatedAt   time.Time
	RevokedAt   *time.Time
}

// Covers reports whether the mandate includes service.
func (m *Mandate) Covers(service string) bool {
	return slices.Contains(m.Services, AllServices) || slices.Contains(m.Services, service)
}

// Active reports whether the mandate is in force at now.
func (m *Mandate) Active(now time.Time) bool {
	return m.RevokedAt == nil && now.Before(m.ValidUntil)
}

// SetBusinesses gives the service its view of the business registry.
func (s *Service) SetBusinesses(b Businesses) { s.businesses = b }

// Grant records a mandate from grantor. The grantor must be the business's
// director, or hold an active mandate that allows delegating and covers
// every service granted, until at least the new mandate's end.
func (s *Service) Grant(ctx context.Context, grantorFIN string, m Mandate) (*Mandate, error) {
	var v errs.Validation
	grantee, okGrantee := nationalid.ParseFIN(m.GranteeFIN)
	if !okGrantee {
		v.Add("grantee", "identity.error.fin")
	} else if grantee == grantorFIN {
		v.Add("grantee", "identity.mandate.error.self")
	} else if _, err := s.people(ctx, grantee); errs.KindOf(err) == errs.NotFound {
		v.Add("grantee", "identity.error.fin_unknown")
	} else if err != nil {
		return nil, err
	}
	if len(m.Services) == 0 {
		v.Add("services", "identity.mandate.error.services")
	}
	now := s.now()
	if !m.ValidUntil.After(now) {
		v.Add("valid_until", "identity.mandate.error.until")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	business, err := s.businesses.Business(ctx, m.VOEN)
	if err != nil {
		return nil, err
	}
	if business.DirectorFIN != grantorFIN {
		own, err := s.activeMandate(ctx, grantorFIN, m.VOEN)
		if err != nil {
			return nil, err
		}
		if own == nil || !own.CanDelegate || own.ValidUntil.Before(m.ValidUntil) || !coversAll(own, m.Services) {
			return nil, errs.E(errs.Forbidden, "identity.mandate.error.not_allowed")
		}
	}
	m.VOEN, m.GrantorFIN, m.GranteeFIN, m.CreatedAt = business.VOEN, grantorFIN, grantee, now
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO identity_mandates (voen, grantor_fin, grantee_fin, services, can_delegate, valid_until, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, m.VOEN, m.GrantorFIN, m.GranteeFIN, strings.Join(m.Services, ","),
			m.CanDelegate, m.ValidUntil.UTC(), now).Scan(&m.ID); err != nil {
			return err
		}
		_, err := audit.Append(ctx, tx, audit.Entry{Actor: PersonSubject(grantorFIN), Action: "identity.mandate.granted",
			Object: "mandate:" + itoa(m.ID), Detail: map[string]string{"voen": m.VOEN, "grantee": PersonSubject(grantee)}})
		return err
	})
	return &m, err
}

func coversAll(m *Mandate, services []string) bool {
	for _, svc := range services {
		if !m.Covers(svc) {
			return false
		}
	}
	return true
}

// Revoke ends a mandate at once. The grantor or the business's director
// may revoke it.
func (s *Service) Revoke(ctx context.Context, actorFIN string, id int64) error {
	m, err := s.mandate(ctx, id)
	if err != nil {
		return err
	}
	if m.GrantorFIN != actorFIN {
		business, err := s.businesses.Business(ctx, m.VOEN)
		if err != nil {
			return err
		}
		if business.DirectorFIN != actorFIN {
			return errs.E(errs.Forbidden, "identity.mandate.error.not_allowed")
		}
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE identity_mandates SET revoked_at = $1, revoked_by = $2 WHERE id = $3 AND revoked_at IS NULL`,
			s.now(), PersonSubject(actorFIN), id); err != nil {
			return err
		}
		_, err := audit.Append(ctx, tx, audit.Entry{Actor: PersonSubject(actorFIN), Action: "identity.mandate.revoked", Object: "mandate:" + itoa(id)})
		return err
	})
}

// CanActFor reports whether the person may act for the business in
// service ("" for any service at all): as its director, or under an
// active mandate that covers it.
func (s *Service) CanActFor(ctx context.Context, fin, voen, service string) (bool, error) {
	if s.businesses == nil {
		return false, nil
	}
	business, err := s.businesses.Business(ctx, voen)
	if errs.KindOf(err) == errs.NotFound || errs.KindOf(err) == errs.Invalid {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if business.DirectorFIN == fin {
		return business.Active, nil
	}
	m, err := s.activeMandate(ctx, fin, voen)
	if err != nil || m == nil {
		return false, err
	}
	return service == "" || m.Covers(service), nil
}

// Representation is a business a person may act for, and how.
type Representation struct {
	Business BusinessRef
	Director bool
	Mandate  *Mandate
}

// Representations lists every business the person may act for.
func (s *Service) Representations(ctx context.Context, fin string) ([]Representation, error) {
	var list []Representation
	if s.businesses == nil {
		return nil, nil
	}
	directed, err := s.businesses.DirectedBy(ctx, fin)
	if err != nil {
		return nil, err
	}
	for _, b := range directed {
		if b.Active {
			list = append(list, Representation{Business: b, Director: true})
		}
	}
	held, err := s.mandatesWhere(ctx, `grantee_fin = $1`, fin)
	if err != nil {
		return nil, err
	}
	now := s.now()
	for _, m := range held {
		if !m.Active(now) {
			continue
		}
		b, err := s.businesses.Business(ctx, m.VOEN)
		if err != nil {
			return nil, err
		}
		list = append(list, Representation{Business: b, Mandate: m})
	}
	return list, nil
}

// MandatesOf lists every mandate of a business, newest first.
func (s *Service) MandatesOf(ctx context.Context, voen string) ([]*Mandate, error) {
	return s.mandatesWhere(ctx, `voen = $1`, voen)
}

// MandatesGrantedBy lists the mandates a person granted, newest first.
func (s *Service) MandatesGrantedBy(ctx context.Context, fin string) ([]*Mandate, error) {
	return s.mandatesWhere(ctx, `grantor_fin = $1`, fin)
}

func (s *Service) activeMandate(ctx context.Context, fin, voen string) (*Mandate, error) {
	list, err := s.mandatesWhere(ctx, `grantee_fin = $1 AND voen = $2 AND revoked_at IS NULL AND valid_until > $3`, fin, voen, s.now())
	if err != nil || len(list) == 0 {
		return nil, err
	}
	// The widest one counts: any that allows delegating, else the first.
	for _, m := range list {
		if m.CanDelegate && m.Covers(AllServices) {
			return m, nil
		}
	}
	return list[0], nil
}

func (s *Service) mandate(ctx context.Context, id int64) (*Mandate, error) {
	list, err := s.mandatesWhere(ctx, `id = $1`, id)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, errs.E(errs.NotFound, "identity.mandate.error.not_found")
	}
	return list[0], nil
}

// mandatesWhere selects mandates by a fixed condition with parameters; the
// condition is always a constant in this file, never input.
func (s *Service) mandatesWhere(ctx context.Context, cond string, args ...any) ([]*Mandate, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, voen, grantor_fin, grantee_fin, services, can_delegate, valid_until, created_at, revoked_at
		FROM identity_mandates WHERE `+cond+` ORDER BY created_at DESC, id DESC`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var list []*Mandate
	for rows.Next() {
		m := &Mandate{}
		var services string
		var revoked sql.NullTime
		if err := rows.Scan(&m.ID, &m.VOEN, &m.GrantorFIN, &m.GranteeFIN, &services, &m.CanDelegate, &m.ValidUntil, &m.CreatedAt, &revoked); err != nil {
			return nil, err
		}
		m.Services = strings.Split(services, ",")
		if revoked.Valid {
			t := revoked.Time
			m.RevokedAt = &t
		}
		list = append(list, m)
	}
	return list, rows.Err()
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
