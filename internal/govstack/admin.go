package govstack

import (
	"context"
	"net/http"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/gateway"
)

// What the admin's page (/admin/govstack) lists of the Payments block's
// parties. A Payer FI's row is the block's; a biller is only its rights on
// the gateway, so billers are read from there. Both have their callback
// address in their callback service's registration.

// PayerFIs lists the registered banks, by PayerFI-Id.
func (s *Service) PayerFIs(ctx context.Context) ([]PayerFI, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, client_id, name FROM govstack_p2g_payer_fis ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var list []PayerFI
	for rows.Next() {
		var fi PayerFI
		var client string
		if err := rows.Scan(&fi.ID, &client, &fi.Name); err != nil {
			return nil, err
		}
		if fi.Client, err = gateway.ParseClientID(client); err != nil {
			return nil, err
		}
		list = append(list, fi)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range list {
		if list[i].CallbackURL, err = s.callbackURL(ctx, list[i].Client); err != nil {
			return nil, err
		}
	}
	return list, nil
}

// Biller is an agency's system that asks for requests to pay.
type Biller struct {
	Client      gateway.ClientID
	CallbackURL string
}

// Billers lists the subsystems granted the request to pay, by identifier.
func (s *Service) Billers(ctx context.Context) ([]Biller, error) {
	rights, err := s.gw.AccessRights(ctx, PaymentsService)
	if err != nil {
		return nil, err
	}
	var list []Biller
	for _, r := range rights {
		if r.Client == "" || r.Endpoint != (gateway.Endpoint{Method: http.MethodPost, Path: "/rtpRequest"}) {
			continue
		}
		b := Biller{}
		if b.Client, err = gateway.ParseClientID(r.Client); err != nil {
			return nil, err
		}
		if b.CallbackURL, err = s.callbackURL(ctx, b.Client); err != nil {
			return nil, err
		}
		list = append(list, b)
	}
	return list, nil
}

// callbackURL is where client's callback service listens, or "" when it
// has none.
func (s *Service) callbackURL(ctx context.Context, client gateway.ClientID) (string, error) {
	svc, err := s.gw.Service(ctx, gateway.ServiceID{Provider: client, Code: CallbackServiceCode})
	if errs.KindOf(err) == errs.NotFound {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return svc.ProviderURL, nil
}
