package centers

import _ "embed"

// OpenAPIPaths are the module's API paths as an OpenAPI 3.1 "paths"
// object, for the platform's API description. They refer to the shared
// lang parameter and to the schema Centre in OpenAPISchemas.
//
//go:embed openapi.json
var OpenAPIPaths []byte

// OpenAPISchemas holds the schema Centre, to go under components.schemas.
var OpenAPISchemas = []byte(`{"Centre": {"type": "object", "required": ["slug", "name", "address", "hours", "services"],
 "properties": {"slug": {"type": "string"}, "name": {"type": "string"},
  "names": {"type": "object", "properties": {"az": {"type": "string"}, "en": {"type": "string"}, "ru": {"type": "string"}}},
  "address": {"type": "string"},
  "hours": {"type": "object", "additionalProperties": {"type": "object", "properties": {"open": {"type": "string"},
   "close": {"type": "string"}, "lunch_from": {"type": "string"}, "lunch_to": {"type": "string"}}}},
  "services": {"type": "array", "items": {"type": "object", "properties": {"slug": {"type": "string"}, "name": {"type": "string"}, "letter": {"type": "string"}}}},
  "desks": {"type": "array", "items": {"type": "object", "properties": {"number": {"type": "integer"}, "services": {"type": "array", "items": {"type": "string"}}}}},
  "links": {"type": "object", "additionalProperties": {"type": "string"}}}}}`)
