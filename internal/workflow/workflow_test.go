package workflow_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/workflow"
)

func id(n int64) *int64 { return &n }

// The report of the matrix: on desk 1, created by the reporter-owner.
const owner int64 = 10

func report(s editorial.Status) *editorial.Report {
	r := &editorial.Report{ID: 1, DeskID: id(1), CreatedBy: id(owner), Status: s, Version: 3}
	if s == editorial.Archived {
		prev := editorial.Published
		r.StatusBeforeArchive = &prev
	}
	return r
}

var now = time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)

// facts in which every precondition holds: nobody approved yet, the report
// was published and has changes since, no embargo.
func okFacts() workflow.Facts {
	return workflow.Facts{Now: now, ApprovalsRequired: 1, Published: true, HasUnpublishedChanges: true}
}

func user(uid int64, grants ...auth.Grant) *auth.Viewer {
	return &auth.Viewer{UserID: uid, Scope: auth.ScopeFull, Grants: grants}
}

// roles are the viewers of the matrix, in its column order.
var roles = []struct {
	name string
	v    *auth.Viewer
}{
	{"anonymous", auth.Anonymous()},
	{"reporter-owner", user(owner, auth.Grant{Role: auth.Reporter, DeskID: id(1)})},
	{"other-reporter", user(11, auth.Grant{Role: auth.Reporter, DeskID: id(1)})},
	{"reviewer", user(12, auth.Grant{Role: auth.Reviewer, DeskID: id(1)})},
	{"editor", user(13, auth.Grant{Role: auth.Editor, DeskID: id(1)})},
	{"other-desk-editor", user(14, auth.Grant{Role: auth.Editor, DeskID: id(2)})},
	{"admin", user(15, auth.Grant{Role: auth.Admin})},
}

// states is the column order of each row below.
var states = []editorial.Status{
	editorial.Draft, editorial.InReview, editorial.ChangesRequested, editorial.Approved,
	editorial.Scheduled, editorial.Published, editorial.Unpublished, editorial.TakenDown, editorial.Archived,
}

// The matrix, written out by hand from the workflow's specification (not
// derived from the code under test). Per action and role, one cell per
// state in the order of states: Y allowed, U UNAUTHENTICATED (sign in), F
// FORBIDDEN with the action's rule, S BAD_USER_INPUT naming the state (or,
// for publish and schedule on TAKEN_DOWN, the takedown to lift first).
const (
	allU = "UUUUUUUUU"
	allF = "FFFFFFFFF"
)

var matrix = map[workflow.Action]map[string]string{
	//                         DRAFT IN_REVIEW CHANGES_REQ APPROVED SCHEDULED PUBLISHED UNPUBLISHED TAKEN_DOWN ARCHIVED
	workflow.Submit: {
		"reporter-owner": "YFYFFFFFF", "other-reporter": allF, "reviewer": allF,
		"editor": "YSYSSSSSS", "other-desk-editor": allF, "admin": "YSYSSSSSS",
	},
	workflow.AssignReviewers: {
		"reporter-owner": allF, "other-reporter": allF, "reviewer": allF,
		"editor": "YYYSSSSSS", "other-desk-editor": allF, "admin": "YYYSSSSSS",
	},
	workflow.RequestChanges: {
		"reporter-owner": allF, "other-reporter": allF, "reviewer": "SYSSSSSSS",
		"editor": "SYSSSSSSS", "other-desk-editor": allF, "admin": "SYSSSSSSS",
	},
	workflow.Approve: {
		"reporter-owner": allF, "other-reporter": allF, "reviewer": "SYSSSSSSS",
		"editor": "SYSSSSSSS", "other-desk-editor": allF, "admin": "SYSSSSSSS",
	},
	workflow.Schedule: {
		"reporter-owner": allF, "other-reporter": allF, "reviewer": allF,
		"editor": "SSSYSSSSS", "other-desk-editor": allF, "admin": "SSSYSSSSS",
	},
	workflow.CancelSchedule: {
		"reporter-owner": allF, "other-reporter": allF, "reviewer": allF,
		"editor": "SSSSYSSSS", "other-desk-editor": allF, "admin": "SSSSYSSSS",
	},
	workflow.Publish: {
		"reporter-owner": allF, "other-reporter": allF, "reviewer": allF,
		"editor": "SSSYYYYSS", "other-desk-editor": allF, "admin": "SSSYYYYSS",
	},
	workflow.Unpublish: {
		"reporter-owner": allF, "other-reporter": allF, "reviewer": allF,
		"editor": "SSSSSYSSS", "other-desk-editor": allF, "admin": "SSSSSYSSS",
	},
	workflow.TakeDown: {
		"reporter-owner": allF, "other-reporter": allF, "reviewer": allF,
		"editor": "SSSSYYYSS", "other-desk-editor": allF, "admin": "SSSSYYYSS",
	},
	workflow.LiftTakedown: {
		"reporter-owner": allF, "other-reporter": allF, "reviewer": allF,
		"editor": "SSSSSSSYS", "other-desk-editor": allF, "admin": "SSSSSSSYS",
	},
	workflow.Archive: {
		"reporter-owner": allF, "other-reporter": allF, "reviewer": allF,
		"editor": "YYYYYYYYS", "other-desk-editor": allF, "admin": "YYYYYYYYS",
	},
	workflow.Restore: {
		"reporter-owner": allF, "other-reporter": allF, "reviewer": allF,
		"editor": "SSSSSSSSY", "other-desk-editor": allF, "admin": "SSSSSSSSY",
	},
}

// needs is what each action names as the states it needs, by hand.
var needs = map[workflow.Action]string{
	workflow.Submit:          "DRAFT or CHANGES_REQUESTED",
	workflow.AssignReviewers: "DRAFT, IN_REVIEW or CHANGES_REQUESTED",
	workflow.RequestChanges:  "IN_REVIEW",
	workflow.Approve:         "IN_REVIEW",
	workflow.Schedule:        "APPROVED",
	workflow.CancelSchedule:  "SCHEDULED",
	workflow.Publish:         "APPROVED, SCHEDULED, UNPUBLISHED or PUBLISHED",
	workflow.Unpublish:       "PUBLISHED",
	workflow.TakeDown:        "SCHEDULED, PUBLISHED or UNPUBLISHED",
	workflow.LiftTakedown:    "TAKEN_DOWN",
	workflow.Archive:         "any other state",
	workflow.Restore:         "ARCHIVED",
}

// msgTakenDown is, by hand, what publishing or scheduling a TAKEN_DOWN
// report says instead of the states it needs: the explicit action first.
const msgTakenDown = "The report was taken down; an editor must lift the takedown (liftTakedown, with a reason) before it can be published or scheduled again."

// wrongState is the message of action a refused in state s.
func wrongState(s editorial.Status, a workflow.Action) string {
	if s == editorial.TakenDown && (a == workflow.Publish || a == workflow.Schedule) {
		return msgTakenDown
	}
	return fmt.Sprintf("The report is %s; %s needs %s.", s, a, needs[a])
}

// rules is the auth rule each action is decided by, by hand.
var rules = map[workflow.Action]auth.Action{
	workflow.Submit:          auth.SubmitReport,
	workflow.AssignReviewers: auth.AssignReviewers,
	workflow.RequestChanges:  auth.ReviewReport,
	workflow.Approve:         auth.ReviewReport,
	workflow.Schedule:        auth.PublishReport,
	workflow.CancelSchedule:  auth.PublishReport,
	workflow.Publish:         auth.PublishReport,
	workflow.Unpublish:       auth.PublishReport,
	workflow.TakeDown:        auth.TakeDownReport,
	workflow.LiftTakedown:    auth.TakeDownReport,
	workflow.Archive:         auth.ArchiveReport,
	workflow.Restore:         auth.ArchiveReport,
}

func TestTransitionMatrix(t *testing.T) {
	if len(matrix) != len(workflow.Actions) {
		t.Fatalf("the matrix covers %d actions, the workflow has %d", len(matrix), len(workflow.Actions))
	}
	for _, a := range workflow.Actions {
		rows, ok := matrix[a]
		if !ok {
			t.Errorf("no matrix for action %s", a)
			continue
		}
		for _, role := range roles {
			want := rows[role.name]
			if role.name == "anonymous" {
				want = allU
			}
			if len(want) != len(states) {
				t.Errorf("%s: no row for %s", a, role.name)
				continue
			}
			var got strings.Builder
			for i, s := range states {
				r, f := report(s), okFacts()
				err := workflow.Check(role.v, r, f, a)
				cell := matrixCell(t, fmt.Sprintf("%s by %s on %s", a, role.name, s), err,
					auth.RuleFor(rules[a]).Description, wrongState(s, a))
				if cell == "Y" && want[i] == 'Y' {
					// Check must not have changed anything it was given.
					if !equalReports(r, report(s)) {
						t.Errorf("%s by %s on %s: Check changed the report", a, role.name, s)
					}
				}
				// Available agrees with Check in every cell.
				if in := slices.Contains(workflow.Available(role.v, r, f), a); in != (err == nil) {
					t.Errorf("%s by %s on %s: Available says %v, Check says %v", a, role.name, s, in, err)
				}
				got.WriteString(cell)
			}
			if got.String() != want {
				t.Errorf("%-15s %-18s got %s, want %s (columns: %v)", a, role.name, got.String(), want, states)
			}
		}
	}
}

// matrixCell is the cell of a matrix (Y, U, F, S, ? for an unexpected
// error) for err, the error of the case what, which it checks: the message
// of FORBIDDEN is forbidden, that of BAD_USER_INPUT wrongState, and no error
// names a field.
func matrixCell(t *testing.T, what string, err error, forbidden, wrongState string) string {
	t.Helper()
	cell, wantMsg := "Y", ""
	switch cerr.Code(err) {
	case "":
	case cerr.Unauthenticated:
		cell, wantMsg = "U", auth.MsgSignIn
	case cerr.Forbidden:
		cell, wantMsg = "F", forbidden
	case cerr.Invalid:
		cell, wantMsg = "S", wrongState
	default:
		cell = "?"
		t.Errorf("%s: unexpected error %v", what, err)
	}
	if err != nil && cerr.Message(err) != wantMsg {
		t.Errorf("%s: message %q, want %q", what, cerr.Message(err), wantMsg)
	}
	if e := cerr.As(err); e != nil && e.Field != "" {
		t.Errorf("%s: field %q, want none", what, e.Field)
	}
	return cell
}

func equalReports(a, b *editorial.Report) bool {
	return a.Status == b.Status && a.Version == b.Version && (a.StatusBeforeArchive == nil) == (b.StatusBeforeArchive == nil)
}

func TestPreconditions(t *testing.T) {
	editor, reviewer, admin := roles[4].v, roles[3].v, roles[6].v
	ownerEditor := user(owner, auth.Grant{Role: auth.Editor, DeskID: id(1)})
	readOnlyAdmin := &auth.Viewer{UserID: 16, Scope: auth.ScopeReadPublished, Grants: []auth.Grant{{Role: auth.Admin}}}
	embargo := now.Add(time.Hour)
	embargoMsg := "The report is embargoed until 2025-03-14T10:00:00Z; it cannot be published before then."
	with := func(change func(*workflow.Facts)) workflow.Facts {
		f := okFacts()
		change(&f)
		return f
	}
	cases := []struct {
		name   string
		v      *auth.Viewer
		status editorial.Status
		facts  workflow.Facts
		action workflow.Action
		code   string // "" allowed
		msg    string
	}{
		{"the creator may not approve, even as an editor", ownerEditor, editorial.InReview, okFacts(), workflow.Approve, cerr.Forbidden, workflow.MsgOwnReport},
		{"the creator may request changes as an editor", ownerEditor, editorial.InReview, okFacts(), workflow.RequestChanges, "", ""},
		{"approving twice", reviewer, editorial.InReview, with(func(f *workflow.Facts) { f.ApprovedByViewer, f.Approvals = true, 1 }), workflow.Approve, cerr.Invalid, workflow.MsgApprovedAlready},
		{"only assigned reviewers approve, and this one is not", reviewer, editorial.InReview, with(func(f *workflow.Facts) { f.AssignedReviewersOnly = true }), workflow.Approve, cerr.Forbidden, workflow.MsgNotAssigned},
		{"only assigned reviewers approve, and this one is", reviewer, editorial.InReview, with(func(f *workflow.Facts) { f.AssignedReviewersOnly, f.ViewerAssigned = true, true }), workflow.Approve, "", ""},
		{"only assigned reviewers approve: admins too", admin, editorial.InReview, with(func(f *workflow.Facts) { f.AssignedReviewersOnly = true }), workflow.Approve, cerr.Forbidden, workflow.MsgNotAssigned},
		{"an open required change blocks approval", reviewer, editorial.InReview, with(func(f *workflow.Facts) { f.OpenRequiredChanges = 1 }), workflow.Approve, cerr.Invalid, workflow.RequiredChangesMessage(1)},
		{"open required changes do not block requesting more", reviewer, editorial.InReview, with(func(f *workflow.Facts) { f.OpenRequiredChanges = 2 }), workflow.RequestChanges, "", ""},
		{"another reviewer after a first approval", editor, editorial.InReview, with(func(f *workflow.Facts) { f.Approvals = 1 }), workflow.Approve, "", ""},
		{"the System viewer cannot approve", auth.System(), editorial.InReview, okFacts(), workflow.Approve, cerr.Forbidden, workflow.MsgApproverNotUser},
		{"a read-only token", readOnlyAdmin, editorial.Approved, okFacts(), workflow.Publish, cerr.Forbidden, auth.MsgReadPublished},
		{"republishing without changes", editor, editorial.Published, with(func(f *workflow.Facts) { f.HasUnpublishedChanges = false }), workflow.Publish, cerr.Invalid, workflow.MsgNothingToPublish},
		{"republishing the changes", editor, editorial.Published, okFacts(), workflow.Publish, "", ""},
		{"publishing before the embargo, as an editor", editor, editorial.Approved, with(func(f *workflow.Facts) { f.EmbargoUntil = &embargo }), workflow.Publish, cerr.Invalid, embargoMsg},
		{"publishing before the embargo, as an admin", admin, editorial.Unpublished, with(func(f *workflow.Facts) { f.EmbargoUntil = &embargo }), workflow.Publish, cerr.Invalid, embargoMsg},
		{"publishing before the embargo, as the scheduler", auth.System(), editorial.Scheduled, with(func(f *workflow.Facts) { f.EmbargoUntil = &embargo }), workflow.Publish, cerr.Invalid, embargoMsg},
		{"publishing at the embargo's end", editor, editorial.Approved, with(func(f *workflow.Facts) { f.EmbargoUntil = &now }), workflow.Publish, "", ""},
		{"scheduling during an embargo", editor, editorial.Approved, with(func(f *workflow.Facts) { f.EmbargoUntil = &embargo }), workflow.Schedule, "", ""},
		{"the embargo does not hide the state", editor, editorial.Draft, with(func(f *workflow.Facts) { f.EmbargoUntil = &embargo }), workflow.Publish, cerr.Invalid, "The report is DRAFT; publish needs APPROVED, SCHEDULED, UNPUBLISHED or PUBLISHED."},
		{"unauthorized before the state", reviewer, editorial.Draft, okFacts(), workflow.Publish, cerr.Forbidden, auth.RuleFor(auth.PublishReport).Description},
		{"submitting a report with no desk as its reporter", user(owner, auth.Grant{Role: auth.Reporter}), editorial.Draft, okFacts(), workflow.Submit, "", ""},
		{"publishing a taken-down report, as an admin", admin, editorial.TakenDown, okFacts(), workflow.Publish, cerr.Invalid, msgTakenDown},
		{"publishing a taken-down report, as the scheduler", auth.System(), editorial.TakenDown, okFacts(), workflow.Publish, cerr.Invalid, msgTakenDown},
		{"publishing a taken-down report never published", editor, editorial.TakenDown, with(func(f *workflow.Facts) { f.Published, f.HasUnpublishedChanges = false, false }), workflow.Publish, cerr.Invalid, msgTakenDown},
		{"scheduling a taken-down report", editor, editorial.TakenDown, okFacts(), workflow.Schedule, cerr.Invalid, msgTakenDown},
		{"the takedown does not wait for an embargo", editor, editorial.Published, with(func(f *workflow.Facts) { f.EmbargoUntil = &embargo }), workflow.TakeDown, "", ""},
		{"taking down a published report without changes", editor, editorial.Published, with(func(f *workflow.Facts) { f.HasUnpublishedChanges = false }), workflow.TakeDown, "", ""},
		{"taking down a scheduled first publication", editor, editorial.Scheduled, with(func(f *workflow.Facts) { f.Published = false }), workflow.TakeDown, "", ""},
		{"a reviewer may not take down", reviewer, editorial.Published, okFacts(), workflow.TakeDown, cerr.Forbidden, auth.RuleFor(auth.TakeDownReport).Description},
		{"a read-only token may not lift a takedown", readOnlyAdmin, editorial.TakenDown, okFacts(), workflow.LiftTakedown, cerr.Forbidden, auth.MsgReadPublished},
		{"lifting a takedown during an embargo", editor, editorial.TakenDown, with(func(f *workflow.Facts) { f.EmbargoUntil = &embargo }), workflow.LiftTakedown, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := report(c.status)
			if c.name == "submitting a report with no desk as its reporter" {
				r.DeskID = nil
			}
			err := workflow.Check(c.v, r, c.facts, c.action)
			if cerr.Code(err) != c.code || (err != nil && cerr.Message(err) != c.msg) {
				t.Fatalf("Check = %v, want %q %q", err, c.code, c.msg)
			}
			if in := slices.Contains(workflow.Available(c.v, r, c.facts), c.action); in != (err == nil) {
				t.Errorf("Available says %v, Check says %v", in, err)
			}
		})
	}
}

func TestAvailable(t *testing.T) {
	editor, reviewer := roles[4].v, roles[3].v
	cases := []struct {
		v      *auth.Viewer
		status editorial.Status
		facts  workflow.Facts
		want   []workflow.Action
	}{
		{editor, editorial.Draft, okFacts(), []workflow.Action{workflow.Submit, workflow.AssignReviewers, workflow.Archive}},
		{editor, editorial.InReview, okFacts(), []workflow.Action{workflow.AssignReviewers, workflow.RequestChanges, workflow.Approve, workflow.Archive}},
		{reviewer, editorial.InReview, okFacts(), []workflow.Action{workflow.RequestChanges, workflow.Approve}},
		{editor, editorial.Approved, okFacts(), []workflow.Action{workflow.Schedule, workflow.Publish, workflow.Archive}},
		{editor, editorial.Published, workflow.Facts{Now: now, Published: true}, []workflow.Action{workflow.Unpublish, workflow.TakeDown, workflow.Archive}},
		{editor, editorial.Scheduled, okFacts(), []workflow.Action{workflow.CancelSchedule, workflow.Publish, workflow.TakeDown, workflow.Archive}},
		{editor, editorial.Unpublished, okFacts(), []workflow.Action{workflow.Publish, workflow.TakeDown, workflow.Archive}},
		{editor, editorial.TakenDown, okFacts(), []workflow.Action{workflow.LiftTakedown, workflow.Archive}},
		{reviewer, editorial.TakenDown, okFacts(), []workflow.Action{}},
		{roles[0].v, editorial.Published, okFacts(), []workflow.Action{}},
	}
	for _, c := range cases {
		if got := workflow.Available(c.v, report(c.status), c.facts); !slices.Equal(got, c.want) {
			t.Errorf("Available(%d, %s) = %v, want %v", c.v.UserID, c.status, got, c.want)
		}
	}
}

func TestNext(t *testing.T) {
	two := workflow.Facts{Now: now, ApprovalsRequired: 2}
	archived := func(prev *editorial.Status) *editorial.Report {
		r := report(editorial.Archived)
		r.StatusBeforeArchive = prev
		return r
	}
	st := func(s editorial.Status) *editorial.Status { return &s }
	cases := []struct {
		name string
		r    *editorial.Report
		f    workflow.Facts
		a    workflow.Action
		want editorial.Status
	}{
		{"first of two approvals", report(editorial.InReview), two, workflow.Approve, editorial.InReview},
		{"second of two approvals", report(editorial.InReview), workflow.Facts{ApprovalsRequired: 2, Approvals: 1}, workflow.Approve, editorial.Approved},
		{"one approval, none configured", report(editorial.InReview), workflow.Facts{}, workflow.Approve, editorial.Approved},
		{"submit", report(editorial.ChangesRequested), two, workflow.Submit, editorial.InReview},
		{"request changes", report(editorial.InReview), two, workflow.RequestChanges, editorial.ChangesRequested},
		{"assign reviewers keeps the state", report(editorial.InReview), two, workflow.AssignReviewers, editorial.InReview},
		{"schedule", report(editorial.Approved), two, workflow.Schedule, editorial.Scheduled},
		{"cancel a schedule", report(editorial.Scheduled), two, workflow.CancelSchedule, editorial.Approved},
		{"publish", report(editorial.Scheduled), two, workflow.Publish, editorial.Published},
		{"unpublish", report(editorial.Published), two, workflow.Unpublish, editorial.Unpublished},
		{"take down a published report", report(editorial.Published), okFacts(), workflow.TakeDown, editorial.TakenDown},
		{"take down a scheduled report", report(editorial.Scheduled), two, workflow.TakeDown, editorial.TakenDown},
		{"lift the takedown of a report published before", report(editorial.TakenDown), okFacts(), workflow.LiftTakedown, editorial.Unpublished},
		{"lift the takedown of a report never published", report(editorial.TakenDown), two, workflow.LiftTakedown, editorial.Approved},
		{"restore a taken-down report: still taken down", archived(st(editorial.TakenDown)), okFacts(), workflow.Restore, editorial.TakenDown},
		{"archive", report(editorial.Published), two, workflow.Archive, editorial.Archived},
		{"restore a published report", archived(st(editorial.Published)), two, workflow.Restore, editorial.Published},
		{"restore a scheduled report (its job is gone)", archived(st(editorial.Scheduled)), two, workflow.Restore, editorial.Approved},
		{"restore with no previous state", archived(nil), two, workflow.Restore, editorial.Draft},
	}
	for _, c := range cases {
		if got := workflow.Next(c.r, c.f, c.a); got != c.want {
			t.Errorf("%s: Next = %s, want %s", c.name, got, c.want)
		}
	}
}

// The table itself: one row per action, each with a rule the policy knows,
// a from-list, and its audit action.
func TestTransitionTable(t *testing.T) {
	if len(workflow.Transitions) != len(workflow.Actions) {
		t.Fatalf("%d transitions for %d actions", len(workflow.Transitions), len(workflow.Actions))
	}
	for _, a := range workflow.Actions {
		tr := workflow.Lookup(a)
		if tr == nil {
			t.Errorf("no transition for %s", a)
			continue
		}
		if tr.Auth != rules[a] || auth.RuleFor(tr.Auth) == nil {
			t.Errorf("%s: decided by %q, want %q", a, tr.Auth, rules[a])
		}
		if tr.Audit != "report."+string(a) || len(tr.From) == 0 {
			t.Errorf("%s: audit %q, from %v", a, tr.Audit, tr.From)
		}
	}
	if err := workflow.Check(roles[6].v, report(editorial.Draft), okFacts(), "frobnicate"); err == nil || cerr.Code(err) != cerr.Internal {
		t.Errorf("Check(unknown action) = %v, want an internal error", err)
	}
}

func TestCheckPublishAt(t *testing.T) {
	embargo := now.Add(2 * time.Hour)
	f := okFacts()
	f.EmbargoUntil = &embargo
	cases := []struct {
		at  time.Time
		msg string
	}{
		{now, "The publication time 2025-03-14T09:00:00Z is not in the future."},
		{now.Add(-time.Minute), "The publication time 2025-03-14T08:59:00Z is not in the future."},
		{now.Add(time.Hour), "The report is embargoed until 2025-03-14T11:00:00Z; it cannot be published before then."},
		{embargo, ""},
		{embargo.Add(time.Hour), ""},
	}
	for _, c := range cases {
		err := workflow.CheckPublishAt("input.publishAt", c.at, f)
		if c.msg == "" {
			if err != nil {
				t.Errorf("CheckPublishAt(%s) = %v", c.at, err)
			}
			continue
		}
		e := cerr.As(err)
		if e == nil || e.Code != cerr.Invalid || e.Field != "input.publishAt" || e.Message != c.msg {
			t.Errorf("CheckPublishAt(%s) = %v, want %q", c.at, err, c.msg)
		}
	}
}

func TestLoadTimeZone(t *testing.T) {
	for _, ok := range []string{"Asia/Shanghai", "UTC", "Europe/Paris", " America/New_York "} {
		if loc, err := workflow.LoadTimeZone("input.timeZone", ok); err != nil || loc.String() != strings.TrimSpace(ok) {
			t.Errorf("LoadTimeZone(%q) = %v, %v", ok, loc, err)
		}
	}
	for _, bad := range []string{"", "Local", "Mars/Olympus_Mons", "+08:00", strings.Repeat("A", 200)} {
		_, err := workflow.LoadTimeZone("input.timeZone", bad)
		if e := cerr.As(err); e == nil || e.Code != cerr.Invalid || e.Field != "input.timeZone" {
			t.Errorf("LoadTimeZone(%q) = %v, want BAD_USER_INPUT on input.timeZone", bad, err)
		}
	}
}

// "An edit reopens review", by hand: which content changes send a report
// back to IN_REVIEW.
func TestReopenReview(t *testing.T) {
	on, off := workflow.DefaultSettings(), workflow.Settings{ApprovalsRequired: 1}
	cases := []struct {
		name          string
		c             workflow.Settings
		by            auth.Action
		before, after editorial.Status
		want          editorial.Status
		reopened      bool
	}{
		{"an edit of an approved report", on, auth.EditReport, editorial.Approved, editorial.Approved, editorial.InReview, true},
		{"an edit of a scheduled report", on, auth.EditReport, editorial.Scheduled, editorial.Scheduled, editorial.InReview, true},
		{"an edit of an approved report, policy off", off, auth.EditReport, editorial.Approved, editorial.Approved, editorial.Approved, false},
		{"an edit of a draft", on, auth.EditReport, editorial.Draft, editorial.Draft, editorial.Draft, false},
		{"an edit in review", on, auth.EditReport, editorial.InReview, editorial.InReview, editorial.InReview, false},
		{"an edit of a published report", on, auth.EditReport, editorial.Published, editorial.Published, editorial.Published, false},
		{"an edit of an unpublished report", on, auth.EditReport, editorial.Unpublished, editorial.Unpublished, editorial.Unpublished, false},
		{"a change that also changed the state", on, auth.EditReport, editorial.Scheduled, editorial.Approved, editorial.Approved, false},
		{"a transition, not an edit", on, auth.PublishReport, editorial.Approved, editorial.Approved, editorial.Approved, false},
		{"a restore of an archived report", on, auth.ArchiveReport, editorial.Archived, editorial.Approved, editorial.Approved, false},
	}
	for _, c := range cases {
		if got, reopened := c.c.ReopenReview(c.by, c.before, c.after); got != c.want || reopened != c.reopened {
			t.Errorf("%s: ReopenReview = %s, %v; want %s, %v", c.name, got, reopened, c.want, c.reopened)
		}
	}
}

// Who is offered SET_EMBARGO, by hand: whoever may publish the report,
// in every state but ARCHIVED.
func TestCanSetEmbargo(t *testing.T) {
	want := map[string]string{ // columns: states
		"anonymous": allF, "reporter-owner": allF, "other-reporter": allF, "reviewer": allF,
		"editor": "YYYYYYYYF", "other-desk-editor": allF, "admin": "YYYYYYYYF",
	}
	for _, role := range roles {
		var got strings.Builder
		for _, s := range states {
			if workflow.CanSetEmbargo(role.v, report(s)) {
				got.WriteString("Y")
			} else {
				got.WriteString("F")
			}
		}
		if got.String() != want[role.name] {
			t.Errorf("%-18s got %s, want %s (columns: %v)", role.name, got.String(), want[role.name], states)
		}
	}
	readOnlyAdmin := &auth.Viewer{UserID: 16, Scope: auth.ScopeReadPublished, Grants: []auth.Grant{{Role: auth.Admin}}}
	if workflow.CanSetEmbargo(readOnlyAdmin, report(editorial.Approved)) {
		t.Error("a read-only token is offered SET_EMBARGO")
	}
}

// Who may give a correction note with a publish, by hand: only a report
// that was published before, whatever its state now.
func TestCheckCorrection(t *testing.T) {
	const first = "A correction note goes with republishing a report that was published before; this report has never been published, so publish it without a correction."
	cases := []struct {
		name  string
		facts workflow.Facts
		msg   string // "" allowed
	}{
		{"republishing the changes of a published report", okFacts(), ""},
		{"republishing an unpublished report without changes", workflow.Facts{Now: now, Published: true}, ""},
		{"a first publication", workflow.Facts{Now: now}, first},
		{"a first publication of an approved report with changes", workflow.Facts{Now: now, HasUnpublishedChanges: true}, first},
	}
	for _, c := range cases {
		err := workflow.CheckCorrection("input.correction", c.facts)
		if c.msg == "" {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		if e := cerr.As(err); e == nil || e.Code != cerr.Invalid || e.Field != "input.correction" || e.Message != c.msg {
			t.Errorf("%s: %v, want BAD_USER_INPUT on input.correction: %q", c.name, err, c.msg)
		}
	}
}
