package identity

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/store"
)

type querier = store.Querier

const accountColumns = `id, kind, subject, fin, login, display_name, roles, agency, centre, email, email_verified,
	phone, phone_verified, lang, password_hash, totp_secret, totp_enabled, totp_last_step, disabled, created_at`

func scanAccount(row interface{ Scan(...any) error }) (*Account, error) {
	a := &Account{}
	var roles string
	err := row.Scan(&a.ID, &a.Kind, &a.Subject, &a.FIN, &a.Login, &a.DisplayName, &roles, &a.Agency, &a.Centre,
		&a.Email, &a.EmailVerified, &a.Phone, &a.PhoneVerified, &a.Lang, &a.PasswordHash, &a.TOTPSecret,
		&a.TOTPEnabled, &a.TOTPLastStep, &a.Disabled, &a.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.E(errs.NotFound, "identity.error.account_not_found")
	}
	if err != nil {
		return nil, err
	}
	if roles != "" {
		a.Roles = strings.Split(roles, ",")
	}
	return a, nil
}

func findAccountByID(ctx context.Context, q querier, id int64) (*Account, error) {
	return scanAccount(q.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM identity_accounts WHERE id = $1`, id))
}

func findAccountBySubject(ctx context.Context, q querier, subject string) (*Account, error) {
	return scanAccount(q.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM identity_accounts WHERE subject = $1`, subject))
}

// insertAccount adds a, or leaves the existing account with the same
// subject alone; either way it returns the stored account.
func insertAccount(ctx context.Context, q querier, a *Account, now time.Time) (*Account, bool, error) {
	res, err := q.ExecContext(ctx, `INSERT INTO identity_accounts (kind, subject, fin, login, display_name, roles, agency, centre,
		email, phone, lang, password_hash, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) ON CONFLICT (subject) DO NOTHING`,
		a.Kind, a.Subject, a.FIN, a.Login, a.DisplayName, strings.Join(a.Roles, ","), a.Agency, a.Centre,
		a.Email, a.Phone, a.Lang, a.PasswordHash, now)
	if err != nil {
		return nil, false, err
	}
	n, _ := res.RowsAffected()
	stored, err := findAccountBySubject(ctx, q, a.Subject)
	return stored, n > 0, err
}

func insertActivity(ctx context.Context, q querier, accountID int64, a Activity) error {
	_, err := q.ExecContext(ctx, `INSERT INTO identity_activity (account_id, at, event, method, address, user_agent, detail)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, accountID, a.At, a.Event, a.Method, truncate(a.Address, 64),
		truncate(a.UserAgent, 256), truncate(a.Detail, 256))
	return err
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

func listActivity(ctx context.Context, q querier, accountID int64, limit int) ([]Activity, error) {
	rows, err := q.QueryContext(ctx, `SELECT at, event, method, address, user_agent, detail FROM identity_activity
		WHERE account_id = $1 ORDER BY at DESC, id DESC LIMIT $2`, accountID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var list []Activity
	for rows.Next() {
		var a Activity
		if err := rows.Scan(&a.At, &a.Event, &a.Method, &a.Address, &a.UserAgent, &a.Detail); err != nil {
			return nil, err
		}
		list = append(list, a)
	}
	return list, rows.Err()
}
