package app

import (
	"context"

	"github.com/egov/egov/internal/identity"
	"github.com/egov/egov/internal/registry"
)

// businessRegistry shows identity the business registry, for mandates.
type businessRegistry struct{ r *registry.Registry }

func businessRef(b *registry.Business) identity.BusinessRef {
	return identity.BusinessRef{VOEN: b.VOEN, Name: b.Name, DirectorFIN: b.DirectorFIN, Active: b.Status == "active"}
}

func (b businessRegistry) DirectedBy(ctx context.Context, fin string) ([]identity.BusinessRef, error) {
	list, err := b.r.BusinessesDirectedBy(ctx, fin)
	if err != nil {
		return nil, err
	}
	refs := make([]identity.BusinessRef, len(list))
	for i := range list {
		refs[i] = businessRef(&list[i])
	}
	return refs, nil
}

func (b businessRegistry) Business(ctx context.Context, voen string) (identity.BusinessRef, error) {
	biz, err := b.r.Business(ctx, voen)
	if err != nil {
		return identity.BusinessRef{}, err
	}
	return businessRef(biz), nil
}
