// Package letters is official correspondence between people (or the
// businesses they act for) and state bodies, as myGov offers it: a person
// writes to any agency of the catalog from the cabinet, the letter is
// signed with their session, and the agency must answer within 15 working
// days, once extendable to 30. An agency can also write to a person by
// FIN. The person's folders live at /cabinet/letters, the agency's inbox
// at /office/letters.
package letters

import (
	"fmt"
	"io"
	"time"

	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/refnum"
)

// Status is where a letter is in its life. A letter to an agency is sent,
// may once be extended, and ends answered; a letter from an agency to a
// person stays sent.
type Status string

const (
	Sent     Status = "sent"
	Extended Status = "extended"
	Answered Status = "answered"
)

// Direction says who wrote the letter to whom.
type Direction string

const (
	// ToAgency is a letter from a person (or business) to a state body.
	ToAgency Direction = "to_agency"
	// ToPerson is a letter from a state body to a person.
	ToPerson Direction = "to_person"
)

// Deadlines in working days from sending, by the law on citizens' appeals.
const (
	AnswerDays   = 15
	ExtendedDays = 30
)

// Limits of what a letter may hold, in runes and files.
const (
	MaxSubject     = 200
	MaxText        = 10000
	MaxReason      = 2000
	MaxAttachments = 5
)

// Letter is one letter and, for a letter to an agency, its thread: the
// extension notice and the answer.
type Letter struct {
	ID        int64
	Number    string // short number with a check character, as refnum.New draws it
	Direction Direction
	Agency    string // the state body's catalog slug
	Status    Status
	// The person: the sender of a letter to an agency, the addressee of a
	// letter from one. AccountID is 0 when the person was addressed by FIN.
	AccountID  int64
	FIN        string
	OnBehalf   string // VÖEN of the business the letter is from or to, "" for the person's own
	PersonName string
	Lang       lang.Lang // the person's language, for messages
	Subject    string
	Text       string
	// Attachments are the letter's own files.
	Attachments []Attachment
	// The signature: who signed (their principal subject, e.g.
	// "person:5ZQX7KA" or "staff:din.operator"), the SHA-256 of the session
	// they signed with, when that session began, and the HMAC over the
	// canonical encoding (see Canonical).
	SenderSubject  string
	SenderName     string
	SessionHash    string
	SessionStarted time.Time
	Signature      string
	SentAt         time.Time
	DueAt          *time.Time // when the answer is due; nil for a letter to a person
	// The extension notice.
	ExtendedAt      *time.Time
	ExtensionReason string
	ExtendedBy      string
	// The answer.
	AnsweredAt        *time.Time
	Answer            string
	AnswerAttachments []Attachment
	AnsweredBy        string
	Version           int // bumped by every change, for optimistic concurrency
	UpdatedAt         time.Time
}

// Attachment is a file of a letter or of its answer, kept in the file
// store.
type Attachment struct {
	FileID string `json:"file_id"`
	Name   string `json:"name"`
	Type   string `json:"type"`
	Size   int64  `json:"size"`
}

// Label describes the file for a list: its type and size, e.g.
// "PDF, 1.2 MB".
func (a Attachment) Label() string {
	kind := map[string]string{"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}[a.Type]
	if kind == "" {
		kind = a.Type
	}
	if a.Size < 1<<20 {
		return fmt.Sprintf("%s, %d KB", kind, (a.Size+1023)/1024)
	}
	return fmt.Sprintf("%s, %.1f MB", kind, float64(a.Size)/(1<<20))
}

// Ref is the letter's number as people read it, e.g. "7KM-2Q9-XA4".
func (l *Letter) Ref() string { return refnum.Format(l.Number) }

// Open reports whether the agency still owes an answer.
func (l *Letter) Open() bool {
	return l.Direction == ToAgency && (l.Status == Sent || l.Status == Extended)
}

// Overdue reports whether the letter is unanswered past its due date at now.
func (l *Letter) Overdue(now time.Time) bool {
	return l.Open() && l.DueAt != nil && now.After(*l.DueAt)
}

// Extendable reports whether the agency may still announce an extension
// at now: once, and before the first deadline passes.
func (l *Letter) Extendable(now time.Time) bool {
	return l.Direction == ToAgency && l.Status == Sent && !l.Overdue(now)
}

// State is what the folders show: the status, or "overdue" for an open
// letter past its due date.
func (l *Letter) State(now time.Time) string {
	if l.Overdue(now) {
		return "overdue"
	}
	return string(l.Status)
}

// File finds one of the letter's or its answer's files.
func (l *Letter) File(id string) (Attachment, bool) {
	for _, list := range [][]Attachment{l.Attachments, l.AnswerAttachments} {
		for _, a := range list {
			if a.FileID == id {
				return a, true
			}
		}
	}
	return Attachment{}, false
}

// Actor kinds.
const (
	ActorPerson = "person"
	ActorStaff  = "staff"
)

// Actor is who performs an operation.
type Actor struct {
	Kind      string // ActorPerson or ActorStaff
	AccountID int64
	Subject   string // the principal's subject, signed into the letters they write
	ID        string // FIN or staff login, for the audit log
	Name      string
	FIN       string    // a person's FIN
	OnBehalf  string    // the VÖEN a person acts for
	Agency    string    // an official's agency
	Lang      lang.Lang // the language the actor reads
	// Session is the hex SHA-256 of the session ID the actor is signed in
	// with, and SessionStarted when that session began: a letter is signed
	// with them.
	Session        string
	SessionStarted time.Time
}

// Upload is a file chosen in a form, before it is stored.
type Upload struct {
	Name    string
	Content io.Reader
}

// Draft is what a letter says before it is sent.
type Draft struct {
	Agency  string // for a letter to an agency
	FIN     string // for a letter from an agency to a person
	Subject string
	Text    string
	Files   []Upload
}
