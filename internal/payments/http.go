package payments

import (
	"crypto/rand"
	"embed"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/identity"
	"github.com/egov/egov/internal/web"
)

//go:embed templates/*.html
var templatesFS embed.FS

//go:embed locales/*.json
var localesFS embed.FS

// HTTP serves the payment pages, the provider's callback and the
// agencies' reports.
type HTTP struct {
	svc   *Service
	site  *web.Site
	pages *web.Pages
}

// NewHTTP builds the handlers and adds the module's messages to the site.
func NewHTTP(svc *Service, site *web.Site) *HTTP {
	site.Messages.MustLoad(localesFS, "locales")
	return &HTTP{svc: svc, site: site, pages: site.Pages(templatesFS, "templates")}
}

// People pay their own bills and their business's.
var people = web.Roles(identity.RoleCitizen, identity.RoleForeigner)

// Officials see their agency's payments and refund them.
var officials = web.Roles(identity.RoleAgencyOperator, identity.RoleAgencySupervisor)

// CallbackPath is where the provider's webhooks arrive. It must be exempt
// from the web layer's CSRF check: the HMAC signature authenticates it.
const CallbackPath = "/payments/callback"

// Routes registers every route of the module.
func (h *HTTP) Routes(rt *web.Router) {
	rt.HandleFunc("GET /payments", web.Public, h.find)
	rt.HandleFunc("POST /payments/find", web.Public, h.findByFIN)
	rt.HandleFunc("POST /payments/pay", web.Public, h.pay)
	rt.HandleFunc("GET /payments/return", web.Public, h.back)
	rt.HandleFunc("POST "+CallbackPath, web.Public, h.callback)
	rt.HandleFunc("GET /cabinet/payments", people, h.cabinet)
	rt.HandleFunc("GET /cabinet/payments/receipts/{number}", people, h.receipt)
	rt.HandleFunc("POST /cabinet/payments/payouts/{number}/account", people, h.payoutAccount)
	rt.HandleFunc("GET /office/payments", officials, h.office)
	rt.HandleFunc("POST /office/payments/refunds", officials, h.refund)
	rt.HandleFunc("POST /office/payments/overpayments/refunds", officials, h.refundOverpayment)
	rt.HandleFunc("GET /office/payments/reconciliation", officials, h.reconPage)
	rt.HandleFunc("POST /office/payments/reconciliation", officials, h.reconcile)
}

func newKey() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// billRow is a bill as the pages show it.
type billRow struct {
	B          *Bill
	Due        int64
	Discounted bool
	Overdue    bool
}

func (h *HTTP) rows(list []*Bill) (open, closed []billRow) {
	now := h.svc.now()
	for _, b := range list {
		r := billRow{B: b, Due: b.Due(now), Discounted: b.Discounted(now), Overdue: b.Overdue(now)}
		if b.Status == StatusOpen {
			open = append(open, r)
		} else {
			closed = append(closed, r)
		}
	}
	return open, closed
}

type findData struct {
	By       string // number, plate or fin
	Searched bool
	Open     []billRow
	Closed   []billRow
	Key      string
}

func (h *HTTP) find(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := findData{Key: newKey()}
	var (
		list []*Bill
		err  error
	)
	switch {
	case q.Get("number") != "":
		d.By, d.Searched = "number", true
		var b *Bill
		if b, err = h.svc.Bill(r.Context(), q.Get("number")); err == nil {
			list = []*Bill{b}
		}
	case q.Get("plate") != "":
		d.By, d.Searched = "plate", true
		list, err = h.svc.FindByPlate(r.Context(), q.Get("plate"))
	}
	h.renderFind(w, r, d, list, err)
}

func (h *HTTP) findByFIN(w http.ResponseWriter, r *http.Request) {
	d := findData{By: "fin", Searched: true, Key: newKey()}
	birth, perr := time.Parse(time.DateOnly, strings.TrimSpace(r.PostFormValue("birth")))
	var (
		list []*Bill
		err  error
	)
	if perr != nil {
		err = errs.E(errs.Invalid, "payments.error.birth").Field("birth", "payments.error.birth")
	} else {
		list, err = h.svc.FindByFIN(r.Context(), r.PostFormValue("fin"), birth)
	}
	h.renderFind(w, r, d, list, err)
}

// renderFind shows the search and its result. Not found and a wrong
// birth date read the same, so the form tells nothing about who exists.
func (h *HTTP) renderFind(w http.ResponseWriter, r *http.Request, d findData, list []*Bill, err error) {
	status := http.StatusOK
	v := h.site.View(r, "payments.find.title", &d)
	v.Crumbs = []web.Crumb{{Label: v.T("payments.find.title")}}
	switch {
	case err == nil:
	case errs.KindOf(err) == errs.NotFound:
		// the page says "nothing found"
	case errs.KindOf(err) == errs.Invalid:
		v.Err, status = errs.As(err), http.StatusUnprocessableEntity
	case errs.KindOf(err) == errs.TooMany:
		v.Err, status = errs.As(err), http.StatusTooManyRequests
	default:
		h.site.Error(w, r, err)
		return
	}
	if r.Method == http.MethodPost {
		v.Form = web.Typed(r)
	} else {
		v.Form = r.URL.Query()
	}
	d.Open, d.Closed = h.rows(list)
	h.pages.Render(w, r, status, "find", v)
}

func payerOf(r *http.Request) string {
	if p := web.PrincipalOf(r.Context()); p != nil {
		return p.Subject
	}
	return "public"
}

func (h *HTTP) pay(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.site.Error(w, r, errs.E(errs.Invalid, "error.invalid"))
		return
	}
	p, err := h.svc.StartPayment(r.Context(), payerOf(r), r.PostForm["bill"], r.PostFormValue("key"))
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	if p.State != PaymentCreated || p.RedirectURL == "" {
		http.Redirect(w, r, "/payments/return?payment="+p.Number, http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, p.RedirectURL, http.StatusSeeOther)
}

type returnData struct {
	P        *Payment
	Receipt  *Receipt
	Valid    bool
	Overpaid []OverpaidBill // bills the payment found no longer open
}

func (h *HTTP) back(w http.ResponseWriter, r *http.Request) {
	p, err := h.svc.Return(r.Context(), r.URL.Query().Get("payment"))
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	d := returnData{P: p}
	if p.State == PaymentSettled {
		if d.Receipt, err = h.svc.ReceiptOf(r.Context(), p.Number); err != nil {
			h.site.Error(w, r, err)
			return
		}
		d.Valid = h.svc.VerifyReceipt(d.Receipt)
		if d.Overpaid, err = h.svc.OverpaidBy(r.Context(), p.Number); err != nil {
			h.site.Error(w, r, err)
			return
		}
	}
	v := h.site.View(r, "payments.return.title", d)
	v.Crumbs = []web.Crumb{{Label: v.T("payments.find.title"), URL: "/payments"}, {Label: v.Title}}
	h.pages.Render(w, r, http.StatusOK, "return", v)
}

// Callback is the webhook handler, for the app to mount at CallbackPath
// outside the web layer's CSRF check (it needs no session, language or
// CSRF cookie; the signature authenticates it). Routes declares the same
// route as public for the route table.
func (h *HTTP) Callback() http.Handler { return http.HandlerFunc(h.callback) }

func (h *HTTP) callback(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<10))
	if err != nil {
		web.JSON(w, http.StatusRequestEntityTooLarge, map[string]string{"error": "too large"})
		return
	}
	if err := h.svc.Callback(r.Context(), body, r.Header.Get(SignatureHeader)); err != nil {
		status := web.Status(errs.KindOf(err))
		if status >= 500 {
			h.site.Logger.Error("payments: callback", "err", err)
		}
		web.JSON(w, status, map[string]string{"error": string(errs.KindOf(err))})
		return
	}
	web.JSON(w, http.StatusOK, map[string]bool{"ok": true})
}

type cabinetData struct {
	Open     []billRow
	Closed   []billRow
	Receipts []*Receipt
	Points   int
	Fines    []*Bill
	OnBehalf string
	Key      string
	// Payouts are payments from the state to the person.
	Payouts []*Payout
}

func (h *HTTP) cabinet(w http.ResponseWriter, r *http.Request) {
	h.renderCabinet(w, r, http.StatusOK, nil)
}

func (h *HTTP) renderCabinet(w http.ResponseWriter, r *http.Request, status int, fail error) {
	ctx := r.Context()
	p := web.PrincipalOf(ctx)
	d := cabinetData{OnBehalf: p.ActingFor, Key: newKey()}
	var list []*Bill
	payers := []string{p.FIN, p.ActingFor}
	if p.FIN == "" {
		payers = append(payers, p.Subject) // a foreigner's bills are to their subject
	}
	for _, payer := range payers {
		if payer == "" {
			continue
		}
		more, err := h.svc.BillsOf(ctx, payer)
		if err != nil {
			h.site.Error(w, r, err)
			return
		}
		list = append(list, more...)
	}
	d.Open, d.Closed = h.rows(list)
	var err error
	if d.Receipts, err = h.svc.ReceiptsFor(ctx, p.Subject, p.FIN, p.ActingFor); err != nil {
		h.site.Error(w, r, err)
		return
	}
	if p.FIN != "" {
		if d.Points, d.Fines, err = h.svc.Points(ctx, p.FIN); err != nil {
			h.site.Error(w, r, err)
			return
		}
		if d.Payouts, err = h.svc.PayoutsOf(ctx, p.FIN); err != nil {
			h.site.Error(w, r, err)
			return
		}
	}
	v := h.site.View(r, "payments.cabinet.title", d)
	v.Nav = "cabinet"
	v.Crumbs = []web.Crumb{{Label: v.T("nav.cabinet"), URL: "/cabinet"}, {Label: v.Title}}
	if fail != nil {
		v.Err, v.Form = errs.As(fail), web.Typed(r)
	}
	h.pages.Render(w, r, status, "cabinet", v)
}

func (h *HTTP) receipt(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := web.PrincipalOf(ctx)
	list, err := h.svc.ReceiptsFor(ctx, p.Subject, p.FIN, p.ActingFor)
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	for _, rc := range list {
		if rc.Number == r.PathValue("number") {
			d := returnData{Receipt: rc, Valid: h.svc.VerifyReceipt(rc)}
			if d.Overpaid, err = h.svc.OverpaidBy(ctx, rc.Payment); err != nil {
				h.site.Error(w, r, err)
				return
			}
			v := h.site.View(r, "", d)
			v.Title = v.T("payments.receipt.title", "Number", rc.Number)
			v.Nav = "cabinet"
			v.Crumbs = []web.Crumb{{Label: v.T("nav.cabinet"), URL: "/cabinet"},
				{Label: v.T("payments.cabinet.title"), URL: "/cabinet/payments"}, {Label: v.Title}}
			h.pages.Render(w, r, http.StatusOK, "receipt", v)
			return
		}
	}
	h.site.Error(w, r, errs.E(errs.NotFound, "payments.error.not_found"))
}

// payoutAccount takes the IBAN a payout to the person waits for.
func (h *HTTP) payoutAccount(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalOf(r.Context())
	if _, err := h.svc.GiveAccount(r.Context(), p.FIN, r.PathValue("number"), r.PostFormValue("iban")); err != nil {
		if k := errs.KindOf(err); k == errs.Invalid || k == errs.Conflict {
			h.renderCabinet(w, r, web.Status(k), err)
			return
		}
		h.site.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/cabinet/payments?account=given#payouts", http.StatusSeeOther)
}
