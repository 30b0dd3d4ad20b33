// Package consent keeps the consents people give to organisations, as
// GovStack's Consent building block describes them: an organisation's
// policies and data agreements (what data, for what purpose, on what
// lawful basis), individuals (an organisation's reference to a person,
// mapped to a FIN when the reference is one), consent records (one
// individual's answer to one revision of an agreement, signed with the
// platform's Ed25519 key over a canonical snapshot), the revisions that
// keep every change, and webhooks that tell an organisation's systems of
// its records' changes, sent from the outbox.
//
// Organisations are gateway members (INSTANCE/CLASS/MEMBER): each sees
// and changes only its own policies, agreements, individuals and
// webhooks; a record is seen by the organisation of its individual and
// by that of its agreement. internal/govstack serves it as the building
// block's API; the cabinet lists a person's records and withdraws them.
package consent

import (
	"embed"
	"log/slog"
	"net/http"
	"time"

	"github.com/egov/egov/internal/seal"
	"github.com/egov/egov/internal/store"
)

//go:embed migrations
var migrationsFS embed.FS

// Migrations create the consent_… tables.
var Migrations = store.Migrations{Module: "consent", FS: store.MustSub(migrationsFS, "migrations")}

// Topics of the outbox. TopicRecord is published with every change of a
// consent record; TopicWebhook once per webhook that is to hear of it.
const (
	TopicRecord  = "consent.record"
	TopicWebhook = "consent.webhook"
)

// Subscriber names in events_deliveries (stable across releases).
const (
	FanOutSubscriber  = "consent.webhooks_fan_out"
	DeliverSubscriber = "consent.webhooks_deliver"
)

// Service is the consent store and its operations.
type Service struct {
	db       *store.DB
	sealer   *seal.Sealer
	http     *http.Client
	insecure bool
	logger   *slog.Logger
	now      func() time.Time
}

// Config is what the service needs.
type Config struct {
	DB *store.DB
	// SealKey (32 bytes, derived from the platform secret) seals the
	// signing keys and webhook secrets at rest.
	SealKey []byte
	// HTTPClient posts webhooks (default: 10 s timeout).
	HTTPClient *http.Client
	// InsecureWebhooks lets webhooks use http:// (development and tests);
	// otherwise only https:// is accepted.
	InsecureWebhooks bool
	Logger           *slog.Logger
}

// New returns the service.
func New(cfg Config) (*Service, error) {
	s, err := seal.New(cfg.SealKey)
	if err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	return &Service{db: cfg.DB, sealer: s, http: cfg.HTTPClient, insecure: cfg.InsecureWebhooks, logger: cfg.Logger,
		now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}, nil
}

// Locales hold the module's messages: the cabinet's, and the errors the
// GovStack block answers (in English).
//
//go:embed locales/*.json
var Locales embed.FS
