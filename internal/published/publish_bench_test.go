package published_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/demo"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/newsroom"
	"github.com/copydesk/copydesk/internal/pgtest"
	"github.com/copydesk/copydesk/internal/postgres"
	"github.com/copydesk/copydesk/internal/published"
	"github.com/copydesk/copydesk/internal/reports"
	"github.com/copydesk/copydesk/internal/testkit"
)

// What materializing the public documents adds to publishing: the demo
// report (63 attendees, three translations) is edited and republished b.N
// times; each round also times published.Build alone, in a transaction of
// its own. "x-before" is publish ÷ (publish − build): today's publish
// latency as a ratio to the same publish without materialization (the
// issue's target: ≤ 2).
//
//	go test ./internal/published -run '^$' -bench Publish -benchtime 50x
func BenchmarkPublishWithDocuments(b *testing.B) {
	db, err := postgres.Open(context.Background(), pgtest.NewDSN(b), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ctx := auth.WithViewer(context.Background(), auth.System())
	if _, err := demo.Load(ctx, db, nil); err != nil {
		b.Fatal(err)
	}
	var id int64
	var version int
	if err := db.QueryRowxContext(ctx, `SELECT id, version FROM reports ORDER BY id LIMIT 1`).Scan(&id, &version); err != nil {
		b.Fatal(err)
	}
	svc := newsroom.New(db)
	var publish, build time.Duration
	var sqlPublish, sqlBuild postgres.QueryCounter
	b.ResetTimer()
	for i := range b.N {
		saved, err := svc.Reports.UpdateReport(ctx, reports.UpdateReportInput{ID: id, ExpectedVersion: version,
			Summary: editorial.SetTo(testkit.Ptr(fmt.Sprintf("Summary, take %d.", i)))})
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if saved, err = svc.Reports.Publish(postgres.WithQueryCounter(ctx, &sqlPublish), id, saved.Report.Version); err != nil {
			b.Fatal(err)
		}
		publish += time.Since(start)
		version = saved.Report.Version
		start = time.Now()
		bctx := postgres.WithQueryCounter(ctx, &sqlBuild)
		if err := db.InTx(bctx, func(tx *postgres.Tx) error { return published.Build(bctx, tx, id) }); err != nil {
			b.Fatal(err)
		}
		build += time.Since(start)
	}
	n := float64(b.N)
	b.ReportMetric(float64(publish.Microseconds())/n, "µs/publish")
	b.ReportMetric(float64(build.Microseconds())/n, "µs/build")
	b.ReportMetric(float64(publish)/float64(publish-build), "x-before")
	b.ReportMetric(float64(sqlPublish.Count())/n, "sql/publish")
	b.ReportMetric(float64(sqlBuild.Count())/n, "sql/build")
}
