package documents_test

import (
	"context"
	"testing"
	"time"

	"github.com/egov/egov/internal/documents"
	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/storetest"
)

func TestShare(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc, clk := newService(t, db)
		d, err := svc.Issue(ctx, sampleIssue("share:1"))
		if err != nil {
			t.Fatal(err)
		}
		req := documents.ShareRequest{HolderFIN: "5ZQX7KA", Number: d.Number, Fields: []string{"place"}, For: 2 * time.Hour}

		t.Run("Refused", func(t *testing.T) {
			bad := []documents.ShareRequest{
				{HolderFIN: "5ZQX7KA", Number: d.Number, Fields: []string{"place"}, For: 30 * time.Minute},
				{HolderFIN: "5ZQX7KA", Number: d.Number, Fields: []string{"place"}, For: 31 * 24 * time.Hour},
				{HolderFIN: "5ZQX7KA", Number: d.Number, Fields: []string{"nothing"}, For: time.Hour},
			}
			for _, r := range bad {
				if _, _, err := svc.Share(ctx, r); errs.KindOf(err) != errs.Invalid {
					t.Errorf("Share(%+v) = %v, want invalid", r, err)
				}
			}
			other := req
			other.HolderFIN = "AAAAAAA"
			if _, _, err := svc.Share(ctx, other); errs.KindOf(err) != errs.NotFound {
				t.Errorf("someone else shared the document: %v", err)
			}
		})

		t.Run("LinkAndWithdraw", func(t *testing.T) {
			sh, token, err := svc.Share(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			got, err := svc.OpenShared(ctx, token)
			if err != nil {
				t.Fatal(err)
			}
			if got.Result.Status != documents.Valid || got.Result.HolderName != "" || len(got.Result.Fields) != 1 ||
				got.Result.Fields[0].Key != "place" {
				t.Fatalf("shared view %+v", got.Result)
			}
			if _, err := svc.OpenShared(ctx, token); err != nil {
				t.Fatal(err)
			}
			list, err := svc.Shares(ctx, "5ZQX7KA", d.Number)
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != 1 || len(list[0].Opens) != 2 || list[0].Opens[0].Via != "link" {
				t.Fatalf("shares %+v", list)
			}
			if err := svc.Withdraw(ctx, "AAAAAAA", d.Number, sh.ID); errs.KindOf(err) != errs.NotFound {
				t.Fatalf("someone else withdrew: %v", err)
			}
			if err := svc.Withdraw(ctx, "5ZQX7KA", d.Number, sh.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.OpenShared(ctx, token); errs.KindOf(err) != errs.NotFound {
				t.Fatalf("withdrawn link opened: %v", err)
			}
		})

		t.Run("QRRotates", func(t *testing.T) {
			sh, _, err := svc.Share(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			tok, until, err := svc.QRToken(ctx, "5ZQX7KA", d.Number, sh.ID)
			if err != nil {
				t.Fatal(err)
			}
			if d := until.Sub(clk.Now()); d <= 2*time.Minute || d > 3*time.Minute {
				t.Fatalf("QR token good for %s", d)
			}
			if _, err := svc.OpenShared(ctx, tok); err != nil {
				t.Fatal(err)
			}
			clk.Add(2 * time.Minute)
			if _, err := svc.OpenShared(ctx, tok); err != nil {
				t.Fatalf("token refused within its three minutes: %v", err)
			}
			clk.Add(time.Minute + time.Second)
			if _, err := svc.OpenShared(ctx, tok); errs.KindOf(err) != errs.NotFound {
				t.Fatalf("stale QR token opened: %v", err)
			}
			tok2, _, _ := svc.QRToken(ctx, "5ZQX7KA", d.Number, sh.ID)
			if tok2 == tok {
				t.Fatal("QR token did not change")
			}
			forged := tok2[:len(tok2)-2] + "AA"
			if forged != tok2 {
				if _, err := svc.OpenShared(ctx, forged); errs.KindOf(err) != errs.NotFound {
					t.Fatalf("forged QR token opened: %v", err)
				}
			}
			if _, err := svc.OpenShared(ctx, tok2); err != nil {
				t.Fatal(err)
			}
			svc.Withdraw(ctx, "5ZQX7KA", d.Number, sh.ID)
			if _, err := svc.OpenShared(ctx, tok2); errs.KindOf(err) != errs.NotFound {
				t.Fatalf("QR of a withdrawn share opened: %v", err)
			}
		})

		t.Run("Expires", func(t *testing.T) {
			_, token, err := svc.Share(ctx, documents.ShareRequest{HolderFIN: "5ZQX7KA", Number: d.Number, ShowName: true, For: time.Hour})
			if err != nil {
				t.Fatal(err)
			}
			clk.Add(59 * time.Minute)
			if got, err := svc.OpenShared(ctx, token); err != nil || got.Result.HolderName != "Aysel Məmmədova" {
				t.Fatalf("open before expiry: %v", err)
			}
			clk.Add(time.Minute)
			if _, err := svc.OpenShared(ctx, token); errs.KindOf(err) != errs.NotFound {
				t.Fatalf("expired link opened: %v", err)
			}
		})
	}, documents.Migrations)
}
