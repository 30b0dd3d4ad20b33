// Package audit is egov's append-only, hash-chained audit log: who did
// what to which object, and when.
//
// Modules call Append inside the transaction that makes the change, so the
// change and its audit entry commit together or not at all. Each entry
// carries the hash of the entry before it (PrevHash) and its own Hash over
// its contents and PrevHash, so the entries form a chain: changing any
// field of a stored entry, deleting an entry, or cutting entries off the
// end breaks the chain where it happened, and Verify reports the first such
// place. Seq numbers are assigned by Append, contiguous from 1; a deleted
// row therefore leaves a visible gap.
//
// Appends are serialised through the one-row audit_head table (last seq
// and hash), which Append updates in the caller's transaction. On
// PostgreSQL that row lock makes concurrent appenders on every replica wait
// their turn until the appending transaction ends; on SQLite there is one
// writer anyway. Callers should therefore append late in their
// transaction, after the slow work, to hold the lock briefly.
//
// What the chain does not prove: someone with write access to the database
// can rewrite the whole chain from the tampered entry onwards, head
// included. To catch that, anchor the chain outside the database — record
// Head's seq and hash somewhere the database's writers cannot change (a
// signed daily report, another system) and compare later.
//
// No personal data in the log, by convention: Actor, Object and Detail
// hold identifiers (an account ID, an application number, a document ID,
// a field name), never contents (names, addresses, the text of a
// document, a national ID's data). The log is kept for years and cannot be
// edited to honour erasure, so what it must not keep it must never receive.
package audit

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/egov/egov/internal/store"
)

//go:embed migrations
var migrationsFS embed.FS

// Migrations create audit_log and audit_head.
var Migrations = store.Migrations{Module: "audit", FS: store.MustSub(migrationsFS, "migrations")}

// GenesisHash is the PrevHash of the first entry: 64 zeros.
var GenesisHash = strings.Repeat("0", 64)

// Entry is one audit record. Actor is who acted (an account ID, or
// "system:<job>"), Action what they did ("application.decide"), Object
// what it was done to ("application:AZ-2026-000123"), Detail further
// identifiers (never personal data, see the package comment).
//
// Seq, At, PrevHash and Hash are set by Append.
type Entry struct {
	Seq      int64
	At       time.Time
	Actor    string
	Action   string
	Object   string
	Detail   map[string]string
	PrevHash string
	Hash     string
}

// Validate reports what is wrong with the caller's part of an entry.
// Text must be valid UTF-8 without NUL bytes, so that it is stored — and
// hashed again by Verify — exactly as given.
func (e Entry) Validate() error {
	if e.Actor == "" {
		return errors.New("audit: entry has no actor")
	}
	if e.Action == "" {
		return errors.New("audit: entry has no action")
	}
	check := func(what, s string) error {
		if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
			return fmt.Errorf("audit: %s is not clean UTF-8 text", what)
		}
		return nil
	}
	for what, s := range map[string]string{"actor": e.Actor, "action": e.Action, "object": e.Object} {
		if err := check(what, s); err != nil {
			return err
		}
	}
	for k, v := range e.Detail {
		if err := check("detail key", k); err != nil {
			return err
		}
		if err := check("detail "+strconv.Quote(k), v); err != nil {
			return err
		}
	}
	return nil
}

// ChainHash computes an entry's hash from its Seq, At, Actor, Action,
// Object, Detail and PrevHash: the lowercase hex SHA-256 of their canonical
// encoding. The encoding is a sequence of netstrings ("<length>:<bytes>,",
// length in decimal bytes), so no choice of field contents can make two
// different entries encode the same:
//
//	"egov-audit-1", seq (decimal), at (RFC 3339 with nanoseconds, UTC),
//	actor, action, object, number of detail pairs (decimal), then each
//	detail key and value in ascending byte order of the keys, prev hash.
//
// It is exported so tools outside egov can check a chain from an export.
func ChainHash(e Entry) string {
	var b strings.Builder
	field := func(s string) {
		b.WriteString(strconv.Itoa(len(s)))
		b.WriteByte(':')
		b.WriteString(s)
		b.WriteByte(',')
	}
	field("egov-audit-1")
	field(strconv.FormatInt(e.Seq, 10))
	field(e.At.UTC().Format(time.RFC3339Nano))
	field(e.Actor)
	field(e.Action)
	field(e.Object)
	keys := make([]string, 0, len(e.Detail))
	for k := range e.Detail {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	field(strconv.Itoa(len(keys)))
	for _, k := range keys {
		field(k)
		field(e.Detail[k])
	}
	field(e.PrevHash)
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:])
}

// Append adds e to the log in the caller's transaction and returns it with
// Seq, At (now, UTC, to the microsecond both engines store), PrevHash and
// Hash filled in; values the caller set there are ignored. If tx rolls
// back, so does the entry, and the next append reuses its seq.
//
// Append holds the chain's head until tx ends (see the package comment).
func Append(ctx context.Context, tx *sql.Tx, e Entry) (Entry, error) {
	if err := e.Validate(); err != nil {
		return Entry{}, err
	}
	detail := make(map[string]string, len(e.Detail))
	for k, v := range e.Detail {
		detail[k] = v
	}
	e.Detail = detail
	detailJSON, err := json.Marshal(detail)
	if err != nil {
		return Entry{}, fmt.Errorf("audit: encode detail: %w", err)
	}

	// Taking the next seq and reading the previous hash in one UPDATE
	// locks the head row first thing, so there is no read-then-write race
	// between appenders.
	err = tx.QueryRowContext(ctx,
		`UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash`).Scan(&e.Seq, &e.PrevHash)
	if errors.Is(err, sql.ErrNoRows) {
		return Entry{}, errors.New("audit: the audit_head row is missing")
	}
	if err != nil {
		return Entry{}, fmt.Errorf("audit: advance head: %w", err)
	}
	e.At = time.Now().UTC().Truncate(time.Microsecond)
	e.Hash = ChainHash(e)

	if _, err := tx.ExecContext(ctx,
		`INSERT INTO audit_log (seq, at, actor, action, object, detail, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		e.Seq, e.At, e.Actor, e.Action, e.Object, string(detailJSON), e.PrevHash, e.Hash); err != nil {
		return Entry{}, fmt.Errorf("audit: append seq %d: %w", e.Seq, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE audit_head SET hash = $1 WHERE id = 1`, e.Hash); err != nil {
		return Entry{}, fmt.Errorf("audit: update head: %w", err)
	}
	return e, nil
}

// Head returns the seq and hash of the last entry (0 and GenesisHash when
// the log is empty). Record them outside the database to anchor the chain.
func Head(ctx context.Context, db *store.DB) (seq int64, hash string, err error) {
	err = db.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&seq, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", &BrokenError{Seq: 0, Reason: "the audit_head row is missing"}
	}
	if err != nil {
		return 0, "", fmt.Errorf("audit: read head: %w", err)
	}
	return seq, hash, nil
}

// scanner is *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

const entryColumns = `seq, at, actor, action, object, detail, prev_hash, hash`

// scanEntry reads entryColumns, returning the detail column as stored too.
// A detail that is not a JSON object of strings is reported as detailErr,
// not as a read error: it can only get there by tampering, which Verify
// must name.
func scanEntry(s scanner) (e Entry, detail string, detailErr, err error) {
	if err := s.Scan(&e.Seq, &e.At, &e.Actor, &e.Action, &e.Object, &detail, &e.PrevHash, &e.Hash); err != nil {
		return Entry{}, "", nil, err
	}
	e.At = e.At.UTC()
	if err := json.Unmarshal([]byte(detail), &e.Detail); err != nil {
		return e, detail, err, nil
	}
	if e.Detail == nil {
		// "null" decodes to a nil map; Append never writes it.
		return e, detail, errors.New("detail is null"), nil
	}
	return e, detail, nil, nil
}
