package admin

import (
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/egov/egov/internal/audit"
	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/web"
)

// auditPage is how many entries one page of the log shows.
const auditPage = 50

type auditData struct {
	Entries []audit.Entry
	// Older is the link to the next (older) page, or "".
	Older string
	// Newest is the link back to the first page when paging, or "".
	Newest string
	Verify *verifyResult
}

// verifyResult is what the chain verification found.
type verifyResult struct {
	Intact   bool
	Checked  int64
	HeadSeq  int64
	HeadHash string
	Broken   *audit.BrokenError
}

// Detail lists an entry's details as "key=value", sorted.
func (auditData) Detail(e audit.Entry) string {
	var parts []string
	for k, v := range e.Detail {
		if v != "" {
			parts = append(parts, k+"="+v)
		}
	}
	sort.Strings(parts)
	return strings.Join(parts, "; ")
}

// filter reads the log filter from the query; dates are days in Baku, the
// "to" day included.
func filter(q url.Values) (audit.Filter, error) {
	f := audit.Filter{Actor: strings.TrimSpace(q.Get("actor")), Action: strings.TrimSpace(q.Get("action")),
		Object: strings.TrimSpace(q.Get("object")), Limit: auditPage + 1}
	var v errs.Validation
	if s := q.Get("from"); s != "" {
		d, err := time.ParseInLocation("2006-01-02", s, web.Baku)
		if err != nil {
			v.Add("from", "admin.error.date")
		}
		f.Since = d
	}
	if s := q.Get("to"); s != "" {
		d, err := time.ParseInLocation("2006-01-02", s, web.Baku)
		if err != nil {
			v.Add("to", "admin.error.date")
		}
		f.Until = d.AddDate(0, 0, 1)
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Until.After(f.Since) {
		v.Add("to", "admin.error.date_order")
	}
	if s := q.Get("before"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 1 {
			v.Add("before", "admin.error.page")
		}
		f.BeforeSeq = n
	}
	return f, v.Err()
}

func (a *Admin) auditLog(w http.ResponseWriter, r *http.Request) {
	a.renderAudit(w, r, nil)
}

// renderAudit shows the page of the log the query selects, with the
// verification result when there is one.
func (a *Admin) renderAudit(w http.ResponseWriter, r *http.Request, vr *verifyResult) {
	q := r.URL.Query()
	d := auditData{Verify: vr}
	f, err := filter(q)
	code := http.StatusOK
	if err == nil {
		d.Entries, err = audit.List(r.Context(), a.db, f)
		if err != nil {
			a.site.Error(w, r, err)
			return
		}
		if len(d.Entries) > auditPage {
			d.Entries = d.Entries[:auditPage]
			next := cleanAuditQuery(q)
			next.Set("before", strconv.FormatInt(d.Entries[auditPage-1].Seq, 10))
			d.Older = "/audit?" + next.Encode()
		}
		if f.BeforeSeq > 0 {
			d.Newest = "/audit?" + cleanAuditQuery(q).Encode()
		}
	} else {
		code = status(err)
	}
	v := a.site.View(r, "admin.audit.title", d)
	v.Form = q
	if err != nil {
		v.Err = errs.As(err)
	}
	v.Crumbs = []web.Crumb{{Label: v.Title}}
	a.pages.Render(w, r, code, "audit", v)
}

// cleanAuditQuery is the filter of q without paging and language.
func cleanAuditQuery(q url.Values) url.Values {
	out := url.Values{}
	for _, k := range []string{"actor", "action", "object", "from", "to"} {
		if s := q.Get(k); s != "" {
			out.Set(k, s)
		}
	}
	return out
}

// auditVerify walks the whole chain and shows what it found above the log.
func (a *Admin) auditVerify(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	checked, err := audit.Verify(ctx, a.db)
	vr := &verifyResult{Checked: checked}
	var broken *audit.BrokenError
	switch {
	case errors.As(err, &broken):
		vr.Broken = broken
	case err != nil:
		a.site.Error(w, r, err)
		return
	default:
		vr.Intact = true
		if vr.HeadSeq, vr.HeadHash, err = audit.Head(ctx, a.db); err != nil {
			a.site.Error(w, r, err)
			return
		}
	}
	a.renderAudit(w, r, vr)
}
