package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"strings"
)

// Recovery codes let staff sign in when their authenticator is lost. Each
// works once; only their SHA-256 is stored (they are random, so a slow
// hash adds nothing).
const recoveryCodes = 10

const recoveryAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"

func newRecoveryCode() string {
	raw := make([]byte, 10)
	rand.Read(raw)
	var b strings.Builder
	for i, c := range raw {
		if i == 5 {
			b.WriteByte('-')
		}
		b.WriteByte(recoveryAlphabet[int(c)%len(recoveryAlphabet)])
	}
	return b.String()
}

func hashRecoveryCode(code string) string {
	code = strings.ToLower(strings.ReplaceAll(strings.TrimSpace(code), " ", ""))
	sum := sha256.Sum256([]byte(code))
	return hex.EncodeToString(sum[:])
}

// replaceRecoveryCodes issues a fresh set, voiding the old, in tx.
func replaceRecoveryCodes(ctx context.Context, tx *sql.Tx, accountID int64) ([]string, error) {
	if _, err := tx.ExecContext(ctx, `DELETE FROM identity_recovery_codes WHERE account_id = $1`, accountID); err != nil {
		return nil, err
	}
	codes := make([]string, recoveryCodes)
	for i := range codes {
		codes[i] = newRecoveryCode()
		if _, err := tx.ExecContext(ctx, `INSERT INTO identity_recovery_codes (account_id, code_hash) VALUES ($1, $2)`,
			accountID, hashRecoveryCode(codes[i])); err != nil {
			return nil, err
		}
	}
	return codes, nil
}

// useRecoveryCode spends an unused code; the conditional update makes a
// code good exactly once even under concurrent use.
func (s *Service) useRecoveryCode(ctx context.Context, accountID int64, code string) bool {
	res, err := s.db.ExecContext(ctx, `UPDATE identity_recovery_codes SET used_at = $1
		WHERE account_id = $2 AND code_hash = $3 AND used_at IS NULL`, s.now(), accountID, hashRecoveryCode(code))
	if err != nil {
		return false
	}
	n, _ := res.RowsAffected()
	return n == 1
}
