package documents

import (
	"net/http"
	"slices"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/web"
)

type keysData struct {
	Keys     []*Key
	Agencies []string // agencies that have signed, for rotation
}

func (h *HTTP) keyList(w http.ResponseWriter, r *http.Request) {
	h.renderKeys(w, r, http.StatusOK, nil)
}

func (h *HTTP) renderKeys(w http.ResponseWriter, r *http.Request, status int, fail error) {
	keys, err := h.svc.Keys(r.Context())
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	d := keysData{Keys: keys}
	for _, k := range keys {
		if !slices.Contains(d.Agencies, k.Agency) {
			d.Agencies = append(d.Agencies, k.Agency)
		}
	}
	slices.Sort(d.Agencies)
	v := h.site.View(r, "documents.keys.title", d)
	if fail != nil {
		v.Err, v.Form = errs.As(fail), web.Typed(r)
	}
	h.pages.Render(w, r, status, "keys", v)
}

func (h *HTTP) keyRotate(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalOf(r.Context())
	agency := r.PostFormValue("agency")
	keys, err := h.svc.Keys(r.Context())
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	// Only an agency that already signs gets a new key: a typo must not
	// create a key for an agency that does not exist.
	if !slices.ContainsFunc(keys, func(k *Key) bool { return k.Agency == agency }) {
		h.keyFailed(w, r, errs.E(errs.Invalid, "documents.error.agency_required").Field("agency", "documents.error.agency_required"))
		return
	}
	if _, err := h.svc.Rotate(r.Context(), p.Subject, agency); err != nil {
		h.keyFailed(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/document-keys", http.StatusSeeOther)
}

func (h *HTTP) keyRevoke(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalOf(r.Context())
	if err := h.svc.RevokeKey(r.Context(), p.Subject, r.PathValue("kid"), r.PostFormValue("reason")); err != nil {
		h.keyFailed(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/document-keys", http.StatusSeeOther)
}

func (h *HTTP) keyFailed(w http.ResponseWriter, r *http.Request, err error) {
	if errs.KindOf(err) == errs.Invalid {
		h.renderKeys(w, r, http.StatusUnprocessableEntity, err)
		return
	}
	h.site.Error(w, r, err)
}
