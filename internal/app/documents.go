package app

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/egov/egov/internal/applications"
	"github.com/egov/egov/internal/documents"
	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/gateway"
	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/payments"
	"github.com/egov/egov/internal/registry"
)

// receiptIssuer is the agency whose key signs payment receipts: the
// portal's operator, the ministry of digital development.
const receiptIssuer = "digital-transport"

// agencyName names an issuing agency from the catalog.
func (a *App) agencyName(slug string) lang.Text {
	if ag, err := a.Catalog.Agency(slug); err == nil {
		return ag.Name
	}
	return lang.Text{}
}

// issueDocument issues the document an approved application results in:
// the service's name as its type, its answers as its data.
func (a *App) issueDocument(ctx context.Context, ap *applications.Application) (string, error) {
	svc, err := a.Catalog.Service(ap.Service)
	if err != nil {
		return "", err
	}
	in := documents.Issue{Type: strings.ReplaceAll(ap.Service, "-", "_"), TypeName: svc.Name, Agency: ap.Agency,
		HolderFIN: ap.FIN, HolderName: ap.ApplicantName, Lang: ap.Lang, ValidFrom: time.Now(),
		IdempotencyKey: "application:" + ap.Number,
		Fields: []documents.Field{{Key: "application", Label: lang.Text{AZ: "Müraciət", EN: "Application", RU: "Заявление"},
			Value: applications.FormatNumber(ap.Number)}}}
	if schema, answers, err := a.Applications.Answers(ap); err == nil {
		for _, f := range schema.Fields {
			if f.Type == "file" || len(answers[f.Name]) == 0 {
				continue
			}
			in.Fields = append(in.Fields, documents.Field{Key: f.Name, Label: f.Label, Value: schema.Display(f, answers[f.Name], ap.Lang)})
		}
	}
	if ap.Decision != (lang.Text{}) {
		in.Fields = append(in.Fields, documents.Field{Key: "decision", Label: lang.Text{AZ: "Qərar", EN: "Decision", RU: "Решение"},
			Value: ap.Decision.In(ap.Lang)})
	}
	if in.HolderFIN == "" {
		in.HolderFIN = fmt.Sprintf("account:%d", ap.AccountID)
	}
	d, err := a.Documents.Issue(ctx, in)
	if err != nil {
		return "", err
	}
	return d.Number, nil
}

// issueReceipt issues a payment's receipt as a signed document.
func (a *App) issueReceipt(ctx context.Context, r payments.Receipt) (string, error) {
	fields := []documents.Field{
		{Key: "receipt", Label: lang.Text{AZ: "Qəbz", EN: "Receipt", RU: "Квитанция"}, Value: r.Number},
		{Key: "amount", Label: lang.Text{AZ: "Məbləğ", EN: "Amount", RU: "Сумма"}, Value: manat(r.Amount)},
	}
	for _, b := range r.Bills {
		fields = append(fields, documents.Field{Key: "bill_" + b.Number, Label: lang.Text{AZ: "Hesab " + b.Number, EN: "Bill " + b.Number, RU: "Счёт " + b.Number},
			Value: manat(b.Amount)})
	}
	holder := r.Payer
	d, err := a.Documents.Issue(ctx, documents.Issue{Type: "payment_receipt",
		TypeName: lang.Text{AZ: "Ödəniş qəbzi", EN: "Payment receipt", RU: "Квитанция об оплате"}, Agency: receiptIssuer,
		HolderFIN: holder, Lang: lang.AZ, Fields: fields, ValidFrom: r.IssuedAt, IdempotencyKey: "receipt:" + r.Number})
	if err != nil {
		return "", err
	}
	return d.Number, nil
}

// registryDocuments are the person's documents the base registries hold —
// identity card, passport, driving licence, and their vehicles'
// registrations — read through the gateway for the cabinet.
func (a *App) registryDocuments(ctx context.Context, fin string) ([]documents.RegistryDocument, error) {
	gw := applicationRegistries{a.Gateway.Client(gateway.Portal)}
	p, err := gw.person(ctx, fin, "the person's documents in the cabinet", fin)
	if err != nil || p == nil {
		return nil, err
	}
	names := map[string]lang.Text{
		registry.IDCard:         {AZ: "Şəxsiyyət vəsiqəsi", EN: "Identity card", RU: "Удостоверение личности"},
		registry.Passport:       {AZ: "Ümumvətəndaş pasportu", EN: "Passport", RU: "Паспорт"},
		registry.DrivingLicence: {AZ: "Sürücülük vəsiqəsi", EN: "Driving licence", RU: "Водительское удостоверение"},
	}
	issuer := a.agencyName("internal-affairs")
	var out []documents.RegistryDocument
	for _, d := range p.Documents {
		until := d.ExpiresOn
		out = append(out, documents.RegistryDocument{Kind: strings.ReplaceAll(d.Kind, "-", "_"), Name: names[d.Kind], Number: d.Number,
			Issuer: issuer, IssuedOn: d.IssuedOn, ValidUntil: &until, Fields: []documents.Field{
				{Key: "name", Label: lang.Text{AZ: "Soyadı, adı", EN: "Name", RU: "Фамилия, имя"}, Value: p.FullName()},
				{Key: "fin", Label: lang.Text{AZ: "FİN", EN: "FIN", RU: "ФИН"}, Value: p.FIN},
				{Key: "birth_date", Label: lang.Text{AZ: "Doğum tarixi", EN: "Date of birth", RU: "Дата рождения"}, Value: p.BirthDate.Format("02.01.2006")},
			}})
	}
	res, err := gw.gw.Get(ctx, gateway.VehiclesService.String(), "?owner="+url.QueryEscape(fin), fin, "the person's documents in the cabinet")
	if err != nil {
		return out, nil // the identity documents still show
	}
	if res.Status == http.StatusOK {
		var list struct {
			Items []registry.Vehicle `json:"items"`
		}
		if res.JSON(&list) == nil {
			for _, v := range list.Items {
				out = append(out, documents.RegistryDocument{Kind: "vehicle_registration",
					Name:   lang.Text{AZ: "Qeydiyyat şəhadətnaməsi", EN: "Vehicle registration", RU: "Свидетельство о регистрации ТС"},
					Number: v.Plate, Issuer: issuer, Fields: []documents.Field{
						{Key: "plate", Label: lang.Text{AZ: "Dövlət nömrə nişanı", EN: "Plate", RU: "Госномер"}, Value: v.Plate},
						{Key: "vehicle", Label: lang.Text{AZ: "Nəqliyyat vasitəsi", EN: "Vehicle", RU: "Транспортное средство"}, Value: fmt.Sprintf("%s %s, %d", v.Make, v.Model, v.Year)},
						{Key: "vin", Label: lang.Text{AZ: "VIN", EN: "VIN", RU: "VIN"}, Value: v.VIN},
					}})
			}
		}
	}
	return out, nil
}

// openAtDesk opens, at a service centre's desk, the service's application
// for the person present (with their consent, which centres records): a
// draft in their cabinet with what the registries know filled in, which
// the operator completes with them.
func (a *App) openAtDesk(ctx context.Context, fin, service, operator string) (string, error) {
	acct, err := a.Identity.PersonAccount(ctx, fin)
	if err != nil {
		return "", err
	}
	l, _ := lang.Parse(acct.Lang)
	ap, err := a.Applications.Start(ctx, applications.Actor{Kind: applications.ActorApplicant, AccountID: acct.ID, ID: fin,
		FIN: fin, Name: acct.DisplayName, Lang: l}, service)
	if errs.KindOf(err) == errs.Invalid {
		// A service with no online form is served at the desk on paper
		// for now: the visit is recorded without an application.
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return ap.Number, nil
}

// manat writes qəpik as "12.50 AZN", the way payments writes amounts.
func manat(q int64) string { return payments.FormatAmount(q) + " AZN" }
