package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/egov/egov/internal/app"
	"github.com/egov/egov/internal/audit"
	"github.com/egov/egov/internal/config"
)

// auditVerify walks the audit log's hash chain and names the first broken
// entry, if any; a broken chain is an error (exit status 1).
func auditVerify(ctx context.Context, cfg *config.Config, stdout io.Writer) error {
	db, err := app.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	checked, err := audit.Verify(ctx, db)
	var broken *audit.BrokenError
	if errors.As(err, &broken) {
		return fmt.Errorf("audit log broken at entry %d: %s (%d entries checked before it)", broken.Seq, broken.Reason, checked)
	}
	if err != nil {
		return err
	}
	seq, hash, err := audit.Head(ctx, db)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "audit log intact: %d entries, head %d %s\n", checked, seq, hash)
	return nil
}
