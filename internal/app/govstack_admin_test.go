package app_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/egov/egov/internal/lang"
)

// The admin's page of the GovStack blocks over plain HTTP: a member is
// linked to an agency, a bank and a biller are registered, all three are
// listed, and the link is removed; refused forms keep what was typed and
// put the error next to its field in the page's language; others than
// admins and posts without the CSRF token are refused. Every change is
// audited.
func TestGovStackAdminOverHTTP(t *testing.T) {
	a, srv := newServer(t)
	ctx := context.Background()
	admin := staffSignedIn(t, srv, "admin")
	if code, body := admin.get("/admin/govstack?lang=en"); code != http.StatusOK || !strings.Contains(body, "No member acts for an agency yet.") {
		t.Fatalf("GET /admin/govstack: %d %s", code, body)
	}
	mustRedirect := func(path string, form url.Values) {
		t.Helper()
		if code, body := admin.post(path, form); code != http.StatusSeeOther {
			t.Fatalf("POST %s: %d %s", path, code, body)
		}
	}
	bank := url.Values{"fi_id": {"AIIBAZ2X"}, "fi_subsystem": {"AZ/COM/1400057421/payments"}, "fi_name": {"Kapital Bank"},
		"fi_callback_url": {"https://bank.example/govstack"}}

	t.Run("ErrBadBank", func(t *testing.T) {
		for _, tc := range []struct {
			lang, field, value, want string
		}{
			{"en", "fi_id", "aiib az!", "The PayerFI-Id is 4 to 20 capital Latin letters and digits."},
			{"en", "fi_id", "ABCDEFGHIJKLMNOPQRSTU", "The PayerFI-Id is 4 to 20 capital Latin letters and digits."},
			{"ru", "fi_subsystem", "AZ/COM/1400057421", "Подсистема должна иметь вид INSTANCE/CLASS/MEMBER/SUBSYSTEM."},
			{"az", "fi_callback_url", "ftp://bank.example/govstack", "https:// və ya http:// ilə başlayan ünvan daxil edin."},
			{"en", "fi_name", "", "Enter the bank&#39;s name (at most 200 characters)."},
		} {
			form := url.Values{}
			for k, v := range bank {
				form[k] = v
			}
			form.Set(tc.field, tc.value)
			code, body := admin.post("/admin/govstack/payer-fis?lang="+tc.lang, form)
			errorAt := `id="` + tc.field + `-error"><span class="visually-hidden">`
			if code != http.StatusUnprocessableEntity || !strings.Contains(body, `href="#`+tc.field+`"`) || !strings.Contains(body, errorAt) ||
				!strings.Contains(body, tc.want) {
				t.Errorf("%s=%q: %d, want 422 with %q next to the field", tc.field, tc.value, code, tc.want)
			}
			for k, v := range form {
				if k != "csrf_token" && v[0] != "" && !strings.Contains(body, `value="`+v[0]+`"`) {
					t.Errorf("%s=%q: what was typed in %s is lost", tc.field, tc.value, k)
				}
			}
		}
	})
	t.Run("ErrNoAgency", func(t *testing.T) {
		code, body := admin.post("/admin/govstack/agency-links?lang=en", url.Values{"link_member": {"AZ/GOV/1000000010"}, "link_agency": {"no-such-agency"}})
		if code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="link_agency-error"`) ||
			!strings.Contains(body, "Choose an agency from the catalog.") || !strings.Contains(body, `<option value="AZ/GOV/1000000010" selected>`) {
			t.Errorf("%d %s", code, body)
		}
	})

	mustRedirect("/admin/govstack/agency-links", url.Values{"link_member": {"AZ/GOV/1000000010"}, "link_agency": {"migration"}})
	mustRedirect("/admin/govstack/payer-fis", bank)
	mustRedirect("/admin/govstack/billers", url.Values{"biller_subsystem": {"AZ/GOV/1000000010/portal"}, "biller_callback_url": {"http://portal.example/callback"}})
	migration, err := a.Catalog.Agency("migration")
	if err != nil {
		t.Fatal(err)
	}
	_, page := admin.get("/admin/govstack?lang=en")
	for _, want := range []string{`<th scope="row">AZ/GOV/1000000010</th>`, migration.Name.In(lang.EN), `<th scope="row">AIIBAZ2X</th>`,
		"AZ/COM/1400057421/payments", "<code>https://bank.example/govstack</code>", `<th scope="row">AZ/GOV/1000000010/portal</th>`,
		"<code>http://portal.example/callback</code>"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page does not show %q", want)
		}
	}
	if fis, err := a.GovStack.PayerFIs(ctx); err != nil || len(fis) != 1 || fis[0].Name != "Kapital Bank" {
		t.Errorf("Payer FIs: %+v %v", fis, err)
	}

	t.Run("ErrNotAdmin", func(t *testing.T) {
		official := staffSignedIn(t, srv, "dim.operator")
		if code, _ := official.get("/admin/govstack"); code != http.StatusForbidden {
			t.Errorf("GET as an official: %d, want 403", code)
		}
		official.get("/office")
		if code, _ := official.post("/admin/govstack/agency-links/remove", url.Values{"link_member": {"AZ/GOV/1000000010"}}); code != http.StatusForbidden {
			t.Errorf("POST as an official: %d, want 403", code)
		}
	})
	t.Run("ErrNoCSRF", func(t *testing.T) {
		resp, err := admin.c.PostForm(srv.URL+"/admin/govstack/agency-links/remove", url.Values{"link_member": {"AZ/GOV/1000000010"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("POST without the token: %d, want 403", resp.StatusCode)
		}
	})
	if links, err := a.GovStack.AgencyLinks(ctx); err != nil || len(links) != 1 || links[0].Agency != "migration" {
		t.Fatalf("links after the refused removals: %+v %v", links, err)
	}

	mustRedirect("/admin/govstack/agency-links/remove", url.Values{"link_member": {"AZ/GOV/1000000010"}})
	if code, body := admin.post("/admin/govstack/agency-links/remove?lang=en", url.Values{"link_member": {"AZ/GOV/1000000010"}}); code != http.StatusNotFound ||
		!strings.Contains(body, "The member is not linked to an agency.") {
		t.Errorf("removing the link twice: %d", code)
	}
	if links, err := a.GovStack.AgencyLinks(ctx); err != nil || len(links) != 0 {
		t.Errorf("links after the removal: %+v %v", links, err)
	}
	if _, page := admin.get("/admin/govstack?lang=en"); !strings.Contains(page, "No member acts for an agency yet.") {
		t.Error("the removed link is still listed")
	}

	rows, err := a.DB.QueryContext(ctx, `SELECT action, object FROM audit_log WHERE action LIKE 'govstack.%' ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var action, object string
		if err := rows.Scan(&action, &object); err != nil {
			t.Fatal(err)
		}
		got = append(got, action+" "+object)
	}
	want := []string{"govstack.agency.link gateway_member:AZ/GOV/1000000010", "govstack.payer_fi.register govstack_payer_fi:AIIBAZ2X",
		"govstack.biller.register gateway_subsystem:AZ/GOV/1000000010/portal", "govstack.agency.unlink gateway_member:AZ/GOV/1000000010"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("audit entries:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
