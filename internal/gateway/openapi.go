package gateway

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
)

// Endpoint is a method and path of a service, relative to the service,
// as X-Road writes them: "*" stands for one path segment, "**" for any
// rest of the path, and method "*" for any method.
type Endpoint struct {
	Method string `json:"method" xml:"method"`
	Path   string `json:"path" xml:"path"`
}

// AllEndpoints is the whole service, for a grant.
var AllEndpoints = Endpoint{Method: "*", Path: "**"}

// Matches reports whether a request's method and path fall under e.
func (e Endpoint) Matches(method, path string) bool {
	if e.Method != "*" && !strings.EqualFold(e.Method, method) {
		return false
	}
	return pathMatches(splitPath(e.Path), splitPath(path))
}

func splitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

func pathMatches(pattern, path []string) bool {
	for i, seg := range pattern {
		if seg == "**" {
			return true
		}
		if i >= len(path) || (seg != "*" && seg != path[i]) {
			return false
		}
	}
	return len(pattern) == len(path)
}

func (e Endpoint) validate() error {
	if e.Method == "" || e.Path == "" || !strings.HasPrefix(e.Path, "/") && e.Path != "**" {
		return fmt.Errorf("gateway: endpoint needs a method and a path starting with /: %+v", e)
	}
	return nil
}

// apiSpec is what the gateway takes from an OpenAPI description: the
// title and version, the endpoints, and which parameters carry a person's
// FIN (those whose schema is a reference to a schema named FIN, or which
// are named fin), for the data tracker.
type apiSpec struct {
	Title     string
	Version   string
	Endpoints []Endpoint
	templates []pathTemplate
}

type pathTemplate struct {
	method    string
	segments  []string // "{name}" for a parameter
	pathFINs  map[string]bool
	queryFINs []string
}

type openAPIDoc struct {
	OpenAPI string `json:"openapi"`
	Info    struct {
		Title   string `json:"title"`
		Version string `json:"version"`
	} `json:"info"`
	Paths map[string]map[string]json.RawMessage `json:"paths"`
}

type openAPIParam struct {
	Name   string `json:"name"`
	In     string `json:"in"`
	Schema struct {
		Ref string `json:"$ref"`
	} `json:"schema"`
}

var httpMethods = map[string]bool{"get": true, "put": true, "post": true, "delete": true, "patch": true, "head": true, "options": true, "trace": true}

// parseOpenAPI reads an OpenAPI 3 description (JSON) whose paths are the
// provider's; basePath, the service's root at the provider, is cut from
// each so endpoints are relative to the service.
func parseOpenAPI(doc []byte, basePath string) (*apiSpec, error) {
	var d openAPIDoc
	if err := json.Unmarshal(doc, &d); err != nil {
		return nil, fmt.Errorf("gateway: OpenAPI description: %w", err)
	}
	if !strings.HasPrefix(d.OpenAPI, "3.") {
		return nil, fmt.Errorf("gateway: not an OpenAPI 3 description (openapi %q)", d.OpenAPI)
	}
	spec := &apiSpec{Title: d.Info.Title, Version: d.Info.Version}
	base := strings.TrimRight(basePath, "/")
	for p, item := range d.Paths {
		rel := p
		if base != "" {
			if p != base && !strings.HasPrefix(p, base+"/") {
				continue // not part of this service
			}
			rel = strings.TrimPrefix(p, base)
		}
		if rel == "" {
			rel = "/"
		}
		var shared []openAPIParam
		if raw, ok := item["parameters"]; ok {
			json.Unmarshal(raw, &shared)
		}
		for m, raw := range item {
			if !httpMethods[m] {
				continue
			}
			var op struct {
				Parameters []openAPIParam `json:"parameters"`
			}
			if err := json.Unmarshal(raw, &op); err != nil {
				return nil, fmt.Errorf("gateway: OpenAPI %s %s: %w", m, p, err)
			}
			segs := splitPath(rel)
			xr := make([]string, len(segs))
			for i, s := range segs {
				if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
					xr[i] = "*"
				} else {
					xr[i] = s
				}
			}
			method := strings.ToUpper(m)
			spec.Endpoints = append(spec.Endpoints, Endpoint{Method: method, Path: "/" + strings.Join(xr, "/")})
			t := pathTemplate{method: method, segments: segs, pathFINs: map[string]bool{}}
			for _, prm := range append(append([]openAPIParam(nil), shared...), op.Parameters...) {
				isFIN := strings.EqualFold(prm.Name, "fin") || strings.HasSuffix(prm.Schema.Ref, "/FIN")
				if !isFIN {
					continue
				}
				switch prm.In {
				case "path":
					t.pathFINs[prm.Name] = true
				case "query":
					t.queryFINs = append(t.queryFINs, prm.Name)
				}
			}
			spec.templates = append(spec.templates, t)
		}
	}
	if len(spec.Endpoints) == 0 {
		return nil, fmt.Errorf("gateway: the OpenAPI description has no endpoints under %q", basePath)
	}
	sort.Slice(spec.Endpoints, func(i, j int) bool {
		a, b := spec.Endpoints[i], spec.Endpoints[j]
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.Method < b.Method
	})
	return spec, nil
}

// persons returns the FINs a request about relPath (relative to the
// service) with query names, by the description's FIN parameters.
func (s *apiSpec) persons(method, relPath string, query map[string][]string) []string {
	segs := splitPath(relPath)
	var out []string
	for _, t := range s.templates {
		if t.method != method && !(method == http.MethodHead && t.method == http.MethodGet) {
			continue
		}
		if len(t.segments) != len(segs) {
			continue
		}
		var found []string
		ok := true
		for i, ts := range t.segments {
			if strings.HasPrefix(ts, "{") && strings.HasSuffix(ts, "}") {
				if t.pathFINs[ts[1:len(ts)-1]] {
					found = append(found, segs[i])
				}
			} else if ts != segs[i] {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		for _, q := range t.queryFINs {
			found = append(found, query[q]...)
		}
		out = append(out, found...)
		break
	}
	return out
}
