package evisa_test

import (
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"testing"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/evisa"
)

// portrait draws a w×h image with some noise, so that it compresses to
// a believable size.
func portrait(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 7 % 251), uint8(y * 13 % 241), uint8((x ^ y) % 239), 255})
		}
	}
	return img
}

func encoded(t testing.TB, format string, w, h int) []byte {
	var b bytes.Buffer
	var err error
	switch format {
	case "png":
		err = png.Encode(&b, portrait(w, h))
	case "jpeg":
		err = jpeg.Encode(&b, portrait(w, h), &jpeg.Options{Quality: 90})
	case "gif":
		err = gif.Encode(&b, portrait(w, h), nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestCheckPhoto(t *testing.T) {
	for _, tc := range []struct {
		name    string
		content []byte
		want    string // the MIME type, or the field's message key
	}{
		{"JPEG portrait", encoded(t, "jpeg", 300, 400), "image/jpeg"},
		{"PNG portrait", encoded(t, "png", 360, 480), "image/png"},
		{"too narrow", encoded(t, "jpeg", 200, 400), "evisa.error.photo_dimensions"},
		{"landscape", encoded(t, "jpeg", 600, 400), "evisa.error.photo_dimensions"},
		{"GIF", encoded(t, "gif", 300, 400), "evisa.error.photo_type"},
		{"not an image", bytes.Repeat([]byte("%PDF-1.4 "), 400), "evisa.error.photo_type"},
		{"too small a file", []byte{0xFF, 0xD8, 0xFF}, "evisa.error.photo_size"},
		{"too large a file", append(encoded(t, "png", 300, 400), make([]byte, evisa.PhotoMaxBytes)...), "evisa.error.photo_size"},
		{"nothing", nil, "evisa.error.photo_required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := evisa.CheckPhoto(tc.content)
			if err != nil {
				got = errs.As(err).Fields["photo"]
			}
			if got != tc.want {
				t.Errorf("CheckPhoto = %q (%v), want %q", got, err, tc.want)
			}
		})
	}
}

func FuzzCheckPhoto(f *testing.F) {
	f.Add(encoded(f, "png", 300, 400))
	f.Add(encoded(f, "jpeg", 300, 400)[:4000])
	f.Add([]byte("GIF89a"))
	f.Fuzz(func(t *testing.T, content []byte) {
		mime, err := evisa.CheckPhoto(content)
		if err == nil && mime != "image/jpeg" && mime != "image/png" {
			t.Fatalf("accepted as %q", mime)
		}
		if err != nil && errs.As(err).Fields["photo"] == "" {
			t.Fatalf("refused without a field error: %v", err)
		}
	})
}
