package gateway_test

import (
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/storetest"

	"github.com/egov/egov/internal/gateway"
)

// §4.6: the security server answers its errors in the content type the
// client's Accept asks for, application/json by default, and says which
// in Content-Type; the metaservices' output is likewise chosen by Accept
// (PR-MREST §2).
func TestAcceptChoosesXMLOrJSON(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		type xmlError struct {
			XMLName xml.Name `xml:"error"`
			Type    string   `xml:"type"`
			Message string   `xml:"message"`
			Detail  string   `xml:"detail"`
		}
		t.Run("ErrorAsXML", func(t *testing.T) {
			// Example 3 (Category 3), asked for as XML.
			resp, body := f.do(t, "GET", "/r1/AZ/GOV/1000000001/population/persons/5ZQX7KA", map[string]string{"Accept": "application/xml", "X-Road-Id": "x-1"}, "")
			var e xmlError
			if err := xml.Unmarshal([]byte(body), &e); err != nil {
				t.Fatalf("%v: %s", err, body)
			}
			if resp.StatusCode != 400 || e.Type != "Client.BadRequest" || e.Detail != "x-1" || e.Message == "" ||
				resp.Header.Get("X-Road-Error") != "Client.BadRequest" || resp.Header.Get("Content-Type") != "application/xml;charset=utf-8" ||
				!strings.HasPrefix(body, "<?xml") {
				t.Errorf("%d %v %s", resp.StatusCode, resp.Header, body)
			}
		})
		t.Run("ErrorAsJSONByDefault", func(t *testing.T) {
			for _, accept := range []string{"", "*/*", "application/json", "text/html"} {
				resp, body := f.do(t, "GET", "/r1/AZ/GOV/1000000001/population/nothing", f.asPortal(map[string]string{"Accept": accept}), "")
				var e struct{ Type, Message, Detail string }
				if err := json.Unmarshal([]byte(body), &e); err != nil || e.Type != gateway.ErrUnknownService ||
					resp.Header.Get("Content-Type") != "application/json;charset=utf-8" || resp.StatusCode != 500 {
					t.Errorf("Accept %q: %d %v %s", accept, resp.StatusCode, resp.Header, body)
				}
			}
		})
		t.Run("ListMethodsAsXML", func(t *testing.T) {
			resp, body := f.do(t, "GET", "/r1/AZ/GOV/1000000001/population/listMethods", f.asPortal(map[string]string{"Accept": "application/xml"}), "")
			var out struct {
				XMLName xml.Name `xml:"restServiceDetailsList"`
				Service []struct {
					ServiceCode   string `xml:"service_code"`
					ObjectType    string `xml:"object_type"`
					XRoadInstance string `xml:"xroad_instance"`
					Endpoints     []struct {
						Method string `xml:"method"`
						Path   string `xml:"path"`
					} `xml:"endpoint_list>endpoint"`
				} `xml:"service"`
			}
			if err := xml.Unmarshal([]byte(body), &out); err != nil {
				t.Fatalf("%v: %s", err, body)
			}
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/xml;charset=utf-8" || len(out.Service) != 1 ||
				out.Service[0].ServiceCode != "persons" || out.Service[0].ObjectType != "SERVICE" || len(out.Service[0].Endpoints) != 5 {
				t.Errorf("%d %v %s", resp.StatusCode, resp.Header, body)
			}
		})
		t.Run("AllowedMethodsAsJSON", func(t *testing.T) {
			resp, body := f.do(t, "GET", "/r1/AZ/GOV/1000000001/population/allowedMethods", f.asPortal(map[string]string{"Accept": "application/json"}), "")
			var out struct {
				Service []struct {
					ServiceCode  string           `json:"service_code"`
					EndpointList []map[string]any `json:"endpoint_list"`
				} `json:"service"`
			}
			if err := json.Unmarshal([]byte(body), &out); err != nil || resp.Header.Get("Content-Type") != "application/json;charset=utf-8" ||
				len(out.Service) != 1 || len(out.Service[0].EndpointList) != 5 {
				t.Errorf("%v %v %s", err, resp.Header, body)
			}
		})
		t.Run("ListClientsAsXML", func(t *testing.T) {
			// PR-META's clientList, as X-Road's security servers answer it.
			resp, body := f.do(t, "GET", "/r1/AZ/listClients", map[string]string{"Accept": "text/xml"}, "")
			var out struct {
				XMLName xml.Name `xml:"http://x-road.eu/xsd/xroad.xsd clientList"`
				Member  []struct {
					ID struct {
						ObjectType    string `xml:"http://x-road.eu/xsd/identifiers objectType,attr"`
						XRoadInstance string `xml:"http://x-road.eu/xsd/identifiers xRoadInstance"`
						MemberCode    string `xml:"http://x-road.eu/xsd/identifiers memberCode"`
						SubsystemCode string `xml:"http://x-road.eu/xsd/identifiers subsystemCode"`
					} `xml:"http://x-road.eu/xsd/xroad.xsd id"`
					Name string `xml:"http://x-road.eu/xsd/xroad.xsd name"`
				} `xml:"http://x-road.eu/xsd/xroad.xsd member"`
			}
			if err := xml.Unmarshal([]byte(body), &out); err != nil {
				t.Fatalf("%v: %s", err, body)
			}
			var found bool
			for _, m := range out.Member {
				if m.ID.ObjectType == "SUBSYSTEM" && m.ID.MemberCode == "1000000010" && m.ID.SubsystemCode == "portal" && m.ID.XRoadInstance == "AZ" {
					found = true
				}
			}
			if resp.StatusCode != 200 || len(out.Member) != 6 || !found {
				t.Errorf("%d %d members: %s", resp.StatusCode, len(out.Member), body)
			}
		})
	}, gateway.Migrations)
}
