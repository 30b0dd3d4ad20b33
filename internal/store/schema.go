package store

import (
	"context"
	"sort"
	"strings"
)

// Schema lists every table egov created with its columns, sorted, so the
// two engines' schemas can be compared. Goose's version tables are left out.
func (db *DB) Schema(ctx context.Context) (map[string][]string, error) {
	var query string
	switch db.Engine {
	case Postgres:
		query = `SELECT table_name, column_name FROM information_schema.columns
			WHERE table_schema = current_schema() ORDER BY table_name, column_name`
	default:
		query = `SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p
			WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, p.name`
	}
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	schema := map[string][]string{}
	for rows.Next() {
		var table, column string
		if err := rows.Scan(&table, &column); err != nil {
			return nil, err
		}
		if strings.HasPrefix(table, "goose_") {
			continue
		}
		schema[table] = append(schema[table], column)
	}
	for _, cols := range schema {
		sort.Strings(cols)
	}
	return schema, rows.Err()
}
