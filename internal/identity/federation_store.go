package identity

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// federationState is a sign-in through the external provider under way.
type federationState struct {
	StateHash   string
	BindingHash string
	Nonce       string
	Verifier    string
	Next        string
	CreatedAt   time.Time
	ExpiresAt   time.Time
}

// insertFederationState records a sign-in under way, first forgetting the
// expired ones.
func insertFederationState(ctx context.Context, q querier, s federationState) error {
	if err := pruneFederationStates(ctx, q, s.CreatedAt); err != nil {
		return err
	}
	_, err := q.ExecContext(ctx, `INSERT INTO identity_federation_states
		(state_hash, binding_hash, nonce, verifier, next, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		s.StateHash, s.BindingHash, s.Nonce, s.Verifier, s.Next, s.CreatedAt, s.ExpiresAt)
	return err
}

// takeFederationState removes and returns the sign-in with the state, if
// the browser's binding matches, so each is finished at most once. A state
// the binding does not match stays, so a forged answer cannot spoil the
// person's own. It returns nil when there is no such sign-in.
func takeFederationState(ctx context.Context, q querier, stateHash, bindingHash string) (*federationState, error) {
	s := &federationState{StateHash: stateHash, BindingHash: bindingHash}
	err := q.QueryRowContext(ctx, `DELETE FROM identity_federation_states WHERE state_hash = $1 AND binding_hash = $2
		RETURNING nonce, verifier, next, created_at, expires_at`, stateHash, bindingHash).
		Scan(&s.Nonce, &s.Verifier, &s.Next, &s.CreatedAt, &s.ExpiresAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return s, nil
}

func pruneFederationStates(ctx context.Context, q querier, now time.Time) error {
	_, err := q.ExecContext(ctx, `DELETE FROM identity_federation_states WHERE expires_at < $1`, now)
	return err
}
