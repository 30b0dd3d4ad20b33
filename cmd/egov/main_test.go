package main

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/egov/egov/internal/app"
	"github.com/egov/egov/internal/audit"
	"github.com/egov/egov/internal/config"
)

func TestSeedTwiceAddsNothing(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	if err := run(context.Background(), []string{"seed", "-data-dir", dir}, &out, &out); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), " 0 rows added") {
		t.Fatalf("first seed added nothing: %s", out.String())
	}
	out.Reset()
	if err := run(context.Background(), []string{"seed", "-data-dir", dir}, &out, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "demo data: 0 rows added") {
		t.Errorf("second seed: %s", out.String())
	}
}

// Altering one audit row makes `egov audit verify` fail and name it.
func TestAuditVerifyNamesAlteredRow(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cfg, _, err := config.Load([]string{"-data-dir", dir}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	db, err := app.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		err := db.Tx(ctx, func(tx *sql.Tx) error {
			_, err := audit.Append(ctx, tx, audit.Entry{Actor: "staff:admin", Action: "test.action", Object: "thing"})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"audit", "verify", "-data-dir", dir}, &out, &out); err != nil {
		t.Fatalf("intact log: %v", err)
	}
	if !strings.Contains(out.String(), "intact") {
		t.Errorf("output: %s", out.String())
	}
	if _, err := db.ExecContext(ctx, `UPDATE audit_log SET actor = 'staff:mallory' WHERE seq = 3`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	err = run(ctx, []string{"audit", "verify", "-data-dir", dir}, &out, &out)
	if err == nil || !strings.Contains(err.Error(), "entry 3") {
		t.Errorf("altered log: err = %v, want it to name entry 3", err)
	}
}

func TestUnknownCommand(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"frobnicate"}, &out, &out); err == nil {
		t.Error("unknown command accepted")
	}
}

// The gateway's message log is checked from the command line, one
// exchange is exported as evidence, and the evidence verifies offline —
// until one byte of it changes.
func TestGatewayEvidenceFromTheCommandLine(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	var out bytes.Buffer
	// Seeding the demo reads the registries through the gateway.
	if err := run(ctx, []string{"seed", "-data-dir", dir}, &out, &out); err != nil {
		t.Fatalf("seed: %v\n%s", err, out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"gateway", "verify", "-data-dir", dir}, &out, &out); err != nil || !strings.Contains(out.String(), "intact") {
		t.Fatalf("verify: %v\n%s", err, out.String())
	}
	var evidence bytes.Buffer
	if err := run(ctx, []string{"gateway", "evidence", "-seq", "1", "-data-dir", dir}, &evidence, &out); err != nil {
		t.Fatalf("evidence: %v\n%s", err, out.String())
	}
	file := filepath.Join(dir, "evidence.json")
	if err := os.WriteFile(file, evidence.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(ctx, []string{"gateway", "check", "-file", file}, &out, &out); err != nil || !strings.Contains(out.String(), "evidence verifies") {
		t.Fatalf("check: %v\n%s", err, out.String())
	}
	tampered := strings.Replace(evidence.String(), `"Purpose": "`, `"Purpose": "x`, 1)
	if tampered == evidence.String() {
		t.Fatalf("nothing to tamper with in %s", evidence.String())
	}
	if err := os.WriteFile(file, []byte(tampered), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"gateway", "check", "-file", file}, &out, &out); err == nil {
		t.Fatal("tampered evidence verified")
	}
	// A changed row of the log itself is found and named.
	cfg, _, err := config.Load([]string{"-data-dir", dir}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	db, err := app.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `UPDATE gateway_messages SET purpose = 'curiosity' WHERE seq = 2`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	err = run(ctx, []string{"gateway", "verify", "-data-dir", dir}, &out, &out)
	if err == nil || !strings.Contains(err.Error(), "seq 2") {
		t.Fatalf("verify after tampering: %v", err)
	}
}
