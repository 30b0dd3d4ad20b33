package gateway_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/egov/egov/internal/gateway"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/storetest"
)

func TestMessageLogChainAndSignatures(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx := context.Background()
		if seq, err := f.gw.SignHead(ctx); err != nil || seq != 0 {
			t.Fatalf("signing an empty log: %d, %v", seq, err)
		}
		c := f.gw.Client(portal)
		// Concurrent exchanges chain in some order without gaps.
		var wg sync.WaitGroup
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := c.Get(ctx, persons.String(), "/5ZQX7KA", "", "test"); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		seq, err := f.gw.SignHead(ctx)
		if err != nil || seq != 8 {
			t.Fatalf("SignHead: %d, %v", seq, err)
		}
		if again, err := f.gw.SignHead(ctx); err != nil || again != 0 {
			t.Errorf("signing an already signed head: %d, %v", again, err)
		}
		c.Get(ctx, persons.String(), "/2HPL4RM", "", "test")
		rep, err := f.gw.Verify(ctx)
		if err != nil || rep.Messages != 9 || rep.Signatures != 1 || rep.SignedUpTo != 8 {
			t.Fatalf("Verify: %+v, %v", rep, err)
		}

		t.Run("ErrAltered", func(t *testing.T) {
			if _, err := db.ExecContext(ctx, `UPDATE gateway_messages SET purpose = 'other' WHERE seq = 3`); err != nil {
				t.Fatal(err)
			}
			var broken *gateway.BrokenError
			if _, err := f.gw.Verify(ctx); !errors.As(err, &broken) || broken.Seq != 3 {
				t.Errorf("Verify after altering seq 3: %v", err)
			}
			db.ExecContext(ctx, `UPDATE gateway_messages SET purpose = 'test' WHERE seq = 3`)
		})
		t.Run("ErrBadSignature", func(t *testing.T) {
			if _, err := db.ExecContext(ctx, `UPDATE gateway_signatures SET signature = 'MEUCIQ==' WHERE seq = 8`); err != nil {
				t.Fatal(err)
			}
			var broken *gateway.BrokenError
			if _, err := f.gw.Verify(ctx); !errors.As(err, &broken) || broken.Seq != 8 {
				t.Errorf("Verify with a bad signature: %v", err)
			}
		})
		t.Run("ErrDeleted", func(t *testing.T) {
			db.ExecContext(ctx, `DELETE FROM gateway_messages WHERE seq = 9`)
			var broken *gateway.BrokenError
			if _, err := f.gw.Verify(ctx); !errors.As(err, &broken) || broken.Seq > 9 {
				t.Errorf("Verify after deleting the last message: %v", err)
			}
		})
	}, gateway.Migrations)
}

// RunSigner signs in the background; a fresh Gateway on the same
// database (a second replica) signs with the same stored key.
func TestSignerKeyShared(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		f.gw.Client(portal).Get(ctx, persons.String(), "/5ZQX7KA", "", "test")
		go f.gw.RunSigner(ctx, 10*time.Millisecond)
		deadline := time.Now().Add(5 * time.Second)
		for {
			rep, err := f.gw.Verify(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if rep.SignedUpTo == 1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("RunSigner did not sign")
			}
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
		other := gateway.New(db, nil)
		other.Configure(gateway.Options{Secret: testSecret})
		other.AttachProvider(persons, f.prov)
		other.Client(portal).Get(context.Background(), persons.String(), "/5ZQX7KA", "", "test")
		if _, err := other.SignHead(context.Background()); err != nil {
			t.Fatal(err)
		}
		var keys int
		db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM gateway_keys`).Scan(&keys)
		if keys != 1 {
			t.Errorf("%d keys, want the one shared", keys)
		}
		if rep, err := other.Verify(context.Background()); err != nil || rep.Signatures != 2 {
			t.Errorf("Verify: %+v %v", rep, err)
		}
	}, gateway.Migrations)
}

func TestDataTracker(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx := context.Background()
		c := f.gw.Client(portal)
		start := time.Now().Add(-time.Minute)
		mustGet := func(path, user, purpose string) {
			t.Helper()
			if _, err := c.Get(ctx, persons.String(), path, user, purpose); err != nil {
				t.Fatal(err)
			}
		}
		mustGet("/5ZQX7KA", "AZ2HPL4RM", "child benefit application")
		mustGet("/5zqx7ka", "", "lower case FIN")
		mustGet("?parent=2HPL4RM", "", "children of a parent")
		mustGet("/5ZQX7KA/error", "", "provider error: not a read") // 405 from the provider
		// The represented party is a person.
		req := map[string]string{"X-Road-Represented-Party": "PERSON/3KCR8WN", "X-Road-Purpose": "represented"}
		if resp, _ := f.do(t, "GET", "/r1/AZ/GOV/1000000001/population/persons/7MJD3TE", f.asPortal(req), ""); resp.StatusCode != 200 {
			t.Fatal(resp.Status)
		}
		// Refused requests are not reads.
		f.gw.Client(erp).Get(ctx, persons.String(), "/5ZQX7KA", "", "denied")

		reads, err := f.gw.Reads(ctx, "5ZQX7KA", gateway.Page{})
		if err != nil {
			t.Fatal(err)
		}
		if len(reads) != 2 {
			t.Fatalf("reads of 5ZQX7KA: %+v", reads)
		}
		r := reads[1] // oldest last
		if r.Client != portal.String() || r.ClientMember != "member 1000000010" || r.ClientSystem != "system portal" ||
			r.Service != persons.String() || r.ServiceTitle != "Population registry" || r.Purpose != "child benefit application" ||
			r.UserID != "AZ2HPL4RM" || r.XRoadID == "" || r.At.Before(start) {
			t.Errorf("read %+v", r)
		}
		for fin, want := range map[string]int{"2HPL4RM": 1, "3KCR8WN": 1, "7MJD3TE": 1, "NOBODY1": 0} {
			got, err := f.gw.Reads(ctx, fin, gateway.Page{})
			if err != nil || len(got) != want {
				t.Errorf("reads of %s: %d, %v; want %d", fin, len(got), err, want)
			}
		}
		if got, _ := f.gw.Reads(ctx, "5ZQX7KA", gateway.Page{Limit: 1, Offset: 1}); len(got) != 1 || got[0].Purpose != "child benefit application" {
			t.Errorf("paging: %+v", got)
		}

		tests := []struct {
			name string
			f    gateway.ReadFilter
			want int
		}{
			{"All", gateway.ReadFilter{}, 5},
			{"ByFIN", gateway.ReadFilter{FIN: "5zqx7ka"}, 2},
			{"ByClient", gateway.ReadFilter{Client: portal.String()}, 5},
			{"ByClientMember", gateway.ReadFilter{Client: portal.MemberID().String()}, 5},
			{"ByOtherClient", gateway.ReadFilter{Client: erp.String()}, 0},
			{"ByService", gateway.ReadFilter{Service: persons.String()}, 5},
			{"ByPurpose", gateway.ReadFilter{Purpose: "BENEFIT"}, 1},
			{"ByTime", gateway.ReadFilter{From: start, To: time.Now().Add(time.Minute)}, 5},
			{"Future", gateway.ReadFilter{From: time.Now().Add(time.Hour)}, 0},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := f.gw.AllReads(ctx, tt.f)
				if err != nil || len(got) != tt.want {
					t.Errorf("AllReads(%+v) = %d, %v; want %d", tt.f, len(got), err, tt.want)
				}
			})
		}

		// A provider that names the persons itself records what it read
		// apart from the client's purpose, and a filter by record is exact
		// on both engines: case, "_" and the end of a prefix count.
		pr := httptest.NewRequest("GET", "/x", nil)
		pr.Header.Set(gateway.HeaderClient, portal.String())
		pr.Header.Set(gateway.HeaderService, persons.String())
		pr.Header.Set(gateway.HeaderPurpose, "benefit check")
		if err := f.gw.RecordReads(ctx, pr, "Registration_application 7KM", []string{"2HPL4RM"}); err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct {
			f    gateway.ReadFilter
			want int
		}{
			{gateway.ReadFilter{Record: "Registration_application 7KM"}, 1},
			{gateway.ReadFilter{Record: "Registration_application "}, 1},
			{gateway.ReadFilter{Record: "Registration "}, 0},
			{gateway.ReadFilter{Record: "registration_application 7KM"}, 0},
			{gateway.ReadFilter{Record: "Registration_application"}, 0},
			{gateway.ReadFilter{Purpose: "application 7km"}, 1},
			{gateway.ReadFilter{Purpose: "benefit check"}, 1},
		} {
			got, err := f.gw.AllReads(ctx, tt.f)
			if err != nil || len(got) != tt.want || tt.want == 1 && (got[0].Record != "Registration_application 7KM" || got[0].Purpose != "benefit check") {
				t.Errorf("AllReads(%+v) = %+v, %v; want %d", tt.f, got, err, tt.want)
			}
		}
	}, gateway.Migrations)
}

func TestEvidence(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx := context.Background()
		c := f.gw.Client(portal)
		for range 3 {
			c.Get(ctx, persons.String(), "/5ZQX7KA", "", "test")
		}
		ev, err := f.gw.Evidence(ctx, 2)
		if err != nil || ev.Signature != nil {
			t.Fatalf("unsigned evidence: %+v %v", ev, err)
		}
		if err := gateway.VerifyEvidence(ev); err == nil {
			t.Error("unsigned evidence verified")
		}
		if _, err := f.gw.SignHead(ctx); err != nil {
			t.Fatal(err)
		}
		c.Get(ctx, persons.String(), "/5ZQX7KA", "", "later")
		ev, err = f.gw.Evidence(ctx, 2)
		if err != nil || ev.Signature == nil || ev.Signature.Seq != 3 || len(ev.Chain) != 1 {
			t.Fatalf("evidence: %+v %v", ev, err)
		}
		if err := gateway.VerifyEvidence(ev); err != nil {
			t.Fatal(err)
		}
		ev.Message.Purpose = "forged"
		if err := gateway.VerifyEvidence(ev); err == nil {
			t.Error("altered evidence verified")
		}
		if _, err := f.gw.Evidence(ctx, 99); err == nil {
			t.Error("evidence of a missing message")
		}
	}, gateway.Migrations)
}

// The chain hash is the documented netstrings, byte for byte: a log
// written before a change to how it is computed must still verify.
func TestMessageHashFormat(t *testing.T) {
	m := gateway.Message{Seq: 42, At: time.Date(2026, 11, 24, 13, 5, 7, 123456000, time.UTC),
		XRoadID: "x-1", RequestID: "r-1", Client: "AZ/GOV/1000000010/portal", Service: "AZ/GOV/1000000001/population/persons",
		Method: "GET", UserID: "AZ12345", Purpose: "Ərizə 7", Issue: "", Status: 200, ErrorType: "",
		RequestHash: "rq", ResponseHash: "rs", PrevHash: "00ff"}
	text := "18:egov-gateway-msg-1,2:42,27:2026-11-24T13:05:07.123456Z,3:x-1,3:r-1,24:AZ/GOV/1000000010/portal," +
		"36:AZ/GOV/1000000001/population/persons,3:GET,7:AZ12345,9:Ərizə 7,0:,3:200,0:,2:rq,2:rs,4:00ff,"
	sum := sha256.Sum256([]byte(text))
	if got, want := gateway.MessageHash(m), hex.EncodeToString(sum[:]); got != want {
		t.Fatalf("MessageHash = %s, want %s (sha256 of %q)", got, want, text)
	}
}
