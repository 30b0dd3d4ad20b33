package notify

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"html"
	"mime"
	"mime/quotedprintable"
	"net/textproto"
	"strings"
	"time"
)

// Email is one e-mail to send.
type Email struct {
	MessageID   string // "<…@…>"; the receiving side deduplicates on it
	From        string
	To          string
	Subject     string
	Text        string
	HTML        string // an HTML fragment (paragraphs), wrapped in a document here
	Attachments []Attachment
	Date        time.Time
}

// Bytes renders e as an RFC 5322 message: multipart/alternative with the
// plain text and HTML parts, inside multipart/mixed with the attachments
// when there are any. Lines end in CRLF.
func (e Email) Bytes() []byte {
	var b bytes.Buffer
	header := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	header("From", e.From)
	header("To", e.To)
	header("Subject", mime.QEncoding.Encode("utf-8", oneLine(e.Subject)))
	header("Date", e.Date.Format(time.RFC1123Z))
	header("Message-ID", e.MessageID)
	header("MIME-Version", "1.0")
	header("Auto-Submitted", "auto-generated")

	alt := boundary()
	altPart := func(w *bytes.Buffer) {
		for _, p := range []struct{ ctype, body string }{
			{"text/plain; charset=utf-8", e.Text},
			{"text/html; charset=utf-8", htmlDocument(e.Subject, e.HTML)},
		} {
			fmt.Fprintf(w, "--%s\r\nContent-Type: %s\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n", alt, p.ctype)
			qp := quotedprintable.NewWriter(w)
			qp.Write([]byte(strings.ReplaceAll(strings.ReplaceAll(p.body, "\r\n", "\n"), "\n", "\r\n")))
			qp.Close()
			w.WriteString("\r\n")
		}
		fmt.Fprintf(w, "--%s--\r\n", alt)
	}
	if len(e.Attachments) == 0 {
		header("Content-Type", `multipart/alternative; boundary="`+alt+`"`)
		b.WriteString("\r\n")
		altPart(&b)
		return b.Bytes()
	}
	mixed := boundary()
	header("Content-Type", `multipart/mixed; boundary="`+mixed+`"`)
	b.WriteString("\r\n")
	fmt.Fprintf(&b, "--%s\r\nContent-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n", mixed, alt)
	altPart(&b)
	for _, a := range e.Attachments {
		h := textproto.MIMEHeader{}
		name := oneLine(a.Filename)
		h.Set("Content-Type", mime.FormatMediaType(a.ContentType, map[string]string{"name": name}))
		h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
		h.Set("Content-Transfer-Encoding", "base64")
		fmt.Fprintf(&b, "--%s\r\n", mixed)
		for _, k := range []string{"Content-Type", "Content-Disposition", "Content-Transfer-Encoding"} {
			header(k, h.Get(k))
		}
		b.WriteString("\r\n")
		enc := base64.StdEncoding.EncodeToString(a.Data)
		for len(enc) > 76 {
			b.WriteString(enc[:76] + "\r\n")
			enc = enc[76:]
		}
		b.WriteString(enc + "\r\n")
	}
	fmt.Fprintf(&b, "--%s--\r\n", mixed)
	return b.Bytes()
}

// htmlDocument wraps the escaped paragraphs in a minimal document; the
// title is escaped too.
func htmlDocument(title, body string) string {
	return "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + html.EscapeString(oneLine(title)) +
		"</title></head><body>\n" + body + "</body></html>\n"
}

// oneLine removes line breaks, which must never reach a header.
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.NewReplacer("\r", " ", "\n", " ").Replace(s)), " ")
}

func boundary() string {
	var b [12]byte
	rand.Read(b[:])
	return "egov-" + hex.EncodeToString(b[:])
}
