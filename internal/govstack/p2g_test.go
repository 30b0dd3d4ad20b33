package govstack_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/egov/egov/internal/events"
	"github.com/egov/egov/internal/gateway"
	"github.com/egov/egov/internal/govstack"
	"github.com/egov/egov/internal/payments"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/storetest"
)

// The payer's bank of the tests: a Payer FI with its callback service.
var bank = gateway.ClientID{Instance: "AZ", Class: "COM", Member: "1700000101", Subsystem: "payments"}

const (
	bankID   = "KAPIAZ2X"
	payerFIN = "5ZQX7KA"
)

func p2gOperations() []operation {
	inquiry := map[string]string{"X-CorrelationID": "C-ACCESS", "Platform-TenantId": "AZ", "PayerFI-Id": bankID}
	payment := map[string]string{"X-CorrelationID": "C-ACCESS", "X-Platform-TenantId": "AZ", "X-PayerFI-Id": bankID}
	return []operation{
		{govstack.P2GBillInquiry, "GET", "/bills/B0000000000?fields=inquiry", map[string]any{"requestId": "R1", "billId": "B0000000000"},
			false, true, inquiry, true, false},
		{govstack.P2GBillPayment, "POST", "/billTransferRequests", map[string]any{"requestId": "R2", "billInquiryRequestId": "R1",
			"billId": "B0000000000", "paymentReferenceID": "FT1"}, false, true, payment, true, false},
		{govstack.P2GBillerRTP, "POST", "/rtpRequest", rtpAsk("R3", 7, "B0000000000", 100), false, true, rtpHeader(), true, false},
		{govstack.P2GPayerRTPAnswer, "POST", "/rtpResponse", map[string]any{"RequestId": "R4", "rtpId": 1, "rtpStatus": "00"},
			false, true, rtpHeader(), true, false},
		{govstack.P2GTransferRequest, "GET", "/transferRequests/7", map[string]any{"RequestId": "R5", "rtpId": 7},
			false, true, rtpHeader(), true, false},
	}
}

// bankCall is a callback the bank received.
type bankCall struct {
	path   string
	header http.Header
	body   map[string]any
}

// payerBank is the bank's callback service: a real HTTP server behind its
// gateway member, which checks every request egov sends it against the
// file it comes from.
type payerBank struct {
	srv   *httptest.Server
	specs []routers.Router
	mu    sync.Mutex
	calls []bankCall
	bad   []error
}

func newPayerBank(t *testing.T, files ...string) *payerBank {
	b := &payerBank{}
	b.srv = httptest.NewServer(http.HandlerFunc(b.serve))
	t.Cleanup(b.srv.Close)
	for _, file := range files {
		doc, err := govstack.LoadSpec(file)
		if err != nil {
			t.Fatal(err)
		}
		doc.Servers = openapi3.Servers{{URL: b.srv.URL}}
		rt, err := gorillamux.NewRouter(doc)
		if err != nil {
			t.Fatal(err)
		}
		b.specs = append(b.specs, rt)
	}
	return b
}

func (b *payerBank) serve(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	b.mu.Lock()
	defer b.mu.Unlock()
	r.URL.Scheme, r.URL.Host = "http", r.Host
	err := errors.New("no file has " + r.Method + " " + r.URL.Path)
	for _, rt := range b.specs {
		route, params, ferr := rt.FindRoute(r)
		if ferr != nil {
			continue
		}
		r.Body = io.NopCloser(bytes.NewReader(raw))
		err = openapi3filter.ValidateRequest(context.Background(), &openapi3filter.RequestValidationInput{Request: r,
			PathParams: params, Route: route, Options: &openapi3filter.Options{AuthenticationFunc: func(_ context.Context,
				a *openapi3filter.AuthenticationInput) error {
				if a.RequestValidationInput.Request.Header.Get(a.SecurityScheme.Name) == "" {
					return errors.New("no " + a.SecurityScheme.Name)
				}
				return nil
			}}})
		break
	}
	if err != nil {
		b.bad = append(b.bad, err)
	}
	var body map[string]any
	json.Unmarshal(raw, &body)
	b.calls = append(b.calls, bankCall{path: r.URL.Path, header: r.Header.Clone(), body: body})
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"responseCode": "00", "reason": "received"})
}

// received is what the bank got so far; it fails the test on any request
// that broke its file.
func (b *payerBank) received(t *testing.T) []bankCall {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, err := range b.bad {
		t.Errorf("egov sent the bank a request that breaks its file: %v", err)
	}
	return slices.Clone(b.calls)
}

type p2gFixture struct {
	*fixture
	pay    *payments.Service
	events *events.Dispatcher
	svc    *govstack.Service
	bank   *payerBank
	biller *payerBank    // the clinic's callback service
	offset time.Duration // how far the payments module's clock is ahead
	mu     sync.Mutex
}

func (f *p2gFixture) now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return time.Now().Add(f.offset)
}

func (f *p2gFixture) setOffset(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.offset = d
}

// restart builds the blocks again on the same database, as a new process
// would: a new dispatcher and a new sender.
func (f *p2gFixture) restart(t *testing.T) {
	t.Helper()
	f.events = events.NewDispatcher(f.db, slog.New(slog.DiscardHandler))
	f.svc = govstack.New(govstack.Config{DB: f.db, Gateway: f.gw, Notify: f.notify, Catalog: f.catalog, Payments: f.pay,
		Events: f.events, Logger: slog.New(slog.DiscardHandler)})
	if err := f.svc.Register(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func p2gSetup(t *testing.T, db *store.DB) *p2gFixture {
	t.Helper()
	ctx := context.Background()
	f := &p2gFixture{fixture: setup(t, db)}
	f.pay = payments.New(db, payments.Config{
		// Card payments are not made here: the acquirer is never called.
		Provider:      &payments.HTTPProvider{BaseURL: "http://127.0.0.1:9", APIKey: "unused"},
		WebhookSecret: []byte("p2g-test-webhook-secret-012345"), SigningKey: []byte("p2g-test-signing-key-0123456789"),
		BaseURL: "https://egov.test", Now: f.now, Logger: slog.New(slog.DiscardHandler)})
	f.restart(t)
	f.bank = newPayerBank(t, govstack.P2GBillInquiryAnswer, govstack.P2GBillPaymentAnswer, govstack.P2GPayerRTP)
	f.biller = newPayerBank(t, govstack.P2GTransferRequestState, govstack.P2GBillerRTPUpdate)
	if err := f.svc.RegisterPayerFI(ctx, govstack.PayerFI{ID: bankID, Client: bank, Name: "Kapital Bank", CallbackURL: f.bank.srv.URL}); err != nil {
		t.Fatal(err)
	}
	key, err := f.gw.IssueKey(ctx, bank)
	if err != nil {
		t.Fatal(err)
	}
	f.keys[bank] = key
	// The clinic is a biller, and may call the whole block, but is no bank.
	if err := f.svc.RegisterBiller(ctx, clinic, f.biller.srv.URL); err != nil {
		t.Fatal(err)
	}
	if err := f.gw.Grant(ctx, clinic, govstack.PaymentsService, gateway.AllEndpoints); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *p2gFixture) bill(t *testing.T, b payments.Bill) *payments.Bill {
	t.Helper()
	var out *payments.Bill
	err := f.db.Tx(context.Background(), func(tx *sql.Tx) error {
		var err error
		out, err = f.pay.CreateBill(context.Background(), tx, b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func p2gFee(key string, amount int64) payments.Bill {
	return payments.Bill{Kind: payments.KindFee, PayerFIN: payerFIN, Agency: "migration", BudgetCode: "142150",
		Amount: amount, DueAt: time.Now().AddDate(0, 0, 10), IdempotencyKey: key}
}

// inquire asks about bill as the bank under requestID.
func (f *p2gFixture) inquire(t *testing.T, client gateway.ClientID, bill, requestID string) result {
	t.Helper()
	g := *f.fixture
	g.t = t
	g.header = map[string]string{"X-CorrelationID": "C-" + requestID, "Platform-TenantId": "AZ", "PayerFI-Id": bankID}
	return g.call(govstack.P2GBillInquiry, client, "GET", "/bills/"+bill+"?fields=inquiry", map[string]any{"requestId": requestID, "billId": bill})
}

// pay reports as the bank that it paid bill.
func (f *p2gFixture) payBill(t *testing.T, bill, requestID, inquiry, reference string) result {
	t.Helper()
	g := *f.fixture
	g.t = t
	g.header = map[string]string{"X-CorrelationID": "C-" + requestID, "X-Platform-TenantId": "AZ", "X-PayerFI-Id": bankID}
	return g.call(govstack.P2GBillPayment, bank, "POST", "/billTransferRequests", map[string]any{"requestId": requestID,
		"billInquiryRequestId": inquiry, "billId": bill, "paymentReferenceID": reference})
}

// deliver runs the outbox and the sender once and answers the callbacks
// the bank has received since from.
func (f *p2gFixture) deliver(t *testing.T, from int) []bankCall {
	t.Helper()
	if _, err := f.events.DispatchOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SendP2GAnswers(context.Background()); err != nil {
		t.Fatal(err)
	}
	return f.bank.received(t)[from:]
}

func accepted(t *testing.T, res result, want int) map[string]any {
	t.Helper()
	var out map[string]any
	res.json(t, &out)
	if res.status != want {
		t.Fatalf("status %d, want %d: %s", res.status, want, res.body)
	}
	return out
}

// A bank inquires about a bill, pays it, and hears back on its callback
// service; every request and answer is checked against its file. One
// database per engine serves every case, each on bills of its own.
func TestP2GPayments(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := p2gSetup(t, db)
		ctx := context.Background()
		b := f.bill(t, p2gFee("p2g-1", 2500))

		if got := accepted(t, f.inquire(t, bank, b.Number, "INQ1"), http.StatusAccepted); got["responseCode"] != "00" || got["requestId"] != "INQ1" {
			t.Fatalf("inquiry acknowledged %v", got)
		}
		calls := f.deliver(t, 0)
		if len(calls) != 1 || calls[0].path != "/bills/"+b.Number {
			t.Fatalf("callbacks %+v", calls)
		}
		details, _ := calls[0].body["billDetails"].(map[string]any)
		if calls[0].body["code"] != 0.0 || details["amountonDueDate"] != 2500.0 || details["billStatus"] != "OPEN" || calls[0].body["requestId"] != "INQ1" {
			t.Fatalf("inquiry answered %v", calls[0].body)
		}
		reads, err := f.gw.AllReads(ctx, gateway.ReadFilter{FIN: payerFIN, Client: bank.String()})
		if err != nil || len(reads) != 1 {
			t.Errorf("the bank's look at the person's bill is not in the data tracker: %v %v", reads, err)
		}

		accepted(t, f.payBill(t, b.Number, "PAY1", "INQ1", "FT0001"), http.StatusAccepted)
		calls = f.deliver(t, 1)
		if len(calls) != 1 || calls[0].path != "/billTransferRequests" || calls[0].body["status"] != "ACK" || calls[0].body["billId"] != b.Number {
			t.Fatalf("payment answered %+v", calls)
		}
		paid, err := f.pay.Bill(ctx, b.Number)
		if err != nil || paid.Status != payments.StatusPaid || paid.PaidAmount != 2500 {
			t.Fatalf("bill after the transfer: %+v %v", paid, err)
		}

		// The same message again is the same acknowledgement, answered
		// once; a new message about the same transfer is the same payment.
		accepted(t, f.payBill(t, b.Number, "PAY1", "INQ1", "FT0001"), http.StatusAccepted)
		if calls := f.deliver(t, 2); len(calls) != 0 {
			t.Fatalf("a repeated message was answered again: %+v", calls)
		}
		accepted(t, f.payBill(t, b.Number, "PAY2", "INQ1", "FT0001"), http.StatusAccepted)
		if calls := f.deliver(t, 2); len(calls) != 1 || calls[0].body["status"] != "ACK" {
			t.Fatalf("the transfer reported again: %+v", calls)
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM payments_ledger WHERE bill = $1`, b.Number); n != 1 {
			t.Errorf("%d ledger entries, want 1", n)
		}

		t.Run("Rejections", func(t *testing.T) {
			from := len(f.bank.received(t))
			// Already paid: the inquiry says so, and another transfer
			// is refused as a duplicate.
			accepted(t, f.inquire(t, bank, b.Number, "INQ2"), http.StatusAccepted)
			accepted(t, f.payBill(t, b.Number, "PAY3", "INQ2", "FT0002"), http.StatusAccepted)
			// Unknown bill.
			accepted(t, f.inquire(t, bank, "BNOSUCHBILL0", "INQ3"), http.StatusAccepted)
			accepted(t, f.payBill(t, "BNOSUCHBILL0", "PAY4", "INQ3", "FT0003"), http.StatusAccepted)
			// A payment no inquiry quoted.
			open := f.bill(t, p2gFee("p2g-2", 900))
			accepted(t, f.payBill(t, open.Number, "PAY5", "INQ9", "FT0004"), http.StatusAccepted)
			// Wrong amount: a fine quoted with its discount, reported
			// after the quote and the discount ended.
			fine := p2gFee("p2g-3", 4000)
			fine.Kind, fine.Rule, fine.IssuedAt = payments.KindFine, payments.TrafficFine, time.Now().Add(-19*24*time.Hour-12*time.Hour)
			disc := f.bill(t, fine)
			accepted(t, f.inquire(t, bank, disc.Number, "INQ4"), http.StatusAccepted)
			f.setOffset(25 * time.Hour)
			defer f.setOffset(0)
			accepted(t, f.payBill(t, disc.Number, "PAY6", "INQ4", "FT0005"), http.StatusAccepted)
			calls := f.deliver(t, from)
			// By the requestId each answers.
			want := map[string]struct{ path, field, value string }{
				"INQ2": {"/bills/" + b.Number, "billStatus", "PAID"},
				"PAY3": {"/billTransferRequests", "rejectReason", "Dup"},
				"INQ3": {"/bills/BNOSUCHBILL0", "reason", "No such bill"},
				"PAY4": {"/billTransferRequests", "rejectReason", "Und"},
				"PAY5": {"/billTransferRequests", "rejectReason", "Und"},
				"INQ4": {"/bills/" + disc.Number, "amountonDueDate", "2000"},
				"PAY6": {"/billTransferRequests", "rejectReason", "Def"},
			}
			if len(calls) != len(want) {
				t.Fatalf("%d callbacks, want %d: %+v", len(calls), len(want), calls)
			}
			for _, c := range calls {
				w, ok := want[jsonText(c.body["requestId"])]
				v := c.body[w.field]
				if d, isMap := c.body["billDetails"].(map[string]any); isMap && v == nil {
					v = d[w.field]
				}
				if !ok || c.path != w.path || jsonText(v) != w.value {
					t.Errorf("callback %s %v, want %s %s=%s", c.path, c.body, w.path, w.field, w.value)
				}
				delete(want, jsonText(c.body["requestId"]))
			}
			if got, _ := f.pay.Bill(context.Background(), disc.Number); got.Status != payments.StatusOpen {
				t.Errorf("a refused transfer paid the fine")
			}
		})

		t.Run("BadRequests", func(t *testing.T) {
			g := *f.fixture
			g.t = t
			g.header = map[string]string{"X-CorrelationID": "C-BAD", "X-Platform-TenantId": "AZ", "X-PayerFI-Id": bankID}
			res := g.call(govstack.P2GBillPayment, bank, "POST", "/billTransferRequests", map[string]any{"requestId": "PAYX", "billId": b.Number}, true)
			if got := accepted(t, res, http.StatusBadRequest); got["code"] != "01" {
				t.Errorf("a payment without its fields: %v", got)
			}
			g.header = map[string]string{"X-CorrelationID": "C-BAD", "Platform-TenantId": "AZ", "PayerFI-Id": bankID}
			res = g.call(govstack.P2GBillInquiry, bank, "GET", "/bills/"+b.Number, map[string]any{"requestId": "INQX"}, true)
			if got := accepted(t, res, http.StatusBadRequest); got["responseCode"] != "01" {
				t.Errorf("an inquiry without fields=inquiry: %v", got)
			}
			g.header["PayerFI-Id"] = "OTHERBANK"
			res = g.call(govstack.P2GBillInquiry, bank, "GET", "/bills/"+b.Number+"?fields=inquiry", map[string]any{"requestId": "INQY"})
			if got := accepted(t, res, http.StatusBadRequest); got["responseCode"] != "01" {
				t.Errorf("another bank's PayerFI-Id: %v", got)
			}
			// A client with the right on the block that is no bank.
			if res := f.inquire(t, clinic, b.Number, "INQZ"); res.status != http.StatusForbidden {
				t.Errorf("a client that is no Payer FI: %d %s", res.status, res.body)
			}
		})

		t.Run("ExactlyOnceAcrossRestart", func(t *testing.T) { answerOnceAcrossRestart(t, f) })
		t.Run("ConcurrentPaymentReplays", func(t *testing.T) { concurrentPaymentReplays(t, f) })
		t.Run("RequestToPay", func(t *testing.T) { requestToPay(t, f) })
	}, append(migrations(), payments.Migrations)...)
}

func jsonText(v any) string {
	raw, _ := json.Marshal(v)
	s := string(raw)
	if len(s) > 1 && s[0] == '"' {
		return s[1 : len(s)-1]
	}
	return s
}

func countRows(t *testing.T, db *store.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// An acknowledged request is answered once: egov restarts before the
// answer went, and two senders (the old process's and the new one's)
// race to send it.
func answerOnceAcrossRestart(t *testing.T, f *p2gFixture) {
	from := len(f.bank.received(t))
	b := f.bill(t, p2gFee("p2g-once", 1200))
	accepted(t, f.inquire(t, bank, b.Number, "ONCE1"), http.StatusAccepted)
	before := f.svc
	f.restart(t)
	if _, err := f.events.DispatchOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for _, svc := range []*govstack.Service{before, f.svc, f.svc} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := svc.SendP2GAnswers(context.Background()); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if calls := f.deliver(t, from); len(calls) != 1 || calls[0].body["requestId"] != "ONCE1" {
		t.Fatalf("the bank got %d answers, want 1: %+v", len(calls), calls)
	}
}

// Concurrent repeats of one payment message settle the bill once and are
// answered once.
func concurrentPaymentReplays(t *testing.T, f *p2gFixture) {
	b := f.bill(t, p2gFee("p2g-conc", 3300))
	accepted(t, f.inquire(t, bank, b.Number, "CONC1"), http.StatusAccepted)
	from := len(f.deliver(t, 0))
	var wg sync.WaitGroup
	statuses := make([]int, 6)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = f.payBill(t, b.Number, "CONC2", "CONC1", "FTCONC").status
		}()
	}
	wg.Wait()
	for i, st := range statuses {
		if st != http.StatusAccepted {
			t.Errorf("replay %d answered %d", i, st)
		}
	}
	if calls := f.deliver(t, from); len(calls) != 1 || calls[0].body["status"] != "ACK" {
		t.Fatalf("answers %+v", calls)
	}
	for q, want := range map[string]int{
		`SELECT COUNT(*) FROM payments_payments WHERE bills LIKE '%' || $1 || '%'`:           1,
		`SELECT COUNT(*) FROM payments_ledger WHERE bill = $1`:                               1,
		`SELECT COUNT(*) FROM events_outbox WHERE topic = 'payments.bill_paid' AND key = $1`: 1,
	} {
		if got := countRows(t, f.db, q, b.Number); got != want {
			t.Errorf("%s: %d, want %d", q, got, want)
		}
	}
}

// rtpHeader is the clinic's, as a biller.
func rtpHeader() map[string]string {
	return map[string]string{"X-CorrelationID": "C-RTP", "X-Platform-TenantId": "AZ", "X-billerId": clinic.Member,
		"X-Callback-URL": "https://clinic.example.org/rtp"}
}

func rtpAsk(requestID string, rtpID int, bill string, amount int64) map[string]any {
	return map[string]any{"requestId": requestID, "rtpId": rtpID, "billID": bill, "requestType": "00",
		"payerFiDetails": map[string]any{"payerFIBIC": bankID, "financialAddress": "AZ21NABZ00000000137010001944"},
		"billDetails":    map[string]any{"billerName": "migration", "amount": amount}}
}

// rtpCall makes an RTP message as client with the clinic's headers.
func (f *p2gFixture) rtpCall(t *testing.T, client gateway.ClientID, spec, method, path string, body any) result {
	t.Helper()
	g := *f.fixture
	g.t = t
	g.header = rtpHeader()
	return g.call(spec, client, method, path, body)
}

// A biller asks for a request to pay; the bank hears of it, its customer
// accepts, the bank pays, and the biller follows the status.
func requestToPay(t *testing.T, f *p2gFixture) {
	ctx := context.Background()
	b := f.bill(t, p2gFee("p2g-rtp", 5000))
	fromBank, fromBiller := len(f.bank.received(t)), len(f.biller.received(t))
	if got := accepted(t, f.rtpCall(t, clinic, govstack.P2GBillerRTP, "POST", "/rtpRequest", rtpAsk("RTP1", 41, b.Number, 5000)),
		http.StatusOK); got["responseCode"] != "00" {
		t.Fatalf("rtp acknowledged %v", got)
	}
	// The same request again is the same RTP.
	accepted(t, f.rtpCall(t, clinic, govstack.P2GBillerRTP, "POST", "/rtpRequest", rtpAsk("RTP1", 41, b.Number, 5000)), http.StatusOK)
	calls := f.deliver(t, fromBank)
	if len(calls) != 1 || calls[0].path != "/rtpRequest" {
		t.Fatalf("the bank got %+v", calls)
	}
	bill, _ := calls[0].body["billDetails"].(map[string]any)
	if bill["Bill ID"] != b.Number || bill["Amount"] != 5000.0 {
		t.Fatalf("the bank was asked %v", calls[0].body)
	}
	rtp := calls[0].body["rTPID"]

	accepted(t, f.rtpCall(t, bank, govstack.P2GPayerRTPAnswer, "POST", "/rtpResponse",
		map[string]any{"RequestId": "RR1", "txnId": calls[0].body["TxnID"], "rtpId": rtp, "billId": b.Number, "rtpStatus": "00"}), http.StatusOK)
	// The biller hears of the answer once (billerRtpResponse.yml), in
	// its own terms: its requestId, rtpId and correlation id.
	f.deliver(t, 0)
	if got := f.biller.received(t)[fromBiller:]; len(got) != 1 || got[0].path != "/rtpUpdate" || got[0].body["rtpStatus"] != "00" ||
		got[0].body["rtpId"] != 41.0 || got[0].body["requestId"] != "RTP1" || got[0].body["billId"] != b.Number ||
		got[0].body["rejectReason"] != nil || got[0].header.Get("X-CorrelationID") != "C-RTP" {
		t.Fatalf("the biller was told %+v", got)
	}
	fromBiller++
	status := func(requestID string) map[string]any {
		t.Helper()
		accepted(t, f.rtpCall(t, clinic, govstack.P2GTransferRequest, "GET", "/transferRequests/41",
			map[string]any{"RequestId": requestID, "rtpId": 41}), http.StatusAccepted)
		f.deliver(t, 0)
		got := f.biller.received(t)[fromBiller:]
		if len(got) != 1 || got[0].path != "/transferRequests/41" {
			t.Fatalf("the biller got %+v", got)
		}
		fromBiller++
		return got[0].body
	}
	if got := status("ST1"); got["requestStatus"] != "PND" || got["rtpId"] != 41.0 {
		t.Errorf("status before paying: %v", got)
	}
	accepted(t, f.inquire(t, bank, b.Number, "RTPINQ"), http.StatusAccepted)
	accepted(t, f.payBill(t, b.Number, "RTPPAY", "RTPINQ", "FTRTP"), http.StatusAccepted)
	f.deliver(t, 0)
	paid, err := f.pay.Bill(ctx, b.Number)
	if err != nil || paid.Status != payments.StatusPaid {
		t.Fatalf("bill %+v %v", paid, err)
	}
	if got := status("ST2"); got["requestStatus"] != "COM" || got["PaymentReferenceID"] != paid.Payment {
		t.Errorf("status after paying: %v", got)
	}

	reads, err := f.gw.AllReads(ctx, gateway.ReadFilter{FIN: payerFIN, Client: clinic.String()})
	if err != nil || len(reads) != 4 { // the request, its repeat and two statuses
		t.Errorf("the biller's request and status reads are not all in the data tracker: %d %v", len(reads), err)
	}

	t.Run("Refused", func(t *testing.T) {
		other := f.bill(t, p2gFee("p2g-rtp-3", 1500))
		from := len(f.bank.received(t))
		accepted(t, f.rtpCall(t, clinic, govstack.P2GBillerRTP, "POST", "/rtpRequest", rtpAsk("RTP6", 46, other.Number, 1500)), http.StatusOK)
		asked := f.deliver(t, from)
		if len(asked) != 1 {
			t.Fatalf("the bank got %+v", asked)
		}
		fromBiller := len(f.biller.received(t))
		accepted(t, f.rtpCall(t, bank, govstack.P2GPayerRTPAnswer, "POST", "/rtpResponse", map[string]any{"RequestId": "RR4",
			"rtpId": asked[0].body["rTPID"], "rtpStatus": "01", "rejectReason": "NOFUNDS"}), http.StatusOK)
		// A reason the biller's file does not know is R, refused.
		f.deliver(t, 0)
		if got := f.biller.received(t)[fromBiller:]; len(got) != 1 || got[0].path != "/rtpUpdate" ||
			got[0].body["rtpStatus"] != "01" || got[0].body["rejectReason"] != "R" || got[0].body["requestId"] != "RTP6" {
			t.Fatalf("the biller was told %+v", got)
		}
		accepted(t, f.rtpCall(t, clinic, govstack.P2GTransferRequest, "GET", "/transferRequests/46",
			map[string]any{"RequestId": "ST4", "rtpId": 46}), http.StatusAccepted)
		f.deliver(t, 0)
		got := f.biller.received(t)
		if last := got[len(got)-1].body; last["requestStatus"] != "RJC" || last["rtpId"] != 46.0 {
			t.Errorf("status of a refused request to pay: %v", last)
		}
	})

	t.Run("Errors", func(t *testing.T) {
		open := f.bill(t, p2gFee("p2g-rtp-2", 700))
		cases := []struct {
			name   string
			client gateway.ClientID
			spec   string
			method string
			path   string
			body   any
			status int
		}{
			{"WrongAmount", clinic, govstack.P2GBillerRTP, "POST", "/rtpRequest", rtpAsk("RTP2", 42, open.Number, 701), http.StatusConflict},
			{"PaidBill", clinic, govstack.P2GBillerRTP, "POST", "/rtpRequest", rtpAsk("RTP3", 43, b.Number, 5000), http.StatusConflict},
			{"UnknownBill", clinic, govstack.P2GBillerRTP, "POST", "/rtpRequest", rtpAsk("RTP4", 44, "BNOSUCHBILL0", 5000), http.StatusNotFound},
			{"NoRtpID", clinic, govstack.P2GBillerRTP, "POST", "/rtpRequest", map[string]any{"requestId": "RTP5", "billID": open.Number}, http.StatusBadRequest},
			{"UnknownRTPAnswered", bank, govstack.P2GPayerRTPAnswer, "POST", "/rtpResponse", map[string]any{"RequestId": "RR2", "rtpId": 99999, "rtpStatus": "01"}, http.StatusNotFound},
			{"NotABank", clinic, govstack.P2GPayerRTPAnswer, "POST", "/rtpResponse", map[string]any{"RequestId": "RR3", "rtpId": rtp, "rtpStatus": "01"}, http.StatusForbidden},
			{"UnknownStatus", clinic, govstack.P2GTransferRequest, "GET", "/transferRequests/999", map[string]any{"RequestId": "ST3"}, http.StatusNotFound},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				if res := f.rtpCall(t, c.client, c.spec, c.method, c.path, c.body); res.status != c.status {
					t.Errorf("status %d, want %d: %s", res.status, c.status, res.body)
				}
			})
		}
		if got, _ := f.pay.Bill(ctx, open.Number); got.Status != payments.StatusOpen {
			t.Errorf("a refused request changed the bill")
		}
	})
}
