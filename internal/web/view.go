package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/lang"
)

// Crumb is one step of the breadcrumbs.
type Crumb struct {
	Label string
	URL   string
}

// View is what every page template receives: the request's language and
// chrome (title, breadcrumbs, CSRF token, who is signed in), the page's own
// Data, and on a failed form post the error and what the person typed.
type View struct {
	Lang      lang.Lang
	Title     string
	Crumbs    []Crumb
	Nav       string // the navigation item to mark as current
	CSRF      string
	Path      string
	Query     url.Values
	Principal *Principal
	Demo      bool
	Data      any
	Err       *errs.Error
	Form      url.Values

	msgs *Messages
}

// T translates a message id into the page's language (see Messages.T).
func (v *View) T(id string, args ...any) string { return v.msgs.T(v.Lang, id, args...) }

// Text picks the page's language out of a three-language text.
func (v *View) Text(t lang.Text) string { return t.In(v.Lang) }

// Langs lists the languages for the switcher.
func (v *View) Langs() []lang.Lang { return lang.All }

// LangURL is the current page in another language.
func (v *View) LangURL(l lang.Lang) string {
	q := url.Values{}
	for k, vals := range v.Query {
		q[k] = vals
	}
	q.Set("lang", string(l))
	return v.Path + "?" + q.Encode()
}

// FieldError is the translated error of a form field, or "".
func (v *View) FieldError(name string) string {
	if v.Err == nil || v.Err.Fields[name] == "" {
		return ""
	}
	return v.T(v.Err.Fields[name], v.localArgs(v.Err.FieldArgs[name])...)
}

// Value is what the person typed into a field before a failed post.
func (v *View) Value(name string) string { return v.Form.Get(name) }

// ErrorList is the error summary: every field error in the order given by
// fields, each linking to its field.
func (v *View) ErrorList(fields ...string) []Crumb {
	if v.Err == nil {
		return nil
	}
	var list []Crumb
	seen := map[string]bool{}
	for _, f := range fields {
		if msg := v.FieldError(f); msg != "" {
			list = append(list, Crumb{Label: msg, URL: "#" + f})
			seen[f] = true
		}
	}
	for f := range v.Err.Fields {
		if !seen[f] {
			list = append(list, Crumb{Label: v.FieldError(f), URL: "#" + f})
		}
	}
	if len(list) == 0 {
		list = append(list, Crumb{Label: v.T(v.Err.Message, mapArgs(v.Err.Args)...)})
	}
	return list
}

// ErrorListIn is ErrorList with the fields' order given as a slice, for
// pages whose fields come from data (a service's form).
func (v *View) ErrorListIn(fields []string) []Crumb { return v.ErrorList(fields...) }

func mapArgs(m map[string]any) []any {
	var args []any
	for k, val := range m {
		args = append(args, k, val)
	}
	return args
}

// localArgs is mapArgs with three-language texts put in the page's language.
func (v *View) localArgs(m map[string]any) []any { return argsIn(v.Lang, m) }

// argsIn is mapArgs with three-language texts put in language l.
func argsIn(l lang.Lang, m map[string]any) []any {
	var args []any
	for k, val := range m {
		if t, ok := val.(lang.Text); ok {
			val = t.In(l)
		}
		args = append(args, k, val)
	}
	return args
}

// Money formats an amount in qəpik as manat, e.g. "5,00 AZN" or "Pulsuz" (the manat sign is missing from common fonts).
func (v *View) Money(qepik int64) string {
	if qepik == 0 {
		return v.T("money.free")
	}
	sign := ""
	if qepik < 0 {
		sign, qepik = "-", -qepik
	}
	sep := ","
	if v.Lang == lang.EN {
		sep = "."
	}
	return fmt.Sprintf("%s%d%s%02d AZN", sign, qepik/100, sep, qepik%100)
}

// Baku is the time zone times are shown in.
var Baku = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Baku")
	if err != nil {
		return time.FixedZone("AZT", 4*3600)
	}
	return loc
}()

// Date formats t as a date in Baku, e.g. 14.03.2026.
func (v *View) Date(t time.Time) string { return t.In(Baku).Format("02.01.2006") }

// DateTime formats t as date and time in Baku.
func (v *View) DateTime(t time.Time) string { return t.In(Baku).Format("02.01.2006 15:04") }

// Join joins strings with a comma.
func (v *View) Join(items []string) string { return strings.Join(items, ", ") }

// Typed is what the person posted, to show again after an error so that
// nothing they typed is lost — less the CSRF token and the named secret
// fields (passwords, codes), which are never sent back.
func Typed(r *http.Request, secret ...string) url.Values {
	out := url.Values{}
	for k, vals := range r.PostForm {
		if k != "csrf_token" && !slices.Contains(secret, k) {
			out[k] = vals
		}
	}
	return out
}
