package documents_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/egov/egov/internal/audit"
	"github.com/egov/egov/internal/documents"
	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/storetest"
)

var kek = []byte("0123456789abcdef0123456789abcdef")

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func newService(t *testing.T, db *store.DB) (*documents.Service, *clock) {
	t.Helper()
	c := &clock{t: time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)}
	return documents.New(db, documents.Config{KeyEncryptionKey: kek, BaseURL: "https://egov.test", Now: c.Now}), c
}

func sampleIssue(key string) documents.Issue {
	return documents.Issue{
		Type: "birth_certificate", TypeName: lang.Text{AZ: "Doğum haqqında şəhadətnamə", EN: "Birth certificate", RU: "Свидетельство о рождении"},
		Agency: "justice", HolderFIN: "5ZQX7KA", HolderName: "Aysel Məmmədova", Lang: lang.AZ,
		Fields: []documents.Field{
			{Key: "child", Label: lang.Text{AZ: "Uşaq", EN: "Child", RU: "Ребёнок"}, Value: "İlkin Şükürov"},
			{Key: "place", Label: lang.Text{AZ: "Doğum yeri", EN: "Place of birth", RU: "Место рождения"}, Value: "Göyçay, Azərbaycan"},
		},
		ValidFrom: time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC), ValidUntil: time.Date(2027, 11, 24, 0, 0, 0, 0, time.UTC),
		IdempotencyKey: key,
	}
}

func TestIssueAndVerify(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc, clk := newService(t, db)
		d, err := svc.Issue(ctx, sampleIssue("app:1"))
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Number) != 9 || d.JWS == "" || d.Status != documents.Valid {
			t.Fatalf("issued %+v", d)
		}
		t.Run("Valid", func(t *testing.T) {
			for _, in := range []string{d.JWS, d.Number, documents.FormatNumber(d.Number), "https://egov.test/verify/" + d.Number + "#" + d.JWS} {
				r, err := svc.Verify(ctx, in)
				if err != nil {
					t.Fatal(err)
				}
				if got, want := r.Status, documents.Valid; got != want {
					t.Fatalf("Verify(%.20s) = %s, want %s", in, got, want)
				}
				if r.HolderName != "Aysel Məmmədova" || r.Issuer != "justice" || len(r.Fields) != 2 {
					t.Fatalf("result %+v", r)
				}
			}
		})
		t.Run("PayloadSorted", func(t *testing.T) {
			if !strings.HasPrefix(d.Payload, `{"data":{"child":`) || !strings.Contains(d.Payload, `"sub":"5ZQX7KA","typ"`) {
				t.Fatalf("payload not canonical: %s", d.Payload)
			}
		})
		t.Run("Tampered", func(t *testing.T) {
			parts := strings.Split(d.JWS, ".")
			payload := []byte(parts[1])
			// Change one byte of the payload (another base64url letter).
			i := len(payload) / 2
			if payload[i] == 'A' {
				payload[i] = 'B'
			} else {
				payload[i] = 'A'
			}
			forged := parts[0] + "." + string(payload) + "." + parts[2]
			r, err := svc.Verify(ctx, forged)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := r.Status, documents.Tampered; got != want {
				t.Fatalf("status %s, want %s", got, want)
			}
			set, _ := svc.JWKS(ctx)
			if r, _ := documents.VerifyOffline(forged, set); r.Status != documents.Tampered {
				t.Fatalf("offline status %s, want tampered", r.Status)
			}
		})
		t.Run("TamperedStore", func(t *testing.T) {
			d2, err := svc.Issue(ctx, sampleIssue("app:store"))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.ExecContext(ctx, `UPDATE documents SET holder_name = 'Someone Else' WHERE id = $1`, d2.ID); err != nil {
				t.Fatal(err)
			}
			if r, _ := svc.Verify(ctx, d2.Number); r.Status != documents.Tampered {
				t.Fatalf("status %s, want tampered", r.Status)
			}
		})
		t.Run("Unknown", func(t *testing.T) {
			for _, in := range []string{"7KM2Q9XA4", "", "nonsense", "a.b.c"} {
				r, err := svc.Verify(ctx, in)
				if err != nil {
					t.Fatal(err)
				}
				if r.Status != documents.Unknown && r.Status != documents.Tampered {
					t.Fatalf("Verify(%q) = %s", in, r.Status)
				}
			}
		})
		t.Run("RotatedStillVerifies", func(t *testing.T) {
			old := d.KID
			k, err := svc.Rotate(ctx, "system:test", "justice")
			if err != nil {
				t.Fatal(err)
			}
			d3, err := svc.Issue(ctx, sampleIssue("app:after-rotation"))
			if err != nil {
				t.Fatal(err)
			}
			if d3.KID != k.KID || d3.KID == old {
				t.Fatalf("new document signed by %s, want %s", d3.KID, k.KID)
			}
			for _, doc := range []*documents.Document{d, d3} {
				if r, _ := svc.Verify(ctx, doc.JWS); r.Status != documents.Valid {
					t.Fatalf("%s: %s after rotation", doc.Number, r.Status)
				}
			}
			set, _ := svc.JWKS(ctx)
			if r, _ := documents.VerifyOffline(d.JWS, set); r.Status != documents.Valid {
				t.Fatalf("offline: %s after rotation", r.Status)
			}
		})
		t.Run("Revoked", func(t *testing.T) {
			d4, _ := svc.Issue(ctx, sampleIssue("app:revoke"))
			if err := svc.Revoke(ctx, "system:test", d4.Number, ""); err == nil {
				t.Fatal("revoked without a reason")
			}
			if err := svc.Revoke(ctx, "system:test", d4.Number, "Issued in error"); err != nil {
				t.Fatal(err)
			}
			r, _ := svc.Verify(ctx, d4.Number)
			if r.Status != documents.Revoked || r.Reason != "Issued in error" {
				t.Fatalf("got %s %q", r.Status, r.Reason)
			}
			if err := svc.Reinstate(ctx, "system:test", d4.Number); err == nil {
				t.Fatal("reinstated a revoked document")
			}
		})
		t.Run("Suspended", func(t *testing.T) {
			d5, _ := svc.Issue(ctx, sampleIssue("app:suspend"))
			if err := svc.Suspend(ctx, "system:test", d5.Number, "Under review"); err != nil {
				t.Fatal(err)
			}
			if r, _ := svc.Verify(ctx, d5.JWS); r.Status != documents.Suspended || r.Reason != "Under review" {
				t.Fatalf("got %s %q", r.Status, r.Reason)
			}
			if err := svc.Reinstate(ctx, "system:test", d5.Number); err != nil {
				t.Fatal(err)
			}
			if r, _ := svc.Verify(ctx, d5.JWS); r.Status != documents.Valid {
				t.Fatalf("got %s after reinstating", r.Status)
			}
		})
		t.Run("KeyRevoked", func(t *testing.T) {
			in := sampleIssue("app:keyrevoked")
			in.Agency = "migration"
			d6, err := svc.Issue(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			if err := svc.RevokeKey(ctx, "system:test", d6.KID, "Key compromised"); err != nil {
				t.Fatal(err)
			}
			if r, _ := svc.Verify(ctx, d6.Number); r.Status != documents.Revoked || r.Reason != "Key compromised" {
				t.Fatalf("got %s %q", r.Status, r.Reason)
			}
			set, _ := svc.JWKS(ctx)
			if r, _ := documents.VerifyOffline(d6.JWS, set); r.Status != documents.Revoked {
				t.Fatalf("offline got %s", r.Status)
			}
			in.IdempotencyKey = "app:keyrevoked:2"
			d7, err := svc.Issue(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			if d7.KID == d6.KID {
				t.Fatal("a revoked key still signs")
			}
		})
		t.Run("Expired", func(t *testing.T) {
			clk.Add(366 * 24 * time.Hour)
			if r, _ := svc.Verify(ctx, d.Number); r.Status != documents.Expired {
				t.Fatalf("got %s, want expired", r.Status)
			}
		})
	}, documents.Migrations, audit.Migrations)
}

func TestIssueIdempotent(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc, _ := newService(t, db)
		const n = 8
		got := make([]*documents.Document, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { got[i], errs[i] = svc.Issue(ctx, sampleIssue("payment:42")) })
		}
		wg.Wait()
		for i := range n {
			if errs[i] != nil {
				t.Fatal(errs[i])
			}
			if got[i].Number != got[0].Number {
				t.Fatalf("call %d issued %s, call 0 issued %s", i, got[i].Number, got[0].Number)
			}
		}
		list, err := svc.Holder(ctx, "5ZQX7KA")
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 {
			t.Fatalf("%d documents issued, want 1", len(list))
		}
		var keys int
		db.QueryRowContext(ctx, `SELECT COUNT(*) FROM documents_keys`).Scan(&keys)
		if keys != 1 {
			t.Fatalf("%d keys made, want 1", keys)
		}
	}, documents.Migrations)
}

func TestIssueValidation(t *testing.T) {
	db := storetest.SQLite(t, documents.Migrations)
	svc, _ := newService(t, db)
	in := sampleIssue("")
	in.HolderFIN = ""
	if _, err := svc.Issue(context.Background(), in); err == nil {
		t.Fatal("issued without FIN or idempotency key")
	}
}

func TestKeysSealed(t *testing.T) {
	db := storetest.SQLite(t, documents.Migrations)
	svc, _ := newService(t, db)
	ctx := context.Background()
	if _, err := svc.Issue(ctx, sampleIssue("x")); err != nil {
		t.Fatal(err)
	}
	var sealed string
	db.QueryRowContext(ctx, `SELECT private_sealed FROM documents_keys`).Scan(&sealed)
	if strings.Contains(sealed, "PRIVATE") || len(sealed) < 100 {
		t.Fatalf("private key not sealed: %q", sealed)
	}
	wrong := documents.New(db, documents.Config{KeyEncryptionKey: []byte("ffffffffffffffffffffffffffffffff")})
	if _, err := wrong.Issue(ctx, sampleIssue("y")); err == nil {
		t.Fatal("signed with a key sealed under another key encryption key")
	}
}
