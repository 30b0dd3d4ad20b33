package identity

import (
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"strconv"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/google/uuid"

	"github.com/egov/egov/internal/audit"
	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/web"
)

// sessionKeyRegistration holds a signed-in person's registration ceremony
// in their session.
const sessionKeyRegistration = "passkey_registration"

// maxCeremonyBody bounds the JSON a browser sends to finish a ceremony.
const maxCeremonyBody = 64 << 10

type passkeysData struct {
	Account  *Account
	Passkeys []Passkey
}

func (p *Passkeys) list(w http.ResponseWriter, r *http.Request) {
	p.render(w, r, http.StatusOK, nil)
}

// render shows the passkeys page, with err after a failed form post.
func (p *Passkeys) render(w http.ResponseWriter, r *http.Request, status int, err error) {
	acct, aerr := p.person(r.Context())
	if aerr != nil {
		p.site.Error(w, r, aerr)
		return
	}
	keys, lerr := listPasskeys(r.Context(), p.svc.db, acct.ID)
	if lerr != nil {
		p.site.Error(w, r, lerr)
		return
	}
	v := p.site.View(r, "identity.passkeys.title", passkeysData{Account: acct, Passkeys: keys})
	v.Nav = "cabinet"
	v.Crumbs = []web.Crumb{{Label: v.T("identity.cabinet.title"), URL: "/cabinet"}, {Label: v.Title}}
	if err != nil {
		v.Err = errs.As(err)
		v.Form = web.Typed(r)
	}
	p.pages.Render(w, r, status, "passkeys", v)
}

// registerBegin starts registering a passkey for the signed-in person and
// answers the options for navigator.credentials.create.
func (p *Passkeys) registerBegin(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	acct, err := p.person(ctx)
	if err != nil {
		p.problem(w, r, err)
		return
	}
	user, err := p.passkeyUserOf(ctx, acct, nil)
	if err != nil {
		p.problem(w, r, err)
		return
	}
	creation, session, err := p.wa.BeginRegistration(user,
		webauthn.WithExclusions(webauthn.Credentials(user.WebAuthnCredentials()).CredentialDescriptors()))
	if err != nil {
		p.problem(w, r, err)
		return
	}
	state, err := json.Marshal(session)
	if err != nil {
		p.problem(w, r, err)
		return
	}
	if err := p.site.Sessions.Set(ctx, web.SessionOf(ctx), sessionKeyRegistration, string(state)); err != nil {
		p.problem(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, creation)
}

// registerRequest is what the browser sends to finish registering: the
// name the person chose and the credential as PublicKeyCredential JSON.
type registerRequest struct {
	Name       string          `json:"name"`
	Credential json.RawMessage `json:"credential"`
}

// registerFinish verifies the new credential and stores it.
func (p *Passkeys) registerFinish(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	acct, err := p.person(ctx)
	if err != nil {
		p.problem(w, r, err)
		return
	}
	sess := web.SessionOf(ctx)
	state := sess.Data[sessionKeyRegistration]
	if state == "" {
		p.problem(w, r, errs.E(errs.Invalid, "identity.passkeys.error.ceremony"))
		return
	}
	// A ceremony is answered once.
	if err := p.site.Sessions.Set(ctx, sess, sessionKeyRegistration, ""); err != nil {
		p.problem(w, r, err)
		return
	}
	var session webauthn.SessionData
	if err := json.Unmarshal([]byte(state), &session); err != nil {
		p.problem(w, r, err)
		return
	}
	var req registerRequest
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxCeremonyBody))
	if err == nil {
		err = json.Unmarshal(body, &req)
	}
	if err != nil {
		p.problem(w, r, errs.E(errs.Invalid, "identity.passkeys.error.registration"))
		return
	}
	name, ok := NormalizePasskeyName(req.Name)
	if !ok {
		p.problem(w, r, errs.E(errs.Invalid, "identity.passkeys.error.name").Field("name", "identity.passkeys.error.name"))
		return
	}
	key, err := p.register(ctx, acct, session, req.Credential, name)
	if err != nil {
		p.problem(w, r, err)
		return
	}
	web.JSON(w, http.StatusCreated, map[string]any{"id": key.ID, "redirect": "/cabinet/passkeys"})
}

// register verifies a registration response against the ceremony's state
// and stores the passkey under acct. A credential that is already stored,
// for this person or anyone else, is a conflict.
func (p *Passkeys) register(ctx context.Context, acct *Account, session webauthn.SessionData, credential []byte, name string) (*Passkey, error) {
	parsed, err := protocol.ParseCredentialCreationResponseBytes(credential)
	if err != nil {
		return nil, p.refused(ctx, "registration", err, errs.E(errs.Invalid, "identity.passkeys.error.registration"))
	}
	user, err := p.passkeyUserOf(ctx, acct, session.UserID)
	if err != nil {
		return nil, err
	}
	cred, err := p.wa.CreateCredential(user, session, parsed)
	if err != nil {
		return nil, p.refused(ctx, "registration", err, errs.E(errs.Invalid, "identity.passkeys.error.registration"))
	}
	key := &Passkey{
		AccountID:    acct.ID,
		CredentialID: b64.EncodeToString(cred.ID),
		UserHandle:   b64.EncodeToString(user.handle),
		PublicKey:    cred.PublicKey,
		SignCount:    cred.Authenticator.SignCount,
		Flags:        uint8(cred.Flags.ProtocolValue()),
		Name:         name,
		CreatedAt:    p.svc.now(),
	}
	if g, err := uuid.FromBytes(cred.Authenticator.AAGUID); err == nil && g != uuid.Nil {
		key.AAGUID = g.String()
	}
	for _, t := range cred.Transport {
		key.Transports = append(key.Transports, string(t))
	}
	err = p.svc.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := insertPasskey(ctx, tx, key); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT id FROM identity_passkeys WHERE credential_id = $1`, key.CredentialID).Scan(&key.ID); err != nil {
			return err
		}
		_, err := audit.Append(ctx, tx, audit.Entry{Actor: acct.Subject, Action: "identity.passkey.added", Object: acct.Subject,
			Detail: map[string]string{"passkey": strconv.FormatInt(key.ID, 10)}})
		return err
	})
	if err != nil {
		return nil, err
	}
	return key, nil
}

// refused logs why go-webauthn refused a ceremony (for the operator, not
// the person) and returns the error to show.
func (p *Passkeys) refused(ctx context.Context, ceremony string, cause error, shown *errs.Error) error {
	detail := cause.Error()
	var perr *protocol.Error
	if e, ok := cause.(*protocol.Error); ok {
		perr = e
		detail = perr.Details + " " + perr.DevInfo
	}
	p.site.Logger.Info("passkey refused", "ceremony", ceremony, "reason", detail, "request_id", web.RequestID(ctx))
	shown.Err = cause
	return shown
}

// passkeyID is the {id} of the request's path.
func passkeyID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return 0, errs.E(errs.NotFound, "identity.passkeys.error.not_found")
	}
	return id, nil
}

func (p *Passkeys) rename(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	acct, err := p.person(ctx)
	if err != nil {
		p.site.Error(w, r, err)
		return
	}
	id, err := passkeyID(r)
	if err != nil {
		p.site.Error(w, r, err)
		return
	}
	field := "name-" + strconv.FormatInt(id, 10)
	name, ok := NormalizePasskeyName(r.PostFormValue(field))
	if !ok {
		p.render(w, r, http.StatusUnprocessableEntity, errs.E(errs.Invalid, "identity.passkeys.error.name").Field(field, "identity.passkeys.error.name"))
		return
	}
	if err := renamePasskey(ctx, p.svc.db, acct.ID, id, name); err != nil {
		p.site.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/cabinet/passkeys", http.StatusSeeOther)
}

func (p *Passkeys) remove(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	acct, err := p.person(ctx)
	if err != nil {
		p.site.Error(w, r, err)
		return
	}
	id, err := passkeyID(r)
	if err != nil {
		p.site.Error(w, r, err)
		return
	}
	err = p.svc.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := deletePasskey(ctx, tx, acct.ID, id); err != nil {
			return err
		}
		_, err := audit.Append(ctx, tx, audit.Entry{Actor: acct.Subject, Action: "identity.passkey.removed", Object: acct.Subject,
			Detail: map[string]string{"passkey": strconv.FormatInt(id, 10)}})
		return err
	})
	if err != nil {
		p.site.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/cabinet/passkeys", http.StatusSeeOther)
}
