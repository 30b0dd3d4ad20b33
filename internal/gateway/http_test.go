package gateway_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/egov/egov/internal/gateway"
	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/storetest"
	"github.com/egov/egov/internal/web"
)

// The data tracker's pages in every language, for a citizen and an
// auditor, and who may not see them.
func TestTrackerPages(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx := context.Background()
		if _, err := f.gw.Client(portal).Get(ctx, persons.String(), "/5ZQX7KA", "AZ-official-1", "school enrolment"); err != nil {
			t.Fatal(err)
		}
		site := web.NewSite(db, web.Options{Secret: []byte("0123456789abcdef0123456789abcdef")})
		rt := web.NewRouter(site)
		gateway.NewHTTP(f.gw, site).Routes(rt)
		if missing := site.Messages.Missing(); len(missing) > 0 {
			t.Errorf("messages missing: %v", missing)
		}
		citizen := &web.Principal{Subject: "person:5ZQX7KA", FIN: "5ZQX7KA", Roles: []string{"citizen"}}
		other := &web.Principal{Subject: "person:2HPL4RM", FIN: "2HPL4RM", Roles: []string{"citizen"}}
		auditor := &web.Principal{Subject: "staff:auditor", Roles: []string{"auditor"}}
		get := func(p *web.Principal, l lang.Lang, path string) (int, string) {
			req := httptest.NewRequest("GET", path, nil)
			c := web.WithLang(req.Context(), l)
			if p != nil {
				c = web.WithPrincipal(c, p)
			}
			rec := httptest.NewRecorder()
			rt.ServeHTTP(rec, req.WithContext(c))
			b, _ := io.ReadAll(rec.Result().Body)
			return rec.Code, string(b)
		}
		registryName := map[lang.Lang]string{lang.AZ: "Əhali reyestri", lang.EN: "Population registry", lang.RU: "Реестр населения"}
		for _, l := range lang.All {
			code, page := get(citizen, l, "/cabinet/data-access")
			if code != 200 || !strings.Contains(page, "school enrolment") || !strings.Contains(page, "AZ/GOV/1000000010/portal") ||
				!strings.Contains(page, registryName[l]) || !strings.Contains(page, "AZ-official-1") {
				t.Errorf("%s: cabinet page %d lacks the read", l, code)
			}
			code, page = get(auditor, l, "/audit/data-access?fin=5ZQX7KA&purpose=school&from=2000-01-01&to=2100-01-01")
			if code != 200 || !strings.Contains(page, "5ZQX7KA") || !strings.Contains(page, "school enrolment") {
				t.Errorf("%s: audit page %d lacks the read", l, code)
			}
		}
		if _, page := get(other, lang.EN, "/cabinet/data-access"); strings.Contains(page, "school enrolment") {
			t.Error("another person sees the read")
		}
		if code, _ := get(auditor, lang.EN, "/audit/data-access?purpose=nothing-like-this"); code != 200 {
			t.Errorf("empty audit result: %d", code)
		}
		if code, page := get(auditor, lang.EN, "/audit/data-access?fin=x&from=yesterday"); code != http.StatusUnprocessableEntity ||
			!strings.Contains(page, "Enter a FIN") || !strings.Contains(page, "Enter a date") || !strings.Contains(page, `value="yesterday"`) {
			t.Errorf("bad filter: %d", code)
		}
		// Paging: 51 reads make two pages.
		for range 50 {
			f.gw.Client(portal).Get(ctx, persons.String(), "/5ZQX7KA", "", "more")
		}
		if _, page := get(citizen, lang.EN, "/cabinet/data-access"); !strings.Contains(page, `rel="next"`) || strings.Contains(page, `rel="prev"`) ||
			!strings.Contains(page, "/cabinet/data-access?page=2") {
			t.Error("first page has no link to the next")
		}
		if _, page := get(citizen, lang.EN, "/cabinet/data-access?page=2"); !strings.Contains(page, `rel="prev"`) || strings.Contains(page, `rel="next"`) ||
			!strings.Contains(page, "school enrolment") {
			t.Error("second page is wrong")
		}
		for _, tt := range []struct {
			p    *web.Principal
			path string
			want int
		}{
			{nil, "/cabinet/data-access", 401},
			{auditor, "/cabinet/data-access", 403},
			{nil, "/audit/data-access", 401},
			{citizen, "/audit/data-access", 403},
		} {
			if code, _ := get(tt.p, lang.EN, tt.path); code != tt.want {
				t.Errorf("%v on %s: %d, want %d", tt.p, tt.path, code, tt.want)
			}
		}
	}, web.Migrations, gateway.Migrations)
}
