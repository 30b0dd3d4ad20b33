package documents_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	_ "image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/egov/egov/internal/documents"
	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/storetest"
)

// need finds a Debian tool, skipping the test without it, except under CI.
func need(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required under CI (Debian: apt-get install poppler-utils)", name)
		}
		t.Skipf("%s not installed (Debian: apt-get install poppler-utils)", name)
	}
	return p
}

func TestPDF(t *testing.T) {
	pdftotext, pdftoppm := need(t, "pdftotext"), need(t, "pdftoppm")
	db := storetest.SQLite(t, documents.Migrations)
	svc, _ := newService(t, db)
	ctx := context.Background()
	d, err := svc.Issue(ctx, sampleIssue("pdf:1"))
	if err != nil {
		t.Fatal(err)
	}
	pdf, err := svc.PDF(d)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatal("not a PDF")
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "doc.pdf")
	if err := os.WriteFile(file, pdf, 0o600); err != nil {
		t.Fatal(err)
	}

	t.Run("Text", func(t *testing.T) {
		out, err := exec.Command(pdftotext, "-enc", "UTF-8", file, "-").Output()
		if err != nil {
			t.Fatal(err)
		}
		text := string(out)
		for _, want := range []string{"Aysel Məmmədova", "İlkin Şükürov", "Göyçay", "Doğum haqqında şəhadətnamə", d.Ref(), "Verən orqan"} {
			if !strings.Contains(text, want) {
				t.Errorf("PDF text lacks %q:\n%s", want, text)
			}
		}
		for _, r := range "əğıİöşüç" {
			if !strings.ContainsRune(text, r) {
				t.Errorf("PDF text lacks %q", r)
			}
		}
	})

	t.Run("QR", func(t *testing.T) {
		if out, err := exec.Command(pdftoppm, "-png", "-r", "200", "-aa", "no", "-aaVector", "no", "-f", "1", "-l", "1", file, filepath.Join(dir, "page")).CombinedOutput(); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		pngs, _ := filepath.Glob(filepath.Join(dir, "page*.png"))
		if len(pngs) != 1 {
			t.Fatalf("pdftoppm made %v", pngs)
		}
		f, err := os.Open(pngs[0])
		if err != nil {
			t.Fatal(err)
		}
		img, _, err := image.Decode(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		bmp, err := gozxing.NewBinaryBitmapFromImage(img)
		if err != nil {
			t.Fatal(err)
		}
		res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
		if err != nil {
			// gozxing's finder-pattern detector misses about one code in
			// twenty even on a perfect raster; then read the code's own
			// square of the page (20 mm from the left, 20 mm above the
			// foot, at most 80 mm wide) as a pure barcode.
			t.Logf("detector: %v; reading the QR square of the page", err)
			px := func(mm float64) int { return int(mm / 25.4 * 200) }
			sub := img.(interface {
				SubImage(image.Rectangle) image.Image
			}).SubImage(image.Rect(px(20)-4, px(297-20-80)-4, px(20+80)+4, px(297-20)+4))
			bmp, err = gozxing.NewBinaryBitmapFromImage(sub)
			if err != nil {
				t.Fatal(err)
			}
			res, err = qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_PURE_BARCODE: true})
			if err != nil {
				t.Fatalf("decoding the QR code of the page: %v", err)
			}
		}
		content := res.GetText()
		if got, want := content, svc.QRContent(d); got != want {
			t.Fatalf("QR carries %q, want %q", got, want)
		}
		if !strings.HasPrefix(content, "https://egov.test/verify/"+d.Number+"#") {
			t.Fatalf("QR content %q", content)
		}
		// What the QR code carries verifies offline, as `egov verify`
		// does it.
		set, _ := svc.JWKS(ctx)
		keys := filepath.Join(dir, "keys.json")
		b, _ := json.Marshal(set)
		os.WriteFile(keys, b, 0o600)
		var out bytes.Buffer
		if code := documents.VerifyCommand([]string{"-keys", keys, content}, &out); code != 0 {
			t.Fatalf("egov verify exited %d:\n%s", code, out.String())
		}
		if !strings.Contains(out.String(), "status:      valid") || !strings.Contains(out.String(), "Aysel Məmmədova") {
			t.Fatalf("egov verify printed:\n%s", out.String())
		}
	})

	t.Run("Languages", func(t *testing.T) {
		for _, l := range []lang.Lang{lang.EN, lang.RU} {
			in := sampleIssue("pdf:" + string(l))
			in.Lang = l
			d, err := svc.Issue(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			pdf, err := svc.PDF(d)
			if err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(dir, string(l)+".pdf")
			os.WriteFile(file, pdf, 0o600)
			out, err := exec.Command(pdftotext, "-enc", "UTF-8", file, "-").Output()
			if err != nil {
				t.Fatal(err)
			}
			want := map[lang.Lang]string{lang.EN: "Birth certificate", lang.RU: "Свидетельство о рождении"}[l]
			if !strings.Contains(string(out), want) {
				t.Errorf("%s PDF lacks %q:\n%s", l, want, out)
			}
		}
	})
}

func TestVerifyCommand(t *testing.T) {
	db := storetest.SQLite(t, documents.Migrations)
	svc, _ := newService(t, db)
	ctx := context.Background()
	d, err := svc.Issue(ctx, sampleIssue("cmd:1"))
	if err != nil {
		t.Fatal(err)
	}
	set, _ := svc.JWKS(ctx)
	keys := filepath.Join(t.TempDir(), "keys.json")
	b, _ := json.Marshal(set)
	os.WriteFile(keys, b, 0o600)
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"Valid", []string{"-keys", keys, d.JWS}, 0, "status:      valid"},
		{"Tampered", []string{"-keys", keys, d.JWS[:len(d.JWS)-3] + "AAA"}, 1, "status:      tampered"},
		{"Garbage", []string{"-keys", keys, "hello"}, 1, "status:      tampered"},
		{"NoKeys", []string{d.JWS}, 2, "usage"},
		{"MissingFile", []string{"-keys", keys + ".none", d.JWS}, 2, "error"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			if got := documents.VerifyCommand(tc.args, &out); got != tc.code {
				t.Fatalf("exit %d, want %d:\n%s", got, tc.code, out.String())
			}
			if !strings.Contains(out.String(), tc.want) {
				t.Fatalf("output lacks %q:\n%s", tc.want, out.String())
			}
		})
	}
}
