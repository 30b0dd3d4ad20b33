package govstack

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/notify"
)

// The Messaging block (specs/messaging-api.yaml) over the notifications
// module: each e-mail is a notification sent with notify's API, under the
// platform template govstack.email (the sender's title and text as they
// are), with the calling client as its sender. A request's requestUid is
// the notifications' reference, so a batch's statuses are counted
// together; the callback URI is the notifications' callback.

// emailTemplate carries a GovStack e-mail: its title and its text.
var emailTemplate = notify.Template{Owner: notify.PlatformOwner, Key: "govstack.email",
	Subject: lang.Text{AZ: "{{title}}", EN: "{{title}}", RU: "{{title}}"},
	Body:    lang.Text{AZ: "{{content}}", EN: "{{content}}", RU: "{{content}}"}}

// maxBatch is the most recipients of one batch.
const maxBatch = 500

type email struct {
	Callback      *callbackSender `json:"callback"`
	CallbackURI   *callbackSender `json:"callbackURI"` // the batch's name for it
	RecipientInfo json.RawMessage `json:"recipientInfo"`
	EmailContent  struct {
		Encoding string `json:"encoding"`
		Title    string `json:"title"`
		Content  string `json:"content"`
	} `json:"emailContent"`
}

type callbackSender struct {
	URI string `json:"URI"`
}

type recipientInfo struct {
	Email string `json:"email"`
	Name  string `json:"name"`
}

type accepted struct {
	Response   string `json:"response"`
	RequestUID string `json:"requestUid"`
}

// sender is the notifications' sender for the calling client.
func sender(caller string) notify.APISender {
	return notify.APISender{Agency: "govstack:" + caller, Key: "govstack:" + caller}
}

// invalidInput is the specification's answer to a bad request: 405.
func (s *Service) invalidInput(w http.ResponseWriter, r *http.Request, err error) {
	if e := errs.As(err); e != nil && e.Kind == errs.Invalid {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusMethodNotAllowed)
		json.NewEncoder(w).Encode(map[string]any{"type": "/problems/invalid", "title": "Invalid input",
			"status": http.StatusMethodNotAllowed, "detail": details[e.Message]})
		return
	}
	s.fail(w, r, err)
}

func (s *Service) sendSingle(w http.ResponseWriter, r *http.Request) {
	caller, err := callerOf(r)
	var e email
	if err == nil {
		err = decode(w, r, &e)
	}
	var to recipientInfo
	if err == nil && json.Unmarshal(e.RecipientInfo, &to) != nil {
		err = errs.E(errs.Invalid, "govstack.error.bad_json")
	}
	uid := uuid.NewString()
	if err == nil {
		err = s.sendEmail(r, caller, uid, 0, e, to)
	}
	if err != nil {
		s.invalidInput(w, r, err)
		return
	}
	answer(w, http.StatusOK, accepted{Response: `Request successfully accepted. Use "requestUid" to track its status.`, RequestUID: uid})
}

func (s *Service) sendBatch(w http.ResponseWriter, r *http.Request) {
	caller, err := callerOf(r)
	var e email
	if err == nil {
		err = decode(w, r, &e)
	}
	var list []struct {
		RecipientInfo recipientInfo `json:"recipientInfo"`
	}
	if err == nil {
		var b struct {
			BatchEmailAsBase64 string `json:"batchEmailAsBase64"`
		}
		raw, derr := []byte(nil), json.Unmarshal(e.RecipientInfo, &b)
		if derr == nil {
			raw, derr = base64.StdEncoding.DecodeString(b.BatchEmailAsBase64)
		}
		if derr == nil {
			derr = json.Unmarshal(raw, &list)
		}
		if derr != nil || len(list) == 0 || len(list) > maxBatch {
			err = errs.E(errs.Invalid, "govstack.error.bad_batch")
		}
	}
	if e.Callback == nil {
		e.Callback = e.CallbackURI
	}
	uid := uuid.NewString()
	for i := 0; err == nil && i < len(list); i++ {
		err = s.sendEmail(r, caller, uid, i, e, list[i].RecipientInfo)
	}
	if err != nil {
		// Those sent before a bad recipient stay sent, under the uid.
		s.invalidInput(w, r, err)
		return
	}
	answer(w, http.StatusOK, accepted{Response: `Request successfully accepted. Use "requestUid" to track its status.`, RequestUID: uid})
}

// sendEmail sends the i-th e-mail of request uid.
func (s *Service) sendEmail(r *http.Request, caller, uid string, i int, e email, to recipientInfo) error {
	if enc := strings.ToUpper(e.EmailContent.Encoding); enc != "" && enc != "UTF-8" && enc != "UTF8" {
		return errs.E(errs.Invalid, "govstack.error.bad_encoding")
	}
	req := notify.APIRequest{Template: emailTemplate.Key, To: notify.APIRecipient{Email: to.Email},
		Values:    map[string]string{"title": e.EmailContent.Title, "content": e.EmailContent.Content},
		Reference: uid}
	if e.Callback != nil {
		req.CallbackURL = e.Callback.URI
	}
	_, _, err := s.notify.SendAPI(r.Context(), sender(caller), uid+":"+strconv.Itoa(i), req)
	if k := errs.KindOf(err); k == errs.Invalid || k == errs.NotFound {
		return &errs.Error{Kind: errs.Invalid, Message: "govstack.error.bad_email", Err: err}
	}
	return err
}

// statusOf maps a notification's status to the specification's.
var statusOf = map[string]string{
	notify.StatePending:   "scheduled",
	notify.StateSent:      "delivered", // accepted by the mail server: SMTP tells no more
	notify.StateDelivered: "delivered",
	notify.StateFailed:    "bounced",
	notify.StateExpired:   "notSent",
}

// emailStatus counts the e-mails of request requestUid by the statuses
// asked for.
func (s *Service) emailStatus(w http.ResponseWriter, r *http.Request) {
	caller, err := callerOf(r)
	uid := r.Header.Get("requestUid")
	if err == nil && uuid.Validate(uid) != nil {
		err = errs.E(errs.Invalid, "govstack.error.bad_request_uid")
	}
	want := map[string]bool{}
	for _, v := range r.URL.Query()["status"] {
		for _, st := range strings.Split(v, ",") {
			switch st {
			case "scheduled", "processing", "deferred", "bounced", "notSent", "delivered":
				want[st] = true
			default:
				err = errs.E(errs.Invalid, "govstack.error.bad_status")
			}
		}
	}
	if err == nil && len(want) == 0 {
		err = errs.E(errs.Invalid, "govstack.error.bad_status")
	}
	var list []notify.Notification
	if err == nil {
		list, err = s.notify.Notifications(r.Context(), sender(caller).Agency, notify.NotificationFilter{Reference: uid})
	}
	if err == nil && len(list) == 0 {
		err = errs.E(errs.NotFound, "govstack.error.no_request")
	}
	if err != nil {
		s.invalidInput(w, r, err)
		return
	}
	counts := map[string]int{}
	for st := range want {
		counts[st] = 0
	}
	for _, n := range list {
		st := statusOf[n.Status]
		if n.Unreachable {
			st = "notSent"
		}
		if want[st] {
			counts[st]++
		}
	}
	answer(w, http.StatusOK, counts)
}
