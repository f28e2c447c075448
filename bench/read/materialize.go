package main

import (
	"context"

	"github.com/copydesk/copydesk/internal/postgres"
)

// materialize builds the public documents of every published report (issue
// 12: one row per report and locale, what an anonymous report(slug:) reads)
// after the dataset was loaded with COPY, which bypasses the publishing
// transaction that builds them in the app. progress is called now and then
// with the reports done so far.
//
// wired to published.RebuildAll by the lead
var materialize = func(ctx context.Context, db *postgres.DB, progress func(done, total int)) error { return nil }
