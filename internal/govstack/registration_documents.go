package govstack

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"

	"github.com/egov/egov/internal/applications"
	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/files"
	"github.com/egov/egov/internal/forms"
)

// Registration's documents are egov's stored files (internal/files), with
// the portal's limits (files.DefaultLimits: PDF, JPEG or PNG of at most
// 10 MiB, scanned for viruses). An upload is owned by the calling client
// subsystem ("gateway:" and its id); its documentId, the answer's url, is
// the file's id, which only its owner can link to an application: in
// documentUrls, and in a file field's value to say which field it is.

// maxUpload is the largest multipart body read: one document and its
// form's framing (base64 text is a third larger than the document).
var maxUpload = files.DefaultLimits.MaxSize*4/3 + 64<<10

type uploadResponse struct {
	Code    int    `json:"code"`
	Type    string `json:"type"`
	Message string `json:"message"`
	URL     string `json:"url"`
}

// owner is who owns the files c uploads.
func (c caller) owner() string { return "gateway:" + c.id.String() }

func (s *Service) uploadDocument(w http.ResponseWriter, r *http.Request) {
	c, err := s.callerOf(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	name, content, err := uploadedFile(w, r)
	if err != nil {
		s.failUpload(w, r, err)
		return
	}
	f, err := s.files.Put(r.Context(), name, bytes.NewReader(content), files.DefaultLimits, c.owner())
	if err != nil {
		s.failUpload(w, r, err)
		return
	}
	answer(w, http.StatusOK, uploadResponse{Code: http.StatusOK, Type: f.Type, Message: f.Name, URL: f.ID})
}

// uploadedFile reads the one part named "file" of a multipart/form-data
// body: the document itself, or its base64 text (the specification says
// "format: base64"; a PDF, JPEG or PNG is never valid base64).
func uploadedFile(w http.ResponseWriter, r *http.Request) (string, []byte, error) {
	bad := errs.E(errs.Invalid, "govstack.error.bad_upload").Field("file", "govstack.error.bad_upload")
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return "", nil, bad
	}
	mr := multipart.NewReader(http.MaxBytesReader(w, r.Body, maxUpload), params["boundary"])
	var name string
	var content []byte
	found := 0
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", nil, bad
		}
		if p.FormName() != "file" {
			continue
		}
		found++
		if content, err = io.ReadAll(p); err != nil {
			return "", nil, bad
		}
		name = p.FileName()
	}
	if found != 1 {
		return "", nil, bad
	}
	if text := strings.Join(strings.Fields(string(content)), ""); text != "" {
		if decoded, err := base64.StdEncoding.DecodeString(text); err == nil {
			content = decoded
		}
	}
	return name, content, nil
}

// failUpload answers a refused upload as the specification's 400
// systemError (code and message), problem details' fields beside them.
func (s *Service) failUpload(w http.ResponseWriter, r *http.Request, err error) {
	e := errs.As(err)
	if e == nil || e.Kind != errs.Invalid {
		s.fail(w, r, err)
		return
	}
	detail := detailOf(e.Message, e.Args)
	p := map[string]any{"type": "/problems/invalid", "title": http.StatusText(http.StatusBadRequest),
		"status": http.StatusBadRequest, "detail": detail, "instance": r.URL.Path,
		"code": strings.TrimPrefix(e.Message, "govstack.error."), "message": detail,
		"errors": []map[string]string{{"field": "file", "detail": detail}}}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	json.NewEncoder(w).Encode(p)
}

// attachments are the documents a submission or an answer links: each in
// documentUrls or a file field's value must be a file c uploaded; a file
// field's documents are attached to that field, the others to the
// application.
func (s *Service) attachments(ctx context.Context, c caller, slug string, urls []string, answers forms.Answers) ([]applications.Attachment, error) {
	byField := map[string]string{}
	if svc, err := s.catalog.Service(slug); err == nil && len(answers) > 0 && len(svc.Form) > 0 {
		schema, err := forms.Parse(svc.Form)
		if err != nil {
			return nil, err
		}
		for _, f := range schema.Fields {
			if f.Type != forms.File {
				continue
			}
			for _, id := range answers[f.Name] {
				byField[id] = f.Name
				if !slices.Contains(urls, id) {
					urls = append(urls, id)
				}
			}
		}
	}
	var out []applications.Attachment
	for _, id := range urls {
		if !s.files.Owned(ctx, id, c.owner()) {
			return nil, errs.E(errs.Invalid, "govstack.error.bad_application").Field("documentUrls", "govstack.error.no_document")
		}
		f, err := s.files.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		if slices.ContainsFunc(out, func(a applications.Attachment) bool { return a.FileID == f.ID }) {
			continue
		}
		out = append(out, applications.Attachment{FileID: f.ID, Name: f.Name, Type: f.Type, Size: f.Size, Field: byField[id]})
	}
	return out, nil
}
