package app_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/egov/egov/internal/app"
	"github.com/egov/egov/internal/storetest"
)

// The SQLite and PostgreSQL migrations are kept in step by hand; this test
// catches a table or column that one engine has and the other lacks.
func TestSchemasMatchAcrossEngines(t *testing.T) {
	ctx := context.Background()
	lite, err := storetest.SQLite(t, app.Migrations()...).Schema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pg, err := storetest.Postgres(t, app.Migrations()...).Schema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(lite) == 0 {
		t.Fatal("no tables on SQLite")
	}
	for table, cols := range lite {
		if other, ok := pg[table]; !ok {
			t.Errorf("table %s exists on SQLite only", table)
		} else if !reflect.DeepEqual(cols, other) {
			t.Errorf("table %s: SQLite columns %v, PostgreSQL columns %v", table, cols, other)
		}
	}
	for table := range pg {
		if _, ok := lite[table]; !ok {
			t.Errorf("table %s exists on PostgreSQL only", table)
		}
	}
}
