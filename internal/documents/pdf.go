package documents

import (
	"bytes"
	_ "embed"
	"image"
	"image/color"
	"image/png"
	"io"
	"time"

	"codeberg.org/go-pdf/fpdf"
	"github.com/boombuler/barcode/qr"

	"github.com/egov/egov/internal/lang"
)

// dejaVuSans is DejaVu Sans (fonts/LICENSE), which covers the
// Azerbaijani letters ə ğ ı İ ö ş ü ç and Cyrillic.
//
//go:embed fonts/DejaVuSans.ttf
var dejaVuSans []byte

// MaxQRContent is the most a document's QR code carries: beyond it (a
// document with a great deal of data) the code carries the verification
// link alone, and offline verification needs the number looked up online.
const MaxQRContent = 1800

// QRContent is what a document's QR code carries: the verification link
// with the JWS as its fragment, BaseURL/verify/NUMBER#JWS. A phone's
// camera opens the link (the fragment never reaches the server); an
// offline verifier (VerifyOffline, `egov verify`) takes the JWS from the
// fragment.
func (s *Service) QRContent(d *Document) string {
	link := s.VerifyURL(d.Number)
	if len(link)+1+len(d.JWS) > MaxQRContent {
		return link
	}
	return link + "#" + d.JWS
}

// VerifyURL is the document's public verification page.
func (s *Service) VerifyURL(number string) string {
	return s.cfg.BaseURL + "/verify/" + number
}

// pdfText are the PDF's own words in the three languages.
var pdfText = map[string]lang.Text{
	"number":      {AZ: "Sənədin nömrəsi", EN: "Document number", RU: "Номер документа"},
	"issuer":      {AZ: "Verən orqan", EN: "Issued by", RU: "Выдан"},
	"holder":      {AZ: "Sahibi", EN: "Holder", RU: "Владелец"},
	"fin":         {AZ: "FİN", EN: "FIN", RU: "ФИН"},
	"issued":      {AZ: "Verilmə tarixi", EN: "Issued on", RU: "Дата выдачи"},
	"valid_from":  {AZ: "Qüvvədədir", EN: "Valid from", RU: "Действует с"},
	"valid_until": {AZ: "Etibarlıdır", EN: "Valid until", RU: "Действует до"},
	"no_expiry":   {AZ: "müddətsiz", EN: "does not expire", RU: "бессрочно"},
	"verify": {AZ: "Sənədin həqiqiliyini QR kodu skan edərək və ya bu ünvanda yoxlayın:",
		EN: "Check that this document is genuine by scanning the QR code or at:",
		RU: "Проверьте подлинность документа, отсканировав QR-код, или по адресу:"},
	"extract": {AZ: "Dövlət reyestrindən çıxarış. egov tərəfindən imzalanmayıb; həqiqiliyini sənədi verən orqanda yoxlayın.",
		EN: "Extract from a state registry. It is not signed by egov; check it with the body that issued the document.",
		RU: "Выписка из государственного реестра. Она не подписана egov; подлинность проверяйте в органе, выдавшем документ."},
	"printed": {AZ: "Çap tarixi", EN: "Printed on", RU: "Дата печати"},
	"signed": {AZ: "Elektron imza ilə imzalanıb (ES256), açar:", EN: "Signed electronically (ES256), key:",
		RU: "Подписан электронной подписью (ES256), ключ:"},
}

// baku is the time zone dates are shown in.
var baku = func() *time.Location {
	if l, err := time.LoadLocation("Asia/Baku"); err == nil {
		return l
	}
	return time.FixedZone("AZT", 4*3600)
}()

func pdfDate(t time.Time) string { return t.In(baku).Format("02.01.2006") }

// WritePDF renders the document as an A4 PDF in the holder's language:
// its type, number, issuer, holder, fields and validity, and a QR code
// with QRContent.
func (s *Service) WritePDF(w io.Writer, d *Document) error {
	l := d.Lang
	t := func(k string) string { return pdfText[k].In(l) }
	p := fpdf.New("P", "mm", "A4", "")
	p.SetCreationDate(d.IssuedAt)
	p.SetModificationDate(d.IssuedAt)
	p.SetTitle(d.TypeName.In(l)+" "+d.Ref(), true)
	p.SetAuthor(s.AgencyName(d.Agency).In(l), true)
	p.AddUTF8FontFromBytes("DejaVu", "", dejaVuSans)
	p.SetMargins(20, 20, 20)
	p.SetAutoPageBreak(true, 20)
	p.AddPage()

	p.SetFont("DejaVu", "", 11)
	p.SetTextColor(80, 80, 80)
	p.CellFormat(0, 6, s.AgencyName(d.Agency).In(l), "", 1, "L", false, 0, "")
	p.Ln(4)
	p.SetTextColor(0, 0, 0)
	p.SetFont("DejaVu", "", 20)
	p.MultiCell(0, 9, d.TypeName.In(l), "", "L", false)
	p.Ln(2)
	p.SetFont("DejaVu", "", 12)
	p.CellFormat(0, 7, t("number")+": "+d.Ref(), "", 1, "L", false, 0, "")
	p.Ln(4)

	row := func(label, value string) {
		p.SetFont("DejaVu", "", 9)
		p.SetTextColor(90, 90, 90)
		p.CellFormat(0, 5, label, "", 1, "L", false, 0, "")
		p.SetFont("DejaVu", "", 12)
		p.SetTextColor(0, 0, 0)
		p.MultiCell(0, 6, value, "", "L", false)
		p.Ln(2)
	}
	row(t("holder"), d.HolderName)
	row(t("fin"), d.HolderFIN)
	for _, f := range d.Fields {
		label := f.Label.In(l)
		if label == "" {
			label = f.Key
		}
		row(label, f.Value)
	}
	row(t("issuer"), s.AgencyName(d.Agency).In(l))
	row(t("issued"), pdfDate(d.IssuedAt))
	row(t("valid_from"), pdfDate(d.ValidFrom))
	if d.ValidUntil != nil {
		row(t("valid_until"), pdfDate(*d.ValidUntil))
	} else {
		row(t("valid_until"), t("no_expiry"))
	}

	// The QR code, drawn as vector squares so it stays sharp at any
	// resolution, at the foot of the page.
	const size = 80.0
	y := 297 - 20 - size
	if p.GetY() > y-5 {
		p.AddPage()
		y = p.GetY()
	}
	if err := drawQR(p, s.QRContent(d), 20, y, size); err != nil {
		return err
	}
	// The words beside the code: a left margin keeps every line of
	// them off the code.
	p.SetLeftMargin(20 + size + 8)
	p.SetXY(20+size+8, y+4)
	p.SetFont("DejaVu", "", 9)
	p.MultiCell(0, 5, t("verify"), "", "L", false)
	p.SetFont("DejaVu", "", 11)
	p.MultiCell(0, 6, s.VerifyURL(d.Number), "", "L", false)
	p.Ln(2)
	p.SetFont("DejaVu", "", 8)
	p.MultiCell(0, 4, t("signed")+" "+d.KID, "", "L", false)
	p.SetLeftMargin(20)
	return p.Output(w)
}

// PDF is the document rendered by WritePDF.
func (s *Service) PDF(d *Document) ([]byte, error) {
	var buf bytes.Buffer
	err := s.WritePDF(&buf, d)
	return buf.Bytes(), err
}

// drawQR draws content as a QR code (error correction M) in a square of
// size mm at x, y, quiet zone included.
func drawQR(p *fpdf.Fpdf, content string, x, y, size float64) error {
	code, err := qr.Encode(content, qr.M, qr.Auto)
	if err != nil {
		return err
	}
	n := code.Bounds().Dx()
	const quiet = 4
	// Modules of 0.03 inch (0.762 mm: 18 dots at 600 dpi, 6 pixels at
	// 200) print and scan cleanly; a bigger code shrinks them to fit.
	m := min(0.762, size/float64(n+2*quiet))
	p.SetFillColor(0, 0, 0)
	for row := 0; row < n; row++ {
		for col := 0; col < n; {
			if !dark(code.At(col, row)) {
				col++
				continue
			}
			start := col
			for col < n && dark(code.At(col, row)) {
				col++
			}
			p.Rect(x+float64(quiet+start)*m, y+float64(quiet+row)*m, float64(col-start)*m, m, "F")
		}
	}
	return nil
}

func dark(c color.Color) bool {
	r, g, b, _ := c.RGBA()
	return r+g+b < 3*0x8000
}

// qrPNG is content as a QR code image, 4 pixels a module, with the
// four-module quiet zone the standard asks for.
func qrPNG(content string) ([]byte, error) {
	code, err := qr.Encode(content, qr.M, qr.Auto)
	if err != nil {
		return nil, err
	}
	const scale, quiet = 4, 4
	n := code.Bounds().Dx()
	img := image.NewGray(image.Rect(0, 0, (n+2*quiet)*scale, (n+2*quiet)*scale))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			if dark(code.At(x, y)) {
				for dy := 0; dy < scale; dy++ {
					for dx := 0; dx < scale; dx++ {
						img.SetGray((x+quiet)*scale+dx, (y+quiet)*scale+dy, color.Gray{})
					}
				}
			}
		}
	}
	var buf bytes.Buffer
	err = png.Encode(&buf, img)
	return buf.Bytes(), err
}

// WriteRegistryPDF renders a registry's document as an A4 PDF in l: an
// extract, not signed by egov and without a QR code, printed at now.
func WriteRegistryPDF(w io.Writer, rd RegistryDocument, l lang.Lang, now time.Time) error {
	t := func(k string) string { return pdfText[k].In(l) }
	p := fpdf.New("P", "mm", "A4", "")
	p.SetCreationDate(now)
	p.SetModificationDate(now)
	p.SetTitle(rd.Name.In(l)+" "+rd.Number, true)
	p.AddUTF8FontFromBytes("DejaVu", "", dejaVuSans)
	p.SetMargins(20, 20, 20)
	p.SetAutoPageBreak(true, 20)
	p.AddPage()
	p.SetFont("DejaVu", "", 11)
	p.SetTextColor(80, 80, 80)
	p.CellFormat(0, 6, rd.Issuer.In(l), "", 1, "L", false, 0, "")
	p.Ln(4)
	p.SetTextColor(0, 0, 0)
	p.SetFont("DejaVu", "", 20)
	p.MultiCell(0, 9, rd.Name.In(l), "", "L", false)
	p.Ln(2)
	p.SetFont("DejaVu", "", 12)
	p.CellFormat(0, 7, t("number")+": "+rd.Number, "", 1, "L", false, 0, "")
	p.Ln(4)
	row := func(label, value string) {
		p.SetFont("DejaVu", "", 9)
		p.SetTextColor(90, 90, 90)
		p.CellFormat(0, 5, label, "", 1, "L", false, 0, "")
		p.SetFont("DejaVu", "", 12)
		p.SetTextColor(0, 0, 0)
		p.MultiCell(0, 6, value, "", "L", false)
		p.Ln(2)
	}
	for _, f := range rd.Fields {
		label := f.Label.In(l)
		if label == "" {
			label = f.Key
		}
		row(label, f.Value)
	}
	row(t("issuer"), rd.Issuer.In(l))
	if !rd.IssuedOn.IsZero() {
		row(t("issued"), pdfDate(rd.IssuedOn))
	}
	if rd.ValidUntil != nil {
		row(t("valid_until"), pdfDate(*rd.ValidUntil))
	}
	row(t("printed"), pdfDate(now))
	p.Ln(4)
	p.SetFont("DejaVu", "", 9)
	p.MultiCell(0, 5, t("extract"), "", "L", false)
	return p.Output(w)
}
