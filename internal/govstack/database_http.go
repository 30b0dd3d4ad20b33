package govstack

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/egov/egov/internal/errs"
)

// The Digital Registries database API
// (specs/digital-registries-database-api-1.3.0.yaml): how a client defines
// a registry. modify takes the specification's groupName, catalogName,
// code and schema, and egov's additions: version (default "1.0"),
// description, and readers and writers (client subsystems, besides the
// defining client, which may do both).

type modifyBody struct {
	GroupName   string          `json:"groupName"`
	CatalogName string          `json:"catalogName"`
	Code        string          `json:"code"`
	Schema      json.RawMessage `json:"schema"`
	Version     string          `json:"version"`
	Description string          `json:"description"`
	Readers     []string        `json:"readers"`
	Writers     []string        `json:"writers"`
}

type databaseInfo struct {
	ID          int64           `json:"id"`
	Version     string          `json:"version"`
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Institution string          `json:"institution"`
	Schema      json.RawMessage `json:"schema"`
	SchemaFlags []schemaFlag    `json:"schemaFlags"`
	IsDraft     bool            `json:"isDraft"`
	IsDisabled  bool            `json:"isDisabled"`
	IsArchived  bool            `json:"isArchived"`
	ModifiedAt  string          `json:"modifiedAt"`
	ByUserName  string          `json:"byUserName"`
}

type schemaFlag struct {
	Name string `json:"name"`
	Path string `json:"path"`
}

type databasesAnswer struct {
	ID        int            `json:"id"`
	Name      string         `json:"name"`
	Code      string         `json:"code"`
	Databases []databaseInfo `json:"databases"`
}

func infoOf(r *Registry) databaseInfo {
	return databaseInfo{ID: r.ID, Version: r.Version, Name: r.Code, Description: r.Description, Institution: r.Owner,
		Schema: r.Schema, SchemaFlags: []schemaFlag{{Name: "primaryKey", Path: "/" + r.PrimaryKey()}},
		ModifiedAt: r.ModifiedAt.Format(time.RFC3339Nano), ByUserName: r.Owner}
}

func (s *Service) modifyDatabase(w http.ResponseWriter, r *http.Request) {
	caller, err := callerOf(r)
	var b modifyBody
	if err == nil {
		err = decode(w, r, &b)
	}
	if err == nil && baseRegistry(b.Code) != nil {
		err = errs.E(errs.Forbidden, "govstack.error.base_no_definition")
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if b.Version == "" {
		b.Version = "1.0"
	}
	if b.Description == "" {
		// The specification puts the description in the schema.
		var d struct {
			Description string `json:"description"`
		}
		json.Unmarshal(b.Schema, &d)
		b.Description = d.Description
	}
	reg := &Registry{Code: b.Code, Version: b.Version, Group: b.GroupName, Catalog: b.CatalogName, Description: b.Description,
		Schema: b.Schema, Owner: caller, Readers: b.Readers, Writers: b.Writers}
	if err := s.Define(r, reg); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(reg.Schema)
}

// Define creates or changes a registry as its owner.
func (s *Service) Define(r *http.Request, reg *Registry) error {
	if err := reg.Validate(); err != nil {
		return err
	}
	for _, c := range append(slices.Clone(reg.Readers), reg.Writers...) {
		if _, err := parseSubsystem(c); err != nil {
			return errs.E(errs.Invalid, "govstack.error.no_client").Field("readers", "govstack.error.no_client")
		}
	}
	return saveRegistry(r.Context(), s.db, reg)
}

// readable is a registry by its id, when caller may read it.
func (s *Service) readable(r *http.Request) (*Registry, string, error) {
	caller, err := callerOf(r)
	if err != nil {
		return nil, "", err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return nil, "", errs.E(errs.Invalid, "govstack.error.bad_id")
	}
	reg, err := findRegistry(r.Context(), s.db, `id = $1`, id)
	if err != nil {
		return nil, "", err
	}
	if err := s.mayRead(reg, caller); err != nil {
		return nil, "", err
	}
	return reg, caller, nil
}

func (s *Service) database(w http.ResponseWriter, r *http.Request) {
	reg, _, err := s.readable(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	answer(w, http.StatusOK, infoOf(reg))
}

func (s *Service) deleteDatabase(w http.ResponseWriter, r *http.Request) {
	reg, caller, err := s.readable(r)
	if err == nil {
		err = deleteRegistry(r.Context(), s.db, reg.ID, caller)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	answer(w, http.StatusOK, "Success")
}

// databases lists, as one group, the registries the caller may read.
func (s *Service) databases(w http.ResponseWriter, r *http.Request) {
	caller, err := callerOf(r)
	var list []*Registry
	if err == nil {
		list, err = readableRegistries(r.Context(), s.db, caller)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a := databasesAnswer{ID: 1, Name: "egov", Code: "EGOV", Databases: []databaseInfo{}}
	for _, reg := range list {
		a.Databases = append(a.Databases, infoOf(reg))
	}
	answer(w, http.StatusOK, a)
}
