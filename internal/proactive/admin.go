package proactive

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/web"
)

func adminCrumbs(v *web.View, last ...web.Crumb) []web.Crumb {
	return append([]web.Crumb{{Label: v.T("proactive.rules.title"), URL: "/admin/rules"}}, last...)
}

func (h *HTTP) rules(w http.ResponseWriter, r *http.Request) {
	list, err := h.svc.Rules(r.Context(), authorOf(r))
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	v := h.site.View(r, "proactive.rules.title", list)
	v.Crumbs = []web.Crumb{{Label: v.Title}}
	h.pages.Render(w, r, http.StatusOK, "rules", v)
}

// ruleTemplate is what a new rule's form starts with.
const ruleTemplate = `{
  "id": "",
  "agency": "",
  "starts_on": "2026-01-01",
  "name": {"az": "", "en": "", "ru": ""},
  "reason": {"az": "", "en": "", "ru": ""},
  "trigger": {"event": "age", "age": 18, "lead_days": 60},
  "condition": "person.citizenship == 'AZE'",
  "actions": [
    {"kind": "offer", "to": "person", "service": "identity-card", "accept": "apply",
     "answers": {"reason": ["first"]},
     "title": {"az": "", "en": "", "ru": ""}}
  ]
}`

// newRule shows the form; ?from=<id>&version=<n> starts from a version.
func (h *HTTP) newRule(w http.ResponseWriter, r *http.Request) {
	def := ruleTemplate
	if id := r.URL.Query().Get("from"); id != "" {
		n, _ := strconv.Atoi(r.URL.Query().Get("version"))
		rule, err := h.svc.Rule(r.Context(), authorOf(r), id, n)
		if err != nil {
			h.site.Error(w, r, err)
			return
		}
		def = definitionOf(rule)
	}
	h.renderNew(w, r, http.StatusOK, url.Values{"definition": {def}}, nil)
}

// definitionOf is a rule as its author writes it, indented.
func definitionOf(r *Rule) string {
	c := *r
	c.Version, c.Status, c.CreatedBy, c.CreatedAt = 0, "", "", time.Time{}
	b, _ := json.MarshalIndent(c, "", "  ")
	return string(b)
}

// ruleFields are the parts of a rule whose errors are shown beside the
// definition, in this order.
var ruleFields = []string{"id", "agency", "starts_on", "name", "reason", "trigger", "condition", "actions"}

func (h *HTTP) renderNew(w http.ResponseWriter, r *http.Request, status int, form url.Values, err error) {
	v := h.site.View(r, "proactive.rules.new", ruleFields)
	v.Crumbs = adminCrumbs(v, web.Crumb{Label: v.Title})
	v.Form = form
	if err != nil {
		v.Err = errs.As(err)
	}
	h.pages.Render(w, r, status, "rule_new", v)
}

func (h *HTTP) saveRule(w http.ResponseWriter, r *http.Request) {
	def := r.PostFormValue("definition")
	rule, err := h.svc.SaveDraft(r.Context(), authorOf(r), []byte(def))
	if errs.KindOf(err) == errs.Invalid {
		h.renderNew(w, r, http.StatusUnprocessableEntity, url.Values{"definition": {def}}, err)
		return
	}
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	http.Redirect(w, r, ruleURL(rule), http.StatusSeeOther)
}

func ruleURL(r *Rule) string {
	return "/admin/rules/" + url.PathEscape(r.ID) + "/" + strconv.Itoa(r.Version)
}

// ruleData is a rule's page: the rule, what it did lately, and the result
// of a test or a dry run just made.
type ruleData struct {
	Rule       *Rule
	Definition string
	Recent     []*Record
	Trial      *Trial
	DryRun     *DryRun
}

func (h *HTTP) loadRule(w http.ResponseWriter, r *http.Request) (*Rule, bool) {
	n, err := strconv.Atoi(r.PathValue("version"))
	if err != nil {
		h.site.Error(w, r, errs.E(errs.NotFound, "proactive.error.rule_not_found"))
		return nil, false
	}
	rule, err := h.svc.Rule(r.Context(), authorOf(r), r.PathValue("id"), n)
	if err != nil {
		h.site.Error(w, r, err)
		return nil, false
	}
	return rule, true
}

func (h *HTTP) rule(w http.ResponseWriter, r *http.Request) {
	if rule, ok := h.loadRule(w, r); ok {
		h.renderRule(w, r, http.StatusOK, &ruleData{Rule: rule}, nil)
	}
}

func (h *HTTP) renderRule(w http.ResponseWriter, r *http.Request, status int, d *ruleData, err error) {
	var lerr error
	if d.Recent, lerr = h.svc.RecordsOfRule(r.Context(), d.Rule.ID, 20); lerr != nil {
		h.site.Error(w, r, lerr)
		return
	}
	d.Definition = definitionOf(d.Rule)
	v := h.site.View(r, "", d)
	v.Title = v.T("proactive.rule.title", "ID", d.Rule.ID, "Version", d.Rule.Version)
	v.Crumbs = adminCrumbs(v, web.Crumb{Label: v.Title})
	if err != nil {
		v.Err, v.Form = errs.As(err), web.Typed(r)
	} else if r.Method == http.MethodPost {
		v.Form = web.Typed(r)
	}
	h.pages.Render(w, r, status, "rule", v)
}

func (h *HTTP) testRule(w http.ResponseWriter, r *http.Request) {
	rule, ok := h.loadRule(w, r)
	if !ok {
		return
	}
	t, err := h.svc.Test(r.Context(), authorOf(r), rule, r.PostFormValue("fin"))
	switch {
	case err == nil:
		h.renderRule(w, r, http.StatusOK, &ruleData{Rule: rule, Trial: t}, nil)
	case errs.KindOf(err) == errs.Invalid:
		h.renderRule(w, r, http.StatusUnprocessableEntity, &ruleData{Rule: rule}, err)
	default:
		h.site.Error(w, r, err)
	}
}

func (h *HTTP) dryRun(w http.ResponseWriter, r *http.Request) {
	rule, ok := h.loadRule(w, r)
	if !ok {
		return
	}
	d, err := h.svc.DryRunRule(r.Context(), authorOf(r), rule)
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	h.renderRule(w, r, http.StatusOK, &ruleData{Rule: rule, DryRun: d}, nil)
}

func (h *HTTP) publish(w http.ResponseWriter, r *http.Request) {
	rule, ok := h.loadRule(w, r)
	if !ok {
		return
	}
	if err := h.svc.Publish(r.Context(), authorOf(r), rule.ID, rule.Version); err != nil {
		h.site.Error(w, r, err)
		return
	}
	http.Redirect(w, r, ruleURL(rule), http.StatusSeeOther)
}
