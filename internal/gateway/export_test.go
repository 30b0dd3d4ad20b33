package gateway

import "context"

// OpenSigningKeyForTest returns the PKCS #8 DER of the stored key id.
func OpenSigningKeyForTest(ctx context.Context, g *Gateway, id string) ([]byte, error) {
	var stored string
	if err := g.db.QueryRowContext(ctx, `SELECT private_key FROM gateway_keys WHERE id = $1`, id).Scan(&stored); err != nil {
		return nil, err
	}
	return g.keySealer.open("key "+id, stored)
}
