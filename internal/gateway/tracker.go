package gateway

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/egov/egov/internal/nationalid"
)

// Read is one read of a person's data through the gateway: when, which
// agency (member) and system (subsystem) read it, from which registry
// (service), for what purpose and by which official. The data itself is
// never kept.
type Read struct {
	ID           int64
	FIN          string
	At           time.Time
	Client       string // the client subsystem's identifier
	ClientMember string // the agency's name
	ClientSystem string // the system's name
	Service      string // the service's identifier
	ServiceTitle string // the registry's name
	Record       string // what the provider said was read ("" for a read of the FIN the request named)
	Purpose      string // the client's X-Road-Purpose
	UserID       string
	XRoadID      string
}

// Page is a window on a list: at most Limit items (default 50, at most
// 500) after skipping Offset.
type Page struct {
	Limit  int
	Offset int
}

func (p Page) clean() Page {
	if p.Limit <= 0 {
		p.Limit = 50
	}
	if p.Limit > 500 {
		p.Limit = 500
	}
	if p.Offset < 0 {
		p.Offset = 0
	}
	return p
}

// ReadFilter narrows AllReads; empty fields do not filter.
type ReadFilter struct {
	FIN     string
	Client  string // a client subsystem (or member prefix)
	Service string
	Purpose string // a substring of the purpose or of the record read (an auditor's search)
	Record  string // the record read; ending in a space, those that begin with it
	From    time.Time
	To      time.Time // exclusive
	Page
}

// Reads lists the reads of the person fin, newest first.
func (g *Gateway) Reads(ctx context.Context, fin string, page Page) ([]Read, error) {
	if !nationalid.ValidFIN(fin) {
		return nil, nil
	}
	return g.AllReads(ctx, ReadFilter{FIN: fin, Page: page})
}

// AllReads lists reads for an auditor, newest first.
func (g *Gateway) AllReads(ctx context.Context, f ReadFilter) ([]Read, error) {
	if err := g.flushLog(ctx); err != nil {
		return nil, err
	}
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args))))
	}
	if f.FIN != "" {
		add("r.fin = ?", strings.ToUpper(f.FIN))
	}
	if f.Client != "" {
		add("(r.client_id = ? OR r.client_id LIKE ? || '/%')", f.Client)
	}
	if f.Service != "" {
		add("r.service_id = ?", f.Service)
	}
	if f.Purpose != "" {
		like := "%" + strings.ToLower(likeEscape(f.Purpose)) + "%"
		add("(LOWER(r.purpose) LIKE ? OR LOWER(r.record) LIKE ?)", like)
	}
	switch {
	case strings.HasSuffix(f.Record, " "):
		// A prefix, compared exactly in both engines (LIKE is not: its
		// case rules differ between them, and "_" is a wildcard).
		add("substr(r.record, 1, "+strconv.Itoa(utf8.RuneCountInString(f.Record))+") = ?", f.Record)
	case f.Record != "":
		add("r.record = ?", f.Record)
	}
	if !f.From.IsZero() {
		add("r.at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		add("r.at < ?", f.To.UTC())
	}
	q := `SELECT r.id, r.fin, r.at, r.client_id, COALESCE(m.name, ''), COALESCE(s.name, ''), r.service_id, COALESCE(v.title, ''),
		r.record, r.purpose, r.user_id, r.x_road_id
		FROM gateway_reads r
		LEFT JOIN gateway_subsystems s ON s.id = r.client_id
		LEFT JOIN gateway_members m ON m.id = s.member_id
		LEFT JOIN gateway_services v ON v.id = r.service_id`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	p := f.Page.clean()
	q += " ORDER BY r.at DESC, r.id DESC LIMIT " + strconv.Itoa(p.Limit) + " OFFSET " + strconv.Itoa(p.Offset)
	rows, err := g.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Read
	for rows.Next() {
		var r Read
		if err := rows.Scan(&r.ID, &r.FIN, &r.At, &r.Client, &r.ClientMember, &r.ClientSystem, &r.Service, &r.ServiceTitle,
			&r.Record, &r.Purpose, &r.UserID, &r.XRoadID); err != nil {
			return nil, err
		}
		r.At = r.At.UTC()
		out = append(out, r)
	}
	return out, rows.Err()
}

func likeEscape(s string) string {
	return strings.NewReplacer("%", "", "_", "").Replace(s)
}

// RecordReads records in the data tracker that the exchange r is serving
// answers the data of the persons fins, for a provider that finds them by
// something the request does not name as a person (an application's
// number, a record of a registry): the gateway records a read by itself
// only when the request names the FIN. r is the request as the gateway
// passed it to the provider, whose X-Road headers say the client, the
// service, the exchange, the official and the purpose; what says what
// was read, kept apart from the purpose the client gave.
func (g *Gateway) RecordReads(ctx context.Context, r *http.Request, what string, fins []string) error {
	client, err := ParseClientID(r.Header.Get(HeaderClient))
	if err != nil {
		return fmt.Errorf("gateway: reads of a request without its client: %w", err)
	}
	service, err := ParseServiceID(r.Header.Get(HeaderService))
	if err != nil {
		return fmt.Errorf("gateway: reads of a request without its service: %w", err)
	}
	at := now()
	return g.db.Tx(ctx, func(tx *sql.Tx) error {
		for _, fin := range distinctFINs(fins) {
			if _, err := tx.ExecContext(ctx, `INSERT INTO gateway_reads (fin, at, client_id, service_id, record, purpose, user_id, x_road_id)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, fin, at, client.String(), service.String(), what, r.Header.Get(HeaderPurpose),
				r.Header.Get(HeaderUserID), r.Header.Get(HeaderID)); err != nil {
				return err
			}
		}
		return nil
	})
}
