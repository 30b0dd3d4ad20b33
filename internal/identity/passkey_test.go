package identity_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/fxamacker/cbor/v2"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/identity"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/storetest"
	"github.com/egov/egov/internal/web"
)

var b64 = base64.RawURLEncoding

// authenticator is a software passkey authenticator: one P-256 key, a
// credential ID, and a signature counter. It attests with format "none".
type authenticator struct {
	key     *ecdsa.PrivateKey
	id      []byte
	handle  []byte // the user handle, learned at registration
	counter uint32
	rpID    string
	origin  string
}

func newAuthenticator(t *testing.T, rpID, origin string) *authenticator {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	id := make([]byte, 16)
	rand.Read(id)
	return &authenticator{key: key, id: id, rpID: rpID, origin: origin}
}

// clone is a copy of the authenticator, key and counter included.
func (a *authenticator) clone() *authenticator { c := *a; return &c }

type ceremonyOptions struct {
	PublicKey struct {
		Challenge string `json:"challenge"`
		User      struct {
			ID string `json:"id"`
		} `json:"user"`
	} `json:"publicKey"`
}

func (a *authenticator) authData(flags byte, extra []byte) []byte {
	rpHash := sha256.Sum256([]byte(a.rpID))
	d := append(rpHash[:], flags)
	d = binary.BigEndian.AppendUint32(d, a.counter)
	return append(d, extra...)
}

func clientData(t *testing.T, typ, challenge, origin string) []byte {
	t.Helper()
	data, err := json.Marshal(map[string]any{"type": typ, "challenge": challenge, "origin": origin, "crossOrigin": false})
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// create answers navigator.credentials.create's options with a new
// credential, as PublicKeyCredential JSON.
func (a *authenticator) create(t *testing.T, options []byte) json.RawMessage {
	t.Helper()
	var o ceremonyOptions
	if err := json.Unmarshal(options, &o); err != nil || o.PublicKey.Challenge == "" {
		t.Fatalf("creation options %s: %v", options, err)
	}
	handle, err := b64.DecodeString(o.PublicKey.User.ID)
	if err != nil {
		t.Fatal(err)
	}
	a.handle = handle
	pub, err := a.key.PublicKey.ECDH()
	if err != nil {
		t.Fatal(err)
	}
	point := pub.Bytes() // 0x04 || X || Y
	cose, err := cbor.Marshal(map[int]any{1: 2, 3: -7, -1: 1, -2: point[1:33], -3: point[33:65]})
	if err != nil {
		t.Fatal(err)
	}
	attested := make([]byte, 16) // AAGUID: none
	attested = binary.BigEndian.AppendUint16(attested, uint16(len(a.id)))
	attested = append(append(attested, a.id...), cose...)
	const up, uv, at = 0x01, 0x04, 0x40
	attObj, err := cbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": a.authData(up|uv|at, attested)})
	if err != nil {
		t.Fatal(err)
	}
	return mustJSON(t, map[string]any{
		"id": b64.EncodeToString(a.id), "rawId": b64.EncodeToString(a.id), "type": "public-key",
		"response": map[string]any{
			"clientDataJSON":    b64.EncodeToString(clientData(t, "webauthn.create", o.PublicKey.Challenge, a.origin)),
			"attestationObject": b64.EncodeToString(attObj),
			"transports":        []string{"internal"},
		},
		"clientExtensionResults": map[string]any{},
	})
}

// get answers navigator.credentials.get's options with an assertion from
// origin, counting one more use.
func (a *authenticator) get(t *testing.T, options []byte, origin string) json.RawMessage {
	t.Helper()
	var o ceremonyOptions
	if err := json.Unmarshal(options, &o); err != nil || o.PublicKey.Challenge == "" {
		t.Fatalf("request options %s: %v", options, err)
	}
	a.counter++
	cd := clientData(t, "webauthn.get", o.PublicKey.Challenge, origin)
	const up, uv = 0x01, 0x04
	authData := a.authData(up|uv, nil)
	cdHash := sha256.Sum256(cd)
	digest := sha256.Sum256(append(append([]byte(nil), authData...), cdHash[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, a.key, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	return mustJSON(t, map[string]any{
		"id": b64.EncodeToString(a.id), "rawId": b64.EncodeToString(a.id), "type": "public-key",
		"response": map[string]any{
			"clientDataJSON":    b64.EncodeToString(cd),
			"authenticatorData": b64.EncodeToString(authData),
			"signature":         b64.EncodeToString(sig),
			"userHandle":        b64.EncodeToString(a.handle),
		},
		"clientExtensionResults": map[string]any{},
	})
}

func mustJSON(t *testing.T, v any) json.RawMessage {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// twoPeople is a population registry of two.
func twoPeople(_ context.Context, fin string) (string, error) {
	switch fin {
	case "5ZQX7KA":
		return "Aysel Məmmədova", nil
	case "2HPL4RM":
		return "Rəşad Əliyev", nil
	}
	return "", errs.E(errs.NotFound, "registry.error.person_not_found")
}

// passkeyServer serves the identity and passkey routes in demo mode at
// http://localhost:PORT, the relying party's origin.
func passkeyServer(t *testing.T, db *store.DB) (srv *httptest.Server, origin string) {
	t.Helper()
	site := web.NewSite(db, web.Options{Logger: slog.New(slog.DiscardHandler), Secret: []byte("passkey-test-secret-0123456789ab"), Demo: true})
	svc := identity.New(db, site.Sessions, twoPeople, slog.New(slog.DiscardHandler))
	site.Resolve = svc.Resolve
	srv = httptest.NewUnstartedServer(nil)
	srv.Start()
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	origin = "http://localhost:" + u.Port()
	rt := web.NewRouter(site)
	identity.NewHTTP(svc, site, true).Routes(rt)
	pk, err := identity.NewPasskeys(svc, site, "localhost", origin)
	if err != nil {
		t.Fatal(err)
	}
	pk.Routes(rt)
	srv.Config.Handler = site.Handler(rt, nil)
	return srv, origin
}

// client is one browser: its cookies and the CSRF token of its pages.
type client struct {
	t    *testing.T
	http *http.Client
	base string
	csrf string
}

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func newClient(t *testing.T, srv *httptest.Server) *client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &client{t: t, http: &http.Client{Jar: jar}, base: srv.URL}
	_, page := c.do("GET", "/auth/demo", "", nil)
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token on /auth/demo")
	}
	c.csrf = m[1]
	return c
}

func (c *client) do(method, path, contentType string, body []byte) (int, string) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if contentType == "application/json" {
		req.Header.Set("Accept", "application/json")
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	req.Header.Set("Accept-Language", "en")
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data)
}

func (c *client) form(path string, values url.Values) (int, string) {
	c.t.Helper()
	values.Set("csrf_token", c.csrf)
	return c.do("POST", path, "application/x-www-form-urlencoded", []byte(values.Encode()))
}

func (c *client) json(path string, body []byte) (int, string) {
	c.t.Helper()
	if body == nil {
		body = []byte("{}")
	}
	return c.do("POST", path, "application/json", body)
}

func (c *client) signIn(fin string) {
	c.t.Helper()
	if status, page := c.form("/auth/demo", url.Values{"fin": {fin}}); status != http.StatusOK || !strings.Contains(page, "/auth/signout") {
		c.t.Fatalf("demo sign-in as %s: status %d", fin, status)
	}
}

// register adds a passkey made by a to the signed-in person.
func (c *client) register(a *authenticator, name string) (int, string) {
	c.t.Helper()
	status, options := c.json("/cabinet/passkeys/register/begin", nil)
	if status != http.StatusOK {
		c.t.Fatalf("register/begin: %d %s", status, options)
	}
	return c.json("/cabinet/passkeys/register/finish", mustJSON(c.t, map[string]any{"name": name, "credential": a.create(c.t, []byte(options))}))
}

// signInWith signs in with a's passkey; the assertion comes from origin.
func (c *client) signInWith(a *authenticator, origin, next string) (status int, body string, assertion json.RawMessage) {
	c.t.Helper()
	status, options := c.json("/auth/passkey/begin", nil)
	if status != http.StatusOK {
		c.t.Fatalf("auth/passkey/begin: %d %s", status, options)
	}
	assertion = a.get(c.t, []byte(options), origin)
	path := "/auth/passkey/finish"
	if next != "" {
		path += "?next=" + url.QueryEscape(next)
	}
	status, body = c.json(path, assertion)
	return status, body, assertion
}

func TestPasskeys(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		srv, origin := passkeyServer(t, db)
		aysel := newClient(t, srv)
		aysel.signIn("5ZQX7KA")
		phone, laptop := newAuthenticator(t, "localhost", origin), newAuthenticator(t, "localhost", origin)

		t.Run("RegisterTwo", func(t *testing.T) {
			for _, tc := range []struct {
				a    *authenticator
				name string
			}{{phone, "My phone"}, {laptop, "Laptop"}} {
				if status, body := aysel.register(tc.a, tc.name); status != http.StatusCreated {
					t.Fatalf("register %s: %d %s", tc.name, status, body)
				}
			}
			status, page := aysel.do("GET", "/cabinet/passkeys", "", nil)
			if status != http.StatusOK || !strings.Contains(page, "My phone") || !strings.Contains(page, "Laptop") {
				t.Fatalf("GET /cabinet/passkeys: %d, both passkeys listed: %v", status, strings.Contains(page, "Laptop"))
			}
			if got, want := string(phone.handle), string(laptop.handle); got != want {
				t.Error("two passkeys of one person carry different user handles")
			}
		})

		t.Run("SameCredentialTwice", func(t *testing.T) {
			if status, body := aysel.register(phone.clone(), "Again"); status != http.StatusConflict {
				t.Errorf("registering a stored credential again: %d %s, want 409", status, body)
			}
			rashad := newClient(t, srv)
			rashad.signIn("2HPL4RM")
			if status, body := rashad.register(phone.clone(), "Stolen"); status != http.StatusConflict {
				t.Errorf("another person registering Aysel's credential: %d %s, want 409", status, body)
			}
		})

		var used json.RawMessage
		t.Run("SignInWithEach", func(t *testing.T) {
			for _, tc := range []struct {
				name string
				a    *authenticator
				next string
				want string
			}{
				{"Phone", phone, "", "/cabinet"},
				{"Laptop", laptop, "/cabinet/activity", "/cabinet/activity"},
				{"OffSiteNext", phone, "//evil.example/", "/cabinet"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					c := newClient(t, srv)
					status, body, assertion := c.signInWith(tc.a, origin, tc.next)
					if status != http.StatusOK {
						t.Fatalf("finish: %d %s", status, body)
					}
					var got struct{ Redirect string }
					if err := json.Unmarshal([]byte(body), &got); err != nil || got.Redirect != tc.want {
						t.Errorf("redirect %q (%v), want %q", got.Redirect, err, tc.want)
					}
					if status, page := c.do("GET", "/cabinet", "", nil); status != http.StatusOK || !strings.Contains(page, "Aysel Məmmədova") {
						t.Errorf("GET /cabinet after passkey sign-in: %d", status)
					}
					used = assertion
				})
			}
		})

		t.Run("ReplayRefused", func(t *testing.T) {
			c := newClient(t, srv)
			if status, _ := c.json("/auth/passkey/finish", used); status != http.StatusUnprocessableEntity {
				t.Errorf("assertion without a ceremony: %d, want 422", status)
			}
			if status, options := c.json("/auth/passkey/begin", nil); status != http.StatusOK {
				t.Fatalf("begin: %d %s", status, options)
			}
			if status, _ := c.json("/auth/passkey/finish", used); status != http.StatusUnauthorized {
				t.Errorf("replayed assertion for a new challenge: %d, want 401", status)
			}
		})

		t.Run("ClonedCounterRefused", func(t *testing.T) {
			copyOf := phone.clone()
			copyOf.counter -= 2 // behind the stored counter
			c := newClient(t, srv)
			status, body, _ := c.signInWith(copyOf, origin, "")
			if status != http.StatusUnauthorized || !strings.Contains(body, "copied") {
				t.Errorf("cloned authenticator: %d %s, want 401 and the clone message", status, body)
			}
			if status, _ := c.do("GET", "/cabinet", "", nil); status != http.StatusUnauthorized {
				t.Errorf("GET /cabinet after a refused passkey: %d, want 401", status)
			}
			same := phone.clone()
			same.counter-- // equal to the stored counter once get adds one
			if status, body, _ := c.signInWith(same, origin, ""); status != http.StatusUnauthorized {
				t.Errorf("repeated counter: %d %s, want 401", status, body)
			}
		})

		t.Run("WrongOriginRefused", func(t *testing.T) {
			c := newClient(t, srv)
			if status, body, _ := c.signInWith(phone, "http://evil.example", ""); status != http.StatusUnauthorized {
				t.Errorf("assertion from another origin: %d %s, want 401", status, body)
			}
			if status, _ := c.do("GET", "/cabinet", "", nil); status != http.StatusUnauthorized {
				t.Errorf("GET /cabinet: %d, want 401", status)
			}
		})

		t.Run("WrongOriginRegistrationRefused", func(t *testing.T) {
			evil := newAuthenticator(t, "localhost", "http://evil.example")
			if status, body := aysel.register(evil, "Evil"); status != http.StatusUnprocessableEntity {
				t.Errorf("registration from another origin: %d %s, want 422", status, body)
			}
		})

		t.Run("RenameAndRemove", func(t *testing.T) {
			_, page := aysel.do("GET", "/cabinet/passkeys", "", nil)
			m := regexp.MustCompile(`action="/cabinet/passkeys/(\d+)/delete"`).FindAllStringSubmatch(page, -1)
			if len(m) != 2 {
				t.Fatalf("%d delete forms, want 2", len(m))
			}
			laptopID := m[1][1]
			if status, page := aysel.form("/cabinet/passkeys/"+laptopID+"/rename", url.Values{"name-" + laptopID: {"Work laptop"}}); status != http.StatusOK || !strings.Contains(page, "Work laptop") {
				t.Errorf("rename: %d", status)
			}
			if status, _ := aysel.form("/cabinet/passkeys/"+laptopID+"/rename", url.Values{"name-" + laptopID: {strings.Repeat("x", 65)}}); status != http.StatusUnprocessableEntity {
				t.Errorf("rename to 65 characters: %d, want 422", status)
			}
			rashad := newClient(t, srv)
			rashad.signIn("2HPL4RM")
			if status, _ := rashad.form("/cabinet/passkeys/"+laptopID+"/delete", url.Values{}); status != http.StatusNotFound {
				t.Errorf("another person removing Aysel's passkey: %d, want 404", status)
			}
			if status, _ := aysel.form("/cabinet/passkeys/"+laptopID+"/delete", url.Values{}); status != http.StatusOK {
				t.Errorf("remove: %d", status)
			}
			if status, body, _ := newClient(t, srv).signInWith(laptop, origin, ""); status != http.StatusUnauthorized {
				t.Errorf("sign-in with a removed passkey: %d %s, want 401", status, body)
			}
		})

		t.Run("StaffHaveNone", func(t *testing.T) {
			if _, err := identityStaff(db); err != nil {
				t.Fatal(err)
			}
			c := newClient(t, srv)
			if status, _ := c.form("/auth/demo", url.Values{"login": {"dim.operator"}, "password": {"demo"}}); status != http.StatusOK {
				t.Fatalf("staff sign-in: %d", status)
			}
			if status, _ := c.do("GET", "/cabinet/passkeys", "", nil); status != http.StatusForbidden {
				t.Errorf("GET /cabinet/passkeys as staff: %d, want 403", status)
			}
			if status, _ := c.json("/cabinet/passkeys/register/begin", nil); status != http.StatusForbidden {
				t.Errorf("register/begin as staff: %d, want 403", status)
			}
		})
	}, migrations...)
}

func identityStaff(db *store.DB) (bool, error) {
	return identity.New(db, nil, twoPeople, nil).EnsureStaff(context.Background(), identity.StaffMember{Login: "dim.operator",
		Name: "Operator", Password: "demo", Roles: []string{identity.RoleAgencyOperator}, Agency: "internal-affairs"})
}

func TestPasskeyScriptServed(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		srv, _ := passkeyServer(t, db)
		resp, err := srv.Client().Get(srv.URL + "/static/identity/passkey.js")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if ct := resp.Header.Get("Content-Type"); resp.StatusCode != http.StatusOK || !strings.HasPrefix(ct, "text/javascript") || !bytes.Contains(body, []byte("navigator.credentials")) {
			t.Errorf("GET /static/identity/passkey.js: %d %s", resp.StatusCode, ct)
		}
	}, migrations...)
}

func TestNormalizePasskeyName(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
		ok             bool
	}{
		{"Trimmed", "  Telefonum ", "Telefonum", true},
		{"Empty", "", "", true},
		{"Longest", strings.Repeat("ə", 64), strings.Repeat("ə", 64), true},
		{"TooLong", strings.Repeat("ə", 65), strings.Repeat("ə", 65), false},
		{"Control", "a\x00b", "a\x00b", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got, ok := identity.NormalizePasskeyName(tc.in); got != tc.want || ok != tc.ok {
				t.Errorf("NormalizePasskeyName(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
			}
		})
	}
}
