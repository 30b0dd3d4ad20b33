package payments

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/web"
)

type officeData struct {
	From, To     string
	Summary      []SummaryRow
	Entries      []LedgerEntry
	Overpayments []Overpayment
	Paid         int64
	Refunded     int64
	Refund       *Refund
	Key          string
}

// period reads from and to (YYYY-MM-DD, Baku) from the query; the last
// 30 days by default. to is inclusive.
func (h *HTTP) period(r *http.Request) (from, to time.Time, fromS, toS string) {
	today := h.svc.cfg.Now().In(Baku)
	to = time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, Baku)
	from = to.AddDate(0, 0, -30)
	if t, err := time.ParseInLocation(time.DateOnly, r.URL.Query().Get("from"), Baku); err == nil {
		from = t
	}
	if t, err := time.ParseInLocation(time.DateOnly, r.URL.Query().Get("to"), Baku); err == nil {
		to = t
	}
	return from, to.AddDate(0, 0, 1), from.Format(time.DateOnly), to.Format(time.DateOnly)
}

func (h *HTTP) office(w http.ResponseWriter, r *http.Request) {
	h.renderOffice(w, r, http.StatusOK, nil, nil)
}

func (h *HTTP) renderOffice(w http.ResponseWriter, r *http.Request, status int, rf *Refund, fail error) {
	p := web.PrincipalOf(r.Context())
	from, to, fromS, toS := h.period(r)
	entries, err := h.svc.Ledger(r.Context(), p.Agency, from, to)
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	if r.URL.Query().Get("format") == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="payments-%s-%s-%s.csv"`, p.Agency, fromS, toS))
		w.Header().Set("Cache-Control", "private, no-store")
		if err := WriteCSV(w, entries); err != nil {
			h.site.Logger.Warn("payments: csv", "err", err)
		}
		return
	}
	over, err := h.svc.Overpayments(r.Context(), p.Agency)
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	d := officeData{From: fromS, To: toS, Summary: Summarize(entries), Entries: entries, Overpayments: over, Refund: rf, Key: newKey()}
	for _, s := range d.Summary {
		d.Paid += s.Paid
		d.Refunded += s.Refunded
	}
	v := h.site.View(r, "payments.office.title", d)
	v.Nav = "office"
	v.Crumbs = []web.Crumb{{Label: v.T("payments.office.title")}}
	if fail != nil {
		v.Err, v.Form = errs.As(fail), web.Typed(r)
	}
	h.pages.Render(w, r, status, "office", v)
}

func (h *HTTP) refund(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalOf(r.Context())
	amount, err := ParseAmount(strings.TrimSpace(strings.Replace(r.PostFormValue("amount"), ",", ".", 1)))
	var rf *Refund
	if err != nil {
		err = errs.E(errs.Invalid, "payments.error.amount").Field("amount", "payments.error.amount")
	} else {
		rf, err = h.svc.RefundBill(r.Context(), p.Subject, p.Agency, r.PostFormValue("bill"), amount,
			strings.TrimSpace(r.PostFormValue("reason")), r.PostFormValue("key"))
	}
	if err != nil {
		k := errs.KindOf(err)
		if k == errs.Invalid || k == errs.Conflict || k == errs.NotFound || k == errs.Unavailable {
			if k == errs.NotFound || k == errs.Conflict {
				err = errs.E(k, errs.As(err).Message).Field("bill", errs.As(err).Message)
			}
			h.renderOffice(w, r, web.Status(k), nil, err)
			return
		}
		h.site.Error(w, r, err)
		return
	}
	h.renderOffice(w, r, http.StatusOK, rf, nil)
}

// refundOverpayment returns one overpayment, whole, to its payer.
func (h *HTTP) refundOverpayment(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalOf(r.Context())
	rf, err := h.svc.RefundOverpayment(r.Context(), p.Subject, p.Agency, r.PostFormValue("payment"), r.PostFormValue("bill"),
		"overpayment", r.PostFormValue("key"))
	if err != nil {
		k := errs.KindOf(err)
		if k == errs.Invalid || k == errs.Conflict || k == errs.NotFound || k == errs.Unavailable {
			h.renderOffice(w, r, web.Status(k), nil, err)
			return
		}
		h.site.Error(w, r, err)
		return
	}
	h.renderOffice(w, r, http.StatusOK, rf, nil)
}

type reconData struct {
	Report *Reconciliation
}

func (h *HTTP) reconPage(w http.ResponseWriter, r *http.Request) {
	h.renderRecon(w, r, http.StatusOK, nil, nil)
}

func (h *HTTP) renderRecon(w http.ResponseWriter, r *http.Request, status int, rep *Reconciliation, fail error) {
	v := h.site.View(r, "payments.recon.title", reconData{Report: rep})
	v.Nav = "office"
	v.Crumbs = []web.Crumb{{Label: v.T("payments.office.title"), URL: "/office/payments"}, {Label: v.Title}}
	if fail != nil {
		v.Err = errs.As(fail)
	}
	h.pages.Render(w, r, status, "recon", v)
}

func (h *HTTP) reconcile(w http.ResponseWriter, r *http.Request) {
	bad := errs.E(errs.Invalid, "payments.error.file").Field("file", "payments.error.file")
	r.Body = http.MaxBytesReader(w, r.Body, 21<<20)
	f, _, err := r.FormFile("file")
	if err != nil {
		h.renderRecon(w, r, http.StatusUnprocessableEntity, nil, bad)
		return
	}
	defer f.Close()
	lines, err := ParseSettlement(f)
	if err != nil {
		h.renderRecon(w, r, http.StatusUnprocessableEntity, nil, bad)
		return
	}
	rep, err := h.svc.Reconcile(r.Context(), lines)
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	h.renderRecon(w, r, http.StatusOK, rep, nil)
}
