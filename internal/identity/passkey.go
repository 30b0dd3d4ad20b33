package identity

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/google/uuid"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/web"
)

//go:embed templates/passkeys/*.html
var passkeyTemplatesFS embed.FS

//go:embed locales/passkeys/*.json
var passkeyLocalesFS embed.FS

//go:embed static/passkey.js
var passkeyScript []byte

// Passkey is one WebAuthn credential a person signs in with.
type Passkey struct {
	ID           int64
	AccountID    int64
	CredentialID string // base64url
	UserHandle   string // base64url; the same for every passkey of an account
	PublicKey    []byte // COSE_Key
	SignCount    uint32
	Flags        uint8
	AAGUID       string
	Transports   []string
	Name         string
	CreatedAt    time.Time
	LastUsedAt   time.Time // zero when never used
}

// MaxPasskeyName is the longest name a person may give a passkey.
const MaxPasskeyName = 64

// NormalizePasskeyName trims a passkey's name; ok is false when it is too
// long or holds control characters.
func NormalizePasskeyName(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > MaxPasskeyName || strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return s, false
	}
	return s, true
}

// ceremonyTimeout bounds a registration or sign-in ceremony.
const ceremonyTimeout = 5 * time.Minute

// Passkeys serves passkey sign-in (WebAuthn discoverable credentials) and
// the cabinet page where people register and manage their passkeys. The
// state of a ceremony lives in the database (the session for a signed-in
// person, a challenge row otherwise), so any replica can finish it.
type Passkeys struct {
	svc    *Service
	site   *web.Site
	pages  *web.Pages
	wa     *webauthn.WebAuthn
	secure bool
}

// NewPasskeys builds the passkey handlers for the relying party rpID (the
// host of the base URL) at the origin of rpOrigin (the base URL).
func NewPasskeys(svc *Service, site *web.Site, rpID, rpOrigin string) (*Passkeys, error) {
	u, err := url.Parse(rpOrigin)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("passkeys: origin %q is not an http(s) URL", rpOrigin)
	}
	timeout := webauthn.TimeoutConfig{Enforce: true, Timeout: ceremonyTimeout, TimeoutUVD: ceremonyTimeout}
	wa, err := webauthn.New(&webauthn.Config{
		RPID:                  rpID,
		RPDisplayName:         "egov",
		RPOrigins:             []string{u.Scheme + "://" + u.Host},
		AttestationPreference: protocol.PreferNoAttestation,
		AuthenticatorSelection: protocol.AuthenticatorSelection{
			ResidentKey:        protocol.ResidentKeyRequirementRequired,
			RequireResidentKey: protocol.ResidentKeyRequired(),
			UserVerification:   protocol.VerificationPreferred,
		},
		Timeouts: webauthn.TimeoutsConfig{Login: timeout, Registration: timeout},
	})
	if err != nil {
		return nil, fmt.Errorf("passkeys: %w", err)
	}
	if err := site.Messages.Load(passkeyLocalesFS, "locales/passkeys"); err != nil {
		return nil, err
	}
	return &Passkeys{svc: svc, site: site, pages: site.Pages(passkeyTemplatesFS, "templates/passkeys"), wa: wa,
		secure: u.Scheme == "https"}, nil
}

// Routes registers the passkey routes.
func (p *Passkeys) Routes(rt *web.Router) {
	rt.HandleFunc("GET /static/identity/passkey.js", web.Public, p.script)
	rt.HandleFunc("GET /cabinet/passkeys", web.SignedIn, p.list)
	rt.HandleFunc("POST /cabinet/passkeys/register/begin", web.SignedIn, p.registerBegin)
	rt.HandleFunc("POST /cabinet/passkeys/register/finish", web.SignedIn, p.registerFinish)
	rt.HandleFunc("POST /cabinet/passkeys/{id}/rename", web.SignedIn, p.rename)
	rt.HandleFunc("POST /cabinet/passkeys/{id}/delete", web.SignedIn, p.remove)
	rt.HandleFunc("POST /auth/passkey/begin", web.Public, p.signinBegin)
	rt.HandleFunc("POST /auth/passkey/finish", web.Public, p.signinFinish)
}

// script serves the progressive enhancement that talks to the browser's
// WebAuthn API; pages work (and explain themselves) without it.
func (p *Passkeys) script(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Write(passkeyScript)
}

// passkeyUser is an account as go-webauthn sees it.
type passkeyUser struct {
	acct   *Account
	handle []byte
	keys   []Passkey
}

func (u *passkeyUser) WebAuthnID() []byte          { return u.handle }
func (u *passkeyUser) WebAuthnName() string        { return u.acct.FIN }
func (u *passkeyUser) WebAuthnDisplayName() string { return u.acct.DisplayName }

func (u *passkeyUser) WebAuthnCredentials() []webauthn.Credential {
	creds := make([]webauthn.Credential, 0, len(u.keys))
	for _, k := range u.keys {
		id, err := b64.DecodeString(k.CredentialID)
		if err != nil {
			continue
		}
		var aaguid []byte
		if g, err := uuid.Parse(k.AAGUID); err == nil {
			aaguid = g[:]
		}
		transports := make([]protocol.AuthenticatorTransport, len(k.Transports))
		for i, t := range k.Transports {
			transports[i] = protocol.AuthenticatorTransport(t)
		}
		creds = append(creds, webauthn.Credential{
			ID:            id,
			PublicKey:     k.PublicKey,
			Transport:     transports,
			Flags:         webauthn.NewCredentialFlags(protocol.AuthenticatorFlags(k.Flags)),
			Authenticator: webauthn.Authenticator{AAGUID: aaguid, SignCount: k.SignCount},
		})
	}
	return creds
}

var b64 = base64.RawURLEncoding

// passkeyUserOf loads the account's passkeys. Its user handle is theirs,
// or else (no passkey yet) handle, or else a new random one.
func (p *Passkeys) passkeyUserOf(ctx context.Context, acct *Account, handle []byte) (*passkeyUser, error) {
	keys, err := listPasskeys(ctx, p.svc.db, acct.ID)
	if err != nil {
		return nil, err
	}
	u := &passkeyUser{acct: acct, keys: keys}
	switch {
	case len(keys) > 0:
		if u.handle, err = b64.DecodeString(keys[0].UserHandle); err != nil {
			return nil, err
		}
	case handle != nil:
		u.handle = handle
	default:
		u.handle = make([]byte, 32)
		if _, err := rand.Read(u.handle); err != nil {
			return nil, err
		}
	}
	return u, nil
}

// person is the signed-in person; passkeys are for people, not staff.
func (p *Passkeys) person(ctx context.Context) (*Account, error) {
	pr := web.PrincipalOf(ctx)
	if pr == nil {
		return nil, errs.E(errs.Unauthenticated, "error.unauthenticated.detail")
	}
	acct, err := p.svc.Account(ctx, pr.AccountID)
	if err != nil {
		return nil, err
	}
	if acct.Kind != Person {
		return nil, errs.E(errs.Forbidden, "identity.passkeys.error.people_only")
	}
	return acct, nil
}

// problem answers err as problem+json, logging internal causes.
func (p *Passkeys) problem(w http.ResponseWriter, r *http.Request, err error) {
	e := errs.As(err)
	if e.Kind == errs.Internal {
		p.site.Logger.Error("passkey", "pattern", r.Pattern, "err", err, "request_id", web.RequestID(r.Context()))
	}
	p.site.Problem(w, r, e)
}
