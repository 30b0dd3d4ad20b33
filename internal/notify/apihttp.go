package notify

import (
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/identity"
	"github.com/egov/egov/internal/web"
)

// AgencySystem is the access of the notifications API: an agency's
// system with an API key, live or test (a test key's messages reach no
// one).
var AgencySystem = web.Access{Name: "roles:agency_system", Allow: func(p *web.Principal) bool {
	return p.Has(identity.RoleAgencySystem) && p.Agency != ""
}}

// APIRoutes registers the notifications API for agencies' systems.
func (h *HTTP) APIRoutes(rt *web.Router) {
	rt.HandleFunc("POST /api/v1/notifications", AgencySystem, h.apiSend)
	rt.HandleFunc("GET /api/v1/notifications", AgencySystem, h.apiList)
	rt.HandleFunc("GET /api/v1/notifications/{id}", AgencySystem, h.apiGet)
}

type apiTemplateRef struct {
	Key     string `json:"key"`
	Version int    `json:"version"`
}

type apiDelivery struct {
	Channel   string    `json:"channel"`
	Status    string    `json:"status"`
	Reason    string    `json:"reason,omitempty"`
	UpdatedAt time.Time `json:"updated_at"`
}

// apiNotification is a notification as agencies' systems see it. The
// addresses are not shown: those from the registries are the person's.
type apiNotification struct {
	ID          int64          `json:"id"`
	Reference   string         `json:"reference"`
	Status      string         `json:"status"`
	Test        bool           `json:"test"`
	Unreachable bool           `json:"unreachable"`
	Template    apiTemplateRef `json:"template"`
	CreatedAt   time.Time      `json:"created_at"`
	Deliveries  []apiDelivery  `json:"deliveries,omitempty"`
}

func toAPINotification(n *Notification, deliveries bool) apiNotification {
	out := apiNotification{ID: n.ID, Reference: n.Reference, Status: n.Status, Test: n.Test, Unreachable: n.Unreachable,
		Template: apiTemplateRef{Key: n.TemplateKey, Version: n.TemplateVersion}, CreatedAt: n.CreatedAt}
	if deliveries {
		out.Deliveries = []apiDelivery{}
		for _, d := range n.Deliveries {
			out.Deliveries = append(out.Deliveries, apiDelivery{Channel: d.Channel, Status: d.State, Reason: d.LastError, UpdatedAt: d.UpdatedAt})
		}
	}
	return out
}

func (h *HTTP) apiError(w http.ResponseWriter, r *http.Request, err error) {
	if n := RetryAfter(err); n > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(n))
	}
	h.site.Error(w, r, err)
}

func (h *HTTP) apiSend(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalOf(r.Context())
	key := r.Header.Get("Idempotency-Key")
	if !ValidIdempotencyKey(key) {
		h.apiError(w, r, errs.E(errs.Invalid, "notify.error.api_idempotency_key").Field("Idempotency-Key", "notify.error.api_idempotency_key"))
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxAPIBody+1))
	if err != nil {
		h.apiError(w, r, errs.E(errs.Invalid, "notify.error.api_json"))
		return
	}
	req, err := DecodeAPIRequest(body)
	if err != nil {
		h.apiError(w, r, err)
		return
	}
	n, created, err := h.svc.SendAPI(r.Context(), APISender{Agency: p.Agency, Key: p.Subject, Test: identity.TestKey(p)}, key, req)
	if err != nil {
		h.apiError(w, r, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	web.JSON(w, status, toAPINotification(n, false))
}

func (h *HTTP) apiGet(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalOf(r.Context())
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		h.apiError(w, r, errs.E(errs.NotFound, "error.not_found.detail"))
		return
	}
	n, err := h.svc.Notification(r.Context(), p.Agency, id)
	if err != nil {
		h.apiError(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, toAPINotification(n, true))
}

func (h *HTTP) apiList(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalOf(r.Context())
	q := r.URL.Query()
	f := NotificationFilter{Reference: q.Get("reference"), Status: q.Get("status"), Unreachable: q.Get("unreachable") == "1"}
	var v errs.Validation
	switch f.Status {
	case "", StatePending, StateSent, StateDelivered, StateFailed, StateExpired:
	default:
		v.Add("status", "notify.error.status")
	}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 500 {
			v.Add("limit", "notify.error.limit")
		}
		f.Limit = n
	}
	if err := v.Err(); err != nil {
		h.apiError(w, r, err)
		return
	}
	list, err := h.svc.Notifications(r.Context(), p.Agency, f)
	if err != nil {
		h.apiError(w, r, err)
		return
	}
	items := make([]apiNotification, 0, len(list))
	for i := range list {
		items = append(items, toAPINotification(&list[i], false))
	}
	web.JSON(w, http.StatusOK, map[string]any{"items": items})
}
