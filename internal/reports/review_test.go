package reports_test

import (
	"slices"
	"testing"

	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/comments"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/identity"
	"github.com/copydesk/copydesk/internal/notify"
	"github.com/copydesk/copydesk/internal/reports"
	"github.com/copydesk/copydesk/internal/testkit"
	"github.com/copydesk/copydesk/internal/translation"
	"github.com/copydesk/copydesk/internal/workflow"
)

// The review rules a desk's settings decide, each from a report IN_REVIEW
// on the desk (created by the reporter; reviewer 1 assigned).
func TestDeskSettingsDecideTheReview(t *testing.T) {
	t.Parallel()
	type approval struct {
		by   func(d *testkit.Desk) *auth.User
		code string // "" succeeds
		msg  string
		then editorial.Status
	}
	rev1 := func(d *testkit.Desk) *auth.User { return d.Reviewer1 }
	rev2 := func(d *testkit.Desk) *auth.User { return d.Reviewer2 }
	cases := []struct {
		name     string
		settings identity.SettingsChange
		// changes, when set, is requested (and the report resubmitted) first.
		changes   *reports.ChangeRequest
		approvals []approval
	}{
		{"one approval by any reviewer of the desk (the default)", identity.SettingsChange{}, nil,
			[]approval{{rev2, "", "", editorial.Approved}}},
		{"two approvals", identity.SettingsChange{ApprovalsRequired: testkit.Ptr(2)}, nil,
			[]approval{{rev1, "", "", editorial.InReview}, {rev2, "", "", editorial.Approved}}},
		{"only assigned reviewers approve", identity.SettingsChange{AssignedReviewersOnly: testkit.Ptr(true)}, nil,
			[]approval{{rev2, cerr.Forbidden, workflow.MsgNotAssigned, editorial.InReview}, {rev1, "", "", editorial.Approved}}},
		{"an open required change blocks approval", identity.SettingsChange{}, &reports.ChangeRequest{Comment: "Name the speakers.", Required: true},
			[]approval{{rev1, cerr.Invalid, workflow.RequiredChangesMessage(1), editorial.InReview}}},
		{"a change request that is not required does not", identity.SettingsChange{}, &reports.ChangeRequest{Comment: "Consider a shorter title."},
			[]approval{{rev1, "", "", editorial.Approved}}},
		{"a desk where required changes do not block", identity.SettingsChange{RequiredChangesBlockApproval: testkit.Ptr(false)}, &reports.ChangeRequest{Comment: "Name the speakers.", Required: true},
			[]approval{{rev1, "", "", editorial.Approved}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			d := testkit.NewDesk(t)
			d.Settings(t, c.settings)
			r := d.Draft(t, "Forum opens")
			r = testkit.Of(d.Svc.AssignReviewers(d.As(t, d.Editor), r.ID, r.Version, []int64{d.Reviewer1.ID})).OK(t).Report
			r = testkit.Of(d.Svc.Submit(d.As(t, d.Reporter), r.ID, r.Version, nil)).OK(t).Report
			if c.changes != nil {
				r = testkit.Of(d.Svc.RequestChanges(d.As(t, d.Reviewer1), r.ID, r.Version, *c.changes)).OK(t).Report
				r = testkit.Of(d.Svc.Submit(d.As(t, d.Reporter), r.ID, r.Version, nil)).OK(t).Report
			}
			for _, a := range c.approvals {
				u := a.by(d)
				facts := d.Facts(t, u, r.ID)
				offered := slices.Contains(workflow.Available(viewerOf(u), r, facts), workflow.Approve)
				saved, err := d.Svc.Approve(d.As(t, u), r.ID, r.Version)
				if a.code != "" {
					testkit.WantCode(t, err, a.code, a.msg)
				} else if err != nil {
					t.Fatalf("approval by %s: %v", u.Name, err)
				} else {
					r = saved.Report
				}
				if offered != (a.code == "") {
					t.Errorf("approval by %s offered: %v, allowed: %v", u.Name, offered, a.code == "")
				}
				if r.Status != a.then {
					t.Fatalf("after the approval by %s: %s, want %s", u.Name, r.Status, a.then)
				}
			}
		})
	}
}

// A second instance (another service over the same database) applies the
// same settings at once: nothing is read from the instance's flags.
func TestEveryInstanceReadsTheSameSettings(t *testing.T) {
	t.Parallel()
	d := testkit.NewDesk(t)
	r := d.Draft(t, "Two instances")
	other := reports.New(d.DB)
	if n := testkit.Of(other.Facts(d.As(t, d.Reviewer1), []int64{r.ID})).OK(t)[r.ID].Required(); n != 1 {
		t.Fatalf("before: %d approvals required", n)
	}
	d.Settings(t, identity.SettingsChange{ApprovalsRequired: testkit.Ptr(3)})
	for name, svc := range map[string]*reports.Service{"this instance": d.Svc.Reports, "the other": other} {
		if n := testkit.Of(svc.Facts(d.As(t, d.Reviewer1), []int64{r.ID})).OK(t)[r.ID].Required(); n != 3 {
			t.Errorf("%s: %d approvals required, want 3", name, n)
		}
	}
}

// requestChanges opens a change-request thread the reporter sees; only a
// reviewer closes a required one; a bad anchor changes nothing.
func TestRequestChangesOpensAThread(t *testing.T) {
	t.Parallel()
	d := testkit.NewDesk(t)
	cs := comments.New(d.DB)
	r := d.Draft(t, "Forum opens in Qingdao")
	r = testkit.Of(d.Svc.Submit(d.As(t, d.Reporter), r.ID, r.Version, nil)).OK(t).Report

	before := testkit.WorkflowDump(t, d.DB)
	_, err := d.Svc.RequestChanges(d.As(t, d.Reviewer1), r.ID, r.Version, reports.ChangeRequest{Comment: "Which city?", Required: true,
		Field: "title", RangeStart: testkit.Ptr(15), RangeEnd: testkit.Ptr(99)})
	testkit.WantCode(t, err, cerr.Invalid, "")
	if e := cerr.As(err); e.Field != "input.rangeEnd" {
		t.Errorf("bad range reported on %q", e.Field)
	}
	testkit.Diff(t, "a failed requestChanges", before, testkit.WorkflowDump(t, d.DB))

	saved := testkit.Of(d.Svc.RequestChanges(d.As(t, d.Reviewer1), r.ID, r.Version, reports.ChangeRequest{Comment: "Which city?", Required: true,
		Field: "title", RangeStart: testkit.Ptr(15), RangeEnd: testkit.Ptr(22), MentionIDs: []int64{d.Editor.ID}})).OK(t)
	if saved.Report.Status != editorial.ChangesRequested {
		t.Fatalf("status %s", saved.Report.Status)
	}
	threads := testkit.Of(cs.ThreadsByReportIDs(d.As(t, d.Reporter), []int64{r.ID}, false)).OK(t)[r.ID]
	if len(threads) != 1 {
		t.Fatalf("%d threads", len(threads))
	}
	root := threads[0].Root
	if root.Kind != comments.KindChangeRequest || !root.Required || *root.Body != "Which city?" || *root.Quote != "Qingdao" ||
		*root.AuthorID != d.Reviewer1.ID || !slices.Equal(root.MentionIDs, []int64{d.Editor.ID}) {
		t.Fatalf("thread: %+v", root)
	}
	queue := testkit.Of(cs.OpenChangeRequests(d.As(t, d.Reporter), d.Reporter.ID, 10)).OK(t)
	if len(queue) != 1 || queue[0].ID != root.ID {
		t.Fatalf("the reporter's change requests: %+v", queue)
	}
	trail := testkit.AuditTrail(t, d.DB, r.ID)
	last := trail[len(trail)-1]
	if last.Action != "report.requestChanges" || testkit.JSONField(t, last.Detail, "threadId") != float64(root.ID) ||
		testkit.JSONField(t, last.Detail, "required") != true {
		t.Fatalf("audit: %s %s", last.Action, last.Detail)
	}

	_, err = cs.Resolve(d.As(t, d.Reporter), root.ID)
	testkit.WantCode(t, err, cerr.Forbidden, comments.MsgRequiredChangeReviewersOnly)
	testkit.Of(cs.Create(d.As(t, d.Reporter), comments.NewComment{ReportID: r.ID, ParentID: &root.ID, Body: "Done: Qingdao."})).OK(t)
	testkit.Of(cs.Resolve(d.As(t, d.Reviewer2), root.ID)).OK(t)
	if queue := testkit.Of(cs.OpenChangeRequests(d.As(t, d.Reporter), d.Reporter.ID, 10)).OK(t); len(queue) != 0 {
		t.Fatalf("a resolved change request stays in the queue: %+v", queue)
	}
	// A reporter cannot open a required change; a reviewer can.
	_, err = cs.Create(d.As(t, d.Reporter), comments.NewComment{ReportID: r.ID, Body: "Blocking!", Required: true})
	testkit.WantCode(t, err, cerr.Forbidden, "")
	c := testkit.Of(cs.Create(d.As(t, d.Reviewer2), comments.NewComment{ReportID: r.ID, Body: "Add the date.", Required: true})).OK(t)
	if !c.Required || c.Kind != comments.KindComment {
		t.Fatalf("comment: %+v", c)
	}
}

// Who is told what: each step of a report's life, the notifications it
// adds (never to the user who acted).
func TestNotificationsTellWhoMustAct(t *testing.T) {
	t.Parallel()
	d := testkit.NewDesk(t)
	cs := comments.New(d.DB)
	inbox := notify.New(d.DB)
	kinds := func(u *auth.User) []string {
		t.Helper()
		var out []string
		for _, n := range testkit.Of(inbox.List(d.As(t, u), false, 100, 0)).OK(t) {
			out = append(out, string(n.Kind))
		}
		slices.Reverse(out) // oldest first
		return out
	}
	r := d.Draft(t, "Forum opens")
	steps := []struct {
		name string
		do   func() *editorial.Report
		want map[*auth.User][]string // everyone's inbox after the step
	}{
		{"the editor assigns reviewer 1", func() *editorial.Report {
			return testkit.Of(d.Svc.AssignReviewers(d.As(t, d.Editor), r.ID, r.Version, []int64{d.Reviewer1.ID})).OK(t).Report
		}, map[*auth.User][]string{d.Reviewer1: {"REVIEWER_ASSIGNED"}}},
		{"the reporter submits", func() *editorial.Report {
			return testkit.Of(d.Svc.Submit(d.As(t, d.Reporter), r.ID, r.Version, nil)).OK(t).Report
		}, map[*auth.User][]string{d.Reviewer1: {"REVIEWER_ASSIGNED", "REVIEW_REQUESTED"}}},
		{"reviewer 1 requests changes, mentioning the editor and themselves", func() *editorial.Report {
			return testkit.Of(d.Svc.RequestChanges(d.As(t, d.Reviewer1), r.ID, r.Version,
				reports.ChangeRequest{Comment: "Name the speakers.", MentionIDs: []int64{d.Editor.ID, d.Reviewer1.ID}})).OK(t).Report
		}, map[*auth.User][]string{d.Reviewer1: {"REVIEWER_ASSIGNED", "REVIEW_REQUESTED"}, d.Reporter: {"CHANGES_REQUESTED"}, d.Editor: {"MENTIONED"}}},
		{"the reporter mentions reviewer 2 in a comment", func() *editorial.Report {
			testkit.Of(cs.Create(d.As(t, d.Reporter), comments.NewComment{ReportID: r.ID, Body: "Can you check?", MentionIDs: []int64{d.Reviewer2.ID}})).OK(t)
			return r
		}, map[*auth.User][]string{d.Reviewer1: {"REVIEWER_ASSIGNED", "REVIEW_REQUESTED"}, d.Reporter: {"CHANGES_REQUESTED"}, d.Editor: {"MENTIONED"}, d.Reviewer2: {"MENTIONED"}}},
		{"the editor publishes it (resubmitted and approved)", func() *editorial.Report {
			r := testkit.Of(d.Svc.Submit(d.As(t, d.Reporter), r.ID, r.Version, nil)).OK(t).Report
			r = testkit.Of(d.Svc.Approve(d.As(t, d.Reviewer1), r.ID, r.Version)).OK(t).Report
			return testkit.Of(d.Svc.Publish(d.As(t, d.Editor), r.ID, r.Version)).OK(t).Report
		}, map[*auth.User][]string{d.Reviewer1: {"REVIEWER_ASSIGNED", "REVIEW_REQUESTED", "REVIEW_REQUESTED"}, d.Reporter: {"CHANGES_REQUESTED", "REPORT_PUBLISHED"},
			d.Editor: {"MENTIONED"}, d.Reviewer2: {"MENTIONED"}}},
		{"the editor assigns the translator, who translates", func() *editorial.Report {
			testkit.Of(d.Svc.AssignTranslator(d.As(t, d.Editor), r.ID, "ja", d.Translator.ID)).OK(t)
			testkit.Of(d.Svc.UpsertTranslation(d.As(t, d.Translator), translation.UpsertTranslationInput{ReportID: r.ID, Locale: "ja", Title: "フォーラム開幕", Body: "月曜日に開幕した。"})).OK(t)
			return r
		}, map[*auth.User][]string{d.Translator: {"TRANSLATION_ASSIGNED"}}},
		{"two edits of the source: one unread notice for the translator", func() *editorial.Report {
			r := testkit.Of(d.Svc.UpdateReport(d.As(t, d.Editor), reports.UpdateReportInput{ID: r.ID, ExpectedVersion: r.Version, Title: testkit.Set("Forum opens in Qingdao")})).OK(t).Report
			return testkit.Of(d.Svc.UpdateReport(d.As(t, d.Editor), reports.UpdateReportInput{ID: r.ID, ExpectedVersion: r.Version, Body: testkit.Set("It opened on Monday.")})).OK(t).Report
		}, map[*auth.User][]string{d.Translator: {"TRANSLATION_ASSIGNED", "SOURCE_CHANGED"}}},
	}
	for _, s := range steps {
		r = s.do()
		for u, want := range s.want {
			if got := kinds(u); !slices.Equal(got, want) {
				t.Errorf("after %q, %s's notifications: %v, want %v", s.name, u.Name, got, want)
			}
		}
	}

	// Marking read: only one's own, and "all" up to what the screen showed.
	mine := testkit.Of(inbox.List(d.As(t, d.Reviewer1), false, 100, 0)).OK(t)
	theirs := testkit.Of(inbox.List(d.As(t, d.Reporter), false, 100, 0)).OK(t)
	_, err := inbox.MarkRead(d.As(t, d.Reviewer1), []int64{mine[0].ID, theirs[0].ID}, false, 0)
	testkit.WantCode(t, err, cerr.NotFound, "")
	if n := testkit.Of(inbox.Unread(d.As(t, d.Reviewer1))).OK(t); n != 3 {
		t.Fatalf("a refused markRead marked something: %d unread", n)
	}
	marked := testkit.Of(inbox.MarkRead(d.As(t, d.Reviewer1), nil, true, mine[1].ID)).OK(t)
	if len(marked) != 2 || testkit.Of(inbox.Unread(d.As(t, d.Reviewer1))).OK(t) != 1 {
		t.Fatalf("all up to the second newest: marked %d", len(marked))
	}
	unread := testkit.Of(inbox.List(d.As(t, d.Reviewer1), true, 100, 0)).OK(t)
	if len(unread) != 1 || unread[0].ID != mine[0].ID {
		t.Fatalf("unread: %+v", unread)
	}
	if n := testkit.Of(inbox.Unread(d.As(t, d.Reporter))).OK(t); n != 2 {
		t.Fatalf("someone else's inbox changed: %d unread", n)
	}
	_, err = inbox.List(testkit.AsSystem(t), false, 10, 0)
	testkit.WantCode(t, err, cerr.Forbidden, "")
}
