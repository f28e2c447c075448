package content_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/content"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/identity"
	"github.com/copydesk/copydesk/internal/postgres"
	"github.com/copydesk/copydesk/internal/scheduler"
	"github.com/copydesk/copydesk/internal/workflow"
)

// --- workflow helpers ---

// wfClock is the database clock of a workflow test (postgres.DB.Now).
type wfClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *wfClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *wfClock) Add(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return c.t
}

// wfStart is when every workflow test begins: 10:00 in Shanghai.
var wfStart = time.Date(2025, 3, 14, 2, 0, 0, 0, time.UTC)

// desk is a newsroom with one desk and its people, each a real user.
type desk struct {
	svc   *content.Service
	db    *postgres.DB
	clock *wfClock
	ids   *identity.Service
	desk  *auth.Desk

	reporter, otherReporter, reviewer1, reviewer2, editor, otherEditor, admin, translator *auth.User
}

func newDesk(t *testing.T) *desk {
	t.Helper()
	svc, db := newService(t)
	d := &desk{svc: svc, db: db, clock: &wfClock{t: wfStart}, ids: identity.New(db)}
	db.Now = d.clock.Now
	ctx := asSystem(t)
	d.desk = of(d.ids.CreateDesk(ctx, "science", "Science")).ok(t)
	other := of(d.ids.CreateDesk(ctx, "world", "World")).ok(t)
	n := 0
	mk := func(role auth.Role, deskID *int64) *auth.User {
		n++
		in := identity.NewUser{Email: fmt.Sprintf("user%d@example.org", n), Name: fmt.Sprintf("%s %d", strings.ToLower(string(role)), n),
			Grants: []auth.Grant{{Role: role, DeskID: deskID}}}
		if role == auth.Translator {
			in.Locales = []string{"ja"}
		}
		return of(d.ids.CreateUser(ctx, in)).ok(t)
	}
	d.reporter, d.otherReporter = mk(auth.Reporter, &d.desk.ID), mk(auth.Reporter, &d.desk.ID)
	d.reviewer1, d.reviewer2 = mk(auth.Reviewer, &d.desk.ID), mk(auth.Reviewer, &d.desk.ID)
	d.editor, d.otherEditor = mk(auth.Editor, &d.desk.ID), mk(auth.Editor, &other.ID)
	d.admin, d.translator = mk(auth.Admin, nil), mk(auth.Translator, &d.desk.ID)
	return d
}

// as is the context of a call made by u.
func (d *desk) as(t *testing.T, u *auth.User) context.Context {
	return auth.WithViewer(t.Context(), &auth.Viewer{UserID: u.ID, Name: u.Name, Email: u.Email, Grants: u.Grants,
		Locales: u.Locales, Scope: auth.ScopeFull})
}

// draft creates a report on the desk as its reporter (version 1).
func (d *desk) draft(t *testing.T, title string) *editorial.Report {
	t.Helper()
	return of(d.svc.CreateReport(d.as(t, d.reporter), content.CreateReportInput{Title: title, SourceLocale: "en",
		Body: "The forum opened on Monday.", DeskID: &d.desk.ID})).ok(t).Report
}

// approved creates a report and takes it to APPROVED with the approvals
// the service requires (reviewer1, then reviewer2).
func (d *desk) approved(t *testing.T, title string) *editorial.Report {
	t.Helper()
	r := d.draft(t, title)
	r = of(d.svc.Submit(d.as(t, d.reporter), r.ID, r.Version, nil)).ok(t).Report
	for _, u := range []*auth.User{d.reviewer1, d.reviewer2}[:max(d.svc.Workflow.ApprovalsRequired, 1)] {
		r = of(d.svc.Approve(d.as(t, u), r.ID, r.Version)).ok(t).Report
	}
	if r.Status != editorial.Approved {
		t.Fatalf("report not approved: %s", r.Status)
	}
	return r
}

// current reads report id as stored.
func (d *desk) current(t *testing.T, id int64) *editorial.Report {
	t.Helper()
	return storedReport(t, d.db, id)
}

// facts reads the workflow facts of report id for u.
func (d *desk) facts(t *testing.T, u *auth.User, id int64) workflow.Facts {
	t.Helper()
	return of(d.svc.Facts(d.as(t, u), d.db, []int64{id})).ok(t)[id]
}

func (d *desk) publication(t *testing.T, id int64) *postgres.Publication {
	t.Helper()
	return of(postgres.PublicationsByReportIDs(context.Background(), d.db, []int64{id})).ok(t)[id]
}

// worker runs one scheduler round over the desk's database.
func (d *desk) worker(t *testing.T) int {
	t.Helper()
	return of(scheduler.New(d.db, d.svc, nil, scheduler.Options{}).RunOnce(t.Context())).ok(t)
}

// auditTrail returns the audit entries about report id, oldest first.
func auditTrail(t *testing.T, db *postgres.DB, id int64) []*postgres.AuditRow {
	t.Helper()
	var rows []*postgres.AuditRow
	err := db.SelectContext(context.Background(), &rows, `
		SELECT id, at, actor_id, actor_name, token_id, request_id, action, subject_type, subject_id, report_id,
			COALESCE(before_state, 'null') AS before_state, COALESCE(after_state, 'null') AS after_state, COALESCE(detail, 'null') AS detail
		FROM audit_log WHERE report_id = $1 ORDER BY id`, id)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func auditActions(rows []*postgres.AuditRow) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.Action
	}
	return out
}

// jsonField reads key of a JSON object.
func jsonField(t *testing.T, raw json.RawMessage, key string) any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		t.Fatalf("%s: %v", raw, err)
	}
	return m[key]
}

// wantCode fails unless err has code (and message containing msg, if set).
func wantCode(t *testing.T, err error, code, msg string) {
	t.Helper()
	if cerr.Code(err) != code || (msg != "" && !strings.Contains(cerr.Message(err), msg)) {
		t.Fatalf("err = %v, want %s %q", err, code, msg)
	}
}

// --- the happy path ---

// A report goes draft → review → changes requested → review → approved by
// two reviewers → scheduled → published by the worker, and every step is
// one version, one revision and one audit entry with the states around it.
func TestWorkflowHappyPath(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	d.svc.Workflow.ApprovalsRequired = 2
	r := d.draft(t, "Qingdao tech trade forum opens")
	step := func(name string, status editorial.Status, version int) func(*content.Saved, error) *editorial.Report {
		return func(saved *content.Saved, err error) *editorial.Report {
			t.Helper()
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if saved.Report.Status != status || saved.Report.Version != version || saved.Revision.Version != version {
				t.Fatalf("%s: report %s v%d, revision v%d; want %s v%d", name, saved.Report.Status, saved.Report.Version, saved.Revision.Version, status, version)
			}
			if got := d.current(t, r.ID); got.Status != status || got.Version != version {
				t.Fatalf("%s: stored %s v%d", name, got.Status, got.Version)
			}
			return saved.Report
		}
	}

	r = step("assign reviewers", editorial.Draft, 2)(d.svc.AssignReviewers(d.as(t, d.editor), r.ID, 1, []int64{d.reviewer1.ID, d.reviewer2.ID}))
	reviewers := of(postgres.ReviewersByReportIDs(t.Context(), d.db, []int64{r.ID})).ok(t)[r.ID]
	if len(reviewers) != 2 || *reviewers[0].AssignedBy != d.editor.ID {
		t.Fatalf("reviewers = %+v", reviewers)
	}
	r = step("submit", editorial.InReview, 3)(d.svc.Submit(d.as(t, d.reporter), r.ID, 2, ptr("Ready for review")))
	q := of(d.svc.Queue(d.as(t, d.reviewer1), d.reviewer1.ID, d.clock.Now(), time.UTC)).ok(t)
	if !slices.Equal(q.AwaitingReview, []int64{r.ID}) {
		t.Fatalf("reviewer 1's queue: %+v", q)
	}
	r = step("request changes", editorial.ChangesRequested, 4)(d.svc.RequestChanges(d.as(t, d.reviewer1), r.ID, 3, "Give the number of participants."))
	if q := of(d.svc.Queue(d.as(t, d.reporter), d.reporter.ID, d.clock.Now(), time.UTC)).ok(t); !slices.Equal(q.ChangesRequested, []int64{r.ID}) {
		t.Fatalf("reporter's queue: %+v", q)
	}
	r = step("edit", editorial.ChangesRequested, 5)(d.svc.UpdateReport(d.as(t, d.reporter), content.UpdateReportInput{ID: r.ID, ExpectedVersion: 4,
		Body: set("The forum opened on Monday with 200 participants.")}))
	r = step("resubmit", editorial.InReview, 6)(d.svc.Submit(d.as(t, d.reporter), r.ID, 5, nil))
	r = step("first approval", editorial.InReview, 7)(d.svc.Approve(d.as(t, d.reviewer1), r.ID, 6))
	if f := d.facts(t, d.reviewer1, r.ID); f.Approvals != 1 || !f.ApprovedByViewer || f.Required() != 2 {
		t.Fatalf("facts after one approval: %+v", f)
	}
	if q := of(d.svc.Queue(d.as(t, d.reviewer1), d.reviewer1.ID, d.clock.Now(), time.UTC)).ok(t); len(q.AwaitingReview) != 0 {
		t.Fatalf("reviewer 1 still has the report to review: %+v", q)
	}
	if q := of(d.svc.Queue(d.as(t, d.reviewer2), d.reviewer2.ID, d.clock.Now(), time.UTC)).ok(t); !slices.Equal(q.AwaitingReview, []int64{r.ID}) {
		t.Fatalf("reviewer 2's queue: %+v", q)
	}
	_, err := d.svc.Approve(d.as(t, d.reviewer1), r.ID, 7)
	wantCode(t, err, cerr.Invalid, workflow.MsgApprovedAlready)
	r = step("second approval", editorial.Approved, 8)(d.svc.Approve(d.as(t, d.reviewer2), r.ID, 7))
	approvals := of(postgres.ApprovalsByReportIDs(t.Context(), d.db, []int64{r.ID})).ok(t)[r.ID]
	if len(approvals) != 2 || approvals[0].UserID != d.reviewer1.ID || approvals[0].Version != 6 || approvals[1].Version != 7 {
		t.Fatalf("approvals = %+v", approvals)
	}

	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	at := d.clock.Now().Add(90 * time.Minute) // 11:30 in Shanghai
	r = step("schedule", editorial.Scheduled, 9)(d.svc.Schedule(d.as(t, d.editor), r.ID, 8, at, "Asia/Shanghai"))
	job := of(postgres.PublishJobsByReportIDs(t.Context(), d.db, []int64{r.ID})).ok(t)[r.ID]
	if job == nil || !job.RunAt.Equal(at) || job.TimeZone != "Asia/Shanghai" || *job.CreatedBy != d.editor.ID {
		t.Fatalf("publish job = %+v", job)
	}
	if q := of(d.svc.Queue(d.as(t, d.editor), d.editor.ID, d.clock.Now(), shanghai)).ok(t); !slices.Equal(q.ScheduledToday, []int64{r.ID}) {
		t.Fatalf("scheduled today: %+v", q)
	}
	if q := of(d.svc.Queue(d.as(t, d.editor), d.editor.ID, d.clock.Now().AddDate(0, 0, 1), shanghai)).ok(t); len(q.ScheduledToday) != 0 {
		t.Fatalf("scheduled tomorrow: %+v", q)
	}

	if n := d.worker(t); n != 0 {
		t.Fatalf("the worker claimed %d jobs before they were due", n)
	}
	d.clock.Add(90*time.Minute + time.Second)
	if n := d.worker(t); n != 1 {
		t.Fatalf("the worker claimed %d jobs, want 1", n)
	}
	got := d.current(t, r.ID)
	if got.Status != editorial.Published || got.Version != 10 || got.PublishedAt == nil || !got.PublishedAt.Equal(d.clock.Now().Truncate(time.Microsecond)) {
		t.Fatalf("after the worker: %+v", got)
	}
	pub := d.publication(t, r.ID)
	rev := of(postgres.RevisionByVersion(t.Context(), d.db, r.ID, 10)).ok(t)
	if pub == nil || pub.RevisionID != rev.ID || pub.Version != 10 || !pub.FirstPublishedAt.Equal(*got.PublishedAt) {
		t.Fatalf("publication = %+v, revision %d", pub, rev.ID)
	}
	if jobs := of(postgres.PublishJobsByReportIDs(t.Context(), d.db, []int64{r.ID})).ok(t); len(jobs) != 0 {
		t.Fatalf("the job is still there: %+v", jobs)
	}

	trail := auditTrail(t, d.db, r.ID)
	want := []string{"report.create", "report.assignReviewers", "report.submit", "report.requestChanges", "report.update", "report.submit",
		"report.approve", "report.approve", "report.schedule", "report.publish"}
	if !slices.Equal(auditActions(trail), want) {
		t.Fatalf("audit trail %v, want %v", auditActions(trail), want)
	}
	after := []string{"DRAFT", "IN_REVIEW", "CHANGES_REQUESTED", "CHANGES_REQUESTED", "IN_REVIEW", "IN_REVIEW", "APPROVED", "SCHEDULED", "PUBLISHED"}
	prev := "DRAFT"
	for i, e := range trail[1:] {
		if jsonField(t, e.Before, "status") != prev || jsonField(t, e.After, "status") != after[i] ||
			jsonField(t, e.Before, "version") != float64(i+1) || jsonField(t, e.After, "version") != float64(i+2) {
			t.Errorf("%s: before %s after %s", e.Action, e.Before, e.After)
		}
		prev = after[i]
	}
	if c := jsonField(t, trail[3].Detail, "comment"); c != "Give the number of participants." {
		t.Errorf("request changes detail: %s", trail[3].Detail)
	}
	if trail[8].ActorID == nil || *trail[8].ActorID != d.editor.ID || jsonField(t, trail[8].Detail, "timeZone") != "Asia/Shanghai" ||
		jsonField(t, trail[8].Detail, "publishAt") != at.UTC().Format(time.RFC3339Nano) {
		t.Errorf("schedule entry: actor %v, detail %s", trail[8].ActorID, trail[8].Detail)
	}
	if last := trail[9]; last.ActorID != nil || last.ActorName != "copydesk" || jsonField(t, last.Detail, "scheduledFor") == nil {
		t.Errorf("publish entry: actor %v %q, detail %s", last.ActorID, last.ActorName, last.Detail)
	}
	revs := revisionsOf(t, d.db, r.ID)
	if len(revs) != 10 {
		t.Fatalf("%d revisions, want 10", len(revs))
	}
}

// --- edit after approval ---

func TestEditAfterApprovalReopensReview(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	ed := d.as(t, d.editor)

	t.Run("UpdateReport", func(t *testing.T) {
		r := d.approved(t, "Approved then edited")
		saved := of(d.svc.UpdateReport(ed, content.UpdateReportInput{ID: r.ID, ExpectedVersion: r.Version, Title: set("Approved, then edited")})).ok(t)
		if saved.Report.Status != editorial.InReview || saved.Report.Version != r.Version+1 {
			t.Fatalf("after the edit: %s v%d", saved.Report.Status, saved.Report.Version)
		}
		if f := d.facts(t, d.reviewer1, r.ID); f.Approvals != 0 || f.ApprovedByViewer {
			t.Fatalf("approvals survived the edit: %+v", f)
		}
		if a := of(postgres.ApprovalsByReportIDs(t.Context(), d.db, []int64{r.ID})).ok(t); len(a) != 0 {
			t.Fatalf("approvals = %+v", a)
		}
		e := auditTrail(t, d.db, r.ID)
		last := e[len(e)-1]
		if last.Action != "report.update" || jsonField(t, last.After, "status") != "IN_REVIEW" || jsonField(t, last.Detail, "reviewReopened") != true {
			t.Fatalf("audit: %s %s %s", last.Action, last.After, last.Detail)
		}
		// The reviewer approves the new version.
		if got := of(d.svc.Approve(d.as(t, d.reviewer1), r.ID, saved.Report.Version)).ok(t).Report; got.Status != editorial.Approved {
			t.Fatalf("re-approval: %s", got.Status)
		}
	})
	t.Run("AnEditThatChangesNothing", func(t *testing.T) {
		r := d.approved(t, "Unchanged")
		saved := of(d.svc.UpdateReport(ed, content.UpdateReportInput{ID: r.ID, ExpectedVersion: r.Version, Title: set("Unchanged")})).ok(t)
		if saved.Report.Status != editorial.Approved || saved.Report.Version != r.Version {
			t.Fatalf("a no-op edit moved the report: %s v%d", saved.Report.Status, saved.Report.Version)
		}
	})
	t.Run("SetAttendeesOfAScheduledReport", func(t *testing.T) {
		r := d.approved(t, "Scheduled then edited")
		r = of(d.svc.Schedule(ed, r.ID, r.Version, d.clock.Now().Add(time.Hour), "UTC")).ok(t).Report
		deleg := "Officers of the consulates"
		saved := of(d.svc.SetAttendees(ed, r.ID, r.Version, []content.AttendeeInput{{Delegation: &deleg, Participations: parts("ATTENDED")}}, nil)).ok(t)
		if saved.Report.Status != editorial.InReview {
			t.Fatalf("after the edit: %s", saved.Report.Status)
		}
		if jobs := of(postgres.PublishJobsByReportIDs(t.Context(), d.db, []int64{r.ID})).ok(t); len(jobs) != 0 {
			t.Fatalf("the publish job survived: %+v", jobs)
		}
	})
	t.Run("RestoreRevision", func(t *testing.T) {
		r := d.draft(t, "Restored after approval")
		r = of(d.svc.UpdateReport(d.as(t, d.reporter), content.UpdateReportInput{ID: r.ID, ExpectedVersion: 1, Title: set("Second title")})).ok(t).Report
		r = of(d.svc.Submit(d.as(t, d.reporter), r.ID, r.Version, nil)).ok(t).Report
		r = of(d.svc.Approve(d.as(t, d.reviewer1), r.ID, r.Version)).ok(t).Report
		first := of(postgres.RevisionByVersion(t.Context(), d.db, r.ID, 1)).ok(t)
		saved := of(d.svc.RestoreRevision(ed, first.ID, r.Version, nil)).ok(t)
		if saved.Report.Status != editorial.InReview || saved.Report.Title != "Restored after approval" {
			t.Fatalf("after restoring: %s %q", saved.Report.Status, saved.Report.Title)
		}
	})
	t.Run("EditDuringReviewVoidsEarlierApprovals", func(t *testing.T) {
		d := newDesk(t)
		d.svc.Workflow.ApprovalsRequired = 2
		r := d.draft(t, "Two approvals")
		r = of(d.svc.Submit(d.as(t, d.reporter), r.ID, 1, nil)).ok(t).Report
		r = of(d.svc.Approve(d.as(t, d.reviewer1), r.ID, r.Version)).ok(t).Report
		r = of(d.svc.UpdateReport(d.as(t, d.editor), content.UpdateReportInput{ID: r.ID, ExpectedVersion: r.Version, Body: set("New body.")})).ok(t).Report
		if r.Status != editorial.InReview {
			t.Fatalf("status %s", r.Status)
		}
		r = of(d.svc.Approve(d.as(t, d.reviewer2), r.ID, r.Version)).ok(t).Report
		if r.Status != editorial.InReview || d.facts(t, d.reviewer2, r.ID).Approvals != 1 {
			t.Fatalf("the approval of the old version counted: %s %+v", r.Status, d.facts(t, d.reviewer2, r.ID))
		}
		// reviewer 1 approved the old version only, so may approve again.
		if r = of(d.svc.Approve(d.as(t, d.reviewer1), r.ID, r.Version)).ok(t).Report; r.Status != editorial.Approved {
			t.Fatalf("status %s", r.Status)
		}
	})
	t.Run("ConfiguredOff", func(t *testing.T) {
		d := newDesk(t)
		d.svc.Workflow.EditReopensReview = false
		r := d.approved(t, "Stays approved")
		saved := of(d.svc.UpdateReport(d.as(t, d.editor), content.UpdateReportInput{ID: r.ID, ExpectedVersion: r.Version, Title: set("Stays approved, edited")})).ok(t)
		if saved.Report.Status != editorial.Approved {
			t.Fatalf("status %s", saved.Report.Status)
		}
	})
}

// --- publishing ---

func TestPublishUnpublishRepublish(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	ed := d.as(t, d.editor)
	r := d.approved(t, "Forum closes")
	first := d.clock.Now()

	saved := of(d.svc.Publish(ed, r.ID, r.Version)).ok(t)
	r = saved.Report
	pub := d.publication(t, r.ID)
	if r.Status != editorial.Published || r.PublishedAt == nil || !r.PublishedAt.Equal(first) ||
		pub == nil || pub.RevisionID != saved.Revision.ID || pub.Version != r.Version || !pub.FirstPublishedAt.Equal(first) || !pub.PublishedAt.Equal(first) {
		t.Fatalf("published: %+v, publication %+v", r, pub)
	}
	if f := d.facts(t, d.editor, r.ID); !f.Published || f.HasUnpublishedChanges || slices.Contains(workflow.Available(viewerOf(d.editor), r, f), workflow.Publish) {
		t.Fatalf("right after publishing: %+v", f)
	}
	_, err := d.svc.Publish(ed, r.ID, r.Version)
	wantCode(t, err, cerr.Invalid, workflow.MsgNothingToPublish)

	// An edit changes the draft; the public still has the published revision.
	d.clock.Add(time.Hour)
	r = of(d.svc.UpdateReport(ed, content.UpdateReportInput{ID: r.ID, ExpectedVersion: r.Version, Title: set("Forum closes with a deal")})).ok(t).Report
	if r.Status != editorial.Published {
		t.Fatalf("an edit unpublished the report: %s", r.Status)
	}
	if p := d.publication(t, r.ID); *p != *pub {
		t.Fatalf("the edit moved the publication: %+v", p)
	}
	published := of(postgres.RevisionsByIDs(t.Context(), d.db, []int64{pub.RevisionID})).ok(t)[pub.RevisionID]
	if published.Snapshot.Title != "Forum closes" {
		t.Fatalf("published snapshot title %q", published.Snapshot.Title)
	}
	f := d.facts(t, d.editor, r.ID)
	if !f.HasUnpublishedChanges || !slices.Contains(workflow.Available(viewerOf(d.editor), r, f), workflow.Publish) {
		t.Fatalf("after the edit: %+v", f)
	}

	// Republishing moves the publication to the new revision.
	d.clock.Add(time.Hour)
	saved = of(d.svc.Publish(ed, r.ID, r.Version)).ok(t)
	r = saved.Report
	p := d.publication(t, r.ID)
	if p.RevisionID != saved.Revision.ID || p.Version != r.Version || !p.FirstPublishedAt.Equal(first) || !p.PublishedAt.Equal(d.clock.Now()) ||
		!r.PublishedAt.Equal(first) || *saved.Revision.Message != "Published the changes" {
		t.Fatalf("republished: publication %+v, report %+v", p, r)
	}
	if d.facts(t, d.editor, r.ID).HasUnpublishedChanges {
		t.Fatal("unpublished changes right after republishing")
	}

	// Unpublishing needs a reason and keeps the publication.
	_, err = d.svc.Unpublish(ed, r.ID, r.Version, "  ")
	wantErr(t, err, cerr.Invalid, "input.reason")
	r = of(d.svc.Unpublish(ed, r.ID, r.Version, "Legal asked us to hold it.")).ok(t).Report
	if r.Status != editorial.Unpublished || d.publication(t, r.ID) == nil {
		t.Fatalf("unpublished: %s", r.Status)
	}
	trail := auditTrail(t, d.db, r.ID)
	if last := trail[len(trail)-1]; last.Action != "report.unpublish" || jsonField(t, last.Detail, "reason") != "Legal asked us to hold it." {
		t.Fatalf("unpublish entry: %s %s", last.Action, last.Detail)
	}
	_, err = d.svc.Unpublish(ed, r.ID, r.Version, "Again")
	wantCode(t, err, cerr.Invalid, "The report is UNPUBLISHED; unpublish needs PUBLISHED.")

	// Publishing again, then archiving and restoring, keeps what was published.
	r = of(d.svc.Publish(ed, r.ID, r.Version)).ok(t).Report
	pub = d.publication(t, r.ID)
	r = of(d.svc.DeleteReport(ed, r.ID, r.Version)).ok(t).Report
	r = of(d.svc.RestoreReport(ed, r.ID, r.Version)).ok(t).Report
	if r.Status != editorial.Published || *d.publication(t, r.ID) != *pub || d.facts(t, d.editor, r.ID).HasUnpublishedChanges {
		t.Fatalf("after archive and restore: %s, %+v", r.Status, d.publication(t, r.ID))
	}

	// A report created PUBLISHED (an import) is published as created.
	imported := of(d.svc.CreateReport(asSystem(t), content.CreateReportInput{Title: "Imported", SourceLocale: "en", Status: editorial.Published})).ok(t)
	if p := d.publication(t, imported.Report.ID); p == nil || p.RevisionID != imported.Revision.ID || p.Version != 1 {
		t.Fatalf("imported report's publication: %+v", p)
	}
}

func viewerOf(u *auth.User) *auth.Viewer {
	return &auth.Viewer{UserID: u.ID, Name: u.Name, Email: u.Email, Grants: u.Grants, Locales: u.Locales, Scope: auth.ScopeFull}
}

// --- races ---

// Sixteen callers approving, then publishing, the same version at once:
// one wins, the others get CONFLICT, and only the winner left a trace.
func TestRacingTransitions(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	ctx := asSystem(t)
	const n = 16
	reviewers := make([]*auth.User, n)
	for i := range reviewers {
		reviewers[i] = of(d.ids.CreateUser(ctx, identity.NewUser{Email: fmt.Sprintf("rev%d@example.org", i), Name: fmt.Sprintf("Reviewer %d", i),
			Grants: []auth.Grant{{Role: auth.Reviewer, DeskID: &d.desk.ID}}})).ok(t)
	}
	r := d.draft(t, "Raced")
	r = of(d.svc.Submit(d.as(t, d.reporter), r.ID, 1, nil)).ok(t).Report

	race := func(call func(i int) (*content.Saved, error)) (wins int, winner *content.Saved) {
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
		if err := d.db.GetContext(context.Background(), &c, `SELECT count(*) FROM audit_log WHERE report_id = $1 AND action = $2`, r.ID, action); err != nil {
			t.Fatal(err)
		}
		return c
	}

	wins, saved := race(func(i int) (*content.Saved, error) { return d.svc.Approve(d.as(t, reviewers[i]), r.ID, r.Version) })
	if wins != 1 || saved.Report.Status != editorial.Approved || count("report.approve") != 1 || rowCount(t, d.db, "report_approvals") != 1 {
		t.Fatalf("approve race: %d wins, %d audit entries, %d approvals", wins, count("report.approve"), rowCount(t, d.db, "report_approvals"))
	}
	r = saved.Report
	wins, saved = race(func(i int) (*content.Saved, error) {
		u := d.editor
		if i%2 == 1 {
			u = d.admin
		}
		return d.svc.Publish(d.as(t, u), r.ID, r.Version)
	})
	if wins != 1 || saved.Report.Status != editorial.Published || count("report.publish") != 1 {
		t.Fatalf("publish race: %d wins, %d audit entries", wins, count("report.publish"))
	}
	if p := d.publication(t, r.ID); p.RevisionID != saved.Revision.ID {
		t.Fatalf("publication %+v, winner's revision %d", p, saved.Revision.ID)
	}
	if revs := revisionsOf(t, d.db, r.ID); len(revs) != 4 {
		t.Fatalf("%d revisions, want 4 (create, submit, approve, publish)", len(revs))
	}
}

// --- embargo ---

func TestEmbargo(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	ed := d.as(t, d.editor)
	r := d.approved(t, "Embargoed results")
	until := d.clock.Now().Add(2 * time.Hour)
	msg := "embargoed until " + until.Format(time.RFC3339)

	_, err := d.svc.SetEmbargo(d.as(t, d.reviewer1), r.ID, r.Version, &until)
	wantCode(t, err, cerr.Forbidden, auth.RuleFor(auth.PublishReport).Description)
	saved := of(d.svc.SetEmbargo(ed, r.ID, r.Version, &until)).ok(t)
	if saved.Report.Version != r.Version+1 || saved.Report.Status != editorial.Approved {
		t.Fatalf("embargo: %+v", saved.Report)
	}
	r = saved.Report
	if e := of(postgres.EmbargoesByReportIDs(t.Context(), d.db, []int64{r.ID})).ok(t); !e[r.ID].Equal(until) {
		t.Fatalf("embargoes: %v", e)
	}
	if again := of(d.svc.SetEmbargo(ed, r.ID, r.Version, &until)).ok(t); again.Report.Version != r.Version {
		t.Fatalf("setting the same embargo recorded version %d", again.Report.Version)
	}

	// Nobody publishes before the embargo.
	for _, ctx := range []context.Context{ed, d.as(t, d.admin), asSystem(t)} {
		_, err := d.svc.Publish(ctx, r.ID, r.Version)
		wantCode(t, err, cerr.Invalid, msg)
	}
	f := d.facts(t, d.editor, r.ID)
	if f.EmbargoUntil == nil || !f.EmbargoUntil.Equal(until) || slices.Contains(workflow.Available(viewerOf(d.editor), r, f), workflow.Publish) {
		t.Fatalf("facts: %+v", f)
	}
	// Nor schedules before it.
	_, err = d.svc.Schedule(ed, r.ID, r.Version, d.clock.Now().Add(time.Hour), "Asia/Tokyo")
	wantErr(t, err, cerr.Invalid, "input.publishAt")
	at := d.clock.Now().Add(3 * time.Hour)
	r = of(d.svc.Schedule(ed, r.ID, r.Version, at, "Asia/Tokyo")).ok(t).Report

	// The embargo moves past the job: the worker holds the job until then.
	later := d.clock.Now().Add(5 * time.Hour)
	r = of(d.svc.SetEmbargo(ed, r.ID, r.Version, &later)).ok(t).Report
	d.clock.Add(3*time.Hour + time.Second)
	if n := d.worker(t); n != 1 {
		t.Fatalf("claimed %d jobs", n)
	}
	if got := d.current(t, r.ID); got.Status != editorial.Scheduled || got.Version != r.Version {
		t.Fatalf("published during the embargo: %s v%d", got.Status, got.Version)
	}
	job := of(postgres.PublishJobsByReportIDs(t.Context(), d.db, []int64{r.ID})).ok(t)[r.ID]
	if job == nil || !job.RunAt.Equal(later) {
		t.Fatalf("job not moved to the embargo: %+v", job)
	}
	d.clock.Add(time.Hour)
	if n := d.worker(t); n != 0 {
		t.Fatalf("claimed %d jobs an hour before the embargo ends", n)
	}
	d.clock.Add(time.Hour)
	d.worker(t)
	if got := d.current(t, r.ID); got.Status != editorial.Published {
		t.Fatalf("not published at the embargo's end: %s", got.Status)
	}

	// Lifting an embargo is recorded too.
	r = d.current(t, r.ID)
	saved = of(d.svc.SetEmbargo(ed, r.ID, r.Version, nil)).ok(t)
	trail := auditTrail(t, d.db, r.ID)
	if last := trail[len(trail)-1]; saved.Report.Version != r.Version+1 || last.Action != "report.embargo" || jsonField(t, last.Detail, "embargoUntil") != nil {
		t.Fatalf("lifting: v%d, %s %s", saved.Report.Version, last.Action, last.Detail)
	}
}

// --- audit completeness ---

// Every successful transition adds exactly one audit entry, with its
// action; every failed one adds none and changes nothing.
func TestWorkflowAuditCompleteness(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	r := d.draft(t, "Audited")
	ver := func() int { return d.current(t, r.ID).Version }
	rep, rev1, ed := d.as(t, d.reporter), d.as(t, d.reviewer1), d.as(t, d.editor)
	future := func() time.Time { return d.clock.Now().Add(time.Hour) }
	calls := []struct {
		name   string
		call   func() (*content.Saved, error)
		action string // "" must fail
		code   string
	}{
		{"submit by another reporter", func() (*content.Saved, error) { return d.svc.Submit(d.as(t, d.otherReporter), r.ID, ver(), nil) }, "", cerr.Forbidden},
		{"approve a draft", func() (*content.Saved, error) { return d.svc.Approve(rev1, r.ID, ver()) }, "", cerr.Invalid},
		{"assign a translator", func() (*content.Saved, error) {
			return d.svc.AssignReviewers(ed, r.ID, ver(), []int64{d.reviewer1.ID, d.translator.ID})
		}, "", cerr.Invalid},
		{"assign an unknown user", func() (*content.Saved, error) { return d.svc.AssignReviewers(ed, r.ID, ver(), []int64{999999}) }, "", cerr.Invalid},
		{"assign the author", func() (*content.Saved, error) { return d.svc.AssignReviewers(ed, r.ID, ver(), []int64{d.reporter.ID}) }, "", cerr.Invalid},
		{"assign twice", func() (*content.Saved, error) {
			return d.svc.AssignReviewers(ed, r.ID, ver(), []int64{d.reviewer1.ID, d.reviewer1.ID})
		}, "", cerr.Invalid},
		{"assign reviewers", func() (*content.Saved, error) { return d.svc.AssignReviewers(ed, r.ID, ver(), []int64{d.reviewer1.ID}) }, "report.assignReviewers", ""},
		{"submit with a stale version", func() (*content.Saved, error) { return d.svc.Submit(rep, r.ID, ver()-1, nil) }, "", cerr.Conflict},
		{"submit", func() (*content.Saved, error) { return d.svc.Submit(rep, r.ID, ver(), ptr("Please review")) }, "report.submit", ""},
		{"request changes without a comment", func() (*content.Saved, error) { return d.svc.RequestChanges(rev1, r.ID, ver(), " ") }, "", cerr.Invalid},
		{"request changes", func() (*content.Saved, error) { return d.svc.RequestChanges(rev1, r.ID, ver(), "Name the speakers.") }, "report.requestChanges", ""},
		{"submit again", func() (*content.Saved, error) { return d.svc.Submit(rep, r.ID, ver(), nil) }, "report.submit", ""},
		{"approve own report", func() (*content.Saved, error) { return d.svc.Approve(rep, r.ID, ver()) }, "", cerr.Forbidden},
		{"approve", func() (*content.Saved, error) { return d.svc.Approve(rev1, r.ID, ver()) }, "report.approve", ""},
		{"schedule in the past", func() (*content.Saved, error) {
			return d.svc.Schedule(ed, r.ID, ver(), d.clock.Now().Add(-time.Minute), "UTC")
		}, "", cerr.Invalid},
		{"schedule in an unknown zone", func() (*content.Saved, error) { return d.svc.Schedule(ed, r.ID, ver(), future(), "Moon/Base") }, "", cerr.Invalid},
		{"schedule by a reviewer", func() (*content.Saved, error) { return d.svc.Schedule(rev1, r.ID, ver(), future(), "UTC") }, "", cerr.Forbidden},
		{"schedule", func() (*content.Saved, error) { return d.svc.Schedule(ed, r.ID, ver(), future(), "Europe/Paris") }, "report.schedule", ""},
		{"cancel the schedule", func() (*content.Saved, error) { return d.svc.CancelSchedule(ed, r.ID, ver()) }, "report.cancelSchedule", ""},
		{"cancel it twice", func() (*content.Saved, error) { return d.svc.CancelSchedule(ed, r.ID, ver()) }, "", cerr.Invalid},
		{"embargo", func() (*content.Saved, error) { t := future(); return d.svc.SetEmbargo(ed, r.ID, ver(), &t) }, "report.embargo", ""},
		{"publish during the embargo", func() (*content.Saved, error) { return d.svc.Publish(ed, r.ID, ver()) }, "", cerr.Invalid},
		{"lift the embargo", func() (*content.Saved, error) { return d.svc.SetEmbargo(ed, r.ID, ver(), nil) }, "report.embargo", ""},
		{"publish", func() (*content.Saved, error) { return d.svc.Publish(ed, r.ID, ver()) }, "report.publish", ""},
		{"unpublish without a reason", func() (*content.Saved, error) { return d.svc.Unpublish(ed, r.ID, ver(), "") }, "", cerr.Invalid},
		{"unpublish", func() (*content.Saved, error) { return d.svc.Unpublish(ed, r.ID, ver(), "Corrections pending.") }, "report.unpublish", ""},
		{"archive by a reporter", func() (*content.Saved, error) { return d.svc.DeleteReport(rep, r.ID, ver()) }, "", cerr.Forbidden},
		{"archive", func() (*content.Saved, error) { return d.svc.DeleteReport(ed, r.ID, ver()) }, "report.archive", ""},
		{"archive again", func() (*content.Saved, error) { return d.svc.DeleteReport(ed, r.ID, ver()) }, "", cerr.Invalid},
		{"restore", func() (*content.Saved, error) { return d.svc.RestoreReport(ed, r.ID, ver()) }, "report.restore", ""},
	}
	for _, c := range calls {
		before := auditTrail(t, d.db, r.ID)
		dumpBefore := workflowDump(t, d.db)
		v := ver()
		saved, err := c.call()
		after := auditTrail(t, d.db, r.ID)
		if c.action == "" {
			if cerr.Code(err) != c.code {
				t.Errorf("%s: err = %v, want %s", c.name, err, c.code)
			}
			if len(after) != len(before) || ver() != v || workflowDump(t, d.db) != dumpBefore {
				t.Errorf("%s: a failed transition left a trace (%d → %d audit entries, v%d → v%d)", c.name, len(before), len(after), v, ver())
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if len(after) != len(before)+1 || after[len(after)-1].Action != c.action || saved.Report.Version != v+1 {
			t.Fatalf("%s: %d → %d audit entries (%v), v%d → v%d", c.name, len(before), len(after), auditActions(after[len(before):]), v, saved.Report.Version)
		}
		e := after[len(after)-1]
		if jsonField(t, e.Before, "version") != float64(v) || jsonField(t, e.After, "version") != float64(v+1) ||
			jsonField(t, e.After, "status") != string(saved.Report.Status) {
			t.Errorf("%s: before %s after %s", c.name, e.Before, e.After)
		}
	}
	if got := d.current(t, r.ID); got.Status != editorial.Unpublished {
		t.Errorf("restored to %s, want UNPUBLISHED", got.Status)
	}
}

// workflowDump is reportDump plus the workflow's tables.
func workflowDump(t *testing.T, db *postgres.DB) string {
	t.Helper()
	var s string
	err := db.GetContext(context.Background(), &s, `SELECT concat_ws(E'\n',
		(SELECT json_agg(x ORDER BY report_id, user_id)::text FROM review_assignments x),
		(SELECT json_agg(x ORDER BY report_id, user_id, version)::text FROM report_approvals x),
		(SELECT json_agg(x ORDER BY report_id)::text FROM report_publications x),
		(SELECT json_agg(x ORDER BY report_id)::text FROM publish_jobs x),
		(SELECT json_agg(json_build_array(id, embargo_until, content_version) ORDER BY id)::text FROM reports x))`)
	if err != nil {
		t.Fatal(err)
	}
	return reportDump(t, db) + "\n" + s
}

// --- reviewers ---

func TestAssignReviewers(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	ed := d.as(t, d.editor)
	r := d.draft(t, "Reviewed")
	cases := []struct {
		name  string
		ids   []int64
		field string
		msg   string
	}{
		{"unknown", []int64{d.reviewer1.ID, 999999}, "input.reviewerIds.1", "There is no user 999999."},
		{"translator", []int64{d.translator.ID}, "input.reviewerIds.0", "is not a reviewer or editor of this report's desk"},
		{"editor of another desk", []int64{d.otherEditor.ID}, "input.reviewerIds.0", "is not a reviewer or editor of this report's desk"},
		{"author", []int64{d.editor.ID, d.reporter.ID}, "input.reviewerIds.1", "created this report"},
		{"twice", []int64{d.reviewer2.ID, d.reviewer1.ID, d.reviewer2.ID}, "input.reviewerIds.2", "listed twice"},
	}
	for _, c := range cases {
		_, err := d.svc.AssignReviewers(ed, r.ID, 1, c.ids)
		if e := wantErr(t, err, cerr.Invalid, c.field); !strings.Contains(e.Message, c.msg) {
			t.Errorf("%s: message %q", c.name, e.Message)
		}
	}
	r = of(d.svc.AssignReviewers(ed, r.ID, 1, []int64{d.reviewer1.ID, d.editor.ID, d.admin.ID})).ok(t).Report
	if same := of(d.svc.AssignReviewers(ed, r.ID, r.Version, []int64{d.admin.ID, d.reviewer1.ID, d.editor.ID})).ok(t); same.Report.Version != r.Version {
		t.Fatalf("assigning the same reviewers recorded version %d", same.Report.Version)
	}
	d.clock.Add(time.Minute)
	r = of(d.svc.AssignReviewers(ed, r.ID, r.Version, []int64{d.reviewer2.ID, d.reviewer1.ID})).ok(t).Report
	list := of(postgres.ReviewersByReportIDs(t.Context(), d.db, []int64{r.ID})).ok(t)[r.ID]
	if len(list) != 2 || list[0].UserID != d.reviewer1.ID || !list[0].AssignedAt.Equal(wfStart) || list[1].UserID != d.reviewer2.ID {
		t.Fatalf("reviewers = %+v", list)
	}
	_, err := d.svc.AssignReviewers(d.as(t, d.reviewer1), r.ID, r.Version, nil)
	wantCode(t, err, cerr.Forbidden, "")
	r = of(d.svc.AssignReviewers(ed, r.ID, r.Version, nil)).ok(t).Report
	if list := of(postgres.ReviewersByReportIDs(t.Context(), d.db, []int64{r.ID})).ok(t); len(list) != 0 {
		t.Fatalf("reviewers after clearing: %+v", list)
	}
}

// Facts and Available as the API uses them, for several reports at once.
func TestFactsForAvailableTransitions(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	draft := d.draft(t, "A draft")
	approved := d.approved(t, "An approved report")
	facts := of(d.svc.Facts(d.as(t, d.editor), d.db, []int64{draft.ID, approved.ID, 999999})).ok(t)
	if len(facts) != 2 || facts[approved.ID].Approvals != 1 || facts[draft.ID].Approvals != 0 || !facts[draft.ID].Now.Equal(wfStart) {
		t.Fatalf("facts = %+v", facts)
	}
	if got := workflow.Available(viewerOf(d.reporter), draft, facts[draft.ID]); !slices.Equal(got, []workflow.Action{workflow.Submit}) {
		t.Errorf("reporter on a draft: %v", got)
	}
	if got := workflow.Available(viewerOf(d.editor), approved, facts[approved.ID]); !slices.Equal(got,
		[]workflow.Action{workflow.Schedule, workflow.Publish, workflow.Archive}) {
		t.Errorf("editor on an approved report: %v", got)
	}
	if f := of(d.svc.Facts(d.as(t, d.reviewer1), d.db, []int64{approved.ID})).ok(t)[approved.ID]; !f.ApprovedByViewer {
		t.Errorf("reviewer 1's facts: %+v", f)
	}
}
