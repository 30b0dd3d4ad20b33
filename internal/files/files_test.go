package files_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/files"
	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/storetest"
	"github.com/egov/egov/internal/web"
)

var (
	pdf  = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
	png  = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00")
	jpeg = []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9")
	html = []byte("<!DOCTYPE html><html><body><script>alert(1)</script></body></html>")
)

// eicar is the standard test string, assembled so this file does not trip
// a virus scanner on the machine it is kept on.
var eicar = []byte(`X5O!P%@AP[4\PZX54(P^)7CC)7}$` + strings.ToUpper("eicar-standard-antivirus-test-file") + `!$H+H*`)

// run calls fn for every engine, with blobs on disk and in the database.
func run(t *testing.T, fn func(t *testing.T, db *store.DB, s *files.Store, dir string)) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		t.Run("disk", func(t *testing.T) {
			dir := t.TempDir()
			fn(t, db, files.NewStore(db.DB, dir, files.SignatureScanner{}), dir)
		})
		t.Run("db", func(t *testing.T) {
			// The same database as the disk variant: tests that count rows
			// tag their content with dir to keep the variants apart.
			fn(t, db, files.NewStore(db.DB, "", files.SignatureScanner{}), "")
		})
	}, files.Migrations)
}

// wantErr asserts err is an *errs.Error of kind with message key.
func wantErr(t *testing.T, err error, kind errs.Kind, key string) *errs.Error {
	t.Helper()
	var e *errs.Error
	if !errors.As(err, &e) || e.Kind != kind || e.Message != key {
		t.Fatalf("error = %v, want %s %s", err, kind, key)
	}
	return e
}

func count(t *testing.T, db *store.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// unique makes content distinct per test so the disk and db variants,
// sharing a database, do not dedup against each other.
func unique(b []byte, tag string) []byte { return append(bytes.Clone(b), "\n%"+tag+"\n"...) }

func TestTypeFromContent(t *testing.T) {
	run(t, func(t *testing.T, db *store.DB, s *files.Store, dir string) {
		ctx := context.Background()
		for _, tc := range []struct {
			name    string
			content []byte
			want    string
		}{
			{"scan.pdf", unique(pdf, dir), "application/pdf"},
			{"scan.png", unique(pdf, dir+"renamed"), "application/pdf"}, // a PDF named .png is a PDF
			{"photo.PNG", png, "image/png"},
			{"photo.jpg", jpeg, "image/jpeg"},
		} {
			f, err := s.Put(ctx, tc.name, bytes.NewReader(tc.content), files.DefaultLimits, "account:1")
			if err != nil {
				t.Fatalf("Put(%s): %v", tc.name, err)
			}
			if f.Type != tc.want || f.Name != tc.name || f.Size != int64(len(tc.content)) || len(f.ID) != 64 {
				t.Errorf("Put(%s) = %+v, want type %s", tc.name, f, tc.want)
			}
		}
		for _, tc := range []struct {
			name    string
			content []byte
		}{
			{"form.pdf", html}, // HTML dressed as a PDF
			{"notes.pdf", []byte("just some text")},
			{"archive.pdf", []byte("PK\x03\x04\x14\x00\x00\x00\x08\x00")},
			{"bad.pdf", []byte("%PDX-1.4 nearly a PDF")},
		} {
			_, err := s.Put(ctx, tc.name, bytes.NewReader(tc.content), files.DefaultLimits, "account:1")
			e := wantErr(t, err, errs.Invalid, "files.error.type")
			if e.Args["Types"] != "PDF, JPEG, PNG" {
				t.Errorf("Types = %v", e.Args["Types"])
			}
		}
	})
}

// endless is a reader that never ends, counting what was read from it.
type endless struct{ n int64 }

func (r *endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	r.n += int64(len(p))
	return len(p), nil
}

func TestSizeLimits(t *testing.T) {
	run(t, func(t *testing.T, db *store.DB, s *files.Store, dir string) {
		ctx := context.Background()
		lim := files.Limits{MaxSize: 1024, Types: []string{"application/pdf"}}
		exact := append(unique(pdf, dir), bytes.Repeat([]byte(" "), 1024)...)[:1024]
		if _, err := s.Put(ctx, "a.pdf", bytes.NewReader(exact), lim, "account:1"); err != nil {
			t.Fatalf("Put of exactly MaxSize: %v", err)
		}
		_, err := s.Put(ctx, "b.pdf", bytes.NewReader(append(exact, ' ')), lim, "account:1")
		e := wantErr(t, err, errs.Invalid, "files.error.too_large")
		if e.Args["Max"] != "1 KB" {
			t.Errorf("Max = %v, want 1 KB", e.Args["Max"])
		}
		r := &endless{}
		_, err = s.Put(ctx, "c.pdf", io.MultiReader(bytes.NewReader(pdf), r), files.DefaultLimits, "account:1")
		e = wantErr(t, err, errs.Invalid, "files.error.too_large")
		if e.Args["Max"] != "10 MB" {
			t.Errorf("Max = %v, want 10 MB", e.Args["Max"])
		}
		if r.n > 11<<20 {
			t.Errorf("read %d bytes of an endless upload", r.n)
		}
		_, err = s.Put(ctx, "d.pdf", strings.NewReader(""), files.DefaultLimits, "account:1")
		wantErr(t, err, errs.Invalid, "files.error.empty")
	})
}

func TestInfectedRefused(t *testing.T) {
	run(t, func(t *testing.T, db *store.DB, s *files.Store, dir string) {
		ctx := context.Background()
		before := count(t, db, `SELECT count(*) FROM file_uploads`)
		for name, content := range map[string][]byte{
			"eicar.com": eicar,
			"eicar.pdf": append(append(bytes.Clone(pdf), eicar...), "\n%%EOF\n"...),
		} {
			_, err := s.Put(ctx, name, bytes.NewReader(content), files.DefaultLimits, "account:1")
			e := wantErr(t, err, errs.Invalid, "files.error.infected")
			if !errors.Is(err, files.ErrInfected) || !strings.Contains(e.Err.Error(), "Eicar-Test-Signature") {
				t.Errorf("%s: cause = %v, want ErrInfected naming the signature", name, e.Err)
			}
		}
		if after := count(t, db, `SELECT count(*) FROM file_uploads`); after != before {
			t.Errorf("an infected upload was recorded")
		}
		if dir != "" {
			if n := blobs(t, dir); n != 0 {
				t.Errorf("%d blobs on disk after infected uploads", n)
			}
		}
	})
}

// blobs counts the files under dir.
func blobs(t *testing.T, dir string) int {
	n := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestDedup(t *testing.T) {
	run(t, func(t *testing.T, db *store.DB, s *files.Store, dir string) {
		ctx := context.Background()
		content := unique(pdf, "dedup"+dir)
		a, err := s.Put(ctx, "passport.pdf", bytes.NewReader(content), files.DefaultLimits, "account:1")
		if err != nil {
			t.Fatal(err)
		}
		b, err := s.Put(ctx, `C:\fakepath\pasport copy.pdf`, bytes.NewReader(content), files.DefaultLimits, "account:2")
		if err != nil {
			t.Fatal(err)
		}
		if a.ID != b.ID || b.Name != "pasport copy.pdf" {
			t.Fatalf("second upload = %+v, first %+v", b, a)
		}
		if n := count(t, db, `SELECT count(*) FROM files WHERE id = $1`, a.ID); n != 1 {
			t.Errorf("%d blobs rows for one content", n)
		}
		if n := count(t, db, `SELECT count(*) FROM file_uploads WHERE file_id = $1`, a.ID); n != 2 {
			t.Errorf("%d upload rows, want 2", n)
		}
		if dir != "" {
			if n := blobs(t, dir); n != 1 {
				t.Errorf("%d blobs on disk, want 1", n)
			}
			if _, err := os.Stat(filepath.Join(dir, a.ID[:2], a.ID[2:4], a.ID)); err != nil {
				t.Errorf("blob not at dir/ab/cd/<sha256>: %v", err)
			}
		}
		if !s.Owned(ctx, a.ID, "account:1") || !s.Owned(ctx, a.ID, "account:2") || s.Owned(ctx, a.ID, "account:3") {
			t.Error("Owned does not follow the uploads")
		}
		got, err := s.Get(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "passport.pdf" || got.Type != "application/pdf" || got.Size != int64(len(content)) ||
			got.Created.Sub(a.Created).Abs() > time.Second {
			t.Errorf("Get = %+v, want %+v", got, a)
		}
		rc, f, err := s.Open(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		if body, _ := io.ReadAll(rc); !bytes.Equal(body, content) || f.ID != a.ID {
			t.Errorf("Open returned %q", body)
		}
	})
}

func TestNotFound(t *testing.T) {
	run(t, func(t *testing.T, db *store.DB, s *files.Store, dir string) {
		ctx := context.Background()
		for _, id := range []string{strings.Repeat("a", 64), "../../etc/passwd", strings.Repeat("A", 64), ""} {
			_, err := s.Get(ctx, id)
			wantErr(t, err, errs.NotFound, "files.error.not_found")
			_, _, err = s.Open(ctx, id)
			wantErr(t, err, errs.NotFound, "files.error.not_found")
			if s.Owned(ctx, id, "account:1") {
				t.Errorf("Owned(%q) = true", id)
			}
		}
	})
}

func TestTamperDetection(t *testing.T) {
	run(t, func(t *testing.T, db *store.DB, s *files.Store, dir string) {
		ctx := context.Background()
		content := unique(pdf, "tamper"+dir)
		f, err := s.Put(ctx, "a.pdf", bytes.NewReader(content), files.DefaultLimits, "account:1")
		if err != nil {
			t.Fatal(err)
		}
		altered := bytes.Replace(content, []byte("Catalog"), []byte("Catalox"), 1)
		path := filepath.Join(dir, f.ID[:2], f.ID[2:4], f.ID)
		if dir != "" {
			if err := os.WriteFile(path, altered, 0o600); err != nil {
				t.Fatal(err)
			}
		} else if _, err := db.ExecContext(ctx, `UPDATE files SET content = $1 WHERE id = $2`, altered, f.ID); err != nil {
			t.Fatal(err)
		}
		_, _, err = s.Open(ctx, f.ID)
		wantErr(t, err, errs.Internal, "files.error.corrupt")
		if !errors.Is(err, files.ErrCorrupt) {
			t.Errorf("error %v does not wrap ErrCorrupt", err)
		}
		if dir == "" {
			return
		}
		// A missing blob is reported too, and uploading the content again
		// repairs the store.
		os.Remove(path)
		_, _, err = s.Open(ctx, f.ID)
		wantErr(t, err, errs.Internal, "files.error.corrupt")
		os.WriteFile(path, altered, 0o600)
		if _, err := s.Put(ctx, "again.pdf", bytes.NewReader(content), files.DefaultLimits, "account:1"); err != nil {
			t.Fatal(err)
		}
		rc, _, err := s.Open(ctx, f.ID)
		if err != nil {
			t.Fatalf("Open after repair: %v", err)
		}
		rc.Close()
	})
}

// A blob kept in the database stays readable after switching to disk.
func TestDatabaseBlobReadFromDiskStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f, err := files.NewStore(db.DB, "", nil).Put(ctx, "a.png", bytes.NewReader(png), files.DefaultLimits, "account:1")
		if err != nil {
			t.Fatal(err)
		}
		rc, _, err := files.NewStore(db.DB, t.TempDir(), nil).Open(ctx, f.ID)
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		if body, _ := io.ReadAll(rc); !bytes.Equal(body, png) {
			t.Errorf("content = %q", body)
		}
	}, files.Migrations)
}

func TestSchemasMatch(t *testing.T) {
	lite, err := storetest.SQLite(t, files.Migrations).Schema(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	pg, err := storetest.Postgres(t, files.Migrations).Schema(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !maps.EqualFunc(lite, pg, func(a, b []string) bool { return strings.Join(a, ",") == strings.Join(b, ",") }) {
		t.Errorf("schemas differ:\nsqlite   %v\npostgres %v", lite, pg)
	}
}

func TestSignatureScannerAcrossReads(t *testing.T) {
	content := append(bytes.Repeat([]byte("a"), 100_000-20), eicar...)
	err := files.SignatureScanner{}.Scan(context.Background(), iotest.HalfReader(bytes.NewReader(content)))
	if !errors.Is(err, files.ErrInfected) {
		t.Errorf("split signature: %v", err)
	}
	// 64 KiB reads put the boundary inside the signature here.
	content = append(bytes.Repeat([]byte("a"), 64<<10-30), eicar...)
	if err := (files.SignatureScanner{}).Scan(context.Background(), bytes.NewReader(content)); !errors.Is(err, files.ErrInfected) {
		t.Errorf("signature across a chunk boundary: %v", err)
	}
	if err := (files.SignatureScanner{}).Scan(context.Background(), bytes.NewReader(pdf)); err != nil {
		t.Errorf("clean content: %v", err)
	}
}

// fakeClamd is a TCP server speaking clamd's INSTREAM protocol; reply
// decides the answer from the content it received.
type fakeClamd struct {
	addr   string
	mu     sync.Mutex
	chunks int
	got    []byte
}

func startClamd(t *testing.T, reply func(content []byte) string) *fakeClamd {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	fc := &fakeClamd{addr: ln.Addr().String()}
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go fc.serve(conn, reply)
		}
	}()
	return fc
}

func (fc *fakeClamd) serve(conn net.Conn, reply func([]byte) string) {
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	cmd := make([]byte, len("zINSTREAM\x00"))
	if _, err := io.ReadFull(conn, cmd); err != nil || string(cmd) != "zINSTREAM\x00" {
		conn.Write([]byte("UNKNOWN COMMAND\x00"))
		return
	}
	var content []byte
	chunks := 0
	for {
		var size [4]byte
		if _, err := io.ReadFull(conn, size[:]); err != nil {
			return
		}
		n := binary.BigEndian.Uint32(size[:])
		if n == 0 {
			break
		}
		chunk := make([]byte, n)
		if _, err := io.ReadFull(conn, chunk); err != nil {
			return
		}
		content = append(content, chunk...)
		chunks++
	}
	fc.mu.Lock()
	fc.chunks, fc.got = chunks, content
	fc.mu.Unlock()
	conn.Write([]byte(reply(content) + "\x00"))
}

func TestClamdScanner(t *testing.T) {
	fc := startClamd(t, func(content []byte) string {
		switch {
		case bytes.Contains(content, []byte("VIRUS")):
			return "stream: Win.Test.Fake-1 FOUND"
		case bytes.Contains(content, []byte("HUGE")):
			return "INSTREAM size limit exceeded. ERROR"
		}
		return "stream: OK"
	})
	ctx := context.Background()
	sc := files.ClamdScanner{Addr: fc.addr, Timeout: 5 * time.Second}

	big := append(bytes.Clone(pdf), bytes.Repeat([]byte("0123456789"), 20_000)...) // 200 kB: four chunks
	if err := sc.Scan(ctx, bytes.NewReader(big)); err != nil {
		t.Fatalf("clean: %v", err)
	}
	fc.mu.Lock()
	if !bytes.Equal(fc.got, big) || fc.chunks < 2 {
		t.Errorf("clamd got %d bytes in %d chunks, want %d bytes in several", len(fc.got), fc.chunks, len(big))
	}
	fc.mu.Unlock()

	err := sc.Scan(ctx, strings.NewReader("%PDF-1.4 VIRUS"))
	if !errors.Is(err, files.ErrInfected) || !strings.Contains(err.Error(), "Win.Test.Fake-1") {
		t.Errorf("infected: %v", err)
	}
	if err := sc.Scan(ctx, strings.NewReader("HUGE")); err == nil || errors.Is(err, files.ErrInfected) {
		t.Errorf("clamd error reply: %v", err)
	}

	// Through the store: refusal and the scanner's error kinds.
	run(t, func(t *testing.T, db *store.DB, _ *files.Store, dir string) {
		s := files.NewStore(db.DB, dir, sc)
		if _, err := s.Put(ctx, "a.pdf", bytes.NewReader(unique(pdf, "clamd"+dir)), files.DefaultLimits, "account:1"); err != nil {
			t.Fatal(err)
		}
		_, err := s.Put(ctx, "v.pdf", strings.NewReader("%PDF-1.4 VIRUS"), files.DefaultLimits, "account:1")
		wantErr(t, err, errs.Invalid, "files.error.infected")
		_, err = s.Put(ctx, "h.pdf", strings.NewReader("%PDF-1.4 HUGE"), files.DefaultLimits, "account:1")
		wantErr(t, err, errs.Unavailable, "files.error.scanner")
	})
}

func TestClamdUnreachable(t *testing.T) {
	// A port that was just free: nothing listens there.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	sc := files.ClamdScanner{Addr: addr, Timeout: 2 * time.Second}
	if err := sc.Scan(context.Background(), bytes.NewReader(pdf)); err == nil || errors.Is(err, files.ErrInfected) {
		t.Errorf("unreachable clamd: %v", err)
	}

	// A clamd that accepts but never answers runs into the timeout.
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				io.Copy(io.Discard, c)
			}()
		}
	}()
	start := time.Now()
	err = files.ClamdScanner{Addr: silent.Addr().String(), Timeout: 300 * time.Millisecond}.Scan(context.Background(), bytes.NewReader(pdf))
	if err == nil || time.Since(start) > 3*time.Second {
		t.Errorf("silent clamd: %v after %s", err, time.Since(start))
	}

	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := files.NewStore(db.DB, t.TempDir(), sc)
		_, err := s.Put(context.Background(), "a.pdf", bytes.NewReader(pdf), files.DefaultLimits, "account:1")
		wantErr(t, err, errs.Unavailable, "files.error.scanner")
		if n := count(t, db, `SELECT count(*) FROM files`); n != 0 {
			t.Errorf("an unscanned file was kept")
		}
	}, files.Migrations)
}

func TestLocales(t *testing.T) {
	m := web.NewMessages()
	m.MustLoad(files.Locales, "locales")
	keys := []string{"files.error.too_large", "files.error.type", "files.error.empty", "files.error.infected",
		"files.error.scanner", "files.error.not_found", "files.error.corrupt"}
	for _, l := range lang.All {
		for _, k := range keys {
			if s := m.T(l, k, "Max", "10 MB", "Types", "PDF, JPEG, PNG"); s == k || s == "" {
				t.Errorf("%s: %s is not translated", l, k)
			}
		}
	}
	if s := m.T(lang.AZ, "files.error.too_large", "Max", "10 MB"); !strings.Contains(s, "10 MB") {
		t.Errorf("too_large = %q, want the size in it", s)
	}
	if s := m.T(lang.RU, "files.error.type", "Types", "PDF, JPEG, PNG"); !strings.Contains(s, "PDF, JPEG, PNG") {
		t.Errorf("type = %q, want the types in it", s)
	}
	if missing := m.Missing(); len(missing) > 0 {
		t.Errorf("missing translations: %v", missing)
	}
}

func TestCleanName(t *testing.T) {
	long := strings.Repeat("ə", 300)
	for in, want := range map[string]string{
		"passport.pdf": "passport.pdf",
		`C:\fakepath\şəxsiyyət vəsiqəsi.jpg`: "şəxsiyyət vəsiqəsi.jpg",
		"../../etc/passwd":                   "passwd",
		"  a\x00b\nc\u202Egpj.exe  ":         "abcgpj.exe",
		"dir/":                               "file",
		"..":                                 "file",
		"\xff\xfe":                           "file",
		long + ".pdf":                        strings.Repeat("ə", 196) + ".pdf",
		long:                                 strings.Repeat("ə", 200),
	} {
		if got := files.CleanName(in); got != want {
			t.Errorf("CleanName(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzCleanName(f *testing.F) {
	for _, s := range []string{"a.pdf", `C:\x\y.png`, "../..", "\u202Eabc", strings.Repeat("x ", 150) + ".pdf", "\xff", " . "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := files.CleanName(in)
		if out == "" || out == "." || out == ".." || !utf8.ValidString(out) || utf8.RuneCountInString(out) > 200 {
			t.Fatalf("CleanName(%q) = %q", in, out)
		}
		if strings.ContainsAny(out, `/\`) || out != strings.TrimSpace(out) {
			t.Fatalf("CleanName(%q) = %q: separator or outer space", in, out)
		}
		for _, r := range out {
			if unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp) || r == utf8.RuneError {
				t.Fatalf("CleanName(%q) = %q: contains %U", in, out, r)
			}
		}
		if again := files.CleanName(out); again != out {
			t.Fatalf("CleanName not idempotent: %q -> %q -> %q", in, out, again)
		}
	})
}

// Releasing an owner's uploads leaves content someone else uploaded too;
// Sweep deletes the rest, row and blob, once.
func TestReleaseAndSweep(t *testing.T) {
	run(t, func(t *testing.T, db *store.DB, s *files.Store, dir string) {
		ctx := context.Background()
		only := unique(pdf, dir+"only")
		shared := unique(pdf, dir+"shared")
		owner, other := "evisa:release-"+dir, "evisa:keeps-"+dir
		mine, err := s.Put(ctx, "photo.pdf", bytes.NewReader(only), files.DefaultLimits, owner)
		if err != nil {
			t.Fatal(err)
		}
		both, err := s.Put(ctx, "scan.pdf", bytes.NewReader(shared), files.DefaultLimits, owner)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Put(ctx, "scan.pdf", bytes.NewReader(shared), files.DefaultLimits, other); err != nil {
			t.Fatal(err)
		}
		if err := db.Tx(ctx, func(tx *sql.Tx) error { return s.Release(ctx, tx, owner) }); err != nil {
			t.Fatal(err)
		}
		if s.Owned(ctx, mine.ID, owner) || s.Owned(ctx, both.ID, owner) || !s.Owned(ctx, both.ID, other) {
			t.Error("ownership after release is wrong")
		}
		n, err := s.Sweep(ctx, 100)
		if err != nil || n != 1 {
			t.Fatalf("Sweep = %d, %v; want 1 file deleted", n, err)
		}
		if _, err := s.Get(ctx, mine.ID); errs.KindOf(err) != errs.NotFound {
			t.Errorf("released file: %v, want not found", err)
		}
		if count(t, db, `SELECT COUNT(*) FROM files WHERE id = $1`, mine.ID) != 0 {
			t.Error("released file's row (and database blob) kept")
		}
		if dir != "" {
			if _, err := os.Stat(filepath.Join(dir, mine.ID[:2], mine.ID[2:4], mine.ID)); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("released blob still on disk: %v", err)
			}
		}
		rc, _, err := s.Open(ctx, both.ID)
		if err != nil {
			t.Fatalf("shared file: %v", err)
		}
		rc.Close()
		if n, err := s.Sweep(ctx, 100); err != nil || n != 0 {
			t.Errorf("second Sweep = %d, %v; want nothing", n, err)
		}
	})
}

// A Put of released content racing Sweep never loses the file: either
// the Put comes first and the file stays, or it waits and stores the blob
// again.
func TestSweepRacingPut(t *testing.T) {
	run(t, func(t *testing.T, db *store.DB, s *files.Store, dir string) {
		ctx := context.Background()
		for i := range 20 {
			content := unique(pdf, fmt.Sprintf("%srace%d", dir, i))
			first := fmt.Sprintf("evisa:first-%s-%d", dir, i)
			if _, err := s.Put(ctx, "a.pdf", bytes.NewReader(content), files.DefaultLimits, first); err != nil {
				t.Fatal(err)
			}
			if err := db.Tx(ctx, func(tx *sql.Tx) error { return s.Release(ctx, tx, first) }); err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			var f files.File
			var putErr, sweepErr error
			wg.Go(func() {
				f, putErr = s.Put(ctx, "b.pdf", bytes.NewReader(content), files.DefaultLimits, "account:race")
			})
			wg.Go(func() { _, sweepErr = s.Sweep(ctx, 100) })
			wg.Wait()
			if putErr != nil || sweepErr != nil {
				t.Fatalf("round %d: put %v, sweep %v", i, putErr, sweepErr)
			}
			rc, _, err := s.Open(ctx, f.ID)
			if err != nil {
				t.Fatalf("round %d: the new upload's file is lost: %v", i, err)
			}
			got, _ := io.ReadAll(rc)
			rc.Close()
			if !bytes.Equal(got, content) {
				t.Fatalf("round %d: content differs", i)
			}
		}
	})
}
