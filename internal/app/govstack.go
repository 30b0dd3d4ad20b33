package app

import (
	"context"

	"github.com/egov/egov/internal/applications"
	"github.com/egov/egov/internal/lang"
)

// applicant is the person with fin as the applications module's
// applicant, their account opened from the population registry on first
// use: an agency's system submits applications for people through the
// GovStack Registration block.
func (a *App) applicant(ctx context.Context, fin string) (applications.Actor, error) {
	acct, err := a.Identity.PersonAccount(ctx, fin)
	if err != nil {
		return applications.Actor{}, err
	}
	l, _ := lang.Parse(acct.Lang)
	return applications.Actor{Kind: applications.ActorApplicant, AccountID: acct.ID, ID: fin, FIN: fin,
		Name: acct.DisplayName, Lang: l}, nil
}
