// Package app wires egov together: it opens the store, applies every
// module's migrations, builds the modules, mounts their routes behind the
// web layer's middleware and runs their background work. It is the only
// package that knows every module.
package app

import (
	"context"
	"database/sql"
	_ "embed"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/egov/egov/internal/admin"
	"github.com/egov/egov/internal/applications"
	"github.com/egov/egov/internal/audit"
	"github.com/egov/egov/internal/catalog"
	"github.com/egov/egov/internal/centers"
	"github.com/egov/egov/internal/config"
	"github.com/egov/egov/internal/consent"
	"github.com/egov/egov/internal/documents"
	"github.com/egov/egov/internal/events"
	"github.com/egov/egov/internal/evisa"
	"github.com/egov/egov/internal/files"
	"github.com/egov/egov/internal/gateway"
	"github.com/egov/egov/internal/govstack"
	"github.com/egov/egov/internal/identity"
	"github.com/egov/egov/internal/identity/oidc"
	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/letters"
	"github.com/egov/egov/internal/notify"
	"github.com/egov/egov/internal/payments"
	"github.com/egov/egov/internal/payments/sandbox"
	"github.com/egov/egov/internal/proactive"
	"github.com/egov/egov/internal/registry"
	"github.com/egov/egov/internal/seal"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/web"
)

//go:embed openapi.json
var openapiJSON []byte

// App is a running egov: its store, modules and HTTP handler.
type App struct {
	Config     *config.Config
	Logger     *slog.Logger
	DB         *store.DB
	Site       *web.Site
	Router     *web.Router
	Handler    http.Handler
	Catalog    *catalog.Catalog
	Metrics    *web.Metrics
	Events     *events.Dispatcher
	Registry   *registry.Registry
	Gateway    *gateway.Gateway
	Notify     *notify.Service
	Identity   *identity.Service
	OIDC       *oidc.Provider
	Federation *identity.Federation
	Files      *files.Store
	// Applications runs e-services from draft to decision.
	Applications *applications.Service
	// Letters are official letters between people and state bodies.
	Letters *letters.Service
	// Payments keeps bills and settles payments; Acquirer is the built-in
	// sandbox card acquirer when no real one is configured.
	Payments *payments.Service
	Acquirer *sandbox.Acquirer
	// Documents issues, keeps and verifies signed documents.
	Documents *documents.Service
	// Centers runs the service centres: bookings, queues, desks, ratings.
	Centers *centers.Service
	// GovStack serves the GovStack building-block APIs through the
	// gateway, on a listener of their own (cfg.GovStackAddr).
	GovStack *govstack.Service
	// Consent keeps consents people give organisations (GovStack's
	// Consent block, and the cabinet's list of them).
	Consent *consent.Service
	// Proactive acts on life events and events of time by agencies' rules.
	Proactive *proactive.Service
	// EVisa runs e-visas from application to the border.
	EVisa *evisa.Service
}

// Migrations lists every module's migrations in dependency order.
func Migrations() []store.Migrations {
	return []store.Migrations{
		web.Migrations,
		events.Migrations,
		audit.Migrations,
		catalog.Migrations,
		registry.Migrations,
		gateway.Migrations,
		identity.Migrations,
		oidc.Migrations,
		notify.Migrations,
		files.Migrations,
		applications.Migrations,
		letters.Migrations,
		payments.Migrations,
		documents.Migrations,
		centers.Migrations,
		govstack.Migrations,
		evisa.Migrations,
		proactive.Migrations,
		consent.Migrations,
	}
}

// Open connects to the store and migrates it.
func Open(ctx context.Context, cfg *config.Config) (*store.DB, error) {
	db, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx, Migrations()...); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// New builds egov on an open, migrated store. In demo mode it seeds the
// demo data first (idempotently).
func New(ctx context.Context, cfg *config.Config, db *store.DB, logger *slog.Logger) (*App, error) {
	if logger == nil {
		logger = slog.Default()
	}
	a := &App{Config: cfg, Logger: logger, DB: db, Metrics: web.NewMetrics()}
	secret, err := web.LoadSecret(ctx, db, cfg.Secret)
	if err != nil {
		return nil, err
	}
	a.Events = events.NewDispatcher(db, logger)
	if err := a.notifications(ctx, cfg); err != nil {
		return nil, err
	}
	a.Site = web.NewSite(db, web.Options{Logger: logger, Secret: secret, SecureCookies: cfg.SecureCookies, Demo: cfg.Demo})
	a.Catalog = catalog.New(db, logger)
	a.Registry = registry.New(db)
	// Agencies, and egov itself, read the base registries through the
	// gateway, so every read is checked, logged and shown to the person.
	a.Gateway = gateway.New(db, logger)
	if err := a.Gateway.Configure(gateway.Options{Secret: secret, KeepBodies: cfg.GatewayKeepBodies, Retention: cfg.GatewayRetention}); err != nil {
		return nil, err
	}
	if err := a.Gateway.RegisterRegistries(ctx, a.Registry.ProviderHandler(nil), registry.OpenAPI); err != nil {
		return nil, err
	}
	a.Identity = identity.New(db, a.Site.Sessions, a.personName, logger)
	a.Identity.SetBusinesses(businessRegistry{a.Registry})
	a.Identity.SetCodeSender(func(ctx context.Context, tx *sql.Tx, to identity.CodeRecipient, code string) error {
		l, _ := lang.Parse(to.Lang)
		r := notify.Recipient{AccountID: to.AccountID, Lang: l}
		channel := "email"
		if to.Channel == identity.ChannelPhone {
			channel, r.Phone = "sms", to.Address
		} else {
			r.Email = to.Address
		}
		return a.Notify.SendSecurityCode(ctx, tx, r, channel, code)
	})
	a.Site.Resolve = a.Identity.Resolve
	// People who gave no contact details are reached at those the
	// population registry holds. Send runs inside its caller's transaction,
	// so the registry is read directly: a gateway read would write its log
	// in a second transaction, which SQLite's one writer cannot start.
	// Without an e-mail server there is nowhere to send them: messages
	// stay in the inbox rather than queue for e-mail that cannot go.
	if cfg.SMTPAddr != "" {
		a.Notify.SetContactLookup(a.registryContacts)
	}
	if err := a.Site.Messages.Load(registry.Locales(), "locales"); err != nil {
		return nil, err
	}
	a.OIDC, err = oidc.New(db, a.Site, a.Identity, personClaims{a.Registry, a.Gateway.Client(gateway.Portal)},
		oidc.Config{Issuer: cfg.BaseURL, Key: secret, Demo: cfg.Demo})
	if err != nil {
		return nil, err
	}
	// Attachments live on disk beside the embedded database, or in
	// PostgreSQL itself, so that every replica sees them.
	filesDir := ""
	if db.Engine == store.SQLite {
		filesDir = filepath.Join(cfg.DataDir, "files")
	}
	var scanner files.Scanner = files.SignatureScanner{}
	if cfg.ClamdAddr != "" {
		scanner = files.ClamdScanner{Addr: cfg.ClamdAddr}
	}
	a.Files = files.NewStore(db.DB, filesDir, scanner)
	a.Documents = documents.New(db, documents.Config{KeyEncryptionKey: seal.DeriveKey(secret, "egov document signing keys v1"),
		BaseURL: cfg.BaseURL, AgencyName: a.agencyName, RegistryDocuments: a.registryDocuments, Logger: logger})
	a.setUpPayments(cfg, secret, logger)
	a.Applications = applications.New(db, applications.Config{Catalog: a.Catalog, Files: a.Files,
		Notify: a.Notify, Registries: applicationRegistries{a.Gateway.Client(gateway.Portal)},
		StaffOf: a.agencyStaff, Bill: a.feeBill, Issue: a.issueDocument, Logger: logger})
	a.Consent, err = consent.New(consent.Config{DB: db, SealKey: seal.DeriveKey(secret, "egov consent keys v1"), Logger: logger})
	if err != nil {
		return nil, err
	}
	a.Consent.Subscribe(a.Events)
	// The GovStack blocks, over the modules above; agencies' systems
	// submit people's applications through them.
	a.GovStack = govstack.New(govstack.Config{DB: db, Gateway: a.Gateway, Notify: a.Notify, Catalog: a.Catalog,
		Applications: a.Applications, Files: a.Files, Applicant: a.applicant, Payments: a.Payments, Events: a.Events, Consent: a.Consent, Logger: logger})
	if err := a.GovStack.Register(ctx); err != nil {
		return nil, err
	}
	a.Centers = centers.New(db, centers.Config{Catalog: a.Catalog, Notify: a.Notify, OpenApplication: a.openAtDesk,
		BirthDate: a.birthDate, BaseURL: cfg.BaseURL, Logger: logger})
	if err := centers.SeedTemplates(ctx, a.Notify); err != nil {
		return nil, err
	}
	// A paid fee sends its application on to the agency; the payer hears
	// of every payment.
	a.Events.Subscribe("applications.fee_paid", payments.TopicBillPaid, a.feePaid)
	a.Events.Subscribe("notify.payment_received", payments.TopicBillPaid, a.tellPaid)
	if err := a.Notify.SaveTemplates(ctx, paymentTemplates); err != nil {
		return nil, err
	}
	if err := applications.SeedTemplates(ctx, a.Notify); err != nil {
		return nil, err
	}
	a.Site.ResolveBearer = a.Applications.ResolveKey
	a.Letters = letters.New(db, letters.Config{Catalog: a.Catalog, Files: a.Files, Notify: a.Notify,
		SigningKey: seal.DeriveKey(secret, "egov letters signing key v1"), People: a.letterRecipient, Logger: logger})
	if err := letters.SeedTemplates(ctx, a.Notify); err != nil {
		return nil, err
	}
	if err := a.setUpEVisa(ctx, logger); err != nil {
		return nil, err
	}
	if err := a.setUpProactive(ctx); err != nil {
		return nil, err
	}
	if cfg.Demo {
		if _, err := a.Seed(ctx); err != nil {
			return nil, err
		}
	}
	if !cfg.Demo {
		// In demo mode Seed has loaded the catalog it wrote.
		if err := a.Catalog.Load(ctx); err != nil {
			return nil, err
		}
	}

	a.Router = web.NewRouter(a.Site)
	a.operations(a.Router)
	catalog.NewHTTP(a.Catalog, a.Site).Routes(a.Router)
	identityHTTP := identity.NewHTTP(a.Identity, a.Site, cfg.Demo)
	if cfg.FederationIssuer != "" {
		name := lang.Text{AZ: cfg.FederationName, EN: cfg.FederationName, RU: cfg.FederationName}
		a.Federation, err = identity.NewFederation(a.Identity, a.Site, identity.FederationConfig{Name: name,
			Issuer: cfg.FederationIssuer, ClientID: cfg.FederationClientID, ClientSecret: cfg.FederationClientSecret,
			RedirectURL: cfg.BaseURL + "/auth/federation/callback"})
		if err != nil {
			return nil, err
		}
		a.Federation.Routes(a.Router)
		identityHTTP.SetFederation(a.Federation)
	}
	identityHTTP.Routes(a.Router)
	gateway.NewHTTP(a.Gateway, a.Site).Routes(a.Router)
	govstack.NewHTTP(a.GovStack, a.Site).Routes(a.Router)
	notify.NewHTTP(a.Notify, a.Site).Routes(a.Router)
	applications.NewHTTP(a.Applications, a.Site).Routes(a.Router)
	payments.NewHTTP(a.Payments, a.Site).Routes(a.Router)
	documents.NewHTTP(a.Documents, a.Site).Routes(a.Router)
	centers.NewHTTP(a.Centers, a.Site).Routes(a.Router)
	letters.NewHTTP(a.Letters, a.Site).Routes(a.Router)
	proactive.NewHTTP(a.Proactive, a.Site).Routes(a.Router)
	consent.NewHTTP(a.Consent, a.Site).Routes(a.Router)
	evisa.NewHTTP(a.EVisa, a.Site).Routes(a.Router)
	// Passkeys are bound to the site's host name (the WebAuthn RP ID) and
	// origin, both taken from the public base URL.
	rpURL, err := url.Parse(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	rpID, rpOrigin := rpURL.Hostname(), cfg.BaseURL
	if net.ParseIP(rpID) != nil {
		// WebAuthn binds passkeys to a domain, never an address: with an
		// address as base URL, passkeys work on the same port by localhost.
		logger.Warn("base URL is an IP address; passkeys work only at localhost", "base_url", cfg.BaseURL)
		rpID, rpOrigin = "localhost", rpURL.Scheme+"://localhost:"+rpURL.Port()
	}
	passkeys, err := identity.NewPasskeys(a.Identity, a.Site, rpID, rpOrigin)
	if err != nil {
		return nil, err
	}
	passkeys.Routes(a.Router)
	a.OIDC.Routes(a.Router)
	admin.New(a.Site, a.Identity, a.OIDC, a.Catalog, db).Routes(a.Router)
	a.Handler = a.Site.Handler(a.Router, a.Metrics)
	if a.Acquirer != nil {
		// The sandbox acquirer is another party with its own card pages,
		// outside egov's sessions and CSRF, as a real acquirer would be.
		mux := http.NewServeMux()
		mux.Handle("/sandbox-acquirer/", http.StripPrefix("/sandbox-acquirer", a.Acquirer))
		mux.Handle("/", a.Handler)
		a.Handler = mux
	}
	return a, nil
}

// Seed adds the demo data that is not there yet and reports how many rows
// it added; a second call adds nothing.
func (a *App) Seed(ctx context.Context) (int, error) {
	data, err := catalog.DemoSeed()
	if err != nil {
		return 0, err
	}
	added, err := a.Catalog.Seed(ctx, data)
	if err != nil {
		return added, err
	}
	// The catalog is read from memory: what follows (the demo
	// applications) needs what was just written.
	if err := a.Catalog.Load(ctx); err != nil {
		return added, err
	}
	people, err := a.Registry.SeedDemo(ctx, time.Now().In(web.Baku))
	added += people
	if err != nil {
		return added, err
	}
	if err := a.Gateway.SeedDemo(ctx); err != nil {
		return added, err
	}
	if err := a.EVisa.SeedWatchList(ctx); err != nil {
		return added, err
	}
	for _, m := range demoStaff {
		// One argon2id hash of the demo password serves every demo
		// account: hashing it seven times would slow every start.
		if m.PasswordHash, err = demoPasswordHash(); err != nil {
			return added, err
		}
		ok, err := a.Identity.EnsureStaff(ctx, m)
		if err != nil {
			return added, err
		}
		if ok {
			added++
		}
	}
	if err := a.Notify.SeedDemo(ctx, registry.DemoMotherFIN, lang.AZ); err != nil {
		return added, err
	}
	n, err := a.seedApplications(ctx)
	added += n
	if err != nil {
		return added, err
	}
	day, err := a.Registry.DemoDay(ctx)
	if err != nil {
		return added, err
	}
	if err := a.Payments.SeedDemo(ctx, day); err != nil {
		return added, err
	}
	for _, fin := range []string{registry.DemoPensionerFIN, registry.DemoFatherFIN} {
		if err := a.tellDemoFines(ctx, fin); err != nil {
			return added, err
		}
	}
	if err := a.Centers.SeedDemo(ctx); err != nil {
		return added, err
	}
	if err := a.seedProactive(ctx); err != nil {
		return added, err
	}
	if ok, err := a.OIDC.SeedDemo(ctx); err != nil {
		return added, err
	} else if ok {
		added++
	}
	return added, nil
}

// seedApplications gives the demo's back office work: Rəşad's application
// for a criminal record certificate, sent five working days before the
// demo day and so past its three-day deadline, and Tural's, sent the day
// before.
func (a *App) seedApplications(ctx context.Context) (int, error) {
	day, err := a.Registry.DemoDay(ctx)
	if err != nil {
		return 0, err
	}
	var list []applications.DemoApplication
	for _, d := range []struct {
		fin     string
		answers map[string][]string
		ago     int
	}{
		{registry.DemoFatherFIN, map[string][]string{"purpose": {"abroad"}, "apostille": {"yes"}}, 5},
		{registry.DemoTeenFIN, map[string][]string{"purpose": {"employer"}}, 1},
	} {
		acct, err := a.Identity.PersonAccount(ctx, d.fin)
		if err != nil {
			return 0, err
		}
		list = append(list, applications.DemoApplication{Service: "criminal-record-certificate", Answers: d.answers, WorkingDaysAgo: d.ago,
			Applicant: applications.Actor{Kind: applications.ActorApplicant, AccountID: acct.ID, ID: d.fin, FIN: d.fin, Name: acct.DisplayName, Lang: lang.AZ}})
	}
	return a.Applications.SeedDemo(ctx, day.In(web.Baku), list)
}

// demoStaff are the staff of ../shared/DEMO.md, with the demo password.
// They exist only in demo mode.
var demoStaff = []identity.StaffMember{
	{Login: "admin", Name: "Platform Administrator", Password: "demo", Roles: []string{identity.RoleAdmin}},
	{Login: "asan.operator", Name: "ASAN Operator", Password: "demo", Roles: []string{identity.RoleCentreOperator}, Centre: "baku-1"},
	{Login: "dim.operator", Name: "DİN Operator", Password: "demo", Roles: []string{identity.RoleAgencyOperator}, Agency: "internal-affairs"},
	{Login: "dim.supervisor", Name: "DİN Supervisor", Password: "demo", Roles: []string{identity.RoleAgencySupervisor, identity.RoleAgencyOperator}, Agency: "internal-affairs"},
	{Login: "migration.operator", Name: "Migration Operator", Password: "demo", Roles: []string{identity.RoleAgencyOperator}, Agency: "migration"},
	{Login: "border.officer", Name: "Border Officer", Password: "demo", Roles: []string{identity.RoleBorderOfficer}},
	{Login: "auditor", Name: "Auditor", Password: "demo", Roles: []string{identity.RoleAuditor}},
}

// notifications builds the notification service and its delivery worker:
// e-mail through SMTP when configured (otherwise e-mail waits and then
// expires), SMS through the built-in sandbox provider.
func (a *App) notifications(ctx context.Context, cfg *config.Config) error {
	a.Notify = notify.New(a.DB)
	if err := a.Notify.Seed(ctx); err != nil {
		return err
	}
	var mailer notify.Mailer
	if cfg.SMTPAddr != "" {
		m, err := notify.NewSMTPMailer(notify.SMTPConfig{Addr: cfg.SMTPAddr, From: cfg.SMTPFrom,
			Username: cfg.SMTPUsername, Password: cfg.SMTPPassword, TLS: cfg.SMTPTLS})
		if err != nil {
			return err
		}
		mailer = m // a nil *SMTPMailer in the interface would not be nil
	}
	worker := notify.NewWorker(a.Notify, notify.WorkerConfig{Mailer: mailer, SMS: a.Notify.SandboxSMS()})
	a.Events.SubscribePrepared(notify.Subscriber, notify.TopicDelivery, worker.Prepare, worker.Handle)
	// Agencies' systems hear of their messages' delivery at their callback URLs.
	post, recorded := a.Notify.Callbacks(nil)
	a.Events.SubscribePrepared(notify.CallbackSubscriber, notify.TopicCallback, post, recorded)
	// Messages queued through the API go out at once, not at the next poll.
	a.Notify.SetOnQueued(a.Events.Notify)
	return nil
}

var demoPasswordHash = sync.OnceValues(func() (string, error) { return identity.HashPassword("demo") })

// personName is how identity finds a person: in the population registry.
func (a *App) personName(ctx context.Context, fin string) (string, error) {
	p, err := a.Registry.Person(ctx, fin)
	if err != nil {
		return "", err
	}
	return p.FullName(), nil
}

// operations mounts the routes every deployment needs: health, readiness,
// metrics, static files and the API description.
func (a *App) operations(rt *web.Router) {
	rt.HandleFunc("GET /healthz", web.Public, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	})
	rt.HandleFunc("GET /readyz", web.Public, func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err := a.DB.PingContext(ctx); err != nil {
			a.Logger.Warn("not ready", "err", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte("database unavailable\n"))
			return
		}
		w.Write([]byte("ready\n"))
	})
	rt.Handle("GET /metrics", web.Public, promhttp.HandlerFor(a.Metrics.Registry, promhttp.HandlerOpts{}))
	rt.Handle("GET /static/", web.Public, web.Static())
	rt.HandleFunc("GET /api/v1/openapi.json", web.Public, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(openapiJSON)
	})
}

// Run does the background work until ctx ends: it delivers outbox events
// to subscribers, signs the gateway's message log in batches, prunes what
// has expired, and keeps the catalog in step with changes made through
// other replicas.
func (a *App) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Add(5)
	go func() { defer wg.Done(); a.recoverPayments(ctx, time.Minute) }()
	go func() { defer wg.Done(); a.Gateway.RunSigner(ctx, 10*time.Second) }()
	go func() { defer wg.Done(); a.Catalog.Watch(ctx, 5*time.Second) }()
	go func() { defer wg.Done(); a.Events.Run(ctx) }()
	go func() { defer wg.Done(); a.housekeeping(ctx, 10*time.Minute) }()
	wg.Add(1)
	go func() { defer wg.Done(); a.runProactive(ctx) }()
	wg.Add(1)
	go func() { defer wg.Done(); a.GovStack.RunP2GAnswers(ctx, 2*time.Second) }()
	wg.Wait()
}

// housekeeping deletes what is no longer needed, every interval.
func (a *App) housekeeping(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	// Deadlines that passed while egov was down are flagged at once.
	if _, err := a.Applications.FlagOverdue(ctx); err != nil && ctx.Err() == nil {
		a.Logger.Warn("flag overdue applications", "err", err)
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := a.Events.Prune(ctx, 24*time.Hour); err != nil && ctx.Err() == nil {
			a.Logger.Warn("prune events", "err", err)
		}
		if _, err := a.Site.Sessions.Prune(ctx); err != nil && ctx.Err() == nil {
			a.Logger.Warn("prune sessions", "err", err)
		}
		if _, err := a.Applications.FlagOverdue(ctx); err != nil && ctx.Err() == nil {
			a.Logger.Warn("flag overdue applications", "err", err)
		}
		if _, err := a.Centers.SendReminders(ctx, time.Now()); err != nil && ctx.Err() == nil {
			a.Logger.Warn("booking reminders", "err", err)
		}
		if _, err := a.Applications.IssueApproved(ctx); err != nil && ctx.Err() == nil {
			a.Logger.Warn("issue documents of approved applications", "err", err)
		}
		a.evisaHousekeeping(ctx)
		if _, err := a.Applications.PurgeUnsent(ctx, 500); err != nil && ctx.Err() == nil {
			a.Logger.Warn("purge applications never sent", "err", err)
		}
		// After the purges above, which release what they uploaded.
		if _, err := a.Files.Sweep(ctx, 1000); err != nil && ctx.Err() == nil {
			a.Logger.Warn("sweep released files", "err", err)
		}
		if err := a.Notify.PruneRates(ctx); err != nil && ctx.Err() == nil {
			a.Logger.Warn("prune notification rates", "err", err)
		}
		if err := a.OIDC.Prune(ctx); err != nil && ctx.Err() == nil {
			a.Logger.Warn("prune oidc", "err", err)
		}
		if _, err := a.OIDC.RotateKeysOlderThan(ctx, 30*24*time.Hour); err != nil && ctx.Err() == nil {
			a.Logger.Warn("rotate oidc keys", "err", err)
		}
		if err := a.Identity.Prune(ctx); err != nil && ctx.Err() == nil {
			a.Logger.Warn("prune identity", "err", err)
		}
		if a.Federation != nil {
			if err := a.Federation.Prune(ctx); err != nil && ctx.Err() == nil {
				a.Logger.Warn("prune federation", "err", err)
			}
		}
	}
}
