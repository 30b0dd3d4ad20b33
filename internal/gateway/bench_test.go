package gateway_test

import (
	"context"
	"log/slog"
	"net/http"
	"testing"

	"github.com/egov/egov/internal/gateway"
	"github.com/egov/egov/internal/storetest"
)

// BenchmarkClientGet is one in-process exchange: authenticate, look up,
// authorise, call the provider, hash, log and chain, on SQLite.
func BenchmarkClientGet(b *testing.B) {
	db := storetest.SQLite(b, gateway.Migrations)
	ctx := context.Background()
	gw := gateway.New(db, slog.New(slog.DiscardHandler))
	for _, c := range []gateway.ClientID{population, portal} {
		gw.RegisterMember(ctx, c.MemberID(), "m")
		gw.RegisterSubsystem(ctx, c, "s")
	}
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"ok":true}`)) })
	if _, err := gw.RegisterService(ctx, gateway.ServiceDef{ID: persons, BasePath: "/persons", OpenAPI: []byte(personsOpenAPI), Provider: ok}); err != nil {
		b.Fatal(err)
	}
	gw.Grant(ctx, portal, persons, gateway.AllEndpoints)
	c := gw.Client(portal)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.Get(ctx, persons.String(), "/5ZQX7KA", "", "bench"); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
