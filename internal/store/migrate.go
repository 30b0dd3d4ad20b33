package store

import (
	"context"
	"fmt"
	"io/fs"
	"regexp"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// Migrations are one module's schema changes: FS holds the folders
// "sqlite" and "postgres" with goose SQL files kept in step (a test compares
// the schemas they produce). Each module keeps its own version table, so
// modules evolve independently.
type Migrations struct {
	Module string
	FS     fs.FS
}

var moduleName = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// Migrate applies every pending migration of each module, in the order given.
func (db *DB) Migrate(ctx context.Context, modules ...Migrations) error {
	dialect := goose.DialectSQLite3
	if db.Engine == Postgres {
		dialect = goose.DialectPostgres
	}
	for _, m := range modules {
		if !moduleName.MatchString(m.Module) {
			return fmt.Errorf("store: bad module name %q", m.Module)
		}
		sub, err := fs.Sub(m.FS, string(db.Engine))
		if err != nil {
			return fmt.Errorf("store: migrations of %s: %w", m.Module, err)
		}
		opts := []goose.ProviderOption{
			goose.WithTableName("goose_" + m.Module),
			goose.WithDisableGlobalRegistry(true),
		}
		if db.Engine == Postgres {
			// Replicas starting together take turns: an advisory lock
			// serialises their migrations.
			locker, err := lock.NewPostgresSessionLocker()
			if err != nil {
				return err
			}
			opts = append(opts, goose.WithSessionLocker(locker))
		}
		p, err := goose.NewProvider(dialect, db.DB, sub, opts...)
		if err != nil {
			return fmt.Errorf("store: migrations of %s: %w", m.Module, err)
		}
		if _, err := p.Up(ctx); err != nil {
			return fmt.Errorf("store: migrate %s: %w", m.Module, err)
		}
	}
	return nil
}

// MustSub is fs.Sub for embedded folders known to exist, as every module's
// migrations, templates and messages are.
func MustSub(fsys fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		panic(err)
	}
	return sub
}
