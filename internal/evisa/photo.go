package evisa

import (
	"bytes"
	"image"
	_ "image/jpeg" // registers the JPEG decoder for DecodeConfig
	_ "image/png"  // and the PNG one

	"github.com/egov/egov/internal/errs"
)

// Photo limits: a passport-style portrait, JPEG or PNG, small enough to
// e-mail and show at the border, large enough to recognise a face.
const (
	PhotoMaxBytes  = 2 << 20
	PhotoMinBytes  = 2 << 10
	PhotoMinWidth  = 300
	PhotoMinHeight = 400
	PhotoMaxSide   = 4000
)

// CheckPhoto says what is wrong with an uploaded photo, or returns its
// MIME type. It reads the image's header only, so a huge or broken file
// costs little.
func CheckPhoto(content []byte) (string, error) {
	fail := func(key string) (string, error) {
		return "", errs.E(errs.Invalid, key).FieldWith("photo", key, map[string]any{
			"MinWidth": PhotoMinWidth, "MinHeight": PhotoMinHeight, "MaxMB": PhotoMaxBytes >> 20})
	}
	if len(content) == 0 {
		return fail("evisa.error.photo_required")
	}
	if len(content) > PhotoMaxBytes || len(content) < PhotoMinBytes {
		return fail("evisa.error.photo_size")
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(content))
	if err != nil || (format != "jpeg" && format != "png") {
		return fail("evisa.error.photo_type")
	}
	if cfg.Width < PhotoMinWidth || cfg.Height < PhotoMinHeight || cfg.Width > PhotoMaxSide || cfg.Height > PhotoMaxSide || cfg.Width > cfg.Height {
		return fail("evisa.error.photo_dimensions")
	}
	return "image/" + format, nil
}
