package gateway_test

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/egov/egov/internal/gateway"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/storetest"
)

var testSecret = []byte("a test secret of the security server")

// The signing key is stored sealed; a key stored in clear by an older
// version is sealed when it is first loaded, and keeps signing.
func TestSigningKeySealedAtRest(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx := context.Background()
		f.gw.Client(portal).Get(ctx, persons.String(), "/5ZQX7KA", "", "test")
		if _, err := f.gw.SignHead(ctx); err != nil {
			t.Fatal(err)
		}
		var id, stored string
		if err := db.QueryRowContext(ctx, `SELECT id, private_key FROM gateway_keys`).Scan(&id, &stored); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(stored, "sealed1:") || parsesAsKey(stored) {
			t.Fatalf("stored key %.20q… is not sealed", stored)
		}

		t.Run("ErrNoSecret", func(t *testing.T) {
			bare := gateway.New(db, nil)
			if _, err := bare.SignHead(ctx); err == nil {
				t.Error("signed without a secret")
			}
		})
		t.Run("ErrWrongSecret", func(t *testing.T) {
			wrong := gateway.New(db, nil)
			wrong.Configure(gateway.Options{Secret: []byte("another secret")})
			f.gw.Client(portal).Get(ctx, persons.String(), "/5ZQX7KA", "", "test")
			if _, err := wrong.SignHead(ctx); err == nil {
				t.Error("signed with a key opened under the wrong secret")
			}
		})
		t.Run("PlainKeyMigrated", func(t *testing.T) {
			// Put the key back as older versions stored it: plain PKCS #8.
			plain := gateway.New(db, nil)
			plain.Configure(gateway.Options{Secret: testSecret})
			der := openKeyForTest(t, db, id)
			if _, err := db.ExecContext(ctx, `UPDATE gateway_keys SET private_key = $1 WHERE id = $2`, base64.StdEncoding.EncodeToString(der), id); err != nil {
				t.Fatal(err)
			}
			f.gw.Client(portal).Get(ctx, persons.String(), "/5ZQX7KA", "", "test")
			if _, err := plain.SignHead(ctx); err != nil {
				t.Fatal(err)
			}
			db.QueryRowContext(ctx, `SELECT private_key FROM gateway_keys WHERE id = $1`, id).Scan(&stored)
			if !strings.HasPrefix(stored, "sealed1:") {
				t.Errorf("the plain key was not sealed on load")
			}
			if rep, err := plain.Verify(ctx); err != nil || rep.Signatures != 2 {
				t.Errorf("Verify: %+v, %v", rep, err)
			}
		})
	}, gateway.Migrations)
}

func parsesAsKey(s string) bool {
	der, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return false
	}
	_, err = x509.ParsePKCS8PrivateKey(der)
	return err == nil
}

// openKeyForTest recovers the PKCS #8 key through a second gateway that
// exports it, which only the test helper in export_test.go can do.
func openKeyForTest(t *testing.T, db *store.DB, id string) []byte {
	t.Helper()
	g := gateway.New(db, nil)
	g.Configure(gateway.Options{Secret: testSecret})
	der, err := gateway.OpenSigningKeyForTest(context.Background(), g, id)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// With KeepBodies, the log holds both bodies sealed (never in clear);
// MessageBodies opens them, and evidence with them verifies.
func TestBodiesSealedInLog(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx := context.Background()
		if err := f.gw.Configure(gateway.Options{Secret: testSecret, KeepBodies: true}); err != nil {
			t.Fatal(err)
		}
		resp, body := f.do(t, "POST", "/r1/AZ/GOV/1000000001/population/persons", f.asPortal(map[string]string{"X-Road-Id": "bodies-1"}), `{"fin":"5ZQX7KA","secret":"s3cr3t-request"}`)
		if resp.StatusCode != 200 {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		msgs, err := f.gw.Messages(ctx, "bodies-1")
		if err != nil || len(msgs) != 1 {
			t.Fatalf("messages %v %v", msgs, err)
		}
		var req, res string
		db.QueryRowContext(ctx, `SELECT request_body, response_body FROM gateway_messages WHERE seq = $1`, msgs[0].Seq).Scan(&req, &res)
		if !strings.HasPrefix(req, "sealed1:") || strings.Contains(req+res, "s3cr3t") || strings.Contains(res, "persons") {
			t.Fatalf("bodies not sealed: %q %q", req, res)
		}
		b, err := f.gw.MessageBodies(ctx, msgs[0].Seq)
		if err != nil {
			t.Fatal(err)
		}
		if string(b.Request) != `{"fin":"5ZQX7KA","secret":"s3cr3t-request"}` || string(b.Response) != body {
			t.Errorf("bodies %q %q", b.Request, b.Response)
		}
		f.gw.SignHead(ctx)
		ev, err := f.gw.Evidence(ctx, msgs[0].Seq)
		if err != nil {
			t.Fatal(err)
		}
		ev.Bodies = b
		if err := gateway.VerifyEvidence(ev); err != nil {
			t.Errorf("evidence with bodies: %v", err)
		}
		t.Run("ErrResponseChanged", func(t *testing.T) {
			ev.Bodies = &gateway.Bodies{Request: b.Request, Response: []byte(`{"path":"/persons/2HPL4RM"}`)}
			if err := gateway.VerifyEvidence(ev); err == nil {
				t.Error("evidence with another response body verified")
			}
		})
		t.Run("ErrWrongSecret", func(t *testing.T) {
			other := gateway.New(db, nil)
			other.Configure(gateway.Options{Secret: []byte("not the secret")})
			if _, err := other.MessageBodies(ctx, msgs[0].Seq); err == nil {
				t.Error("opened the bodies under another secret")
			}
		})
		t.Run("NotKeptByDefault", func(t *testing.T) {
			f.gw.Configure(gateway.Options{Secret: testSecret})
			f.do(t, "GET", "/r1/AZ/GOV/1000000001/population/persons/5ZQX7KA", f.asPortal(map[string]string{"X-Road-Id": "bodies-2"}), "")
			m, _ := f.gw.Messages(ctx, "bodies-2")
			db.QueryRowContext(ctx, `SELECT request_body || response_body FROM gateway_messages WHERE seq = $1`, m[0].Seq).Scan(&req)
			if req != "" {
				t.Errorf("bodies kept without KeepBodies: %q", req)
			}
		})
	}, gateway.Migrations)
}

func TestKeepBodiesNeedsSecret(t *testing.T) {
	g := gateway.New(nil, nil)
	if err := g.Configure(gateway.Options{KeepBodies: true}); err == nil {
		t.Error("KeepBodies without a secret was accepted")
	}
}
