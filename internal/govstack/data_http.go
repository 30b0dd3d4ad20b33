package govstack

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/egov/egov/internal/errs"
)

// The Digital Registries data API (specs/digital-registries-data-api-1.3.0.yaml).

type contentBody struct {
	Content map[string]any `json:"content"`
}

type dataBody struct {
	Query *contentBody `json:"query"`
	Write *contentBody `json:"write"`
}

// target is the registry a data API request names: a generic registry,
// or a base registry.
func (s *Service) target(r *http.Request) (*Registry, *baseReg, string, error) {
	caller, err := callerOf(r)
	if err != nil {
		return nil, nil, "", err
	}
	code, version := r.PathValue("registry"), r.PathValue("version")
	if b := baseRegistry(code); b != nil {
		if version != baseVersion {
			return nil, nil, "", errs.E(errs.NotFound, "govstack.error.no_registry")
		}
		return nil, b, caller, nil
	}
	reg, err := findRegistry(r.Context(), s.db, `code = $1 AND version = $2`, code, version)
	return reg, nil, caller, err
}

// body decodes the request and checks that the parts the operation needs
// are there.
func (s *Service) body(w http.ResponseWriter, r *http.Request, needQuery, needWrite bool) (query, write map[string]any, err error) {
	var b dataBody
	if err := decode(w, r, &b); err != nil {
		return nil, nil, err
	}
	if b.Query != nil {
		query = b.Query.Content
	}
	if b.Write != nil {
		write = b.Write.Content
	}
	if needQuery && query == nil {
		return nil, nil, errs.E(errs.Invalid, "govstack.error.query_required").Field("query.content", "govstack.error.query_required")
	}
	if needWrite && write == nil {
		return nil, nil, errs.E(errs.Invalid, "govstack.error.bad_json").Field("write.content", "govstack.error.bad_json")
	}
	return query, write, nil
}

func (s *Service) create(w http.ResponseWriter, r *http.Request) {
	reg, base, caller, err := s.target(r)
	if err == nil && base != nil {
		err = errs.E(errs.Forbidden, "govstack.error.base_read_only")
	}
	var write map[string]any
	if err == nil {
		_, write, err = s.body(w, r, false, true)
	}
	if err == nil {
		write, err = s.Create(r.Context(), caller, reg, write)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	answer(w, http.StatusOK, contentBody{Content: write})
}

// find is read and exists; the registry is nil for a base registry.
func (s *Service) find(w http.ResponseWriter, r *http.Request) (*Registry, map[string]any, bool, error) {
	reg, base, caller, err := s.target(r)
	if err != nil {
		return nil, nil, false, err
	}
	query, _, err := s.body(w, r, true, false)
	if err != nil {
		return nil, nil, false, err
	}
	if base != nil {
		content, found, err := s.baseFind(r, base, query)
		return nil, content, found, err
	}
	content, found, err := s.Find(r.Context(), caller, reg, query)
	return reg, content, found, err
}

func (s *Service) read(w http.ResponseWriter, r *http.Request) {
	reg, content, found, err := s.find(w, r)
	if err == nil && found && reg != nil {
		err = s.recordRegistryReads(r, reg, content)
	}
	if err == nil && !found || errs.KindOf(err) == errs.NotFound {
		// The specification's 404 says exactly this, for a missing
		// registry too.
		err = errs.E(errs.NotFound, "govstack.error.no_record")
	}
	if err != nil {
		s.fail(w, r, err, http.StatusNotFound)
		return
	}
	answer(w, http.StatusOK, contentBody{Content: content})
}

type existsAnswer struct {
	Answer struct {
		Status  bool   `json:"status"`
		Message string `json:"message"`
	} `json:"answer"`
}

func (s *Service) exists(w http.ResponseWriter, r *http.Request) {
	_, _, found, err := s.find(w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var a existsAnswer
	a.Answer.Status, a.Answer.Message = found, "Object not found from database"
	if found {
		a.Answer.Message = "Object found from database"
	}
	answer(w, http.StatusOK, a)
}

// update is update, updateEntries and updateOrCreate.
func (s *Service) update(w http.ResponseWriter, r *http.Request, all, orCreate bool) (map[string]any, error) {
	reg, base, caller, err := s.target(r)
	if err != nil {
		return nil, err
	}
	if base != nil {
		return nil, errs.E(errs.Forbidden, "govstack.error.base_read_only")
	}
	query, write, err := s.body(w, r, !orCreate, true)
	if err != nil {
		return nil, err
	}
	if query == nil {
		// updateOrCreate without a query finds nothing to update.
		content, err := s.Create(r.Context(), caller, reg, write)
		return content, err
	}
	_, last, err := s.Update(r.Context(), caller, reg, query, write, all, orCreate)
	return last, err
}

func (s *Service) updateOne(w http.ResponseWriter, r *http.Request) {
	if _, err := s.update(w, r, false, false); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusOK)
}

func (s *Service) updateEntries(w http.ResponseWriter, r *http.Request) {
	if _, err := s.update(w, r, true, false); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusOK)
}

func (s *Service) updateOrCreate(w http.ResponseWriter, r *http.Request) {
	content, err := s.update(w, r, false, true)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	answer(w, http.StatusOK, contentBody{Content: content})
}

func (s *Service) deleteRecord(w http.ResponseWriter, r *http.Request) {
	reg, base, caller, err := s.target(r)
	if err == nil && base != nil {
		err = errs.E(errs.Forbidden, "govstack.error.base_read_only")
	}
	if err == nil {
		err = s.Delete(r.Context(), caller, reg, r.PathValue("id"))
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// readValue answers one field of a record: /{id}/readValue/{field}.json.
func (s *Service) readValue(w http.ResponseWriter, r *http.Request) {
	file := r.PathValue("file")
	dot := strings.LastIndex(file, ".")
	if dot <= 0 || file[dot+1:] != "json" {
		s.fail(w, r, errs.E(errs.Invalid, "govstack.error.bad_ext"))
		return
	}
	field := file[:dot]
	reg, base, caller, err := s.target(r)
	var content map[string]any
	found := false
	if err == nil && base != nil {
		content, found, err = s.baseRead(r.Context(), r, base, r.PathValue("id"))
	} else if err == nil {
		content, found, err = s.Find(r.Context(), caller, reg, map[string]any{reg.PrimaryKey(): keyValue(r.PathValue("id"), reg)})
		if err == nil && found {
			// One field of the record is still the person's data.
			err = s.recordRegistryReads(r, reg, content)
		}
	}
	if err == nil && !found {
		err = errs.E(errs.NotFound, "govstack.error.no_record")
	}
	var v any
	if err == nil {
		var ok bool
		if v, ok = content[field]; !ok {
			err = errs.E(errs.NotFound, "govstack.error.no_field")
		}
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	answer(w, http.StatusOK, map[string]any{"value": v})
}

// keyValue is a key from a URL as the record holds it: a number when the
// schema's key is an integer.
func keyValue(key string, reg *Registry) any {
	if n, err := strconv.ParseInt(key, 10, 64); err == nil && reg.keyIsNumber() {
		return float64(n)
	}
	return key
}

type listAnswer struct {
	Count    int              `json:"count"`
	Next     string           `json:"next,omitempty"`
	Previous string           `json:"previous,omitempty"`
	Results  []map[string]any `json:"results"`
}

func (s *Service) list(w http.ResponseWriter, r *http.Request) {
	q, err := listQuery(r.URL.Query())
	var reg *Registry
	var base *baseReg
	var caller string
	if err == nil {
		reg, base, caller, err = s.target(r)
	}
	var count int
	var results []map[string]any
	switch {
	case err != nil:
	case base != nil:
		count, results, err = s.baseList(r, base, q)
	default:
		count, results, err = s.List(r.Context(), caller, reg, q)
		if err == nil {
			err = s.recordRegistryReads(r, reg, results...)
		}
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a := listAnswer{Count: count, Results: results}
	if q.Page*q.PageSize < count {
		a.Next = pageURL(r, q.Page+1)
	}
	if q.Page > 1 {
		a.Previous = pageURL(r, q.Page-1)
	}
	answer(w, http.StatusOK, a)
}

// baseList is a base registry's list: by its key only.
func (s *Service) baseList(r *http.Request, b *baseReg, q ListQuery) (int, []map[string]any, error) {
	query := map[string]any{}
	for f, v := range q.Fields {
		query[f] = v
	}
	content, found, err := s.baseFind(r, b, query)
	if err != nil || !found || q.Page > 1 {
		return btoi(found), []map[string]any{}, err
	}
	return 1, []map[string]any{content}, nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func listQuery(v url.Values) (ListQuery, error) {
	q := ListQuery{Search: v.Get("search"), Filter: v.Get("filter"), Ordering: v.Get("ordering"), Page: 1,
		PageSize: DefaultPageSize, Fields: map[string]string{}}
	bad := errs.E(errs.Invalid, "govstack.error.bad_page")
	var err error
	if p := v.Get("page"); p != "" {
		if q.Page, err = strconv.Atoi(p); err != nil || q.Page < 1 || q.Page > 1_000_000 {
			return q, bad
		}
	}
	if p := v.Get("pageSize"); p != "" {
		if q.PageSize, err = strconv.Atoi(p); err != nil || q.PageSize < 1 || q.PageSize > MaxPageSize {
			return q, bad
		}
	}
	for k, vals := range v {
		if f, ok := strings.CutPrefix(k, "query."); ok && f != "" && len(vals) > 0 {
			q.Fields[f] = vals[0]
		}
	}
	return q, nil
}

// pageURL is the list's address with another page: absolute, as the
// specification's format uri wants, on the host the caller called.
func pageURL(r *http.Request, page int) string {
	v := r.URL.Query()
	v.Set("page", strconv.Itoa(page))
	base := r.Header.Get(headerBase)
	if base == "" {
		base = "http://localhost"
	}
	return base + r.URL.EscapedPath() + "?" + v.Encode()
}
