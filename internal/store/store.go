// Package store opens egov's database — SQLite embedded in the data
// directory by default, PostgreSQL when a URL is given — and applies each
// module's migrations. Both engines are reached through database/sql with
// the same `$1` placeholders, so most SQL is written once.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver (pure Go)
)

// Engine names the SQL engine behind a DB.
type Engine string

const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// DB is a connection pool with the engine it talks to.
// Querier is what both a *DB (or *sql.DB) and a *sql.Tx can do, so a
// module's queries run inside or outside a transaction alike.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

type DB struct {
	*sql.DB
	Engine Engine

	stopCheckpoints func() // SQLite's background checkpoints (nil on PostgreSQL)
}

// Close stops the background checkpoints, if any, and closes the pool.
func (db *DB) Close() error {
	if db.stopCheckpoints != nil {
		db.stopCheckpoints()
	}
	return db.DB.Close()
}

// Open connects to PostgreSQL when url starts with postgres:// or
// postgresql://, and otherwise opens (creating it if needed) the SQLite file
// egov.db in dataDir, in WAL mode.
func Open(ctx context.Context, url, dataDir string) (*DB, error) {
	if strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://") {
		return openPostgres(ctx, url)
	}
	if url != "" {
		return nil, fmt.Errorf("store: unsupported database URL scheme (want postgres://): %q", redact(url))
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("store: data directory: %w", err)
	}
	return OpenSQLite(ctx, filepath.Join(dataDir, "egov.db"))
}

// OpenSQLite opens the SQLite database file at path.
func OpenSQLite(ctx context.Context, path string) (*DB, error) {
	// busy_timeout lets writers wait for each other instead of failing;
	// _txlock=immediate takes the write lock at BEGIN so two transactions
	// never deadlock upgrading a read lock. wal_autocheckpoint(0): the
	// WAL is copied back into the database by checkpoints below, not by
	// whichever commit happens to cross 1,000 pages.
	dsn := "file:" + path + "?_pragma=busy_timeout(20000)&_pragma=journal_mode(WAL)" +
		"&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_pragma=wal_autocheckpoint(0)&_txlock=immediate&_time_format=sqlite"
	sqlDB, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite: %w", err)
	}
	// SQLite has one writer; a small pool avoids lock churn while still
	// letting readers proceed under WAL.
	sqlDB.SetMaxOpenConns(8)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	db := &DB{DB: sqlDB, Engine: SQLite}
	if err := db.PingContext(ctx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("store: open sqlite: %w", err)
	}
	db.stopCheckpoints = checkpointEvery(sqlDB, checkpointInterval)
	return db, nil
}

// checkpointInterval is how often the WAL is checkpointed.
const checkpointInterval = time.Second

// checkpointEvery checkpoints db's WAL every interval from a goroutine of
// its own, until the returned function is called. SQLite's automatic
// checkpoint runs inside the commit that fills the WAL, fsync included,
// and every transaction waiting on that writer waits with it: under
// bench/gateway's load the message log's writer stalled so, leaving
// 14-16 % of the machine idle by the fifth round, against 4-6 % with
// checkpoints here. PASSIVE, like the automatic one, neither waits for
// readers nor blocks writers.
func checkpointEvery(db *sql.DB, interval time.Duration) (stop func()) {
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				// An error (the database busy or closing) is retried next tick.
				db.Exec(`PRAGMA wal_checkpoint(PASSIVE)`)
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			close(done)
			<-stopped
		})
	}
}

func openPostgres(ctx context.Context, url string) (*DB, error) {
	sqlDB, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("store: open postgres: %w", err)
	}
	sqlDB.SetMaxOpenConns(20)
	// Keep them open between bursts: database/sql keeps two idle by
	// default, so under load every further transaction opened a new
	// session (a new server process for PostgreSQL).
	sqlDB.SetMaxIdleConns(20)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	db := &DB{DB: sqlDB, Engine: Postgres}
	if err := db.PingContext(ctx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("store: connect postgres %s: %w", redact(url), err)
	}
	return db, nil
}

// Tx runs fn in one transaction, committing when fn returns nil and
// rolling back otherwise. Every write a module makes goes through one Tx so
// that its change, its audit entry and its events commit together.
func (db *DB) Tx(ctx context.Context, fn func(tx *sql.Tx) error) (err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		if p := recover(); p != nil {
			tx.Rollback()
			panic(p)
		}
		if err != nil {
			tx.Rollback()
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// EachTx runs fn for each (id, key) row query answers, each in a
// transaction of its own, and counts the rows fn says it acted on; it
// stops at the first error, naming the row's key. For housekeeping that
// deletes many rows: one long transaction would hold the write lock, and
// fn can re-check each row under its own lock.
func (db *DB) EachTx(ctx context.Context, query string, args []any, fn func(tx *sql.Tx, id int64, key string) (bool, error)) (int, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	type row struct {
		id  int64
		key string
	}
	var found []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.key); err != nil {
			rows.Close()
			return 0, err
		}
		found = append(found, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	done := 0
	for _, r := range found {
		acted := false
		if err := db.Tx(ctx, func(tx *sql.Tx) (err error) {
			acted, err = fn(tx, r.id, r.key)
			return err
		}); err != nil {
			return done, fmt.Errorf("%s: %w", r.key, err)
		}
		if acted {
			done++
		}
	}
	return done, nil
}

// IsUniqueViolation reports whether err is a unique-constraint violation on
// either engine, so callers can turn a duplicate into a conflict or treat an
// idempotent replay as done.
func IsUniqueViolation(err error) bool {
	return isViolation(err, "23505", "UNIQUE constraint failed", "constraint failed: UNIQUE")
}

// IsForeignKeyViolation reports whether err is a foreign-key violation on
// either engine: a row still referenced, or a reference to a missing one.
func IsForeignKeyViolation(err error) bool {
	return isViolation(err, "23503", "FOREIGN KEY constraint failed")
}

// isViolation reports whether err carries PostgreSQL's SQLSTATE state or,
// from SQLite, one of its messages.
func isViolation(err error, state string, sqliteMessages ...string) bool {
	if err == nil {
		return false
	}
	var coded interface{ SQLState() string }
	if errors.As(err, &coded) {
		return coded.SQLState() == state
	}
	msg := err.Error()
	for _, m := range sqliteMessages {
		if strings.Contains(msg, m) {
			return true
		}
	}
	return false
}

// redact drops the password from a database URL before it is shown.
func redact(url string) string {
	at := strings.LastIndex(url, "@")
	scheme := strings.Index(url, "://")
	if at < 0 || scheme < 0 || at < scheme {
		return url
	}
	creds := url[scheme+3 : at]
	if i := strings.Index(creds, ":"); i >= 0 {
		return url[:scheme+3] + creds[:i] + ":***" + url[at:]
	}
	return url
}
