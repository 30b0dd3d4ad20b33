// Package storetest runs a store test against every engine egov supports:
// SQLite always, and PostgreSQL when EGOV_TEST_DATABASE_URL names a server.
// Under CI (CI=true) a missing or unreachable PostgreSQL fails the test
// rather than skipping it, so nothing is silently left untested.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/egov/egov/internal/store"
)

// Run calls fn once per engine in a subtest named after it, each with a new
// empty database that has the given migrations applied.
func Run(t *testing.T, fn func(t *testing.T, db *store.DB), migrations ...store.Migrations) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		fn(t, SQLite(t, migrations...))
	})
	t.Run("postgres", func(t *testing.T) {
		fn(t, Postgres(t, migrations...))
	})
}

// SQLite opens a new SQLite database in a temporary directory.
func SQLite(t testing.TB, migrations ...store.Migrations) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "egov.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx, migrations...); err != nil {
		t.Fatal(err)
	}
	return db
}

// PostgresURL returns EGOV_TEST_DATABASE_URL, skipping the test when it is
// unset outside CI and failing it under CI.
func PostgresURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("EGOV_TEST_DATABASE_URL")
	if u == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but EGOV_TEST_DATABASE_URL is not set: the PostgreSQL variant cannot be skipped in CI")
		}
		t.Skip("EGOV_TEST_DATABASE_URL not set")
	}
	return u
}

// Postgres creates a new, uniquely named database on the server at
// EGOV_TEST_DATABASE_URL, migrates it, and drops it when the test ends.
func Postgres(t testing.TB, migrations ...store.Migrations) *store.DB {
	t.Helper()
	ctx := context.Background()
	adminURL := PostgresURL(t)
	admin, err := sql.Open("pgx", adminURL)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if err := admin.PingContext(ctx); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL at EGOV_TEST_DATABASE_URL is not reachable: %v", err)
		}
		t.Skipf("PostgreSQL not reachable: %v", err)
	}
	name := "egov_test_" + randomHex(6)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("pgx", adminURL)
		if err != nil {
			return
		}
		defer admin.Close()
		admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	u, err := url.Parse(adminURL)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	db, err := store.Open(ctx, u.String(), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx, migrations...); err != nil {
		t.Fatal(err)
	}
	return db
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
