package documents

import (
	"context"
	"database/sql"
	"net/http"
	"strings"
	"time"

	"github.com/egov/egov/internal/audit"
	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/identity"
	"github.com/egov/egov/internal/web"
)

// The issuing agency's staff look up, suspend, reinstate and revoke the
// agency's documents; only supervisors revoke, because that cannot be
// undone. The platform's administrators rotate and revoke signing keys.
var (
	officials = web.Roles(identity.RoleAgencyOperator, identity.RoleAgencySupervisor)
	admins    = web.Roles(identity.RoleAdmin)
)

// officeRoutes registers the staff screens.
func (h *HTTP) officeRoutes(rt *web.Router) {
	rt.HandleFunc("GET /office/documents", officials, h.officeList)
	rt.HandleFunc("GET /office/documents/{number}", officials, h.officeShow)
	rt.HandleFunc("POST /office/documents/{number}/status", officials, h.officeStatus)
	rt.HandleFunc("GET /admin/document-keys", admins, h.keyList)
	rt.HandleFunc("POST /admin/document-keys/rotate", admins, h.keyRotate)
	rt.HandleFunc("POST /admin/document-keys/{kid}/revoke", admins, h.keyRevoke)
}

// AgencyDocuments lists the newest documents agency issued, at most limit.
func (s *Service) AgencyDocuments(ctx context.Context, agency string, limit int) ([]*Document, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+docColumns+` FROM documents WHERE agency = $1
		ORDER BY issued_at DESC, id DESC LIMIT $2`, agency, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Document
	for rows.Next() {
		d, err := scanDocument(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// AgencyDocument is one of agency's documents as its staff see it; reading
// it is audited, since it shows the holder. Another agency's document is
// not found.
func (s *Service) AgencyDocument(ctx context.Context, by, agency, number string) (*Document, error) {
	d, err := s.Get(ctx, number)
	if err != nil {
		return nil, err
	}
	if d.Agency != agency {
		return nil, errs.E(errs.NotFound, "documents.error.not_found")
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		_, err := audit.Append(ctx, tx, audit.Entry{Actor: by, Action: "document.view", Object: "document:" + d.Number,
			Detail: map[string]string{"agency": agency}})
		return err
	})
	return d, err
}

type officeData struct {
	Documents []*Document
	Doc       *Document
	Now       time.Time
}

func (h *HTTP) officeList(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalOf(r.Context())
	if n := strings.TrimSpace(r.URL.Query().Get("number")); n != "" {
		if num := parseNumber(n); num != "" {
			http.Redirect(w, r, "/office/documents/"+num, http.StatusSeeOther)
			return
		}
		h.renderOfficeList(w, r, http.StatusUnprocessableEntity, p.Agency, n,
			errs.E(errs.Invalid, "documents.error.number").Field("number", "documents.error.number"))
		return
	}
	h.renderOfficeList(w, r, http.StatusOK, p.Agency, "", nil)
}

func (h *HTTP) renderOfficeList(w http.ResponseWriter, r *http.Request, status int, agency, typed string, fail error) {
	list, err := h.svc.AgencyDocuments(r.Context(), agency, 50)
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	v := h.site.View(r, "documents.office.title", officeData{Documents: list, Now: h.svc.now()})
	if fail != nil {
		v.Err, v.Form = errs.As(fail), map[string][]string{"number": {typed}}
	}
	h.pages.Render(w, r, status, "office", v)
}

func (h *HTTP) officeShow(w http.ResponseWriter, r *http.Request) {
	h.renderOfficeShow(w, r, http.StatusOK, nil)
}

func (h *HTTP) renderOfficeShow(w http.ResponseWriter, r *http.Request, status int, fail error) {
	p := web.PrincipalOf(r.Context())
	d, err := h.svc.AgencyDocument(r.Context(), p.Subject, p.Agency, r.PathValue("number"))
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	v := h.site.View(r, "documents.office.document", officeData{Doc: d, Now: h.svc.now()})
	v.Crumbs = []web.Crumb{{Label: v.T("documents.office.title"), URL: "/office/documents"}}
	if fail != nil {
		v.Err, v.Form = errs.As(fail), web.Typed(r)
	}
	w.Header().Set("Cache-Control", "private, no-store")
	h.pages.Render(w, r, status, "office_document", v)
}

func (h *HTTP) officeStatus(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalOf(r.Context())
	number, reason := r.PathValue("number"), r.PostFormValue("reason")
	d, err := h.svc.Get(r.Context(), number)
	if err == nil && d.Agency != p.Agency {
		err = errs.E(errs.NotFound, "documents.error.not_found")
	}
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	switch r.PostFormValue("action") {
	case "suspend":
		err = h.svc.Suspend(r.Context(), p.Subject, d.Number, reason)
	case "reinstate":
		err = h.svc.Reinstate(r.Context(), p.Subject, d.Number)
	case "revoke":
		if !p.Has(identity.RoleAgencySupervisor) {
			err = errs.E(errs.Forbidden, "documents.error.revoke_supervisor")
			break
		}
		err = h.svc.Revoke(r.Context(), p.Subject, d.Number, reason)
	default:
		err = errs.E(errs.Invalid, "documents.error.action").Field("action", "documents.error.action")
	}
	if err != nil {
		if k := errs.KindOf(err); k == errs.Invalid || k == errs.Conflict || k == errs.Forbidden {
			h.renderOfficeShow(w, r, web.Status(errs.KindOf(err)), err)
			return
		}
		h.site.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/office/documents/"+d.Number, http.StatusSeeOther)
}
