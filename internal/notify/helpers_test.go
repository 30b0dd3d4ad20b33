package notify_test

import (
	"context"
	"errors"

	"github.com/egov/egov/internal/notify"
)

var errTemporary = errors.New("connection refused")

type mailerFunc func(context.Context, notify.Email) error

func (f mailerFunc) Send(ctx context.Context, e notify.Email) error { return f(ctx, e) }
