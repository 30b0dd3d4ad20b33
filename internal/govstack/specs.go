package govstack

import (
	"bytes"
	"embed"
	"fmt"

	"github.com/getkin/kin-openapi/openapi3"
)

// The GovStack specifications, copied unchanged from
// ../shared/specs/govstack (Apache-2.0, see specs/LICENSE-Apache-2.0).
//
//go:embed specs
var specsFS embed.FS

// Spec files of the blocks served, by path under specs/.
const (
	SpecRegistriesData     = "digital-registries-data-api-1.3.0.yaml"
	SpecRegistriesDatabase = "digital-registries-database-api-1.3.0.yaml"
	SpecMessaging          = "messaging-api.yaml"
	SpecRegistration       = "registration-api.json"
)

// patch is a fix applied to a specification that does not load as
// published; docs/GOVSTACK.md lists them.
type patch struct {
	file, old, new, why string
}

var patches = []patch{
	{SpecRegistriesDatabase, "'#/components/schemas/DatabaseInfo'", "'#/components/schemas/databaseInfo'",
		"the schema is defined as databaseInfo; the reference's capital D names nothing"},
	{SpecRegistriesDatabase, "'#/components/schemas/DatabasesSchema'", "'#/components/schemas/databasesSchema'",
		"the schema is defined as databasesSchema; the reference's capital D names nothing"},
}

// SpecSource is a specification's text as published.
func SpecSource(file string) ([]byte, error) {
	return specsFS.ReadFile("specs/" + file)
}

// LoadSpec loads a specification with the patches it needs and checks it.
func LoadSpec(file string) (*openapi3.T, error) {
	src, err := SpecSource(file)
	if err != nil {
		return nil, err
	}
	for _, p := range patches {
		if p.file != file {
			continue
		}
		if !bytes.Contains(src, []byte(p.old)) {
			return nil, fmt.Errorf("govstack: %s no longer contains %s: drop the patch", file, p.old)
		}
		src = bytes.ReplaceAll(src, []byte(p.old), []byte(p.new))
	}
	doc, err := openapi3.NewLoader().LoadFromData(src)
	if err != nil {
		return nil, fmt.Errorf("govstack: load %s: %w", file, err)
	}
	if file == SpecMessaging {
		swagger2Bodies(doc)
	}
	return doc, nil
}

// swagger2Bodies repairs the messaging specification, an OpenAPI 3 file
// written with Swagger 2's constructs: each operation's "in: query, name:
// body" parameter (Swagger 2's "in: body") becomes its JSON request body,
// and the securityDefinitions' apiKey header becomes a security scheme.
func swagger2Bodies(doc *openapi3.T) {
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			var keep openapi3.Parameters
			for _, p := range op.Parameters {
				if p.Value != nil && p.Value.In == openapi3.ParameterInQuery && p.Value.Name == "body" {
					op.RequestBody = &openapi3.RequestBodyRef{Value: openapi3.NewRequestBody().WithRequired(true).
						WithJSONSchemaRef(p.Value.Schema)}
					continue
				}
				keep = append(keep, p)
			}
			op.Parameters = keep
		}
	}
	if doc.Components == nil {
		doc.Components = &openapi3.Components{}
	}
	if doc.Components.SecuritySchemes == nil {
		doc.Components.SecuritySchemes = openapi3.SecuritySchemes{}
	}
	doc.Components.SecuritySchemes["apiKey"] = &openapi3.SecuritySchemeRef{Value: openapi3.NewSecurityScheme().
		WithType("apiKey").WithIn("header").WithName("apiKey")}
}

// specJSON is a specification as JSON, the form the gateway registers
// services from, with only the operations served ("METHOD /path"; nil
// keeps all).
func specJSON(file string, served []string) ([]byte, error) {
	doc, err := LoadSpec(file)
	if err != nil {
		return nil, err
	}
	if served != nil {
		keep := map[string]bool{}
		for _, op := range served {
			keep[op] = true
		}
		for path, item := range doc.Paths.Map() {
			for method := range item.Operations() {
				if !keep[method+" "+path] {
					item.SetOperation(method, nil)
				}
			}
			if len(item.Operations()) == 0 {
				doc.Paths.Delete(path)
			}
		}
	}
	return doc.MarshalJSON()
}
