package gateway

import "testing"

func TestWantsXML(t *testing.T) {
	for _, tc := range []struct {
		name   string
		accept []string
		want   bool
	}{
		{"None", nil, false},
		{"JSON", []string{"application/json"}, false},
		{"XML", []string{"application/xml"}, true},
		{"TextXML", []string{"text/xml"}, true},
		{"Wildcard", []string{"*/*"}, false},
		{"XMLPreferred", []string{"application/json;q=0.5, application/xml"}, true},
		{"JSONPreferred", []string{"application/xml;q=0.4, application/json;q=0.9"}, false},
		{"TieGoesToJSON", []string{"application/xml, application/json"}, false},
		{"XMLOverWildcard", []string{"application/xml, */*;q=0.1"}, true},
		{"RefusedXML", []string{"application/xml;q=0"}, false},
		{"BadQuality", []string{"application/xml;q=abc"}, false},
		{"CaseInsensitive", []string{"Application/XML; Q=1"}, true},
		{"SeveralHeaders", []string{"application/json;q=0.2", "text/xml"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := wantsXML(tc.accept); got != tc.want {
				t.Errorf("wantsXML(%q) = %v, want %v", tc.accept, got, tc.want)
			}
		})
	}
}

func FuzzWantsXML(f *testing.F) {
	for _, s := range []string{"", "application/xml", "application/json;q=0.5, text/xml", "*/*;q=", ";;,,q=1", "application/xml;q=1e400"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, accept string) {
		wantsXML([]string{accept}) // must not panic
		// Asking for JSON as well, first and at full quality, never gets XML.
		if wantsXML([]string{"application/json", accept}) {
			t.Errorf("%q with application/json first chose XML", accept)
		}
	})
}
