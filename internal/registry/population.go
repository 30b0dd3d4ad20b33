package registry

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/store"
)

// Stats counts what GeneratePopulation wrote and how long it took.
type Stats struct {
	People      int           `json:"people"`
	Documents   int           `json:"documents"`
	FamilyLinks int           `json:"family_links"` // rows: each link counts once per direction
	Businesses  int           `json:"businesses"`
	Vehicles    int           `json:"vehicles"`
	Elapsed     time.Duration `json:"elapsed"`
}

// PeoplePerSecond is the rate at which people were written.
func (s Stats) PeoplePerSecond() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.People) / s.Elapsed.Seconds()
}

func (s *Stats) add(h *Household) {
	s.People += len(h.People)
	s.Businesses += len(h.Businesses)
	s.Vehicles += len(h.Vehicles)
	for i := range h.People {
		s.Documents += len(h.People[i].Documents)
		s.FamilyLinks += len(h.People[i].Family)
	}
}

const metaGenerator = "generator"

// batchPeople is how many people go into one transaction.
const batchPeople = 25_000

// batch is a transaction's worth of households and the generator state
// after them.
type batch struct {
	households []*Household
	people     int
	state      GenState
}

// GeneratePopulation adds n synthetic people, with their businesses and
// vehicles, made by a Generator with the given seed. Dates are relative to
// the demo day when there is one, and to today otherwise. The generator's
// counters are kept in registry_meta, so a later call continues with new
// identifiers instead of colliding, and on an empty database (or one with
// only the demo fixtures) the same seed gives the same population. People
// are written in transactions of 25,000, each recording the counters it
// reached: after a failure, what was committed stays and a new call goes on
// from there. Generation runs alongside writing. SQLite is written on one
// connection with a large page cache and multi-row INSERTs of 200 rows,
// PostgreSQL with COPY. A person already registered under a generated FIN
// (added by hand, not by the generator) fails the batch.
func (r *Registry) GeneratePopulation(ctx context.Context, seed int64, n int) (Stats, error) {
	if n < 0 {
		return Stats{}, errs.E(errs.Invalid, "registry.error.population_size").Field("people", "registry.error.population_size")
	}
	start := time.Now()
	today, ok, err := readDay(ctx, r.db, metaDemoDay)
	if err != nil {
		return Stats{}, err
	}
	if !ok {
		today = Date(time.Now().UTC())
	}
	var state GenState
	if v, ok, err := getMeta(ctx, r.db, metaGenerator); err != nil {
		return Stats{}, err
	} else if ok {
		if err := json.Unmarshal([]byte(v), &state); err != nil {
			return Stats{}, fmt.Errorf("registry: generator state: %w", err)
		}
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan batch, 2)
	go func() {
		defer close(batches)
		g := NewGenerator(seed, today, state)
		for left := n; left > 0; {
			b := batch{households: make([]*Household, 0, batchPeople/3)}
			for b.people < batchPeople && left > 0 {
				h := g.Household(left)
				left -= len(h.People)
				b.people += len(h.People)
				b.households = append(b.households, h)
			}
			b.state = g.State()
			select {
			case batches <- b:
			case <-ctx.Done():
				return
			}
		}
	}()

	var stats Stats
	conn, err := r.db.Conn(ctx)
	if err != nil {
		return stats, err
	}
	defer conn.Close()
	write := func(ctx context.Context, b batch) error { return writePostgres(ctx, conn, b) }
	if r.db.Engine == store.SQLite {
		// Inserting in FIN order is inserting at random places in every
		// index: a page cache that holds them saves reading pages back
		// and spilling them mid-transaction. The default comes back after.
		// Multi-row INSERTs keep a statement journal; in memory it costs
		// no writes.
		for _, pragma := range []string{fmt.Sprintf(`PRAGMA cache_size = -%d`, sqliteLoadCacheKiB), `PRAGMA temp_store = MEMORY`} {
			if _, err := conn.ExecContext(ctx, pragma); err != nil {
				return stats, err
			}
		}
		defer func() {
			ctx := context.WithoutCancel(ctx)
			conn.ExecContext(ctx, `PRAGMA cache_size = -2000`)
			conn.ExecContext(ctx, `PRAGMA temp_store = DEFAULT`)
		}()
		write = func(ctx context.Context, b batch) error { return writeSQLite(ctx, conn, b) }
	}
	for b := range batches {
		if err := write(ctx, b); err != nil {
			return stats, err
		}
		for _, h := range b.households {
			stats.add(h)
		}
	}
	if err := ctx.Err(); err != nil {
		return stats, err
	}
	stats.Elapsed = time.Since(start)
	return stats, nil
}

func stateJSON(s GenState) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// sqliteLoadCacheKiB is SQLite's page cache while loading a population.
const sqliteLoadCacheKiB = 256 << 10

// writeSQLite writes one batch in one transaction with multi-row INSERTs,
// table by table so that every row's people are there before it.
func writeSQLite(ctx context.Context, conn *sql.Conn, b batch) error {
	return connTx(ctx, conn, func(tx *sql.Tx) error {
		for _, t := range tables {
			ins := &multiInsert{ctx: ctx, tx: tx, table: t}
			for _, h := range b.households {
				if err := t.rows(h, ins.add); err != nil {
					return err
				}
			}
			if err := ins.flush(); err != nil {
				return err
			}
			ins.close()
		}
		return setMeta(ctx, tx, metaGenerator, stateJSON(b.state))
	})
}

// table is one registry table as the bulk loaders see it: its columns and
// how a household becomes its rows.
type table struct {
	name    string
	columns []string
	rows    func(h *Household, emit func(args ...any) error) error
}

// tables are in the order they must be filled.
var tables = []table{
	{"registry_persons", []string{"fin", "first_name", "last_name", "patronymic", "sex", "birth_date", "birth_place", "citizenship",
		"address_region", "address_city", "address_street", "address_house", "address_apartment", "address_postal_code",
		"phone", "email", "death_date"},
		func(h *Household, emit func(...any) error) error {
			for i := range h.People {
				if err := emit(personArgs(&h.People[i])...); err != nil {
					return err
				}
			}
			return nil
		}},
	{"registry_documents", []string{"person_fin", "kind", "number", "issued_on", "expires_on"},
		func(h *Household, emit func(...any) error) error {
			for i := range h.People {
				p := &h.People[i]
				for _, d := range p.Documents {
					if err := emit(p.FIN, d.Kind, d.Number, FormatDate(d.IssuedOn), FormatDate(d.ExpiresOn)); err != nil {
						return err
					}
				}
			}
			return nil
		}},
	{"registry_family", []string{"person_fin", "relation", "relative_fin"},
		func(h *Household, emit func(...any) error) error {
			for i := range h.People {
				p := &h.People[i]
				for _, l := range p.Family {
					if err := emit(p.FIN, l.Relation, l.FIN); err != nil {
						return err
					}
				}
			}
			return nil
		}},
	{"registry_businesses", []string{"voen", "name", "legal_form", "status", "director_fin",
		"address_region", "address_city", "address_street", "address_house", "address_apartment", "address_postal_code", "founded"},
		func(h *Household, emit func(...any) error) error {
			for i := range h.Businesses {
				if err := emit(businessArgs(&h.Businesses[i])...); err != nil {
					return err
				}
			}
			return nil
		}},
	{"registry_vehicles", []string{"plate", "vin", "make", "model", "year", "owner_fin", "inspection_due"},
		func(h *Household, emit func(...any) error) error {
			for i := range h.Vehicles {
				if err := emit(vehicleArgs(&h.Vehicles[i])...); err != nil {
					return err
				}
			}
			return nil
		}},
}

// rowsPerInsert is how many rows one SQLite INSERT carries (at 17 columns,
// well under SQLite's limit of 32,766 parameters).
const rowsPerInsert = 200

// multiInsert gathers rows and inserts them rowsPerInsert at a time with
// one prepared statement.
type multiInsert struct {
	ctx   context.Context
	tx    *sql.Tx
	table table
	full  *sql.Stmt
	args  []any
}

func (m *multiInsert) add(args ...any) error {
	m.args = append(m.args, args...)
	if len(m.args) < rowsPerInsert*len(m.table.columns) {
		return nil
	}
	if m.full == nil {
		s, err := m.tx.PrepareContext(m.ctx, insertSQL(m.table, rowsPerInsert))
		if err != nil {
			return err
		}
		m.full = s
	}
	_, err := m.full.ExecContext(m.ctx, m.args...)
	m.args = m.args[:0]
	if err != nil {
		return fmt.Errorf("registry: insert into %s: %w", m.table.name, err)
	}
	return nil
}

func (m *multiInsert) flush() error {
	n := len(m.args) / len(m.table.columns)
	if n == 0 {
		return nil
	}
	_, err := m.tx.ExecContext(m.ctx, insertSQL(m.table, n), m.args...)
	m.args = m.args[:0]
	if err != nil {
		return fmt.Errorf("registry: insert into %s: %w", m.table.name, err)
	}
	return nil
}

func (m *multiInsert) close() {
	if m.full != nil {
		m.full.Close()
	}
}

// insertSQL is an INSERT of n rows into t for SQLite, with anonymous
// placeholders: the SQLite driver looks up each numbered one by name, which
// costs time in proportion to the number of parameters.
func insertSQL(t table, n int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO " + t.name + " (" + strings.Join(t.columns, ", ") + ") VALUES ")
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for j := range t.columns {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('?')
		}
		b.WriteByte(')')
	}
	return b.String()
}

// writePostgres writes one batch in one transaction with COPY, reaching
// pgx under database/sql.
func writePostgres(ctx context.Context, conn *sql.Conn, b batch) error {
	return conn.Raw(func(driverConn any) error {
		pc := driverConn.(*stdlib.Conn).Conn()
		tx, err := pc.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx)
		for _, t := range tables {
			var rows [][]any
			for _, h := range b.households {
				t.rows(h, func(args ...any) error {
					rows = append(rows, args)
					return nil
				})
			}
			if len(rows) == 0 {
				continue
			}
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{t.name}, t.columns, pgx.CopyFromRows(rows)); err != nil {
				return fmt.Errorf("registry: copy into %s: %w", t.name, err)
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO registry_meta (name, value) VALUES ($1, $2)
			ON CONFLICT (name) DO UPDATE SET value = excluded.value`, metaGenerator, stateJSON(b.state)); err != nil {
			return err
		}
		return tx.Commit(ctx)
	})
}

// connTx runs fn in a transaction on conn, as store.DB.Tx does on the pool.
func connTx(ctx context.Context, conn *sql.Conn, fn func(tx *sql.Tx) error) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}
