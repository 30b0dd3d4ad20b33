package govstack

import (
	"github.com/egov/egov/internal/forms"
	"github.com/egov/egov/internal/lang"
)

// jsonSchemaOf is an egov form as the JSON Schema the Registration
// block's e-form carries: one property per field, in the language l,
// with its type, limits and choices; what JSON Schema cannot say (pages,
// conditions, cross-field checks) is in the egov form itself.
func jsonSchemaOf(f *forms.Schema, l lang.Lang) map[string]any {
	props := map[string]any{}
	required := []string{}
	for _, fd := range f.Fields {
		p := map[string]any{"title": fd.Label.In(l)}
		if h := fd.Hint.In(l); h != "" {
			p["description"] = h
		}
		switch fd.Type {
		case forms.Number, forms.Money:
			p["type"] = "number"
			if fd.Min != nil {
				p["minimum"] = *fd.Min
			}
			if fd.Max != nil {
				p["maximum"] = *fd.Max
			}
		case forms.YesNo:
			p["type"] = "boolean"
		case forms.MultipleChoice, forms.File:
			item := map[string]any{"type": "string"}
			if len(fd.Options) > 0 {
				item["enum"] = optionValues(fd.Options)
			}
			p["type"], p["items"] = "array", item
		default:
			p["type"] = "string"
			if len(fd.Options) > 0 {
				p["enum"] = optionValues(fd.Options)
			}
			if fd.MinLength > 0 {
				p["minLength"] = fd.MinLength
			}
			if fd.MaxLength > 0 {
				p["maxLength"] = fd.MaxLength
			}
			if fd.Pattern != "" {
				p["pattern"] = "^(?:" + fd.Pattern + ")$"
			}
			switch fd.Type {
			case forms.Date:
				p["format"] = "date"
			case forms.Email:
				p["format"] = "email"
			}
		}
		p["x-egov-type"] = string(fd.Type)
		props[fd.Name] = p
		if fd.Required && fd.ShowIf == nil {
			required = append(required, fd.Name)
		}
	}
	return map[string]any{"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
		"properties": props, "required": required}
}

func optionValues(opts []forms.Option) []string {
	out := make([]string, len(opts))
	for i, o := range opts {
		out[i] = o.Value
	}
	return out
}
