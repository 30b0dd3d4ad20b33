package identity

import (
	"html/template"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/web"
)

// The sign-in card renders through the overlay when a provider is
// configured, and nothing when not.
func TestFederationSigninCard(t *testing.T) {
	site := web.NewSite(nil, web.Options{Secret: []byte("0123456789abcdef0123456789abcdef")})
	f, err := NewFederation(nil, site, FederationConfig{Name: lang.Text{AZ: "Mobil ID", EN: "Mobile ID", RU: "Мобильный ID"},
		Issuer: "https://id.example.az", ClientID: "egov", RedirectURL: "https://egov.az/auth/federation/callback"})
	if err != nil {
		t.Fatal(err)
	}
	// The sign-in page's templates still parse with the card added.
	site.Pages(withFederationSignin(withPasskeySignin(templatesFS)), "templates")
	tmpl, err := template.ParseFS(withFederationSignin(withPasskeySignin(templatesFS)), "templates/_federation_signin.html")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		fed  *Federation
		want string
	}{{"Configured", f, `href="/auth/federation?next=%2fcabinet%2factivity"`}, {"NotConfigured", nil, ""}} {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/auth/signin", nil)
			v := site.View(r, "identity.signin.title", map[string]any{"Next": "/cabinet/activity", "Federation": c.fed})
			var b strings.Builder
			if err := tmpl.ExecuteTemplate(&b, "federation-signin", v); err != nil {
				t.Fatal(err)
			}
			if got := b.String(); strings.Contains(got, "<li") != (c.fed != nil) || !strings.Contains(got, c.want) || (c.fed != nil && !strings.Contains(got, "Mobil ID ilə daxil olun")) {
				t.Errorf("card = %q, want %q", got, c.want)
			}
		})
	}
}
