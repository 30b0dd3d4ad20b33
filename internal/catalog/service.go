package catalog

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"

	"github.com/egov/egov/internal/catalog/search"
	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/store"
)

//go:embed migrations
var migrationsFS embed.FS

//go:embed seed/catalog.json
var seedJSON []byte

// Migrations create the catalog's tables.
var Migrations = store.Migrations{Module: "catalog", FS: store.MustSub(migrationsFS, "migrations")}

// Catalog serves the catalog from an in-memory copy of the database, with
// its search index. Every write goes to the database and bumps the
// revision; Refresh (run periodically by Watch) reloads when another replica
// changed it.
type Catalog struct {
	db     *store.DB
	logger *slog.Logger

	mu      sync.RWMutex
	current *view
}

// view is a loaded snapshot with its lookups and search index.
type view struct {
	*snapshot
	bySlug     map[string]*Service
	agencyBy   map[string]*Agency
	situBy     map[string]*Situation
	index      *search.Index
	byPopular  []*Service
	sortedName map[lang.Lang][]*Service
}

// New returns a catalog over db; call Load before serving.
func New(db *store.DB, logger *slog.Logger) *Catalog {
	if logger == nil {
		logger = slog.Default()
	}
	return &Catalog{db: db, logger: logger}
}

// Load reads the catalog from the database and builds the search index.
func (c *Catalog) Load(ctx context.Context) error {
	var snap *snapshot
	err := c.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		snap, err = loadSnapshot(ctx, tx)
		return err
	})
	if err != nil {
		return err
	}
	v := buildView(snap)
	c.mu.Lock()
	c.current = v
	c.mu.Unlock()
	return nil
}

// Refresh reloads the catalog if its revision moved since the last load.
func (c *Catalog) Refresh(ctx context.Context) error {
	rev, err := readRevision(ctx, c.db)
	if err != nil {
		return err
	}
	if v := c.view(); v != nil && v.revision == rev {
		return nil
	}
	return c.Load(ctx)
}

// Watch refreshes the catalog every interval until ctx ends, so a change
// made through another replica shows here within that time.
func (c *Catalog) Watch(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := c.Refresh(ctx); err != nil && ctx.Err() == nil {
				c.logger.Warn("catalog refresh", "err", err)
			}
		}
	}
}

func (c *Catalog) view() *view {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.current
}

// Fields of a service and their weight in search: a match in the name
// counts most, in the long description least.
const (
	weightName        = 10
	weightKeyword     = 7
	weightSummary     = 3
	weightAgency      = 2
	weightDescription = 1
)

func buildView(snap *snapshot) *view {
	v := &view{
		snapshot:   snap,
		bySlug:     map[string]*Service{},
		agencyBy:   map[string]*Agency{},
		situBy:     map[string]*Situation{},
		sortedName: map[lang.Lang][]*Service{},
	}
	for _, a := range snap.agencies {
		v.agencyBy[a.Slug] = a
	}
	for _, s := range snap.situations {
		v.situBy[s.Slug] = s
	}
	docs := make([]search.Document, 0, len(snap.services))
	var active []*Service
	for _, s := range snap.services {
		v.bySlug[s.Slug] = s
		if !s.Active {
			continue
		}
		active = append(active, s)
		docs = append(docs, document(s, v.agencyBy[s.Agency]))
	}
	v.index = search.Build(docs)
	v.byPopular = append([]*Service(nil), active...)
	sort.SliceStable(v.byPopular, func(i, j int) bool { return v.byPopular[i].Popularity > v.byPopular[j].Popularity })
	for _, l := range lang.All {
		sorted := append([]*Service(nil), active...)
		col := collate.New(collationTag(l))
		sort.SliceStable(sorted, func(i, j int) bool {
			return col.CompareString(sorted[i].Name.In(l), sorted[j].Name.In(l)) < 0
		})
		v.sortedName[l] = sorted
	}
	return v
}

func collationTag(l lang.Lang) language.Tag {
	switch l {
	case lang.EN:
		return language.English
	case lang.RU:
		return language.Russian
	}
	return language.Azerbaijani
}

func document(s *Service, a *Agency) search.Document {
	d := search.Document{ID: s.Slug, Popularity: s.Popularity}
	add := func(weight float64, texts ...string) {
		for _, t := range texts {
			if t != "" {
				d.Fields = append(d.Fields, search.Field{Text: t, Weight: weight})
			}
		}
	}
	add(weightName, s.Name.All()...)
	add(weightKeyword, s.Keywords.AZ...)
	add(weightKeyword, s.Keywords.EN...)
	add(weightKeyword, s.Keywords.RU...)
	add(weightSummary, s.Summary.All()...)
	if a != nil {
		add(weightAgency, a.Name.All()...)
		add(weightAgency, a.Short.All()...)
	}
	add(weightDescription, s.Description.All()...)
	return d
}

// Service returns the active service with slug.
func (c *Catalog) Service(slug string) (*Service, error) {
	if s := c.view().bySlug[slug]; s != nil && s.Active {
		return s, nil
	}
	return nil, errs.E(errs.NotFound, "catalog.error.service_not_found")
}

// Agency returns the agency with slug.
func (c *Catalog) Agency(slug string) (*Agency, error) {
	if a := c.view().agencyBy[slug]; a != nil {
		return a, nil
	}
	return nil, errs.E(errs.NotFound, "catalog.error.agency_not_found")
}

// Situation returns the life situation with slug.
func (c *Catalog) Situation(slug string) (*Situation, error) {
	if s := c.view().situBy[slug]; s != nil {
		return s, nil
	}
	return nil, errs.E(errs.NotFound, "catalog.error.situation_not_found")
}

// Agencies lists every agency, sorted by name in l.
func (c *Catalog) Agencies(l lang.Lang) []*Agency {
	list := append([]*Agency(nil), c.view().agencies...)
	col := collate.New(collationTag(l))
	sort.SliceStable(list, func(i, j int) bool { return col.CompareString(list[i].Name.In(l), list[j].Name.In(l)) < 0 })
	return list
}

// Situations lists the life situations in their display order.
func (c *Catalog) Situations() []*Situation { return c.view().situations }

// Filter narrows a listing of services; zero values match everything.
type Filter struct {
	Agency    string
	Situation string
	Audience  Audience
	Channel   Channel
}

func (f Filter) match(s *Service) bool {
	if f.Agency != "" && s.Agency != f.Agency {
		return false
	}
	if f.Audience != "" && !s.HasAudience(f.Audience) {
		return false
	}
	if f.Channel != "" && !s.HasChannel(f.Channel) {
		return false
	}
	if f.Situation != "" {
		for _, x := range s.Situations {
			if x == f.Situation {
				return true
			}
		}
		return false
	}
	return true
}

// Services lists the active services that match f, sorted by name in l.
func (c *Catalog) Services(l lang.Lang, f Filter) []*Service {
	var list []*Service
	for _, s := range c.view().sortedName[l] {
		if f.match(s) {
			list = append(list, s)
		}
	}
	return list
}

// Popular lists the n most used active services.
func (c *Catalog) Popular(n int) []*Service {
	list := c.view().byPopular
	if len(list) > n {
		list = list[:n]
	}
	return list
}

// Count is how many active services the catalog holds.
func (c *Catalog) Count() int { return c.view().index.Len() }

// Search finds the services a query means, most relevant first, in any of
// the three languages, tolerating one typo in longer words.
func (c *Catalog) Search(query string, f Filter, limit int) []*Service {
	v := c.view()
	query = strings.TrimSpace(query)
	if query == "" {
		return nil
	}
	if r := []rune(query); len(r) > 200 {
		query = string(r[:200]) // a longer query is no search anyone means
	}
	// Ask the index for more than needed when filtering, then cut.
	want := limit
	if f != (Filter{}) {
		want = limit * 4
	}
	var list []*Service
	for _, hit := range v.index.Search(query, want) {
		if s := v.bySlug[hit.ID]; s != nil && f.match(s) {
			list = append(list, s)
			if len(list) == limit {
				break
			}
		}
	}
	return list
}

// SeedData is the shape of the seeded catalog file.
type SeedData struct {
	Situations []*Situation `json:"situations"`
	Agencies   []*Agency    `json:"agencies"`
	Services   []*Service   `json:"services"`
}

// DemoSeed is the catalog egov ships with: the agencies and e-services of
// a believable country.
func DemoSeed() (*SeedData, error) {
	var d SeedData
	if err := json.Unmarshal(seedJSON, &d); err != nil {
		return nil, err
	}
	for i, s := range d.Situations {
		s.Position = i
	}
	return &d, nil
}

// Seed adds what of d is not in the catalog yet, matched by slug; what is
// there is left as it is, so seeding twice adds nothing. It returns how
// many rows it added.
func (c *Catalog) Seed(ctx context.Context, d *SeedData) (int, error) {
	return c.write(ctx, d, false)
}

// Save creates or replaces the given situations, agencies and services.
func (c *Catalog) Save(ctx context.Context, d *SeedData) error {
	_, err := c.write(ctx, d, true)
	return err
}

func (c *Catalog) write(ctx context.Context, d *SeedData, replace bool) (int, error) {
	for _, a := range d.Agencies {
		if err := a.Validate(); err != nil {
			return 0, err
		}
	}
	for _, s := range d.Services {
		if err := s.Validate(); err != nil {
			return 0, err
		}
	}
	added := 0
	now := time.Now().UTC()
	err := c.db.Tx(ctx, func(tx *sql.Tx) error {
		added = 0
		for _, s := range d.Situations {
			wrote, err := upsertSituation(ctx, tx, s, replace)
			if err != nil {
				return err
			}
			added += count(wrote)
		}
		for _, a := range d.Agencies {
			_, wrote, err := upsertAgency(ctx, tx, a, replace, now)
			if err != nil {
				return err
			}
			added += count(wrote)
		}
		for _, s := range d.Services {
			wrote, err := upsertService(ctx, tx, s, replace, now)
			if err != nil {
				return err
			}
			added += count(wrote)
		}
		if added == 0 {
			return nil
		}
		return bumpRevision(ctx, tx)
	})
	if err != nil {
		return 0, err
	}
	return added, c.Load(ctx)
}

func count(b bool) int {
	if b {
		return 1
	}
	return 0
}
