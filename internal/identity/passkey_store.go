package identity

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/egov/egov/internal/errs"
)

const passkeyColumns = `id, account_id, credential_id, user_handle, public_key, sign_count, flags, aaguid, transports, name, created_at, last_used_at`

func scanPasskey(row interface{ Scan(...any) error }) (*Passkey, error) {
	k := &Passkey{}
	var transports string
	var lastUsed sql.NullTime
	err := row.Scan(&k.ID, &k.AccountID, &k.CredentialID, &k.UserHandle, &k.PublicKey, &k.SignCount, &k.Flags,
		&k.AAGUID, &transports, &k.Name, &k.CreatedAt, &lastUsed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.E(errs.NotFound, "identity.passkeys.error.not_found")
	}
	if err != nil {
		return nil, err
	}
	if transports != "" {
		k.Transports = strings.Split(transports, ",")
	}
	if lastUsed.Valid {
		k.LastUsedAt = lastUsed.Time
	}
	return k, nil
}

func findPasskeyByCredentialID(ctx context.Context, q querier, credentialID string) (*Passkey, error) {
	return scanPasskey(q.QueryRowContext(ctx, `SELECT `+passkeyColumns+` FROM identity_passkeys WHERE credential_id = $1`, credentialID))
}

func listPasskeys(ctx context.Context, q querier, accountID int64) ([]Passkey, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+passkeyColumns+` FROM identity_passkeys WHERE account_id = $1 ORDER BY created_at, id`, accountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var list []Passkey
	for rows.Next() {
		k, err := scanPasskey(rows)
		if err != nil {
			return nil, err
		}
		list = append(list, *k)
	}
	return list, rows.Err()
}

// insertPasskey adds k; a passkey whose credential ID is already stored,
// for anyone, is a conflict.
func insertPasskey(ctx context.Context, q querier, k *Passkey) error {
	res, err := q.ExecContext(ctx, `INSERT INTO identity_passkeys (account_id, credential_id, user_handle, public_key, sign_count,
		flags, aaguid, transports, name, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT (credential_id) DO NOTHING`,
		k.AccountID, k.CredentialID, k.UserHandle, k.PublicKey, k.SignCount, k.Flags, k.AAGUID,
		strings.Join(k.Transports, ","), k.Name, k.CreatedAt)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.E(errs.Conflict, "identity.passkeys.error.taken")
	}
	return nil
}

// usePasskey records a sign-in with counter; it reports false when the
// stored counter has already reached it (a replayed or cloned
// authenticator), so two replicas cannot both accept the same counter.
func usePasskey(ctx context.Context, q querier, id int64, counter uint32, flags uint8, now time.Time) (bool, error) {
	res, err := q.ExecContext(ctx, `UPDATE identity_passkeys SET sign_count = $1, flags = $2, last_used_at = $3
		WHERE id = $4 AND (sign_count < $1 OR (sign_count = 0 AND $1 = 0))`, int64(counter), int64(flags), now, id)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

func renamePasskey(ctx context.Context, q querier, accountID, id int64, name string) error {
	res, err := q.ExecContext(ctx, `UPDATE identity_passkeys SET name = $1 WHERE id = $2 AND account_id = $3`, name, id, accountID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.E(errs.NotFound, "identity.passkeys.error.not_found")
	}
	return nil
}

func deletePasskey(ctx context.Context, q querier, accountID, id int64) error {
	res, err := q.ExecContext(ctx, `DELETE FROM identity_passkeys WHERE id = $1 AND account_id = $2`, id, accountID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.E(errs.NotFound, "identity.passkeys.error.not_found")
	}
	return nil
}

func insertPasskeyChallenge(ctx context.Context, q querier, idHash, data string, expires, now time.Time) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM identity_passkey_challenges WHERE expires_at < $1`, now); err != nil {
		return err
	}
	_, err := q.ExecContext(ctx, `INSERT INTO identity_passkey_challenges (id_hash, data, expires_at) VALUES ($1, $2, $3)`,
		idHash, data, expires)
	return err
}

// takePasskeyChallenge removes and returns a ceremony's state, so each
// challenge is answered at most once; an unknown or expired one is "".
func takePasskeyChallenge(ctx context.Context, q querier, idHash string, now time.Time) (string, error) {
	var data string
	var expires time.Time
	err := q.QueryRowContext(ctx, `DELETE FROM identity_passkey_challenges WHERE id_hash = $1 RETURNING data, expires_at`, idHash).
		Scan(&data, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if now.After(expires) {
		return "", nil
	}
	return data, nil
}
