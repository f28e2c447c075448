package main

import (
	"context"
	"runtime"

	"github.com/copydesk/copydesk/internal/postgres"
	"github.com/copydesk/copydesk/internal/published"
)

// materialize builds the public documents of every published report (a
// source document and one per approved locale: what an anonymous
// report(slug:) reads) after the dataset was loaded with COPY, which
// bypasses the publishing transaction that builds them in the app: the
// same rebuild queue every instance drains at start-up, with parallel
// workers. progress is called now and then with the reports done so far.
var materialize = func(ctx context.Context, db *postgres.DB, progress func(done, total int)) error {
	return published.RebuildAll(ctx, db, 2*runtime.NumCPU(), progress)
}
