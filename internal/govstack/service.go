// Package govstack serves GovStack building-block APIs (the OpenAPI files
// in specs/) over egov's own modules, on a listener of its own.
//
// Every request goes through the gateway as an X-Road exchange: the
// Information-Mediator-Client header names the calling subsystem, whose
// API key (X-Egov-Api-Key, or the specifications' Authorization header)
// the gateway checks, with the access rights granted to it on the block's
// service, before the request reaches this package's provider; the
// exchange is in the gateway's message log. Each block is one service of
// the subsystem AZ/GOV/1000000010/govstack, registered from its
// specification, so rights are granted per block or per operation as for
// any other service. docs/GOVSTACK.md lists what is served.
package govstack

import (
	"context"
	"embed"
	"log/slog"
	"net/http"

	"github.com/egov/egov/internal/applications"
	"github.com/egov/egov/internal/catalog"
	"github.com/egov/egov/internal/consent"
	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/events"
	"github.com/egov/egov/internal/files"
	"github.com/egov/egov/internal/gateway"
	"github.com/egov/egov/internal/notify"
	"github.com/egov/egov/internal/payments"
	"github.com/egov/egov/internal/store"
)

//go:embed migrations
var migrationsFS embed.FS

// Migrations create the govstack_… tables.
var Migrations = store.Migrations{Module: "govstack", FS: store.MustSub(migrationsFS, "migrations")}

// Subsystem is the gateway subsystem the blocks are services of.
var Subsystem = gateway.ClientID{Instance: "AZ", Class: "GOV", Member: "1000000010", Subsystem: "govstack"}

// The blocks' services on the gateway.
var (
	RegistriesDataService     = gateway.ServiceID{Provider: Subsystem, Code: "registries-data"}
	RegistriesDatabaseService = gateway.ServiceID{Provider: Subsystem, Code: "registries-database"}
	MessagingService          = gateway.ServiceID{Provider: Subsystem, Code: "messaging"}
	RegistrationService       = gateway.ServiceID{Provider: Subsystem, Code: "registration"}
	StatisticsService         = gateway.ServiceID{Provider: Subsystem, Code: "registration-statistics"}
	ConsentService            = gateway.ServiceID{Provider: Subsystem, Code: "consent"}
	PaymentsService           = gateway.ServiceID{Provider: Subsystem, Code: "payments"}
)

// blocks are the services registered, each with the operations of its
// specification that are served (nil: all of them); the gateway then
// lists, grants and describes exactly those.
var blocks = []struct {
	id     gateway.ServiceID
	spec   string
	served []string
}{
	{RegistriesDataService, SpecRegistriesData, nil},
	{RegistriesDatabaseService, SpecRegistriesDatabase, nil},
	{MessagingService, SpecMessaging, []string{"POST /send/email/single", "POST /send/email/batch", "GET /status/email"}},
	{RegistrationService, SpecRegistration, []string{"GET /services", "GET /services/{serviceId}",
		"GET /services/{serviceId}/eForms", "GET /eForms/{eFormId}", "POST /services/{serviceId}/applications",
		"POST /documents", "GET /applications", "GET /applications/{fileId}", "PUT /applications/{fileId}",
		"GET /tasks", "GET /tasks/{taskId}", "POST /tasks/{taskId}/complete"}},
	{StatisticsService, SpecRegistrationStatistics, nil},
	{ConsentService, SpecConsent, nil},
	{PaymentsService, SpecPaymentsP2G, nil},
}

// Service is the GovStack blocks over egov's modules.
type Service struct {
	db      *store.DB
	gw      *gateway.Gateway
	notify  *notify.Service
	catalog *catalog.Catalog
	apps    *applications.Service
	files   *files.Store
	person  func(ctx context.Context, fin string) (applications.Actor, error)
	consent *consent.Service
	pay     *payments.Service // the Payments block's bills (p2g_*.go)
	logger  *slog.Logger
}

// Config is what the blocks are built on.
type Config struct {
	DB      *store.DB
	Gateway *gateway.Gateway // every request passes through it
	Notify  *notify.Service  // sends the messaging block's e-mail
	Catalog *catalog.Catalog // the registration block's services and e-forms
	// Applications, Files and Applicant serve the registration block's
	// applications, documents and tasks; Applicant is the person with a
	// FIN as an applicant (their account, opened on first use).
	Applications *applications.Service
	Files        *files.Store
	Applicant    func(ctx context.Context, fin string) (applications.Actor, error)
	Consent      *consent.Service // the consent block's store
	// Payments settles the bills banks pay (the Payments block); its
	// answers are sent from the outbox, through Events' subscribers.
	Payments *payments.Service
	Events   *events.Dispatcher
	Logger   *slog.Logger
}

// New returns the blocks.
func New(cfg Config) *Service {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Service{db: cfg.DB, gw: cfg.Gateway, notify: cfg.Notify, catalog: cfg.Catalog, apps: cfg.Applications,
		files: cfg.Files, person: cfg.Applicant, consent: cfg.Consent, pay: cfg.Payments, logger: cfg.Logger}
	if cfg.Events != nil {
		s.subscribeP2G(cfg.Events)
	}
	return s
}

// Register registers the govstack subsystem and the blocks' services on
// the gateway, served by this package in process. Call it on every start,
// after the gateway's RegisterRegistries (which registers the portal's
// member); it is idempotent and keeps the rights granted.
func (s *Service) Register(ctx context.Context) error {
	if err := s.gw.RegisterSubsystem(ctx, Subsystem, "GovStack building blocks"); err != nil {
		return err
	}
	if _, err := s.notify.SaveTemplate(ctx, emailTemplate); err != nil {
		return err
	}
	provider := s.provider()
	for _, b := range blocks {
		doc, err := specJSON(b.spec, b.served)
		if err != nil {
			return err
		}
		if _, err := s.gw.RegisterService(ctx, gateway.ServiceDef{ID: b.id, OpenAPI: doc, Provider: provider}); err != nil {
			return err
		}
	}
	return nil
}

// callerOf is the client subsystem the gateway authenticated: the gateway
// sets X-Road-Client on every request it passes to a provider.
func callerOf(r *http.Request) (string, error) {
	c, err := gateway.ParseClientID(r.Header.Get(gateway.HeaderClient))
	if err != nil {
		return "", errs.E(errs.Unauthenticated, "govstack.error.no_client")
	}
	return c.String(), nil
}
