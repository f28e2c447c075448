package reports_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/identity"
	"github.com/copydesk/copydesk/internal/postgres"
	"github.com/copydesk/copydesk/internal/reports"
	"github.com/copydesk/copydesk/internal/testkit"
	"github.com/copydesk/copydesk/internal/workflow"
)

// --- workflow helpers ---

// --- the happy path ---

// A report goes draft → review → changes requested → review → approved by
// two reviewers → scheduled → published by the worker, and every step is
// one version, one revision and one audit entry with the states around it.
func TestWorkflowHappyPath(t *testing.T) {
	t.Parallel()
	d := testkit.NewDesk(t)
	d.Settings(t, identity.SettingsChange{ApprovalsRequired: testkit.Ptr(2)})
	r := d.Draft(t, "Qingdao tech trade forum opens")
	step := func(name string, status editorial.Status, version int) func(*reports.Saved, error) *editorial.Report {
		return func(saved *reports.Saved, err error) *editorial.Report {
			t.Helper()
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if saved.Report.Status != status || saved.Report.Version != version || saved.Revision.Version != version {
				t.Fatalf("%s: report %s v%d, revision v%d; want %s v%d", name, saved.Report.Status, saved.Report.Version, saved.Revision.Version, status, version)
			}
			if got := d.Current(t, r.ID); got.Status != status || got.Version != version {
				t.Fatalf("%s: stored %s v%d", name, got.Status, got.Version)
			}
			return saved.Report
		}
	}

	r = step("assign reviewers", editorial.Draft, 2)(d.Svc.AssignReviewers(d.As(t, d.Editor), r.ID, 1, []int64{d.Reviewer1.ID, d.Reviewer2.ID}))
	reviewers := testkit.Of(postgres.ReviewersByReportIDs(t.Context(), d.DB, []int64{r.ID})).OK(t)[r.ID]
	if len(reviewers) != 2 || *reviewers[0].AssignedBy != d.Editor.ID {
		t.Fatalf("reviewers = %+v", reviewers)
	}
	r = step("submit", editorial.InReview, 3)(d.Svc.Submit(d.As(t, d.Reporter), r.ID, 2, testkit.Ptr("Ready for review")))
	q := testkit.Of(d.Svc.Queue(d.As(t, d.Reviewer1), d.Reviewer1.ID, d.Clock.Now(), time.UTC)).OK(t)
	if !slices.Equal(q.AwaitingReview, []int64{r.ID}) {
		t.Fatalf("reviewer 1's queue: %+v", q)
	}
	r = step("request changes", editorial.ChangesRequested, 4)(d.Svc.RequestChanges(d.As(t, d.Reviewer1), r.ID, 3, reports.ChangeRequest{Comment: "Give the number of participants."}))
	if q := testkit.Of(d.Svc.Queue(d.As(t, d.Reporter), d.Reporter.ID, d.Clock.Now(), time.UTC)).OK(t); !slices.Equal(q.ChangesRequested, []int64{r.ID}) {
		t.Fatalf("reporter's queue: %+v", q)
	}
	r = step("edit", editorial.ChangesRequested, 5)(d.Svc.UpdateReport(d.As(t, d.Reporter), reports.UpdateReportInput{ID: r.ID, ExpectedVersion: 4,
		Body: testkit.Set("The forum opened on Monday with 200 participants.")}))
	r = step("resubmit", editorial.InReview, 6)(d.Svc.Submit(d.As(t, d.Reporter), r.ID, 5, nil))
	r = step("first approval", editorial.InReview, 7)(d.Svc.Approve(d.As(t, d.Reviewer1), r.ID, 6))
	if f := d.Facts(t, d.Reviewer1, r.ID); f.Approvals != 1 || !f.ApprovedByViewer || f.Required() != 2 {
		t.Fatalf("facts after one approval: %+v", f)
	}
	if q := testkit.Of(d.Svc.Queue(d.As(t, d.Reviewer1), d.Reviewer1.ID, d.Clock.Now(), time.UTC)).OK(t); len(q.AwaitingReview) != 0 {
		t.Fatalf("reviewer 1 still has the report to review: %+v", q)
	}
	if q := testkit.Of(d.Svc.Queue(d.As(t, d.Reviewer2), d.Reviewer2.ID, d.Clock.Now(), time.UTC)).OK(t); !slices.Equal(q.AwaitingReview, []int64{r.ID}) {
		t.Fatalf("reviewer 2's queue: %+v", q)
	}
	_, err := d.Svc.Approve(d.As(t, d.Reviewer1), r.ID, 7)
	testkit.WantCode(t, err, cerr.Invalid, workflow.MsgApprovedAlready)
	r = step("second approval", editorial.Approved, 8)(d.Svc.Approve(d.As(t, d.Reviewer2), r.ID, 7))
	approvals := testkit.Of(postgres.ApprovalsByReportIDs(t.Context(), d.DB, []int64{r.ID})).OK(t)[r.ID]
	if len(approvals) != 2 || approvals[0].UserID != d.Reviewer1.ID || approvals[0].Version != 6 || approvals[1].Version != 7 {
		t.Fatalf("approvals = %+v", approvals)
	}

	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	at := d.Clock.Now().Add(90 * time.Minute) // 11:30 in Shanghai
	r = step("schedule", editorial.Scheduled, 9)(d.Svc.Schedule(d.As(t, d.Editor), r.ID, 8, at, "Asia/Shanghai"))
	job := testkit.Of(postgres.PublishJobsByReportIDs(t.Context(), d.DB, []int64{r.ID})).OK(t)[r.ID]
	if job == nil || !job.RunAt.Equal(at) || job.TimeZone != "Asia/Shanghai" || *job.CreatedBy != d.Editor.ID {
		t.Fatalf("publish job = %+v", job)
	}
	if q := testkit.Of(d.Svc.Queue(d.As(t, d.Editor), d.Editor.ID, d.Clock.Now(), shanghai)).OK(t); !slices.Equal(q.ScheduledToday, []int64{r.ID}) {
		t.Fatalf("scheduled today: %+v", q)
	}
	if q := testkit.Of(d.Svc.Queue(d.As(t, d.Editor), d.Editor.ID, d.Clock.Now().AddDate(0, 0, 1), shanghai)).OK(t); len(q.ScheduledToday) != 0 {
		t.Fatalf("scheduled tomorrow: %+v", q)
	}

	if n := d.Worker(t); n != 0 {
		t.Fatalf("the worker claimed %d jobs before they were due", n)
	}
	d.Clock.Add(90*time.Minute + time.Second)
	if n := d.Worker(t); n != 1 {
		t.Fatalf("the worker claimed %d jobs, want 1", n)
	}
	got := d.Current(t, r.ID)
	if got.Status != editorial.Published || got.Version != 10 || got.PublishedAt == nil || !got.PublishedAt.Equal(d.Clock.Now().Truncate(time.Microsecond)) {
		t.Fatalf("after the worker: %+v", got)
	}
	pub := d.Publication(t, r.ID)
	rev := testkit.Of(postgres.RevisionByVersion(t.Context(), d.DB, r.ID, 10)).OK(t)
	if pub == nil || pub.RevisionID != rev.ID || pub.Version != 10 || !pub.FirstPublishedAt.Equal(*got.PublishedAt) {
		t.Fatalf("publication = %+v, revision %d", pub, rev.ID)
	}
	if jobs := testkit.Of(postgres.PublishJobsByReportIDs(t.Context(), d.DB, []int64{r.ID})).OK(t); len(jobs) != 0 {
		t.Fatalf("the job is still there: %+v", jobs)
	}

	trail := testkit.AuditTrail(t, d.DB, r.ID)
	want := []string{"report.create", "report.assignReviewers", "report.submit", "report.requestChanges", "report.update", "report.submit",
		"report.approve", "report.approve", "report.schedule", "report.publish"}
	if !slices.Equal(testkit.AuditActions(trail), want) {
		t.Fatalf("audit trail %v, want %v", testkit.AuditActions(trail), want)
	}
	after := []string{"DRAFT", "IN_REVIEW", "CHANGES_REQUESTED", "CHANGES_REQUESTED", "IN_REVIEW", "IN_REVIEW", "APPROVED", "SCHEDULED", "PUBLISHED"}
	prev := "DRAFT"
	for i, e := range trail[1:] {
		if testkit.JSONField(t, e.Before, "status") != prev || testkit.JSONField(t, e.After, "status") != after[i] ||
			testkit.JSONField(t, e.Before, "version") != float64(i+1) || testkit.JSONField(t, e.After, "version") != float64(i+2) {
			t.Errorf("%s: before %s after %s", e.Action, e.Before, e.After)
		}
		prev = after[i]
	}
	if c := testkit.JSONField(t, trail[3].Detail, "comment"); c != "Give the number of participants." {
		t.Errorf("request changes detail: %s", trail[3].Detail)
	}
	if trail[8].ActorID == nil || *trail[8].ActorID != d.Editor.ID || testkit.JSONField(t, trail[8].Detail, "timeZone") != "Asia/Shanghai" ||
		testkit.JSONField(t, trail[8].Detail, "publishAt") != at.UTC().Format(time.RFC3339Nano) {
		t.Errorf("schedule entry: actor %v, detail %s", trail[8].ActorID, trail[8].Detail)
	}
	if last := trail[9]; last.ActorID != nil || last.ActorName != "copydesk" || testkit.JSONField(t, last.Detail, "scheduledFor") == nil {
		t.Errorf("publish entry: actor %v %q, detail %s", last.ActorID, last.ActorName, last.Detail)
	}
	revs := testkit.RevisionsOf(t, d.DB, r.ID)
	if len(revs) != 10 {
		t.Fatalf("%d revisions, want 10", len(revs))
	}
}

// --- edit after approval ---

func TestEditAfterApprovalReopensReview(t *testing.T) {
	t.Parallel()
	d := testkit.NewDesk(t)
	ed := d.As(t, d.Editor)

	t.Run("UpdateReport", func(t *testing.T) {
		r := d.Approved(t, "Approved then edited")
		saved := testkit.Of(d.Svc.UpdateReport(ed, reports.UpdateReportInput{ID: r.ID, ExpectedVersion: r.Version, Title: testkit.Set("Approved, then edited")})).OK(t)
		if saved.Report.Status != editorial.InReview || saved.Report.Version != r.Version+1 {
			t.Fatalf("after the edit: %s v%d", saved.Report.Status, saved.Report.Version)
		}
		if f := d.Facts(t, d.Reviewer1, r.ID); f.Approvals != 0 || f.ApprovedByViewer {
			t.Fatalf("approvals survived the edit: %+v", f)
		}
		if a := testkit.Of(postgres.ApprovalsByReportIDs(t.Context(), d.DB, []int64{r.ID})).OK(t); len(a) != 0 {
			t.Fatalf("approvals = %+v", a)
		}
		e := testkit.AuditTrail(t, d.DB, r.ID)
		last := e[len(e)-1]
		if last.Action != "report.update" || testkit.JSONField(t, last.After, "status") != "IN_REVIEW" || testkit.JSONField(t, last.Detail, "reviewReopened") != true {
			t.Fatalf("audit: %s %s %s", last.Action, last.After, last.Detail)
		}
		// The reviewer approves the new version.
		if got := testkit.Of(d.Svc.Approve(d.As(t, d.Reviewer1), r.ID, saved.Report.Version)).OK(t).Report; got.Status != editorial.Approved {
			t.Fatalf("re-approval: %s", got.Status)
		}
	})
	t.Run("AnEditThatChangesNothing", func(t *testing.T) {
		r := d.Approved(t, "Unchanged")
		saved := testkit.Of(d.Svc.UpdateReport(ed, reports.UpdateReportInput{ID: r.ID, ExpectedVersion: r.Version, Title: testkit.Set("Unchanged")})).OK(t)
		if saved.Report.Status != editorial.Approved || saved.Report.Version != r.Version {
			t.Fatalf("a no-op edit moved the report: %s v%d", saved.Report.Status, saved.Report.Version)
		}
	})
	t.Run("SetAttendeesOfAScheduledReport", func(t *testing.T) {
		r := d.Approved(t, "Scheduled then edited")
		r = testkit.Of(d.Svc.Schedule(ed, r.ID, r.Version, d.Clock.Now().Add(time.Hour), "UTC")).OK(t).Report
		deleg := "Officers of the consulates"
		saved := testkit.Of(d.Svc.SetAttendees(ed, r.ID, r.Version, []reports.AttendeeInput{{Delegation: &deleg, Participations: testkit.Parts("ATTENDED")}}, nil)).OK(t)
		if saved.Report.Status != editorial.InReview {
			t.Fatalf("after the edit: %s", saved.Report.Status)
		}
		if jobs := testkit.Of(postgres.PublishJobsByReportIDs(t.Context(), d.DB, []int64{r.ID})).OK(t); len(jobs) != 0 {
			t.Fatalf("the publish job survived: %+v", jobs)
		}
	})
	t.Run("RestoreRevision", func(t *testing.T) {
		r := d.Draft(t, "Restored after approval")
		r = testkit.Of(d.Svc.UpdateReport(d.As(t, d.Reporter), reports.UpdateReportInput{ID: r.ID, ExpectedVersion: 1, Title: testkit.Set("Second title")})).OK(t).Report
		r = testkit.Of(d.Svc.Submit(d.As(t, d.Reporter), r.ID, r.Version, nil)).OK(t).Report
		r = testkit.Of(d.Svc.Approve(d.As(t, d.Reviewer1), r.ID, r.Version)).OK(t).Report
		first := testkit.Of(postgres.RevisionByVersion(t.Context(), d.DB, r.ID, 1)).OK(t)
		saved := testkit.Of(d.Svc.RestoreRevision(ed, first.ID, r.Version, nil)).OK(t)
		if saved.Report.Status != editorial.InReview || saved.Report.Title != "Restored after approval" {
			t.Fatalf("after restoring: %s %q", saved.Report.Status, saved.Report.Title)
		}
	})
	t.Run("EditDuringReviewVoidsEarlierApprovals", func(t *testing.T) {
		d := testkit.NewDesk(t)
		d.Settings(t, identity.SettingsChange{ApprovalsRequired: testkit.Ptr(2)})
		r := d.Draft(t, "Two approvals")
		r = testkit.Of(d.Svc.Submit(d.As(t, d.Reporter), r.ID, 1, nil)).OK(t).Report
		r = testkit.Of(d.Svc.Approve(d.As(t, d.Reviewer1), r.ID, r.Version)).OK(t).Report
		r = testkit.Of(d.Svc.UpdateReport(d.As(t, d.Editor), reports.UpdateReportInput{ID: r.ID, ExpectedVersion: r.Version, Body: testkit.Set("New body.")})).OK(t).Report
		if r.Status != editorial.InReview {
			t.Fatalf("status %s", r.Status)
		}
		r = testkit.Of(d.Svc.Approve(d.As(t, d.Reviewer2), r.ID, r.Version)).OK(t).Report
		if r.Status != editorial.InReview || d.Facts(t, d.Reviewer2, r.ID).Approvals != 1 {
			t.Fatalf("the approval of the old version counted: %s %+v", r.Status, d.Facts(t, d.Reviewer2, r.ID))
		}
		// reviewer 1 approved the old version only, so may approve again.
		if r = testkit.Of(d.Svc.Approve(d.As(t, d.Reviewer1), r.ID, r.Version)).OK(t).Report; r.Status != editorial.Approved {
			t.Fatalf("status %s", r.Status)
		}
	})
	t.Run("ConfiguredOff", func(t *testing.T) {
		d := testkit.NewDesk(t)
		d.Settings(t, identity.SettingsChange{EditReopensReview: testkit.Ptr(false)})
		r := d.Approved(t, "Stays approved")
		saved := testkit.Of(d.Svc.UpdateReport(d.As(t, d.Editor), reports.UpdateReportInput{ID: r.ID, ExpectedVersion: r.Version, Title: testkit.Set("Stays approved, edited")})).OK(t)
		if saved.Report.Status != editorial.Approved {
			t.Fatalf("status %s", saved.Report.Status)
		}
	})
}

// --- publishing ---

func TestPublishUnpublishRepublish(t *testing.T) {
	t.Parallel()
	d := testkit.NewDesk(t)
	ed := d.As(t, d.Editor)
	r := d.Approved(t, "Forum closes")
	first := d.Clock.Now()

	saved := testkit.Of(d.Svc.Publish(ed, r.ID, r.Version)).OK(t)
	r = saved.Report
	pub := d.Publication(t, r.ID)
	if r.Status != editorial.Published || r.PublishedAt == nil || !r.PublishedAt.Equal(first) ||
		pub == nil || pub.RevisionID != saved.Revision.ID || pub.Version != r.Version || !pub.FirstPublishedAt.Equal(first) || !pub.PublishedAt.Equal(first) {
		t.Fatalf("published: %+v, publication %+v", r, pub)
	}
	if f := d.Facts(t, d.Editor, r.ID); !f.Published || f.HasUnpublishedChanges || slices.Contains(workflow.Available(viewerOf(d.Editor), r, f), workflow.Publish) {
		t.Fatalf("right after publishing: %+v", f)
	}
	_, err := d.Svc.Publish(ed, r.ID, r.Version)
	testkit.WantCode(t, err, cerr.Invalid, workflow.MsgNothingToPublish)

	// An edit changes the draft; the public still has the published revision.
	d.Clock.Add(time.Hour)
	r = testkit.Of(d.Svc.UpdateReport(ed, reports.UpdateReportInput{ID: r.ID, ExpectedVersion: r.Version, Title: testkit.Set("Forum closes with a deal")})).OK(t).Report
	if r.Status != editorial.Published {
		t.Fatalf("an edit unpublished the report: %s", r.Status)
	}
	if p := d.Publication(t, r.ID); *p != *pub {
		t.Fatalf("the edit moved the publication: %+v", p)
	}
	published := testkit.Of(postgres.RevisionsByIDs(t.Context(), d.DB, []int64{pub.RevisionID})).OK(t)[pub.RevisionID]
	if published.Snapshot.Title != "Forum closes" {
		t.Fatalf("published snapshot title %q", published.Snapshot.Title)
	}
	f := d.Facts(t, d.Editor, r.ID)
	if !f.HasUnpublishedChanges || !slices.Contains(workflow.Available(viewerOf(d.Editor), r, f), workflow.Publish) {
		t.Fatalf("after the edit: %+v", f)
	}

	// Republishing moves the publication to the new revision.
	d.Clock.Add(time.Hour)
	saved = testkit.Of(d.Svc.Publish(ed, r.ID, r.Version)).OK(t)
	r = saved.Report
	p := d.Publication(t, r.ID)
	if p.RevisionID != saved.Revision.ID || p.Version != r.Version || !p.FirstPublishedAt.Equal(first) || !p.PublishedAt.Equal(d.Clock.Now()) ||
		!r.PublishedAt.Equal(first) || *saved.Revision.Message != "Published the changes" {
		t.Fatalf("republished: publication %+v, report %+v", p, r)
	}
	if d.Facts(t, d.Editor, r.ID).HasUnpublishedChanges {
		t.Fatal("unpublished changes right after republishing")
	}

	// Unpublishing needs a reason and keeps the publication.
	_, err = d.Svc.Unpublish(ed, r.ID, r.Version, "  ")
	testkit.WantErr(t, err, cerr.Invalid, "input.reason")
	r = testkit.Of(d.Svc.Unpublish(ed, r.ID, r.Version, "Legal asked us to hold it.")).OK(t).Report
	if r.Status != editorial.Unpublished || d.Publication(t, r.ID) == nil {
		t.Fatalf("unpublished: %s", r.Status)
	}
	trail := testkit.AuditTrail(t, d.DB, r.ID)
	if last := trail[len(trail)-1]; last.Action != "report.unpublish" || testkit.JSONField(t, last.Detail, "reason") != "Legal asked us to hold it." {
		t.Fatalf("unpublish entry: %s %s", last.Action, last.Detail)
	}
	_, err = d.Svc.Unpublish(ed, r.ID, r.Version, "Again")
	testkit.WantCode(t, err, cerr.Invalid, "The report is UNPUBLISHED; unpublish needs PUBLISHED.")

	// Publishing again, then archiving and restoring, keeps what was published.
	r = testkit.Of(d.Svc.Publish(ed, r.ID, r.Version)).OK(t).Report
	pub = d.Publication(t, r.ID)
	r = testkit.Of(d.Svc.DeleteReport(ed, r.ID, r.Version)).OK(t).Report
	r = testkit.Of(d.Svc.RestoreReport(ed, r.ID, r.Version)).OK(t).Report
	if r.Status != editorial.Published || *d.Publication(t, r.ID) != *pub || d.Facts(t, d.Editor, r.ID).HasUnpublishedChanges {
		t.Fatalf("after archive and restore: %s, %+v", r.Status, d.Publication(t, r.ID))
	}

	// A report created PUBLISHED (an import) is published as created.
	imported := testkit.Of(d.Svc.CreateReport(testkit.AsSystem(t), reports.CreateReportInput{Title: "Imported", SourceLocale: "en", Status: editorial.Published})).OK(t)
	if p := d.Publication(t, imported.Report.ID); p == nil || p.RevisionID != imported.Revision.ID || p.Version != 1 {
		t.Fatalf("imported report's publication: %+v", p)
	}
}

func viewerOf(u *auth.User) *auth.Viewer {
	return &auth.Viewer{UserID: u.ID, Name: u.Name, Email: u.Email, Grants: u.Grants, Locales: u.Locales, Scope: auth.ScopeFull}
}

// --- races ---

// Sixteen callers approving, then publishing, the same version at once:
// one wins, the others get CONFLICT naming what moved on (the status, the
// approvals), and only the winner left a trace.
func TestRacingTransitions(t *testing.T) {
	t.Parallel()
	d := testkit.NewDesk(t)
	ctx := testkit.AsSystem(t)
	const n = 16
	reviewers := make([]*auth.User, n)
	for i := range reviewers {
		reviewers[i] = testkit.Of(d.IDs.CreateUser(ctx, identity.NewUser{Email: fmt.Sprintf("rev%d@example.org", i), Name: fmt.Sprintf("Reviewer %d", i),
			Grants: []auth.Grant{{Role: auth.Reviewer, DeskID: &d.Desk.ID}}})).OK(t)
	}
	r := d.Draft(t, "Raced")
	r = testkit.Of(d.Svc.Submit(d.As(t, d.Reporter), r.ID, 1, nil)).OK(t).Report

	race := func(changed []string, call func(i int) (*reports.Saved, error)) (wins int, winner *reports.Saved) {
		var wg sync.WaitGroup
		var mu sync.Mutex
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				saved, err := call(i)
				mu.Lock()
				defer mu.Unlock()
				switch cerr.Code(err) {
				case "":
					wins++
					winner = saved
				case cerr.Conflict:
					if e := cerr.As(err); e.Field != "input.expectedVersion" || e.Details["currentVersion"] != r.Version+1 {
						t.Errorf("conflict: %v %v", e, e.Details)
					} else if got := e.Details["changedFields"]; !slices.Equal(got.([]string), changed) {
						t.Errorf("conflict names %v as changed, want %v", got, changed)
					}
				default:
					t.Errorf("caller %d: %v", i, err)
				}
			}()
		}
		close(start)
		wg.Wait()
		return wins, winner
	}
	count := func(action string) int {
		var c int
		if err := d.DB.GetContext(context.Background(), &c, `SELECT count(*) FROM audit_log WHERE report_id = $1 AND action = $2`, r.ID, action); err != nil {
			t.Fatal(err)
		}
		return c
	}

	wins, saved := race([]string{"status", "approvals"}, func(i int) (*reports.Saved, error) { return d.Svc.Approve(d.As(t, reviewers[i]), r.ID, r.Version) })
	if wins != 1 || saved.Report.Status != editorial.Approved || count("report.approve") != 1 || testkit.RowCount(t, d.DB, "report_approvals") != 1 {
		t.Fatalf("approve race: %d wins, %d audit entries, %d approvals", wins, count("report.approve"), testkit.RowCount(t, d.DB, "report_approvals"))
	}
	r = saved.Report
	wins, saved = race([]string{"status"}, func(i int) (*reports.Saved, error) {
		u := d.Editor
		if i%2 == 1 {
			u = d.Admin
		}
		return d.Svc.Publish(d.As(t, u), r.ID, r.Version)
	})
	if wins != 1 || saved.Report.Status != editorial.Published || count("report.publish") != 1 {
		t.Fatalf("publish race: %d wins, %d audit entries", wins, count("report.publish"))
	}
	if p := d.Publication(t, r.ID); p.RevisionID != saved.Revision.ID {
		t.Fatalf("publication %+v, winner's revision %d", p, saved.Revision.ID)
	}
	if revs := testkit.RevisionsOf(t, d.DB, r.ID); len(revs) != 4 {
		t.Fatalf("%d revisions, want 4 (create, submit, approve, publish)", len(revs))
	}
}

// --- embargo ---

func TestEmbargo(t *testing.T) {
	t.Parallel()
	d := testkit.NewDesk(t)
	ed := d.As(t, d.Editor)
	r := d.Approved(t, "Embargoed results")
	until := d.Clock.Now().Add(2 * time.Hour)
	msg := "embargoed until " + until.Format(time.RFC3339)

	_, err := d.Svc.SetEmbargo(d.As(t, d.Reviewer1), r.ID, r.Version, &until)
	testkit.WantCode(t, err, cerr.Forbidden, auth.RuleFor(auth.PublishReport).Description)
	saved := testkit.Of(d.Svc.SetEmbargo(ed, r.ID, r.Version, &until)).OK(t)
	if saved.Report.Version != r.Version+1 || saved.Report.Status != editorial.Approved {
		t.Fatalf("embargo: %+v", saved.Report)
	}
	r = saved.Report
	if e := testkit.Of(postgres.EmbargoesByReportIDs(t.Context(), d.DB, []int64{r.ID})).OK(t); !e[r.ID].Equal(until) {
		t.Fatalf("embargoes: %v", e)
	}
	if again := testkit.Of(d.Svc.SetEmbargo(ed, r.ID, r.Version, &until)).OK(t); again.Report.Version != r.Version {
		t.Fatalf("setting the same embargo recorded version %d", again.Report.Version)
	}

	// Nobody publishes before the embargo.
	for _, ctx := range []context.Context{ed, d.As(t, d.Admin), testkit.AsSystem(t)} {
		_, err := d.Svc.Publish(ctx, r.ID, r.Version)
		testkit.WantCode(t, err, cerr.Invalid, msg)
	}
	f := d.Facts(t, d.Editor, r.ID)
	if f.EmbargoUntil == nil || !f.EmbargoUntil.Equal(until) || slices.Contains(workflow.Available(viewerOf(d.Editor), r, f), workflow.Publish) {
		t.Fatalf("facts: %+v", f)
	}
	// Nor schedules before it.
	_, err = d.Svc.Schedule(ed, r.ID, r.Version, d.Clock.Now().Add(time.Hour), "Asia/Tokyo")
	testkit.WantErr(t, err, cerr.Invalid, "input.publishAt")
	at := d.Clock.Now().Add(3 * time.Hour)
	r = testkit.Of(d.Svc.Schedule(ed, r.ID, r.Version, at, "Asia/Tokyo")).OK(t).Report

	// The embargo moves past the job: the worker holds the job until then.
	later := d.Clock.Now().Add(5 * time.Hour)
	r = testkit.Of(d.Svc.SetEmbargo(ed, r.ID, r.Version, &later)).OK(t).Report
	d.Clock.Add(3*time.Hour + time.Second)
	if n := d.Worker(t); n != 1 {
		t.Fatalf("claimed %d jobs", n)
	}
	if got := d.Current(t, r.ID); got.Status != editorial.Scheduled || got.Version != r.Version {
		t.Fatalf("published during the embargo: %s v%d", got.Status, got.Version)
	}
	job := testkit.Of(postgres.PublishJobsByReportIDs(t.Context(), d.DB, []int64{r.ID})).OK(t)[r.ID]
	if job == nil || !job.RunAt.Equal(later) {
		t.Fatalf("job not moved to the embargo: %+v", job)
	}
	d.Clock.Add(time.Hour)
	if n := d.Worker(t); n != 0 {
		t.Fatalf("claimed %d jobs an hour before the embargo ends", n)
	}
	d.Clock.Add(time.Hour)
	d.Worker(t)
	if got := d.Current(t, r.ID); got.Status != editorial.Published {
		t.Fatalf("not published at the embargo's end: %s", got.Status)
	}

	// Lifting an embargo is recorded too.
	r = d.Current(t, r.ID)
	saved = testkit.Of(d.Svc.SetEmbargo(ed, r.ID, r.Version, nil)).OK(t)
	trail := testkit.AuditTrail(t, d.DB, r.ID)
	if last := trail[len(trail)-1]; saved.Report.Version != r.Version+1 || last.Action != "report.embargo" || testkit.JSONField(t, last.Detail, "embargoUntil") != nil {
		t.Fatalf("lifting: v%d, %s %s", saved.Report.Version, last.Action, last.Detail)
	}
}

// --- audit completeness ---

// Every successful transition adds exactly one audit entry, with its
// action; every failed one adds none and changes nothing.
func TestWorkflowAuditCompleteness(t *testing.T) {
	t.Parallel()
	d := testkit.NewDesk(t)
	r := d.Draft(t, "Audited")
	ver := func() int { return d.Current(t, r.ID).Version }
	rep, rev1, ed := d.As(t, d.Reporter), d.As(t, d.Reviewer1), d.As(t, d.Editor)
	future := func() time.Time { return d.Clock.Now().Add(time.Hour) }
	calls := []struct {
		name   string
		call   func() (*reports.Saved, error)
		action string // "" must fail
		code   string
	}{
		{"submit by another reporter", func() (*reports.Saved, error) { return d.Svc.Submit(d.As(t, d.OtherReporter), r.ID, ver(), nil) }, "", cerr.Forbidden},
		{"approve a draft", func() (*reports.Saved, error) { return d.Svc.Approve(rev1, r.ID, ver()) }, "", cerr.Invalid},
		{"assign a translator", func() (*reports.Saved, error) {
			return d.Svc.AssignReviewers(ed, r.ID, ver(), []int64{d.Reviewer1.ID, d.Translator.ID})
		}, "", cerr.Invalid},
		{"assign an unknown user", func() (*reports.Saved, error) { return d.Svc.AssignReviewers(ed, r.ID, ver(), []int64{999999}) }, "", cerr.Invalid},
		{"assign the author", func() (*reports.Saved, error) { return d.Svc.AssignReviewers(ed, r.ID, ver(), []int64{d.Reporter.ID}) }, "", cerr.Invalid},
		{"assign twice", func() (*reports.Saved, error) {
			return d.Svc.AssignReviewers(ed, r.ID, ver(), []int64{d.Reviewer1.ID, d.Reviewer1.ID})
		}, "", cerr.Invalid},
		{"assign reviewers", func() (*reports.Saved, error) { return d.Svc.AssignReviewers(ed, r.ID, ver(), []int64{d.Reviewer1.ID}) }, "report.assignReviewers", ""},
		{"submit with a stale version", func() (*reports.Saved, error) { return d.Svc.Submit(rep, r.ID, ver()-1, nil) }, "", cerr.Conflict},
		{"submit", func() (*reports.Saved, error) { return d.Svc.Submit(rep, r.ID, ver(), testkit.Ptr("Please review")) }, "report.submit", ""},
		{"request changes without a comment", func() (*reports.Saved, error) {
			return d.Svc.RequestChanges(rev1, r.ID, ver(), reports.ChangeRequest{Comment: " "})
		}, "", cerr.Invalid},
		{"request changes", func() (*reports.Saved, error) {
			return d.Svc.RequestChanges(rev1, r.ID, ver(), reports.ChangeRequest{Comment: "Name the speakers."})
		}, "report.requestChanges", ""},
		{"submit again", func() (*reports.Saved, error) { return d.Svc.Submit(rep, r.ID, ver(), nil) }, "report.submit", ""},
		{"approve own report", func() (*reports.Saved, error) { return d.Svc.Approve(rep, r.ID, ver()) }, "", cerr.Forbidden},
		{"approve", func() (*reports.Saved, error) { return d.Svc.Approve(rev1, r.ID, ver()) }, "report.approve", ""},
		{"schedule in the past", func() (*reports.Saved, error) {
			return d.Svc.Schedule(ed, r.ID, ver(), d.Clock.Now().Add(-time.Minute), "UTC")
		}, "", cerr.Invalid},
		{"schedule in an unknown zone", func() (*reports.Saved, error) { return d.Svc.Schedule(ed, r.ID, ver(), future(), "Moon/Base") }, "", cerr.Invalid},
		{"schedule by a reviewer", func() (*reports.Saved, error) { return d.Svc.Schedule(rev1, r.ID, ver(), future(), "UTC") }, "", cerr.Forbidden},
		{"schedule", func() (*reports.Saved, error) { return d.Svc.Schedule(ed, r.ID, ver(), future(), "Europe/Paris") }, "report.schedule", ""},
		{"cancel the schedule", func() (*reports.Saved, error) { return d.Svc.CancelSchedule(ed, r.ID, ver()) }, "report.cancelSchedule", ""},
		{"cancel it twice", func() (*reports.Saved, error) { return d.Svc.CancelSchedule(ed, r.ID, ver()) }, "", cerr.Invalid},
		{"embargo", func() (*reports.Saved, error) { t := future(); return d.Svc.SetEmbargo(ed, r.ID, ver(), &t) }, "report.embargo", ""},
		{"publish during the embargo", func() (*reports.Saved, error) { return d.Svc.Publish(ed, r.ID, ver()) }, "", cerr.Invalid},
		{"lift the embargo", func() (*reports.Saved, error) { return d.Svc.SetEmbargo(ed, r.ID, ver(), nil) }, "report.embargo", ""},
		{"publish", func() (*reports.Saved, error) { return d.Svc.Publish(ed, r.ID, ver()) }, "report.publish", ""},
		{"unpublish without a reason", func() (*reports.Saved, error) { return d.Svc.Unpublish(ed, r.ID, ver(), "") }, "", cerr.Invalid},
		{"unpublish", func() (*reports.Saved, error) { return d.Svc.Unpublish(ed, r.ID, ver(), "Corrections pending.") }, "report.unpublish", ""},
		{"archive by a reporter", func() (*reports.Saved, error) { return d.Svc.DeleteReport(rep, r.ID, ver()) }, "", cerr.Forbidden},
		{"archive", func() (*reports.Saved, error) { return d.Svc.DeleteReport(ed, r.ID, ver()) }, "report.archive", ""},
		{"archive again", func() (*reports.Saved, error) { return d.Svc.DeleteReport(ed, r.ID, ver()) }, "", cerr.Invalid},
		{"restore", func() (*reports.Saved, error) { return d.Svc.RestoreReport(ed, r.ID, ver()) }, "report.restore", ""},
	}
	for _, c := range calls {
		before := testkit.AuditTrail(t, d.DB, r.ID)
		dumpBefore := testkit.WorkflowDump(t, d.DB)
		v := ver()
		saved, err := c.call()
		after := testkit.AuditTrail(t, d.DB, r.ID)
		if c.action == "" {
			if cerr.Code(err) != c.code {
				t.Errorf("%s: err = %v, want %s", c.name, err, c.code)
			}
			if len(after) != len(before) || ver() != v || testkit.WorkflowDump(t, d.DB) != dumpBefore {
				t.Errorf("%s: a failed transition left a trace (%d → %d audit entries, v%d → v%d)", c.name, len(before), len(after), v, ver())
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if len(after) != len(before)+1 || after[len(after)-1].Action != c.action || saved.Report.Version != v+1 {
			t.Fatalf("%s: %d → %d audit entries (%v), v%d → v%d", c.name, len(before), len(after), testkit.AuditActions(after[len(before):]), v, saved.Report.Version)
		}
		e := after[len(after)-1]
		if testkit.JSONField(t, e.Before, "version") != float64(v) || testkit.JSONField(t, e.After, "version") != float64(v+1) ||
			testkit.JSONField(t, e.After, "status") != string(saved.Report.Status) {
			t.Errorf("%s: before %s after %s", c.name, e.Before, e.After)
		}
	}
	if got := d.Current(t, r.ID); got.Status != editorial.Unpublished {
		t.Errorf("restored to %s, want UNPUBLISHED", got.Status)
	}
}

// --- reviewers ---

func TestAssignReviewers(t *testing.T) {
	t.Parallel()
	d := testkit.NewDesk(t)
	ed := d.As(t, d.Editor)
	r := d.Draft(t, "Reviewed")
	cases := []struct {
		name  string
		ids   []int64
		field string
		msg   string
	}{
		{"unknown", []int64{d.Reviewer1.ID, 999999}, "input.reviewerIds.1", "There is no user 999999."},
		{"translator", []int64{d.Translator.ID}, "input.reviewerIds.0", "is not a reviewer or editor of this report's desk"},
		{"editor of another desk", []int64{d.OtherEditor.ID}, "input.reviewerIds.0", "is not a reviewer or editor of this report's desk"},
		{"author", []int64{d.Editor.ID, d.Reporter.ID}, "input.reviewerIds.1", "created this report"},
		{"twice", []int64{d.Reviewer2.ID, d.Reviewer1.ID, d.Reviewer2.ID}, "input.reviewerIds.2", "listed twice"},
	}
	for _, c := range cases {
		_, err := d.Svc.AssignReviewers(ed, r.ID, 1, c.ids)
		if e := testkit.WantErr(t, err, cerr.Invalid, c.field); !strings.Contains(e.Message, c.msg) {
			t.Errorf("%s: message %q", c.name, e.Message)
		}
	}
	r = testkit.Of(d.Svc.AssignReviewers(ed, r.ID, 1, []int64{d.Reviewer1.ID, d.Editor.ID, d.Admin.ID})).OK(t).Report
	if same := testkit.Of(d.Svc.AssignReviewers(ed, r.ID, r.Version, []int64{d.Admin.ID, d.Reviewer1.ID, d.Editor.ID})).OK(t); same.Report.Version != r.Version {
		t.Fatalf("assigning the same reviewers recorded version %d", same.Report.Version)
	}
	d.Clock.Add(time.Minute)
	r = testkit.Of(d.Svc.AssignReviewers(ed, r.ID, r.Version, []int64{d.Reviewer2.ID, d.Reviewer1.ID})).OK(t).Report
	list := testkit.Of(postgres.ReviewersByReportIDs(t.Context(), d.DB, []int64{r.ID})).OK(t)[r.ID]
	if len(list) != 2 || list[0].UserID != d.Reviewer1.ID || !list[0].AssignedAt.Equal(testkit.Start) || list[1].UserID != d.Reviewer2.ID {
		t.Fatalf("reviewers = %+v", list)
	}
	_, err := d.Svc.AssignReviewers(d.As(t, d.Reviewer1), r.ID, r.Version, nil)
	testkit.WantCode(t, err, cerr.Forbidden, "")
	r = testkit.Of(d.Svc.AssignReviewers(ed, r.ID, r.Version, nil)).OK(t).Report
	if list := testkit.Of(postgres.ReviewersByReportIDs(t.Context(), d.DB, []int64{r.ID})).OK(t); len(list) != 0 {
		t.Fatalf("reviewers after clearing: %+v", list)
	}
}

// Facts and Available as the API uses them, for several reports at once.
func TestFactsForAvailableTransitions(t *testing.T) {
	t.Parallel()
	d := testkit.NewDesk(t)
	draft := d.Draft(t, "A draft")
	approved := d.Approved(t, "An approved report")
	facts := testkit.Of(d.Svc.Facts(d.As(t, d.Editor), []int64{draft.ID, approved.ID, 999999})).OK(t)
	if len(facts) != 2 || facts[approved.ID].Approvals != 1 || facts[draft.ID].Approvals != 0 || !facts[draft.ID].Now.Equal(testkit.Start) {
		t.Fatalf("facts = %+v", facts)
	}
	if got := workflow.Available(viewerOf(d.Reporter), draft, facts[draft.ID]); !slices.Equal(got, []workflow.Action{workflow.Submit}) {
		t.Errorf("reporter on a draft: %v", got)
	}
	if got := workflow.Available(viewerOf(d.Editor), approved, facts[approved.ID]); !slices.Equal(got,
		[]workflow.Action{workflow.Schedule, workflow.Publish, workflow.Archive}) {
		t.Errorf("editor on an approved report: %v", got)
	}
	if f := testkit.Of(d.Svc.Facts(d.As(t, d.Reviewer1), []int64{approved.ID})).OK(t)[approved.ID]; !f.ApprovedByViewer {
		t.Errorf("reviewer 1's facts: %+v", f)
	}
}
