package main

import (
	"bytes"
	"context"
	"database/sql"
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
