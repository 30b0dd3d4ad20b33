package evisa

import (
	_ "embed"
	"encoding/json"
	"strings"
	"unicode"
)

// Watch-list names are written as the listing body had them: in
// Azerbaijani Latin (Məmmədov), an English passport's spelling (Mammadov)
// or Russian Cyrillic (Мамедов). Names are compared as sound skeletons:
// every script turned into plain Latin, spellings of the same sound made
// one (kh/x/h, gh/g, zh/j, doubled letters), then a small edit distance
// absorbs the vowels transliterations disagree on (ə as a or e).

// WatchEntry is one listed person.
type WatchEntry struct {
	Name      string `json:"name"`       // surname and given names, any script
	BirthYear int    `json:"birth_year"` // 0: unknown
	Reason    string `json:"reason"`     // the listing body's reference
}

//go:embed data/watchlist.json
var watchlistJSON []byte

// DefaultWatchList is the embedded list.
func DefaultWatchList() []WatchEntry {
	var list []WatchEntry
	if err := json.Unmarshal(watchlistJSON, &list); err != nil {
		panic("evisa: data/watchlist.json: " + err.Error())
	}
	return list
}

// WatchList finds people on the list by name.
type WatchList struct{ entries []watchEntry }

type watchEntry struct {
	WatchEntry
	words []string
}

// NewWatchList prepares entries for matching.
func NewWatchList(entries []WatchEntry) *WatchList {
	w := &WatchList{}
	for _, e := range entries {
		w.entries = append(w.entries, watchEntry{e, skeletonWords(e.Name)})
	}
	return w
}

// Match lists the entries whose every name word sounds like one of the
// person's (in any order, since lists and passports order names
// differently), and whose birth year, when listed, is the person's.
func (w *WatchList) Match(name string, birthYear int) []WatchEntry {
	words := skeletonWords(name)
	var out []WatchEntry
	for _, e := range w.entries {
		if e.BirthYear != 0 && birthYear != 0 && e.BirthYear != birthYear {
			continue
		}
		if len(e.words) > 0 && allSoundLike(e.words, words) {
			out = append(out, e.WatchEntry)
		}
	}
	return out
}

func allSoundLike(listed, person []string) bool {
	for _, l := range listed {
		found := false
		for _, p := range person {
			if SoundsLike(l, p) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// SoundsLike reports whether two single names are the same name in
// (perhaps) different scripts and spellings.
func SoundsLike(a, b string) bool {
	x, y := Skeleton(a), Skeleton(b)
	if x == "" || y == "" {
		return false
	}
	longer := max(len(x), len(y))
	return distance(x, y) <= (longer-1)/5
}

func skeletonWords(name string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(name, func(r rune) bool { return !unicode.IsLetter(r) }) {
		if s := Skeleton(f); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// cyrillic is Russian and Azerbaijani Cyrillic in plain Latin.
var cyrillic = map[rune]string{
	'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'е': "e", 'ё': "e", 'ж': "zh", 'з': "z", 'и': "i",
	'й': "y", 'к': "k", 'л': "l", 'м': "m", 'н': "n", 'о': "o", 'п': "p", 'р': "r", 'с': "s", 'т': "t",
	'у': "u", 'ф': "f", 'х': "kh", 'ц': "ts", 'ч': "ch", 'ш': "sh", 'щ': "shch", 'ъ': "", 'ы': "y", 'ь': "",
	'э': "e", 'ю': "yu", 'я': "ya", 'ә': "a", 'ғ': "gh", 'ҹ': "j", 'һ': "h", 'ө': "o", 'ү': "u", 'ҝ': "g", 'ј': "y",
}

// azLatin is Azerbaijani (and Turkish) Latin letters in plain Latin; x
// and q are sounds English writes kh and g, c one it writes j.
var azLatin = map[rune]string{
	'ə': "a", 'ı': "i", 'i': "i", 'ö': "o", 'ü': "u", 'ş': "sh", 'ç': "ch", 'ğ': "gh", 'x': "kh", 'q': "g", 'c': "j",
	'é': "e", 'è': "e", 'ä': "a", 'å': "a", 'ñ': "n", 'á': "a", 'í': "i", 'ó': "o", 'ú': "u",
}

// foldLatin writes Azerbaijani and other accented Latin letters, and
// Cyrillic, in plain Latin, keeping case as far as it can: the spelling a
// passport's zone would have (Məmmədov → Mammadov).
func foldLatin(s string) string {
	var b strings.Builder
	for _, r := range s {
		lower := unicode.ToLower(r)
		if r == 'İ' {
			lower = 'i'
		}
		t, ok := cyrillic[lower]
		if !ok {
			switch lower {
			case 'ə', 'ı', 'ö', 'ü', 'ş', 'ç', 'ğ', 'é', 'è', 'ä', 'å', 'ñ', 'á', 'í', 'ó', 'ú':
				t, ok = azLatin[lower], true
			}
		}
		if !ok {
			b.WriteRune(r)
			continue
		}
		if r != lower || r == 'İ' {
			t = strings.ToUpper(t)
		}
		b.WriteString(t)
	}
	return b.String()
}

// sameSounds are spellings of one sound, longest first.
var sameSounds = strings.NewReplacer("shch", "sh", "kh", "h", "gh", "g", "zh", "j", "dj", "j", "dzh", "j", "ts", "s",
	"yu", "u", "ya", "a", "yo", "o", "ey", "ei", "w", "v", "x", "h", "q", "g", "c", "j", "y", "i")

// Skeleton is one name's sound in plain lower-case Latin letters.
func Skeleton(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if r == 'i' || r == 'İ' {
			b.WriteRune('i')
			continue
		}
		if t, ok := cyrillic[r]; ok {
			b.WriteString(t)
		} else if t, ok := azLatin[r]; ok && r > unicode.MaxASCII {
			b.WriteString(t)
		} else if r >= 'a' && r <= 'z' {
			b.WriteRune(r)
		}
	}
	s := sameSounds.Replace(b.String())
	// Doubled letters are one sound (Məmmədov, Мамедов).
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if i > 0 && s[i] == s[i-1] {
			continue
		}
		out = append(out, s[i])
	}
	return string(out)
}

// distance is the Levenshtein distance of two ASCII strings.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
