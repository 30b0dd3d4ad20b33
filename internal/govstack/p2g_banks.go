package govstack

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"time"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/gateway"
)

// CallbackServiceCode is the code of the service on which a caller of the
// Payments block receives egov's answers: a Payer FI or a biller has it
// under its own subsystem, from P2GCallbackSpec.
const CallbackServiceCode = "govstack-payments"

// PayerFI is a bank that pays bills through the Payments block.
type PayerFI struct {
	ID     string           // the PayerFI-Id it sends (its BIC), at most 20 characters
	Client gateway.ClientID // its gateway subsystem
	Name   string
	// CallbackURL is where its callback service listens (the bank's
	// side of the exchange, reached through the gateway).
	CallbackURL string
}

// payerFIEndpoints are the operations a Payer FI is granted.
var payerFIEndpoints = []gateway.Endpoint{{Method: http.MethodGet, Path: "/bills/*"},
	{Method: http.MethodPost, Path: "/billTransferRequests"}, {Method: http.MethodPost, Path: "/rtpResponse"}}

// billerEndpoints are the operations a biller is granted.
var billerEndpoints = []gateway.Endpoint{{Method: http.MethodPost, Path: "/rtpRequest"},
	{Method: http.MethodGet, Path: "/transferRequests/*"}}

// RegisterPayerFI makes a bank a Payer FI: its member and subsystem on
// the gateway, its callback service (the files egov sends) at its URL,
// egov's right to call it, and its right to inquire about and pay bills
// and to answer requests to pay. Registering again updates it and keeps
// the rights.
func (s *Service) RegisterPayerFI(ctx context.Context, fi PayerFI) error {
	if err := p2gText("PayerFI-Id", fi.ID, 20); err != nil || !fi.Client.IsSubsystem() || fi.Name == "" {
		return errs.E(errs.Invalid, "govstack.error.bad_payer_fi")
	}
	if err := s.registerCaller(ctx, fi.Client, fi.Name, fi.CallbackURL, payerFIEndpoints); err != nil {
		return err
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO govstack_p2g_payer_fis (id, client_id, name, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (id) DO UPDATE SET client_id = excluded.client_id, name = excluded.name`,
		fi.ID, fi.Client.String(), fi.Name, time.Now().UTC())
	return err
}

// RegisterBiller lets an agency's system (a subsystem already on the
// gateway) ask for requests to pay egov's bills and for their status,
// answered on its callback service at callbackURL.
func (s *Service) RegisterBiller(ctx context.Context, client gateway.ClientID, callbackURL string) error {
	if !client.IsSubsystem() {
		return errs.E(errs.Invalid, "govstack.error.bad_biller")
	}
	return s.registerCaller(ctx, client, "", callbackURL, billerEndpoints)
}

// registerCaller registers client (and its member, when name is given),
// its callback service at url with egov's right to call it, and grants
// it the endpoints of the block.
func (s *Service) registerCaller(ctx context.Context, client gateway.ClientID, name, url string, endpoints []gateway.Endpoint) error {
	if name != "" {
		if err := s.gw.RegisterMember(ctx, client.MemberID(), name); err != nil {
			return err
		}
		if err := s.gw.RegisterSubsystem(ctx, client, name); err != nil {
			return err
		}
	}
	doc, err := P2GCallbackSpec()
	if err != nil {
		return err
	}
	callback := gateway.ServiceID{Provider: client, Code: CallbackServiceCode}
	if _, err := s.gw.RegisterService(ctx, gateway.ServiceDef{ID: callback, OpenAPI: doc, ProviderURL: url}); err != nil {
		return err
	}
	if err := s.gw.Grant(ctx, Subsystem, callback, gateway.AllEndpoints); err != nil {
		return err
	}
	for _, e := range endpoints {
		if err := s.gw.Grant(ctx, client, PaymentsService, e); err != nil {
			return err
		}
	}
	return nil
}

// payerFIOf is the PayerFI-Id of the bank whose subsystem is client, or
// Forbidden if it is none.
func (s *Service) payerFIOf(ctx context.Context, client string) (string, error) {
	var id string
	err := s.db.QueryRowContext(ctx, `SELECT id FROM govstack_p2g_payer_fis WHERE client_id = $1`, client).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", errs.E(errs.Forbidden, "govstack.error.not_payer_fi")
	}
	return id, err
}
