package payments_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/egov/egov/internal/payments"
	"github.com/egov/egov/internal/payments/sandbox"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/storetest"
)

const (
	crashDBEnv  = "EGOV_PAYMENTS_CRASH_URL"
	crashDirEnv = "EGOV_PAYMENTS_CRASH_DIR"
	crashAcqEnv = "EGOV_PAYMENTS_CRASH_ACQUIRER"
)

// TestCrashAfterProviderTookTheMoney: a child process starts a payment,
// pays it at the acquirer (which sends no webhook), and is SIGKILLed
// before it settles. After the "restart", the recovery job settles the
// payment exactly once, however often it runs.
func TestCrashAfterProviderTookTheMoney(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		dir := t.TempDir()
		db, err := store.Open(context.Background(), "", dir)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		crashTest(t, db, "", dir)
	})
	t.Run("postgres", func(t *testing.T) {
		db := storetest.Postgres(t)
		var name string
		if err := db.QueryRow(`SELECT current_database()`).Scan(&name); err != nil {
			t.Fatal(err)
		}
		u, err := url.Parse(storetest.PostgresURL(t))
		if err != nil {
			t.Fatal(err)
		}
		u.Path = "/" + name
		crashTest(t, db, u.String(), "")
	})
}

func crashTest(t *testing.T, db *store.DB, dbURL, dir string) {
	ctx := context.Background()
	if err := db.Migrate(ctx, migrations...); err != nil {
		t.Fatal(err)
	}
	acq := sandbox.New(sandbox.Config{APIKey: apiKey, WebhookSecret: webhookSecret})
	srv := httptest.NewServer(acq)
	defer srv.Close()
	defer acq.Close()

	cctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(cctx, os.Args[0], "-test.run=^TestPaymentsCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashDBEnv+"="+dbURL, crashDirEnv+"="+dir, crashAcqEnv+"="+srv.URL)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("child: want death by SIGKILL, got %v\n%s", err, out)
	}
	if ws, ok := exit.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("child: want death by SIGKILL, got %v\n%s", err, out)
	}
	if got := count(t, db, `SELECT COUNT(*) FROM payments_payments WHERE state = 'created' AND provider_id <> ''`); got != 1 {
		t.Fatalf("after the crash, %d payments waiting, want 1\n%s", got, out)
	}
	if got := count(t, db, `SELECT COUNT(*) FROM payments_ledger`); got != 0 {
		t.Fatalf("settled before the crash")
	}

	later := func() time.Time { return time.Now().Add(15 * time.Minute) }
	svc := payments.New(db, payments.Config{Provider: &payments.HTTPProvider{BaseURL: srv.URL, APIKey: apiKey},
		WebhookSecret: webhookSecret, SigningKey: signingKey, BaseURL: "https://egov.test", Now: later})
	total := 0
	for range 3 {
		n, err := svc.RecoverPending(ctx)
		if err != nil {
			t.Fatal(err)
		}
		total += n
	}
	if total != 1 {
		t.Errorf("recovery settled %d times, want 1", total)
	}
	if got := count(t, db, `SELECT COUNT(*) FROM payments_ledger`); got != 1 {
		t.Errorf("%d ledger entries, want 1", got)
	}
	if got := count(t, db, `SELECT COUNT(*) FROM events_outbox WHERE topic = $1`, payments.TopicBillPaid); got != 1 {
		t.Errorf("%d events, want 1", got)
	}
	if got := count(t, db, `SELECT COUNT(*) FROM payments_bills WHERE status = 'paid'`); got != 1 {
		t.Errorf("%d bills paid, want 1", got)
	}
}

// TestPaymentsCrashChild is the crash test's child; it does nothing
// unless started by it.
func TestPaymentsCrashChild(t *testing.T) {
	acqURL := os.Getenv(crashAcqEnv)
	if acqURL == "" {
		t.Skip("child process of TestCrashAfterProviderTookTheMoney")
	}
	ctx := context.Background()
	db, err := store.Open(ctx, os.Getenv(crashDBEnv), os.Getenv(crashDirEnv))
	if err != nil {
		t.Fatal(err)
	}
	svc := payments.New(db, payments.Config{Provider: &payments.HTTPProvider{BaseURL: acqURL, APIKey: apiKey},
		WebhookSecret: webhookSecret, SigningKey: signingKey, BaseURL: "https://egov.test"})
	f := &fixture{svc: svc, db: db}
	b := f.create(t, fee("crash", 1234))
	p, err := svc.StartPayment(ctx, "public", []string{b.Number}, "crash")
	if err != nil {
		t.Fatal(err)
	}
	// The person pays on the hosted page, over HTTP.
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).
		PostForm(acqURL+"/pay/"+p.ProviderID, url.Values{"card": {sandbox.CardSuccess}})
	if err != nil || resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("card page: %v %v", resp, err)
	}
	// The money is taken; egov dies before settling.
	syscall.Kill(os.Getpid(), syscall.SIGKILL)
	time.Sleep(time.Minute)
}
