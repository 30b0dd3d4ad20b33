package identity

import (
	"context"
	"database/sql"

	"github.com/egov/egov/internal/audit"
	"github.com/egov/egov/internal/errs"
)

// BeginTOTP gives the account a new, not yet enabled TOTP secret and
// returns it for the authenticator app. An enabled secret is not replaced.
func (s *Service) BeginTOTP(ctx context.Context, accountID int64) (string, error) {
	acct, err := findAccountByID(ctx, s.db, accountID)
	if err != nil {
		return "", err
	}
	if acct.TOTPEnabled {
		return "", errs.E(errs.Conflict, "identity.error.totp_enabled")
	}
	if acct.TOTPSecret != "" {
		return acct.TOTPSecret, nil
	}
	secret := NewTOTPSecret()
	_, err = s.db.ExecContext(ctx, `UPDATE identity_accounts SET totp_secret = $1, updated_at = $2 WHERE id = $3 AND totp_enabled = FALSE`,
		secret, s.now(), accountID)
	return secret, err
}

// ConfirmTOTP enables TOTP once the person types a current code from their
// app, and returns a fresh set of recovery codes to show them once.
func (s *Service) ConfirmTOTP(ctx context.Context, accountID int64, code string) ([]string, error) {
	acct, err := findAccountByID(ctx, s.db, accountID)
	if err != nil {
		return nil, err
	}
	if acct.TOTPEnabled {
		return nil, errs.E(errs.Conflict, "identity.error.totp_enabled")
	}
	if acct.TOTPSecret == "" {
		return nil, errs.E(errs.Invalid, "identity.error.totp_not_started")
	}
	step, ok := VerifyTOTP(acct.TOTPSecret, code, s.now(), acct.TOTPLastStep)
	if !ok {
		return nil, errs.E(errs.Invalid, "identity.error.code_wrong").Field("code", "identity.error.code_wrong")
	}
	var codes []string
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE identity_accounts SET totp_enabled = TRUE, totp_last_step = $1, updated_at = $2 WHERE id = $3`,
			step, s.now(), accountID); err != nil {
			return err
		}
		var err error
		if codes, err = replaceRecoveryCodes(ctx, tx, accountID); err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, audit.Entry{Actor: acct.Subject, Action: "identity.totp.enabled", Object: acct.Subject})
		return err
	})
	return codes, err
}
