package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Client calls services through the gateway as one client subsystem of
// this process (the portal, for instance). It goes through the same
// checks and the same message log as an outside caller over HTTP; the
// process vouches for the client's identity instead of an API key.
type Client struct {
	gw *Gateway
	id ClientID
}

// Client returns the in-process client for subsystem id.
func (g *Gateway) Client(id ClientID) *Client { return &Client{gw: g, id: id} }

// Response is a provider's answer through the gateway.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v.
func (r *Response) JSON(v any) error { return json.Unmarshal(r.Body, v) }

// Get calls GET path (relative to the service, e.g. "/5ZQX7KA", with any
// query) of service ("AZ/GOV/1000000001/population/persons") for the
// official userID, for purpose. A security-server error comes back as
// *XRoadError; a provider's own error status is a Response, not an error.
func (c *Client) Get(ctx context.Context, service, path, userID, purpose string) (*Response, error) {
	return c.Do(ctx, http.MethodGet, service, path, userID, purpose, nil)
}

// Do calls method and path of service with body (nil for none).
func (c *Client) Do(ctx context.Context, method, service, path, userID, purpose string, body io.Reader) (*Response, error) {
	header := http.Header{}
	if userID != "" {
		header.Set(HeaderUserID, userID)
	}
	if purpose != "" {
		header.Set(HeaderPurpose, purpose)
	}
	return c.DoHeader(ctx, method, service, path, header, body)
}

// DoHeader is Do with the request's headers given: the X-Road ones
// (HeaderUserID, HeaderPurpose, HeaderRepresentedParty) and any the
// service's specification asks for.
func (c *Client) DoHeader(ctx context.Context, method, service, path string, header http.Header, body io.Reader) (*Response, error) {
	sid, err := ParseServiceID(service)
	if err != nil {
		return nil, err
	}
	if path != "" && !strings.HasPrefix(path, "/") && !strings.HasPrefix(path, "?") {
		path = "/" + path
	}
	req, err := http.NewRequestWithContext(context.WithValue(ctx, keyInProcess, c.id), method, "/r1/"+sid.Encoded()+path, body)
	if err != nil {
		return nil, err
	}
	req.Header = header.Clone()
	if req.Header == nil {
		req.Header = http.Header{}
	}
	req.Header.Set(HeaderClient, c.id.Encoded())
	req.Header.Set("Accept", "application/json")
	rec := &recorder{header: http.Header{}, max: 1 << 62}
	c.gw.ServeHTTP(rec, req)
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	out := rec.body
	if t := rec.header.Get(HeaderError); t != "" {
		xe := &XRoadError{Status: rec.status}
		if err := json.Unmarshal(out, xe); err != nil || xe.Type == "" {
			xe.Type = t
		}
		return nil, xe
	}
	return &Response{Status: rec.status, Header: rec.header, Body: out}, nil
}

// String names the client.
func (c *Client) String() string { return fmt.Sprintf("gateway client %s", c.id) }
