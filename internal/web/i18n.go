package web

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"

	"github.com/egov/egov/internal/lang"
)

// Messages holds every translated message of the site. Each module adds
// its own files (locales/az.json, en.json, ru.json) at start-up.
type Messages struct {
	bundle     *i18n.Bundle
	localizers map[lang.Lang]*i18n.Localizer
	ids        map[lang.Lang]map[string]bool
}

// NewMessages returns a catalogue holding the web layer's own messages.
func NewMessages() *Messages {
	b := i18n.NewBundle(language.Azerbaijani)
	b.RegisterUnmarshalFunc("json", json.Unmarshal)
	m := &Messages{bundle: b, localizers: map[lang.Lang]*i18n.Localizer{}, ids: map[lang.Lang]map[string]bool{}}
	for _, l := range lang.All {
		m.localizers[l] = i18n.NewLocalizer(b, string(l))
		m.ids[l] = map[string]bool{}
	}
	m.MustLoad(localeFS, "locales")
	return m
}

// Load adds the message files az.json, en.json and ru.json found in dir.
func (m *Messages) Load(fsys fs.FS, dir string) error {
	for _, l := range lang.All {
		name := path.Join(dir, string(l)+".json")
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return fmt.Errorf("messages: %w", err)
		}
		f, err := m.bundle.ParseMessageFileBytes(data, name)
		if err != nil {
			return fmt.Errorf("messages: %s: %w", name, err)
		}
		for _, msg := range f.Messages {
			m.ids[l][msg.ID] = true
		}
	}
	return nil
}

// MustLoad is Load for a module's embedded message files, whose absence or
// malformation is a programming error caught at start-up.
func (m *Messages) MustLoad(fsys fs.FS, dir string) {
	if err := m.Load(fsys, dir); err != nil {
		panic(err)
	}
}

// T translates the message id into l. args are pairs of placeholder name
// and value; a "Count" argument selects the plural form. A missing
// message shows its id, which the completeness test catches first.
func (m *Messages) T(l lang.Lang, id string, args ...any) string {
	loc, ok := m.localizers[l]
	if !ok {
		loc = m.localizers[lang.Default]
	}
	cfg := &i18n.LocalizeConfig{MessageID: id}
	if len(args) > 0 {
		data := make(map[string]any, len(args)/2)
		for i := 0; i+1 < len(args); i += 2 {
			key := fmt.Sprint(args[i])
			data[key] = args[i+1]
			if key == "Count" {
				cfg.PluralCount = args[i+1]
			}
		}
		cfg.TemplateData = data
	}
	s, err := loc.Localize(cfg)
	if err != nil {
		return id
	}
	return s
}

// Missing lists, per language, the message ids that another language has
// and this one lacks. The site is complete when it returns nothing.
func (m *Messages) Missing() map[lang.Lang][]string {
	all := map[string]bool{}
	for _, ids := range m.ids {
		for id := range ids {
			all[id] = true
		}
	}
	missing := map[lang.Lang][]string{}
	for _, l := range lang.All {
		for id := range all {
			if !m.ids[l][id] {
				missing[l] = append(missing[l], id)
			}
		}
		sort.Strings(missing[l])
		if len(missing[l]) == 0 {
			delete(missing, l)
		}
	}
	return missing
}
