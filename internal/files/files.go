// Package files keeps the attachments of applications and letters. A blob
// is stored once under the SHA-256 of its content — on disk or in the
// database — and every upload of it gets its own row naming who uploaded
// it and under what name, so access checks stay per upload while storage
// is shared.
//
// Nothing a person sends is trusted: the type is read from the content, not
// the name or the browser's Content-Type; the size is capped while reading;
// and every file passes a virus scanner before it is kept.
package files

import (
	"bytes"
	"embed"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/egov/egov/internal/store"
)

//go:embed migrations
var migrationsFS embed.FS

// Migrations create the files and file_uploads tables.
var Migrations = store.Migrations{Module: "files", FS: store.MustSub(migrationsFS, "migrations")}

// Locales hold the messages of the errors Put returns.
//
//go:embed locales/*.json
var Locales embed.FS

// File describes one stored upload.
type File struct {
	ID      string    // hex SHA-256 of the content
	Name    string    // as uploaded, cleaned by CleanName
	Type    string    // MIME type read from the content
	Size    int64     // bytes
	Created time.Time // UTC
}

// Limits are what an upload may be: at most MaxSize bytes, of one of Types.
type Limits struct {
	MaxSize int64
	Types   []string
}

// DefaultLimits suit scanned documents and photos of them.
var DefaultLimits = Limits{
	MaxSize: 10 << 20,
	Types:   []string{"application/pdf", "image/jpeg", "image/png"},
}

// maxNameRunes bounds a stored name: enough for any real file name, small
// enough for a table cell and a Content-Disposition header.
const maxNameRunes = 200

// CleanName makes an uploaded name safe to store and show: the base name
// only (browsers on Windows send C:\fakepath\x.pdf), valid UTF-8, no
// control, line-breaking or invisible format characters (a right-to-left
// override can make "cod.exe" look like "exe.doc"), at most 200 runes with
// the extension kept, and "file" when nothing is left. It never returns a
// name with a path separator, so the name cannot be mistaken for a path.
func CleanName(name string) string {
	name = strings.ToValidUTF8(name, "")
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp) || r == utf8.RuneError {
			return -1
		}
		return r
	}, name)
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.TrimSpace(name)
	if utf8.RuneCountInString(name) > maxNameRunes {
		stem, ext := name, ""
		if i := strings.LastIndexByte(name, '.'); i > 0 && utf8.RuneCountInString(name[i:]) <= 16 {
			stem, ext = name[:i], name[i:]
		}
		stem = string([]rune(stem)[:maxNameRunes-utf8.RuneCountInString(ext)])
		name = strings.TrimSpace(strings.TrimRightFunc(stem, unicode.IsSpace) + ext)
	}
	if name == "" || name == "." || name == ".." {
		return "file"
	}
	return name
}

// magic lists the leading bytes of the types we know well. The sniffer in
// net/http decides the type; this is a second, stricter opinion for the
// types that matter most, so a change in the sniffer cannot widen them.
var magic = map[string][]byte{
	"application/pdf": []byte("%PDF-"),
	"image/jpeg":      {0xFF, 0xD8, 0xFF},
	"image/png":       []byte("\x89PNG\r\n\x1a\n"),
	"image/gif":       []byte("GIF8"),
	"application/zip": []byte("PK\x03\x04"),
}

// detectType is the MIME type of content by its bytes alone, without
// parameters; "application/octet-stream" when the magic bytes disagree.
func detectType(content []byte) string {
	t := http.DetectContentType(content)
	if i := strings.IndexByte(t, ';'); i >= 0 {
		t = t[:i]
	}
	t = strings.TrimSpace(t)
	if m, ok := magic[t]; ok && !bytes.HasPrefix(content, m) {
		return "application/octet-stream"
	}
	return t
}

// typeLabel is how a person knows a MIME type: PDF, JPEG, PNG.
func typeLabel(mime string) string {
	switch mime {
	case "application/pdf":
		return "PDF"
	case "image/jpeg":
		return "JPEG"
	case "image/png":
		return "PNG"
	}
	_, sub, _ := strings.Cut(mime, "/")
	if sub == "" {
		sub = mime
	}
	return strings.ToUpper(sub)
}

func typeLabels(types []string) string {
	labels := make([]string, len(types))
	for i, t := range types {
		labels[i] = typeLabel(t)
	}
	return strings.Join(labels, ", ")
}

// sizeLabel writes a byte count as people read it: "10 MB", "1.5 MB",
// "500 KB". Sizes are binary, as file managers show them.
func sizeLabel(n int64) string {
	const kb, mb = 1 << 10, 1 << 20
	switch {
	case n >= mb && n%mb == 0:
		return fmt.Sprintf("%d MB", n/mb)
	case n >= mb:
		return strings.TrimSuffix(fmt.Sprintf("%.1f", float64(n)/mb), ".0") + " MB"
	case n >= kb:
		return fmt.Sprintf("%d KB", n/kb)
	}
	return fmt.Sprintf("%d B", n)
}
