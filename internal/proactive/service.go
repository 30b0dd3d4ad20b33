package proactive

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/registry"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/web"
)

//go:embed migrations
var migrationsFS embed.FS

// Migrations create the module's tables (proactive_*).
var Migrations = store.Migrations{Module: "proactive", FS: store.MustSub(migrationsFS, "migrations")}

// Do is one action to carry out, as the app's adapters receive it.
type Do struct {
	// Key is the action's idempotency key ("proactive:<record id>"), the
	// same however often the action is attempted.
	Key    string
	FIN    string // whom it is for
	Rule   *Rule
	Action Action
	Facts  Facts
	IBAN   string // the bank account a person confirmed, for AcceptAccount
}

// Actions carry out what rules decide, through the modules that own the
// effects. Those given a transaction write in it, so the effect commits
// with the record that it was done; the others run their own transaction
// and must be idempotent on Do.Key, as they may be repeated after a crash.
// Each returns a reference shown to the person (a document, payout, bill
// or application number, a message id).
type Actions interface {
	Payout(ctx context.Context, tx *sql.Tx, d Do) (string, error)
	Bill(ctx context.Context, tx *sql.Tx, d Do) (string, error)
	Notify(ctx context.Context, tx *sql.Tx, d Do) (string, error)
	IssueDocument(ctx context.Context, d Do) (string, error)
	ApproveApplication(ctx context.Context, d Do) (string, error)
	// Apply opens the offered service's form for the person, prefilled
	// with the action's answers, and returns the application number and
	// the address to continue at.
	Apply(ctx context.Context, d Do) (number, next string, err error)
}

// Config is what the service needs.
type Config struct {
	Registry *registry.Registry
	Actions  Actions
	Logger   *slog.Logger
	Now      func() time.Time
	// MaxAttempts before an action is marked failed (default 10).
	MaxAttempts int
}

// Service runs the rules.
type Service struct {
	db    *store.DB
	cfg   Config
	progs sync.Map // "id@version" → *Program
	wake  chan struct{}
}

// New builds the service on db, which must have Migrations applied.
func New(db *store.DB, cfg Config) *Service {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxAttempts == 0 {
		cfg.MaxAttempts = 10
	}
	return &Service{db: db, cfg: cfg, wake: make(chan struct{}, 1)}
}

func (s *Service) now() time.Time { return s.cfg.Now() }

// today is the current date in Baku, as a registry date.
func (s *Service) today() time.Time { return registry.Date(s.now().In(web.Baku)) }

// program returns a rule version's compiled condition, compiling once.
func (s *Service) program(r *Rule) (*Program, error) {
	key := fmt.Sprintf("%s@%d", r.ID, r.Version)
	if p, ok := s.progs.Load(key); ok {
		return p.(*Program), nil
	}
	p, err := Compile(r.Condition)
	if err != nil {
		return nil, err
	}
	s.progs.Store(key, p)
	return p, nil
}

// LiveRules lists the live version of every rule acting on event ("" for
// all events).
func (s *Service) LiveRules(ctx context.Context, event string) ([]*Rule, error) {
	if event == "" {
		return listRules(ctx, s.db, `status = $1`, RuleLive)
	}
	return listRules(ctx, s.db, `status = $1 AND event = $2`, RuleLive, event)
}

// Records lists a person's records, newest first: what was done for them
// and what they were offered.
func (s *Service) Records(ctx context.Context, fin string) ([]*Record, error) {
	return listRecords(ctx, s.db, `a.fin = $1 ORDER BY a.created_at DESC, a.id DESC`, fin)
}

// Record is one of the person's records, or NotFound.
func (s *Service) Record(ctx context.Context, fin string, id int64) (*Record, error) {
	rec, err := recordByID(ctx, s.db, id)
	if err != nil {
		return nil, err
	}
	if rec.FIN != fin {
		return nil, errs.E(errs.NotFound, "proactive.error.not_found")
	}
	return rec, nil
}

// RecordsOfRule lists what a rule did, newest first, for its agency.
func (s *Service) RecordsOfRule(ctx context.Context, ruleID string, limit int) ([]*Record, error) {
	return listRecords(ctx, s.db, `a.rule_id = $1 ORDER BY a.id DESC LIMIT $2`, ruleID, limit)
}

// Wake asks Run to carry out pending actions now.
func (s *Service) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run carries out pending actions until ctx ends: at once when woken,
// and every interval in any case (actions of other replicas' intake, and
// retries).
func (s *Service) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.wake:
			// The intake wakes Run before its transaction commits.
			select {
			case <-ctx.Done():
				return
			case <-time.After(300 * time.Millisecond):
			}
		}
		if _, err := s.Execute(ctx); err != nil && ctx.Err() == nil {
			s.cfg.Logger.Warn("proactive: carry out actions", "err", err)
		}
	}
}
