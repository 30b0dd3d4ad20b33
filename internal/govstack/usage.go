package govstack

import (
	"net/http"
	"strconv"
	"time"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/gateway"
	"github.com/egov/egov/internal/nationalid"
)

// personalDataUsage answers myPersonalDataUsage from the gateway's data
// tracker: who read the person userId's record in the base registry
// databaseId ("population", "business", "vehicles"), or in the generic
// registry with that code (any version) whose schema marks persons.
func (s *Service) personalDataUsage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	fin := nationalid.NormalizeFIN(q.Get("userId"))
	var err error
	var reads []gateway.Read
	code := q.Get("databaseId")
	b := baseRegistry(code)
	switch {
	case !nationalid.ValidFIN(fin):
		err = errs.E(errs.Invalid, "govstack.error.bad_user")
	case b != nil:
		reads, err = s.gw.AllReads(r.Context(), gateway.ReadFilter{FIN: fin, Service: b.service.String(), Page: gateway.Page{Limit: 500}})
	default:
		// A generic registry's reads are the data API's, told apart by
		// the record read (records_persons.go).
		if _, err = findRegistry(r.Context(), s.db, `code = $1 ORDER BY id LIMIT 1`, code); errs.KindOf(err) == errs.NotFound {
			err = errs.E(errs.NotFound, "govstack.error.unknown_database")
			break
		}
		if err == nil {
			reads, err = s.gw.AllReads(r.Context(), gateway.ReadFilter{FIN: fin, Service: RegistriesDataService.String(),
				Record: registryRecord(code, ""), Page: gateway.Page{Limit: 500}})
		}
	}
	if err == nil && len(reads) == 0 {
		err = errs.E(errs.NotFound, "govstack.error.no_usage")
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]personalDataUsage, 0, len(reads))
	for _, rd := range reads {
		u := personalDataUsage{ID: strconv.FormatInt(rd.ID, 10), ReaderID: rd.UserID, ReaderInstitutionName: rd.ClientMember,
			ReaderApplicationName: rd.ClientSystem, SearchDateTime: rd.At.Format(time.RFC3339),
			References: []reference{{ReferenceID: rd.XRoadID}}}
		if c, err := gateway.ParseClientID(rd.Client); err == nil {
			u.ReaderInstitutionID = c.MemberID().String()
		}
		out = append(out, u)
	}
	answer(w, http.StatusOK, out)
}

// personalDataUsage is the specification's PersonalDataUsage, its
// misspelt "refrences" included.
type personalDataUsage struct {
	ID                    string      `json:"id"`
	ReaderID              string      `json:"readerId,omitempty"`
	ReaderInstitutionID   string      `json:"readerInstitutionId,omitempty"`
	ReaderInstitutionName string      `json:"readerInstitutionName,omitempty"`
	ReaderApplicationName string      `json:"readerApplicationName,omitempty"`
	SearchDateTime        string      `json:"searchDateTime"`
	References            []reference `json:"refrences"`
}

type reference struct {
	ReferenceID string `json:"ReferenceID"`
}
