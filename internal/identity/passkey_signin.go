package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/web"
)

// passkeyCookie names the visitor's sign-in ceremony under way.
const passkeyCookie = "egov_passkey"

// signinBegin starts a usernameless sign-in: the browser offers whichever
// of this site's passkeys the authenticator holds.
func (p *Passkeys) signinBegin(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	assertion, session, err := p.wa.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationPreferred))
	if err != nil {
		p.problem(w, r, err)
		return
	}
	state, err := json.Marshal(session)
	if err != nil {
		p.problem(w, r, err)
		return
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		p.problem(w, r, err)
		return
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	now := p.svc.now()
	if err := insertPasskeyChallenge(ctx, p.svc.db, challengeHash(token), string(state), now.Add(ceremonyTimeout), now); err != nil {
		p.problem(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: passkeyCookie, Value: token, Path: "/auth/passkey", HttpOnly: true, Secure: p.secure,
		SameSite: http.SameSiteStrictMode, MaxAge: int(ceremonyTimeout.Seconds())})
	web.JSON(w, http.StatusOK, assertion)
}

func challengeHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// signinFinish verifies the assertion, signs the person in and answers
// where to go next.
func (p *Passkeys) signinFinish(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	http.SetCookie(w, &http.Cookie{Name: passkeyCookie, Value: "", Path: "/auth/passkey", MaxAge: -1, HttpOnly: true,
		Secure: p.secure, SameSite: http.SameSiteStrictMode})
	state := ""
	if c, err := r.Cookie(passkeyCookie); err == nil && c.Value != "" && len(c.Value) <= 100 {
		var err error
		if state, err = takePasskeyChallenge(ctx, p.svc.db, challengeHash(c.Value), p.svc.now()); err != nil {
			p.problem(w, r, err)
			return
		}
	}
	if state == "" {
		p.problem(w, r, errs.E(errs.Invalid, "identity.passkeys.error.ceremony"))
		return
	}
	var session webauthn.SessionData
	if err := json.Unmarshal([]byte(state), &session); err != nil {
		p.problem(w, r, err)
		return
	}
	parsed, err := protocol.ParseCredentialRequestResponseBody(http.MaxBytesReader(w, r.Body, maxCeremonyBody))
	if err != nil {
		p.problem(w, r, p.refused(ctx, "signin", err, errs.E(errs.Unauthenticated, "identity.passkeys.error.signin")))
		return
	}
	acct, err := p.authenticate(ctx, session, parsed)
	if err != nil {
		p.problem(w, r, err)
		return
	}
	if err := p.svc.SignIn(ctx, w, r, acct, "passkey"); err != nil {
		p.problem(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, map[string]string{"redirect": next(r)})
}

// authenticate verifies a sign-in assertion against the ceremony's state
// and the stored passkey, and advances the passkey's signature counter. A
// counter that did not grow (a replayed or cloned authenticator) is
// refused. It returns the person's account.
func (p *Passkeys) authenticate(ctx context.Context, session webauthn.SessionData, parsed *protocol.ParsedCredentialAssertionData) (*Account, error) {
	var (
		acct *Account
		key  *Passkey
	)
	lookup := func(rawID, userHandle []byte) (webauthn.User, error) {
		var err error
		if key, err = findPasskeyByCredentialID(ctx, p.svc.db, b64.EncodeToString(rawID)); err != nil {
			return nil, err
		}
		if acct, err = findAccountByID(ctx, p.svc.db, key.AccountID); err != nil {
			return nil, err
		}
		if acct.Disabled || acct.Kind != Person {
			return nil, errs.E(errs.Unauthenticated, "identity.passkeys.error.signin")
		}
		handle, err := b64.DecodeString(key.UserHandle)
		if err != nil {
			return nil, err
		}
		return p.passkeyUserOf(ctx, acct, handle)
	}
	_, cred, err := p.wa.ValidatePasskeyLogin(lookup, session, parsed)
	if err != nil {
		return nil, p.refused(ctx, "signin", err, errs.E(errs.Unauthenticated, "identity.passkeys.error.signin"))
	}
	if cred.Authenticator.CloneWarning {
		p.site.Logger.Warn("passkey counter did not grow: refused", "account", acct.ID, "passkey", key.ID, "request_id", web.RequestID(ctx))
		return nil, errs.E(errs.Unauthenticated, "identity.passkeys.error.clone")
	}
	ok, err := usePasskey(ctx, p.svc.db, key.ID, cred.Authenticator.SignCount, uint8(cred.Flags.ProtocolValue()), p.svc.now())
	if err != nil {
		return nil, err
	}
	if !ok {
		p.site.Logger.Warn("passkey counter raced: refused", "account", acct.ID, "passkey", key.ID, "request_id", web.RequestID(ctx))
		return nil, errs.E(errs.Unauthenticated, "identity.passkeys.error.clone")
	}
	return acct, nil
}
