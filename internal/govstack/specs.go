package govstack

import (
	"bytes"
	"embed"
	"fmt"
	"strings"

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
	// SpecRegistrationStatistics is Registration's GET /data/statistics.
	SpecRegistrationStatistics = "registration-statistics-api.json"
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
	{SpecRegistration, "\"multipart/form-data\": {\n\t\t\t\t\t\t\t\"schema\": {\n\t\t\t\t\t\t\t\t\"properties\"",
		"\"multipart/form-data\": {\n\t\t\t\t\t\t\t\"schema\": {\n\t\t\t\t\t\t\t\t\"type\": \"object\", \"properties\"",
		"uploadFile's multipart body names its parts (properties) without type object, so it cannot be read as parts"},
	// Payments, person to government (p2g_specs.go); the files' CRLF
	// line ends are read as LF first.
	{p2gBillerInquiryAnswer, "Here's the OpenAPI (Swagger) YAML description for the \"Bill Inquiry Response from Biller/Aggregator to PBB\" API:\n\n```yaml\n", "",
		"the file is a chat answer wrapping the YAML in a Markdown code fence: the text before the YAML goes"},
	{P2GBillInquiryAnswer, "      summary: Send bill inquiry response.\n      parameters:\n",
		"      summary: Send bill inquiry response.\n      parameters:\n        - name: billId\n          in: path\n          required: true\n" +
			"          schema:\n            type: string\n            maxLength: 20\n",
		"the path has {billId} but the operation does not declare it; declared as billInquiryRequest.yml does"},
	{P2GBillPaymentAnswer, "                billId:\n                  type: integer\n                  maxLength: 12\n",
		"                billId:\n                  type: string\n                  maxLength: 20\n",
		"billId is an integer with a maxLength (which applies to strings only) where every other file has the string bill id of up to 20 characters"},
	{P2GBillerRTP, "                billID:\n                  type: string\n                  maxLength: 10\n",
		"                billID:\n                  type: string\n                  maxLength: 20\n",
		"a bill id of at most 10 characters, where the inquiry and payment files allow 20 and egov's bill numbers have 11"},
	{P2GPayerRTP, "                    Bill ID:\n                      type: string\n                      maxLength: 10\n",
		"                    Bill ID:\n                      type: string\n                      maxLength: 20\n",
		"as billerRtpReq.yml's billID"},
}

// SpecSource is a specification's text as published.
func SpecSource(file string) ([]byte, error) {
	return specsFS.ReadFile("specs/" + file)
}

// LoadSpec loads a specification with the patches it needs and checks it.
func LoadSpec(file string) (*openapi3.T, error) {
	if file == SpecPaymentsP2G {
		return p2gReceiveSpec()
	}
	src, err := SpecSource(file)
	if err != nil {
		return nil, err
	}
	if strings.HasPrefix(file, p2gDir) {
		src = bytes.ReplaceAll(src, []byte("\r\n"), []byte("\n"))
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
