package documents_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/egov/egov/internal/audit"
	"github.com/egov/egov/internal/documents"
	"github.com/egov/egov/internal/lang"
)

func TestOfficeChangesStatus(t *testing.T) {
	w := newWeb(t)
	ctx := context.Background()
	doc := "/office/documents/" + w.doc.Number
	state := func() documents.Status {
		t.Helper()
		d, err := w.svc.Get(ctx, w.doc.Number)
		if err != nil {
			t.Fatal(err)
		}
		return d.Status
	}

	t.Run("ListAndShowInThreeLanguages", func(t *testing.T) {
		for _, l := range lang.All {
			c := w.client(t, "staff:op", l)
			code, body, _ := c.get("/office/documents")
			if code != 200 || !strings.Contains(body, w.doc.Ref()) {
				t.Fatalf("%s: list: %d", l, code)
			}
			page(t, "office list "+string(l), body)
			code, body, _ = c.get(doc)
			if code != 200 || !strings.Contains(body, "Aysel Məmmədova") {
				t.Fatalf("%s: document: %d", l, code)
			}
			page(t, "office document "+string(l), body)
		}
	})
	t.Run("ReadingIsAudited", func(t *testing.T) {
		entries, err := audit.List(ctx, w.db, audit.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range entries {
			if e.Action == "document.view" && e.Actor == "staff:op" && e.Object == "document:"+w.doc.Number {
				n++
			}
		}
		if n != 3 {
			t.Errorf("%d audited views, want 3", n)
		}
	})
	t.Run("FindByTypedNumber", func(t *testing.T) {
		c := w.client(t, "staff:op", lang.EN)
		if code, _, h := c.get("/office/documents?number=" + strings.ToLower(w.doc.Ref())); code != 303 || h.Get("Location") != doc {
			t.Errorf("typed number: %d %s", code, h.Get("Location"))
		}
		code, body, _ := c.get("/office/documents?number=nonsense")
		if code != 422 || !strings.Contains(body, `value="nonsense"`) || !strings.Contains(body, "for example") {
			t.Errorf("bad number: %d", code)
		}
	})
	t.Run("AnotherAgencyFindsNothing", func(t *testing.T) {
		c := w.client(t, "staff:other", lang.EN)
		if code, _, _ := c.get(doc); code != 404 {
			t.Errorf("other agency reads: %d, want 404", code)
		}
		// A page of its own agency's document gives the form's token.
		in := sampleIssue("office:migration")
		in.Agency = "migration"
		own, err := w.svc.Issue(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if code, _, _ := c.get("/office/documents/" + own.Number); code != 200 {
			t.Fatalf("own agency's document: %d", code)
		}
		if code, _, _ := c.post(doc+"/status", url.Values{"action": {"suspend"}, "reason": {"x"}}); code != 404 {
			t.Errorf("other agency suspends: %d, want 404", code)
		}
		if state() != documents.Valid {
			t.Error("another agency changed the document")
		}
	})
	t.Run("ReasonRequiredAndKept", func(t *testing.T) {
		c := w.client(t, "staff:op", lang.AZ)
		c.get(doc)
		code, body, _ := c.post(doc+"/status", url.Values{"action": {"suspend"}, "reason": {"  "}})
		if code != 422 || !strings.Contains(body, "Səbəbi daxil edin") || !strings.Contains(body, `value="suspend" checked`) {
			t.Errorf("no reason: %d", code)
		}
	})
	t.Run("OperatorSuspendsButCannotRevoke", func(t *testing.T) {
		c := w.client(t, "staff:op", lang.EN)
		c.get(doc)
		if code, _, h := c.post(doc+"/status", url.Values{"action": {"suspend"}, "reason": {"Under review"}}); code != 303 || h.Get("Location") != doc {
			t.Fatalf("suspend: %d", code)
		}
		if state() != documents.Suspended {
			t.Fatalf("state %s, want suspended", state())
		}
		c.get(doc)
		code, body, _ := c.post(doc+"/status", url.Values{"action": {"revoke"}, "reason": {"Issued in error"}})
		if code != 403 || !strings.Contains(body, "Only a supervisor") {
			t.Errorf("operator revokes: %d", code)
		}
		if state() != documents.Suspended {
			t.Error("operator revoked")
		}
	})
	t.Run("SupervisorRevokes", func(t *testing.T) {
		c := w.client(t, "staff:sup", lang.EN)
		c.get(doc)
		if code, _, _ := c.post(doc+"/status", url.Values{"action": {"revoke"}, "reason": {"Issued in error"}}); code != 303 {
			t.Fatalf("revoke: %d", code)
		}
		res, err := w.svc.VerifyNumber(ctx, w.doc.Number)
		if err != nil || res.Status != documents.Revoked || res.Reason != "Issued in error" {
			t.Errorf("verify after revoke: %+v %v", res, err)
		}
		c.get(doc)
		if code, _, _ := c.post(doc+"/status", url.Values{"action": {"reinstate"}}); code != 409 {
			t.Errorf("reinstate a revoked document: %d, want 409", code)
		}
		entries, _ := audit.List(ctx, w.db, audit.Filter{})
		var actions []string
		for _, e := range entries {
			if e.Object == "document:"+w.doc.Number && e.Action != "document.view" {
				actions = append(actions, e.Actor+" "+e.Action)
			}
		}
		if got := strings.Join(actions, ","); !strings.Contains(got, "staff:op document.suspend") || !strings.Contains(got, "staff:sup document.revoke") {
			t.Errorf("audit: %s", got)
		}
	})
}

func TestAdminRotatesAndRevokesKeys(t *testing.T) {
	w := newWeb(t)
	ctx := context.Background()
	c := w.client(t, "staff:admin", lang.RU)
	code, body, _ := c.get("/admin/document-keys")
	if code != 200 || !strings.Contains(body, w.doc.KID) || !strings.Contains(body, "подписывает") {
		t.Fatalf("keys page: %d", code)
	}
	page(t, "keys", body)
	if code, body, _ := c.post("/admin/document-keys/rotate", url.Values{"agency": {"no-such-agency"}}); code != 422 || !strings.Contains(body, "error-summary") {
		t.Errorf("rotate unknown agency: %d", code)
	}
	if code, _, _ := c.post("/admin/document-keys/rotate", url.Values{"agency": {"justice"}}); code != 303 {
		t.Fatalf("rotate: %d", code)
	}
	keys, _ := w.svc.Keys(ctx)
	if len(keys) != 2 {
		t.Fatalf("%d keys after rotation, want 2", len(keys))
	}
	c.get("/admin/document-keys")
	code, body, _ = c.post("/admin/document-keys/"+w.doc.KID+"/revoke", url.Values{"kid": {w.doc.KID}, "reason": {""}})
	if code != 422 || !strings.Contains(body, `id="reason-error"`) {
		t.Errorf("revoke without reason: %d", code)
	}
	if code, _, _ := c.post("/admin/document-keys/"+w.doc.KID+"/revoke", url.Values{"kid": {w.doc.KID}, "reason": {"Compromised"}}); code != 303 {
		t.Fatalf("revoke: %d", code)
	}
	if res, _ := w.svc.VerifyNumber(ctx, w.doc.Number); res.Status == documents.Valid {
		t.Error("a document signed by a revoked key still verifies as valid")
	}
	op := w.client(t, "staff:op", lang.EN)
	if code, _, _ := op.get("/admin/document-keys"); code != 403 && code != 404 {
		t.Errorf("operator reads keys: %d", code)
	}
}
