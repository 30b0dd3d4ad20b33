package letters

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"
)

// signatureVersion tags the canonical encoding, so that a later encoding
// can be told apart from this one.
const signatureVersion = "egov-letter-1"

// Canonical is the byte string a letter's signature covers: a sequence of
// netstrings ("<length>:<bytes>," with the length in decimal bytes), so
// that no choice of contents can make two different letters encode the
// same:
//
//	"egov-letter-1", direction, sender subject, SHA-256 of the session,
//	on-behalf VÖEN, the person's FIN, agency, subject, text, number of
//	attachments (decimal), each attachment's file ID in order, sent-at
//	(RFC 3339 with nanoseconds, UTC).
//
// The file IDs are SHA-256 hashes of the files' contents, so the
// signature covers the files too.
func Canonical(l *Letter) []byte {
	var b []byte
	put := func(s string) {
		b = strconv.AppendInt(b, int64(len(s)), 10)
		b = append(b, ':')
		b = append(b, s...)
		b = append(b, ',')
	}
	put(signatureVersion)
	put(string(l.Direction))
	put(l.SenderSubject)
	put(l.SessionHash)
	put(l.OnBehalf)
	put(l.FIN)
	put(l.Agency)
	put(l.Subject)
	put(l.Text)
	put(strconv.Itoa(len(l.Attachments)))
	for _, a := range l.Attachments {
		put(a.FileID)
	}
	put(l.SentAt.UTC().Format(time.RFC3339Nano))
	return b
}

func (s *Service) mac(l *Letter) []byte {
	m := hmac.New(sha256.New, s.cfg.SigningKey)
	m.Write(Canonical(l))
	return m.Sum(nil)
}

func (s *Service) sign(l *Letter) { l.Signature = hex.EncodeToString(s.mac(l)) }

// Verify reports whether the letter's signature matches what it says now:
// false when any signed field, file or the signature itself was changed.
func (s *Service) Verify(l *Letter) bool {
	if l == nil || l.Signature == "" {
		return false
	}
	got, err := hex.DecodeString(l.Signature)
	if err != nil {
		return false
	}
	return hmac.Equal(got, s.mac(l))
}

// SessionHash is the hex SHA-256 of a session ID, as letters record it.
func SessionHash(sessionID string) string {
	sum := sha256.Sum256([]byte(sessionID))
	return hex.EncodeToString(sum[:])
}
