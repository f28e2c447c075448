package reports_test

import (
	"strings"
	"testing"
	"time"

	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/postgres"
	"github.com/copydesk/copydesk/internal/reports"
	"github.com/copydesk/copydesk/internal/testkit"
	"github.com/copydesk/copydesk/internal/workflow"
)

// publicState is what the public read model holds of report id: its source
// document (nil: none), and its rows in the public search tables.
func publicState(t *testing.T, d *testkit.Desk, id int64) (*editorial.PublicReport, int) {
	t.Helper()
	doc := testkit.Of(postgres.PublicReport(t.Context(), d.DB, id, "", nil)).OK(t)
	var n int
	if err := d.DB.GetContext(t.Context(), &n, `SELECT (SELECT count(*) FROM search_reports WHERE audience = 'public' AND report_id = $1)
		+ (SELECT count(*) FROM search_report_locales WHERE audience = 'public' AND report_id = $1)`, id); err != nil {
		t.Fatal(err)
	}
	return doc, n
}

// A correction note goes with a republication only: refused with a first
// publication, saying what to do; recorded with the republication (its
// revision, the source locale, who), shown by the public document it
// rebuilds, listed newest first, and named in the publish audit entry.
func TestCorrectionsGoWithRepublications(t *testing.T) {
	t.Parallel()
	d := testkit.NewDesk(t)
	ed := d.As(t, d.Editor)
	r := d.Approved(t, "Forum opens")

	testkit.RunFailCases(t, d.DB, testkit.WorkflowDump, []testkit.FailCase{
		{Name: "a first publication with a correction", Code: cerr.Invalid, Field: "input.correction", Msg: workflow.MsgCorrectionFirstPublication,
			Call: func() error {
				_, err := d.Svc.PublishWithCorrection(ed, r.ID, r.Version, testkit.Ptr("Fixed a typo."))
				return err
			}},
	})
	// A blank note is no note.
	r = testkit.Of(d.Svc.PublishWithCorrection(ed, r.ID, r.Version, testkit.Ptr("  "))).OK(t).Report
	if n := testkit.RowCount(t, d.DB, "report_corrections"); n != 0 {
		t.Fatalf("%d corrections after a first publication", n)
	}

	d.Clock.Add(time.Hour)
	r = testkit.Of(d.Svc.UpdateReport(ed, reports.UpdateReportInput{ID: r.ID, ExpectedVersion: r.Version, Body: testkit.Set("The forum opened on Tuesday.")})).OK(t).Report
	testkit.RunFailCases(t, d.DB, testkit.WorkflowDump, []testkit.FailCase{
		{Name: "a note too long", Code: cerr.Invalid, Field: "input.correction", Msg: "limit is 2000",
			Call: func() error {
				_, err := d.Svc.PublishWithCorrection(ed, r.ID, r.Version, testkit.Ptr(strings.Repeat("é", editorial.MaxCorrection+1)))
				return err
			}},
		{Name: "a stale version", Code: cerr.Conflict, Field: "input.expectedVersion",
			Call: func() error {
				_, err := d.Svc.PublishWithCorrection(ed, r.ID, r.Version-1, testkit.Ptr("Not now."))
				return err
			}},
		{Name: "by a reviewer", Code: cerr.Forbidden,
			Call: func() error {
				_, err := d.Svc.PublishWithCorrection(d.As(t, d.Reviewer1), r.ID, r.Version, testkit.Ptr("Not me."))
				return err
			}},
	})
	if doc, _ := publicState(t, d, r.ID); doc == nil || len(doc.Source.Corrections) != 0 {
		t.Fatalf("before the republication, readers see corrections: %+v", doc)
	}

	first := d.Clock.Add(time.Hour)
	saved := testkit.Of(d.Svc.PublishWithCorrection(ed, r.ID, r.Version, testkit.Ptr(" An earlier version gave the wrong day. "))).OK(t)
	r = saved.Report
	if *saved.Revision.Message != "Published the changes with a correction" {
		t.Errorf("revision message %q", *saved.Revision.Message)
	}
	got := testkit.Of(postgres.CorrectionsByReportIDs(t.Context(), d.DB, []int64{r.ID})).OK(t)[r.ID]
	if len(got) != 1 {
		t.Fatalf("corrections: %+v", got)
	}
	c := got[0]
	if c.Note != "An earlier version gave the wrong day." || c.Locale != "en" || c.RevisionID != saved.Revision.ID || c.Version != saved.Revision.Version ||
		c.CreatedBy == nil || *c.CreatedBy != d.Editor.ID || !c.CreatedAt.Equal(first) {
		t.Errorf("the correction: %+v (revision %d)", c, saved.Revision.ID)
	}
	doc, _ := publicState(t, d, r.ID)
	if doc == nil || len(doc.Source.Corrections) != 1 || doc.Source.Corrections[0].Note != c.Note || doc.Source.Corrections[0].ID != c.ID {
		t.Fatalf("the public document after the republication: %+v", doc)
	}
	if pc := doc.Source.Corrections[0]; pc.CreatedBy != nil || pc.RevisionID != 0 {
		t.Errorf("the public document names the newsroom's records: %+v", pc)
	}
	trail := testkit.AuditTrail(t, d.DB, r.ID)
	entry := trail[len(trail)-1]
	corr, _ := testkit.JSONField(t, entry.Detail, "correction").(map[string]any)
	if entry.Action != "report.publish" || corr == nil || corr["note"] != c.Note || corr["id"] != float64(c.ID) || corr["locale"] != "en" {
		t.Errorf("publish entry: %s %s", entry.Action, entry.Detail)
	}

	// Unpublished and republished with another note, without changes: the
	// newest first, in the document too.
	r = testkit.Of(d.Svc.Unpublish(ed, r.ID, r.Version, "Checking the figures.")).OK(t).Report
	d.Clock.Add(time.Hour)
	r = testkit.Of(d.Svc.PublishWithCorrection(ed, r.ID, r.Version, testkit.Ptr("The figures were checked."))).OK(t).Report
	got = testkit.Of(postgres.CorrectionsByReportIDs(t.Context(), d.DB, []int64{r.ID})).OK(t)[r.ID]
	doc, _ = publicState(t, d, r.ID)
	if len(got) != 2 || got[0].Note != "The figures were checked." || got[1].ID != c.ID ||
		doc == nil || len(doc.Source.Corrections) != 2 || doc.Source.Corrections[0].Note != "The figures were checked." {
		t.Errorf("after a second correction: %+v, document %+v", got, doc)
	}
}

// A takedown takes a published report off every public surface in its
// transaction, for a reason it records; publish, schedule and the
// scheduler refuse the report until an editor lifts the takedown, which
// leaves it UNPUBLISHED, from where it publishes again (with a correction).
func TestTakedownUntilLifted(t *testing.T) {
	t.Parallel()
	d := testkit.NewDesk(t)
	ed := d.As(t, d.Editor)
	r := d.Approved(t, "Forum opens")
	r = testkit.Of(d.Svc.Publish(ed, r.ID, r.Version)).OK(t).Report
	if doc, rows := publicState(t, d, r.ID); doc == nil || rows == 0 {
		t.Fatalf("published: document %v, %d search rows", doc != nil, rows)
	}

	testkit.RunFailCases(t, d.DB, testkit.WorkflowDump, []testkit.FailCase{
		{Name: "without a reason", Code: cerr.Invalid, Field: "input.reason",
			Call: func() error { _, err := d.Svc.TakeDown(ed, r.ID, r.Version, " "); return err }},
		{Name: "by a reviewer", Code: cerr.Forbidden, Msg: auth.RuleFor(auth.TakeDownReport).Description,
			Call: func() error { _, err := d.Svc.TakeDown(d.As(t, d.Reviewer1), r.ID, r.Version, "Legal."); return err }},
		{Name: "by an editor of another desk", Code: cerr.Forbidden,
			Call: func() error { _, err := d.Svc.TakeDown(d.As(t, d.OtherEditor), r.ID, r.Version, "Legal."); return err }},
		{Name: "lifting a takedown that is not there", Code: cerr.Invalid, Field: "input.id", Msg: "liftTakedown needs TAKEN_DOWN",
			Call: func() error { _, err := d.Svc.LiftTakedown(ed, r.ID, r.Version, "Cleared."); return err }},
	})

	saved := testkit.Of(d.Svc.TakeDown(ed, r.ID, r.Version, "Court order 12/2025.")).OK(t)
	r = saved.Report
	if r.Status != editorial.TakenDown || *saved.Revision.Message != "Taken down" || d.Publication(t, r.ID) == nil {
		t.Fatalf("taken down: %s %q", r.Status, *saved.Revision.Message)
	}
	if doc, rows := publicState(t, d, r.ID); doc != nil || rows != 0 {
		t.Errorf("after the takedown: a document %v, %d public search rows", doc != nil, rows)
	}
	trail := testkit.AuditTrail(t, d.DB, r.ID)
	if e := trail[len(trail)-1]; e.Action != "report.takeDown" || testkit.JSONField(t, e.Detail, "reason") != "Court order 12/2025." ||
		testkit.JSONField(t, e.Detail, "wasPublic") != true || testkit.JSONField(t, e.Before, "status") != "PUBLISHED" || testkit.JSONField(t, e.After, "status") != "TAKEN_DOWN" {
		t.Errorf("takedown entry: %s %s %s %s", e.Action, e.Before, e.After, e.Detail)
	}

	// An edit is allowed (the report is being fixed); publishing is not.
	r = testkit.Of(d.Svc.UpdateReport(ed, reports.UpdateReportInput{ID: r.ID, ExpectedVersion: r.Version, Title: testkit.Set("Forum opens (corrected)")})).OK(t).Report
	if r.Status != editorial.TakenDown {
		t.Fatalf("an edit changed the state to %s", r.Status)
	}
	future := d.Clock.Now().Add(time.Hour)
	testkit.RunFailCases(t, d.DB, testkit.WorkflowDump, []testkit.FailCase{
		{Name: "publish", Code: cerr.Invalid, Field: "input.id", Msg: workflow.MsgTakenDown,
			Call: func() error { _, err := d.Svc.Publish(ed, r.ID, r.Version); return err }},
		{Name: "publish as an admin, with a correction", Code: cerr.Invalid, Field: "input.id", Msg: workflow.MsgTakenDown,
			Call: func() error {
				_, err := d.Svc.PublishWithCorrection(d.As(t, d.Admin), r.ID, r.Version, testkit.Ptr("Corrected."))
				return err
			}},
		{Name: "publish as the scheduler", Code: cerr.Invalid, Field: "input.id", Msg: workflow.MsgTakenDown,
			Call: func() error { _, err := d.Svc.Publish(testkit.AsSystem(t), r.ID, r.Version); return err }},
		{Name: "schedule", Code: cerr.Invalid, Field: "input.id", Msg: workflow.MsgTakenDown,
			Call: func() error { _, err := d.Svc.Schedule(ed, r.ID, r.Version, future, "UTC"); return err }},
		{Name: "unpublish", Code: cerr.Invalid, Field: "input.id",
			Call: func() error { _, err := d.Svc.Unpublish(ed, r.ID, r.Version, "Again."); return err }},
		{Name: "take down twice", Code: cerr.Invalid, Field: "input.id", Msg: "takeDown needs SCHEDULED, PUBLISHED or UNPUBLISHED",
			Call: func() error { _, err := d.Svc.TakeDown(ed, r.ID, r.Version, "Again."); return err }},
		{Name: "lift without a reason", Code: cerr.Invalid, Field: "input.reason",
			Call: func() error { _, err := d.Svc.LiftTakedown(ed, r.ID, r.Version, ""); return err }},
		{Name: "lift by a reporter", Code: cerr.Forbidden,
			Call: func() error {
				_, err := d.Svc.LiftTakedown(d.As(t, d.Reporter), r.ID, r.Version, "Cleared.")
				return err
			}},
	})
	// Archiving and restoring keep the takedown.
	r = testkit.Of(d.Svc.DeleteReport(ed, r.ID, r.Version)).OK(t).Report
	r = testkit.Of(d.Svc.RestoreReport(ed, r.ID, r.Version)).OK(t).Report
	if r.Status != editorial.TakenDown {
		t.Fatalf("restored to %s, want TAKEN_DOWN", r.Status)
	}
	if doc, rows := publicState(t, d, r.ID); doc != nil || rows != 0 {
		t.Errorf("after archive and restore: a document %v, %d public search rows", doc != nil, rows)
	}

	saved = testkit.Of(d.Svc.LiftTakedown(ed, r.ID, r.Version, "The court lifted the order.")).OK(t)
	r = saved.Report
	if r.Status != editorial.Unpublished || *saved.Revision.Message != "Takedown lifted" {
		t.Fatalf("lifted: %s %q", r.Status, *saved.Revision.Message)
	}
	if doc, _ := publicState(t, d, r.ID); doc != nil {
		t.Error("lifting a takedown published the report")
	}
	trail = testkit.AuditTrail(t, d.DB, r.ID)
	if e := trail[len(trail)-1]; e.Action != "report.liftTakedown" || testkit.JSONField(t, e.Detail, "reason") != "The court lifted the order." ||
		testkit.JSONField(t, e.After, "status") != "UNPUBLISHED" {
		t.Errorf("lift entry: %s %s %s", e.Action, e.After, e.Detail)
	}
	r = testkit.Of(d.Svc.PublishWithCorrection(ed, r.ID, r.Version, testkit.Ptr("The headline now says the report was corrected."))).OK(t).Report
	doc, rows := publicState(t, d, r.ID)
	if r.Status != editorial.Published || doc == nil || rows == 0 || doc.Source.Report.Title != "Forum opens (corrected)" || len(doc.Source.Corrections) != 1 {
		t.Errorf("republished after the lift: %s, document %+v, %d search rows", r.Status, doc, rows)
	}
	want := []string{"report.takeDown", "report.update", "report.archive", "report.restore", "report.liftTakedown", "report.publish"}
	if got := testkit.AuditActions(testkit.AuditTrail(t, d.DB, r.ID)); strings.Join(got[len(got)-len(want):], " ") != strings.Join(want, " ") {
		t.Errorf("audit trail %v, want it to end with %v", got, want)
	}
}

// A scheduled publication never goes out after a takedown: the job is
// dropped with it, a job left over is refused by the scheduler (and
// dropped), and lifting the takedown of a report never published leaves it
// APPROVED, to publish or schedule again.
func TestTheSchedulerNeverPublishesATakenDownReport(t *testing.T) {
	t.Parallel()
	d := testkit.NewDesk(t)
	ed := d.As(t, d.Editor)
	r := d.Approved(t, "Forum opens")
	at := d.Clock.Now().Add(time.Hour)
	r = testkit.Of(d.Svc.Schedule(ed, r.ID, r.Version, at, "Asia/Shanghai")).OK(t).Report
	saved := testkit.Of(d.Svc.TakeDown(ed, r.ID, r.Version, "The source withdrew.")).OK(t)
	r = saved.Report
	if jobs := testkit.Of(postgres.PublishJobsByReportIDs(t.Context(), d.DB, []int64{r.ID})).OK(t); len(jobs) != 0 {
		t.Fatalf("the publish job outlived the takedown: %+v", jobs)
	}
	trail := testkit.AuditTrail(t, d.DB, r.ID)
	if e := trail[len(trail)-1]; testkit.JSONField(t, e.Detail, "scheduledFor") != at.UTC().Format(time.RFC3339Nano) || testkit.JSONField(t, e.Detail, "wasPublic") != false {
		t.Errorf("takedown entry: %s", e.Detail)
	}
	d.Clock.Add(2 * time.Hour)
	if n := d.Worker(t); n != 0 {
		t.Fatalf("the worker claimed %d jobs", n)
	}
	// A job that somehow survived (written behind the service's back).
	testkit.Exec(t, d.DB, `INSERT INTO publish_jobs (report_id, run_at, time_zone, created_at) VALUES ($1, $2, 'UTC', $2)`, r.ID, d.Clock.Now().Add(-time.Minute))
	if n := d.Worker(t); n != 1 {
		t.Fatalf("the worker claimed %d jobs, want the leftover", n)
	}
	if got := d.Current(t, r.ID); got.Status != editorial.TakenDown || d.Publication(t, r.ID) != nil {
		t.Fatalf("after the worker: %s, publication %+v", got.Status, d.Publication(t, r.ID))
	}
	if doc, rows := publicState(t, d, r.ID); doc != nil || rows != 0 {
		t.Errorf("after the worker: a document %v, %d public search rows", doc != nil, rows)
	}
	if jobs := testkit.Of(postgres.PublishJobsByReportIDs(t.Context(), d.DB, []int64{r.ID})).OK(t); len(jobs) != 0 {
		t.Errorf("the leftover job was not dropped: %+v", jobs)
	}

	r = testkit.Of(d.Svc.LiftTakedown(ed, r.ID, d.Current(t, r.ID).Version, "Cleared.")).OK(t).Report
	if r.Status != editorial.Approved {
		t.Fatalf("lifted: %s, want APPROVED (never published)", r.Status)
	}
	_, err := d.Svc.PublishWithCorrection(ed, r.ID, r.Version, testkit.Ptr("Nothing to correct yet."))
	testkit.WantCode(t, err, cerr.Invalid, workflow.MsgCorrectionFirstPublication)
	if r = testkit.Of(d.Svc.Publish(ed, r.ID, r.Version)).OK(t).Report; r.Status != editorial.Published {
		t.Fatalf("published after the lift: %s", r.Status)
	}
}

// A takedown withdraws the public documents whatever the state says: here
// an UNPUBLISHED report whose documents were left behind (its state was
// changed behind the service's back, before any rebuild ran).
func TestATakedownLeavesNoLeftoverDocuments(t *testing.T) {
	t.Parallel()
	d := testkit.NewDesk(t)
	ed := d.As(t, d.Editor)
	r := d.Approved(t, "Forum opens")
	r = testkit.Of(d.Svc.Publish(ed, r.ID, r.Version)).OK(t).Report
	testkit.Exec(t, d.DB, `UPDATE reports SET status = 'UNPUBLISHED' WHERE id = $1`, r.ID)
	if doc, _ := publicState(t, d, r.ID); doc == nil {
		t.Fatal("no leftover document to withdraw")
	}
	testkit.Of(d.Svc.TakeDown(ed, r.ID, r.Version, "Court order.")).OK(t)
	if doc, rows := publicState(t, d, r.ID); doc != nil || rows != 0 {
		t.Errorf("after the takedown: a document %v, %d public search rows", doc != nil, rows)
	}
}
