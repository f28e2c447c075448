package graph_test

import (
	"context"
	"testing"
	"time"

	"github.com/copydesk/copydesk/graph"
	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/newsroom"
	"github.com/copydesk/copydesk/internal/pgtest"
	"github.com/copydesk/copydesk/internal/postgres"
	"github.com/copydesk/copydesk/internal/reports"
)

// newAPIWithReplica is newAPI over a database whose public reads go to a
// streaming replica of it, reached through a proxy the test can cut.
func newAPIWithReplica(t *testing.T) (*api, *pgtest.Proxy) {
	t.Helper()
	dsn := pgtest.NewDSN(t)
	proxy := pgtest.NewProxy(t, pgtest.ReplicaDSN(t, dsn))
	a := newAPIOn(t, dsn, postgres.Options{Replica: postgres.ReplicaOptions{URL: proxy.DSN(), MaxLag: time.Hour, CheckInterval: 20 * time.Millisecond}},
		50*time.Millisecond, graph.HandlerOptions{}, nil)
	return a, proxy
}

// Public reads come from the replica; the newsroom reads the primary, so
// editors see their own changes at once. While the replica has not
// replayed a publication, the public does not see it yet; once it has, it
// does; and when the replica cannot be reached, public reads are answered
// by the primary instead of failing.
func TestPublicReadsComeFromTheReplica(t *testing.T) {
	t.Parallel()
	a, proxy := newAPIWithReplica(t)
	anonymous := a.as("")
	const read = `query($slug: String!) { report(slug: $slug) { title status } }`
	type reportData struct {
		Report *struct{ Title, Status string }
	}
	readAs := func(who *api, slug string) *struct{ Title, Status string } {
		t.Helper()
		var out reportData
		who.do(read, map[string]any{"slug": slug}, &out)
		return out.Report
	}

	// 1. With replay paused, an editor publishes a report.
	resume := pgtest.PauseReplay(t)
	saved, err := newsroom.New(a.db).Reports.CreateReport(auth.WithViewer(context.Background(), auth.System()),
		reports.CreateReportInput{Title: "Read on the replica", SourceLocale: "en", Body: "Published.", Status: editorial.Published})
	if err != nil {
		t.Fatal(err)
	}
	slug := saved.Report.Slug
	if got := readAs(anonymous, slug); got != nil {
		t.Errorf("the public sees the report before the replica has it: %+v", got)
	}
	if got := readAs(a, slug); got == nil || got.Status != "PUBLISHED" {
		t.Errorf("the newsroom reads %+v, want the report PUBLISHED (it reads the primary)", got)
	}

	// 2. Once the replica has replayed the publication, the public sees it.
	resume()
	pgtest.WaitForReplay(t)
	if got := readAs(anonymous, slug); got == nil || got.Title != "Read on the replica" {
		t.Errorf("after replay the public reads %+v, want the report", got)
	}

	// 3. With the replica unreachable, the primary answers public reads.
	proxy.Cut()
	if got := readAs(anonymous, slug); got == nil || got.Title != "Read on the replica" {
		t.Errorf("with the replica unreachable the public reads %+v, want the report (from the primary)", got)
	}
	if st, _ := a.db.ReplicaStatus(); st.Serving || st.Reason != postgres.ReplicaUnreachable {
		t.Errorf("replica status: %+v, want public reads on the primary, the replica unreachable", st)
	}
}
