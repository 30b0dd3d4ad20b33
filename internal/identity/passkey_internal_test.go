package identity

import (
	"html/template"
	"io/fs"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/storetest"
	"github.com/egov/egov/internal/web"
)

// withPasskeySignin adds the passkey section to the identity templates
// folder, so the sign-in page can include {{template "passkey-signin" .}}.
func TestPasskeySigninPartial(t *testing.T) {
	overlay := withPasskeySignin(templatesFS)
	names, err := fs.Glob(overlay, "templates/*.html")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(names, "templates/_passkey_signin.html") || !slices.Contains(names, "templates/signin.html") {
		t.Fatalf("templates in the overlay: %v", names)
	}
	db := storetest.SQLite(t, web.Migrations)
	site := web.NewSite(db, web.Options{Secret: []byte("0123456789abcdef0123456789abcdef")})
	if err := site.Messages.Load(passkeyLocalesFS, "locales/passkeys"); err != nil {
		t.Fatal(err)
	}
	site.Pages(overlay, "templates") // every page parses with the partial

	tmpl := template.Must(template.ParseFS(overlay, "templates/_passkey_signin.html"))
	r := httptest.NewRequest("GET", "/auth/signin?next=/cabinet/activity", nil)
	r = r.WithContext(web.WithLang(r.Context(), lang.EN))
	var out strings.Builder
	if err := tmpl.ExecuteTemplate(&out, "passkey-signin", site.View(r, "", nil)); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Sign in with a passkey</button>", `data-next="/cabinet/activity"`, `src="/static/identity/passkey.js"`, "needs JavaScript"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("passkey-signin lacks %q:\n%s", want, out.String())
		}
	}
}
