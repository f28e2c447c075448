package graph_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/copydesk/copydesk/graph/model"
	"github.com/copydesk/copydesk/internal/auth"
)

// A newsroom's first week, through the API, on a desk that requires two
// approvals: a reporter drafts; a reviewer requests changes in a thread
// anchored to a phrase, mentioning the editor; the reporter sees the
// notification and the thread, and revises (the anchor follows the edit);
// the reviewer resolves the required change; two approvals; the editor
// publishes; a correction with a note; a takedown. The audit log is
// checked at each step.
func TestANewsroomsFirstWeek(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	sys := auth.WithViewer(context.Background(), auth.System())
	desk, err := a.ids.CreateDesk(sys, "science", "Science")
	if err != nil {
		t.Fatal(err)
	}
	on := func(r auth.Role) auth.Grant { return auth.Grant{Role: r, DeskID: &desk.ID} }
	reporter := a.as(a.newUser("reporter@example.org", on(auth.Reporter)))
	reviewer := a.as(a.newUser("reviewer@example.org", on(auth.Reviewer)))
	second := a.as(a.newUser("second@example.org", on(auth.Reviewer)))
	editor := a.as(a.newUser("editor@example.org", on(auth.Editor)))
	public := a.as("")
	idOf := func(c *api) string {
		var v struct{ Viewer struct{ ID string } }
		c.do(`{ viewer { id } }`, nil, &v)
		return v.Viewer.ID
	}
	deskID, editorID := model.GlobalID("Desk", desk.ID), idOf(editor)

	var trail []string
	audit := func(step string, id string, more ...string) {
		t.Helper()
		trail = append(trail, more...)
		var got []string
		for _, n := range editor.state(id).Report.AuditLog.Nodes {
			got = append(got, n.Action)
		}
		slices.Reverse(got)
		if !slices.Equal(got, trail) {
			t.Fatalf("after %s, the audit log:\n got %v\nwant %v", step, got, trail)
		}
	}
	type notification struct {
		Kind    string
		Report  struct{ ID string }
		Comment *struct{ Body string }
		Actor   *struct{ Name string }
	}
	inbox := func(c *api) (unread int, list []notification) {
		t.Helper()
		var out struct {
			UnreadNotificationCount int
			Notifications           struct{ Nodes []notification }
		}
		c.do(`{ unreadNotificationCount notifications(unreadOnly: true) { nodes { kind report { id } comment { body } actor { name } } } }`, nil, &out)
		return out.UnreadNotificationCount, out.Notifications.Nodes
	}

	// Monday. The admin makes the desk require two approvals.
	a.do(`mutation($d: ID!) { updateDeskSettings(input: {deskId: $d, approvalsRequired: 2}) { settings { approvalsRequired } userErrors { message } } }`,
		map[string]any{"d": deskID}, nil)

	// The reporter drafts and submits.
	var created struct {
		CreateReport struct{ Report struct{ ID string } }
	}
	reporter.do(`mutation($d: ID!) { createReport(input: {title: "Forum opens", slug: "forum-opens", sourceLocale: "en", deskId: $d,
		body: "The forum opened on Monday in Qingdao."}) { report { id } } }`, map[string]any{"d": deskID}, &created)
	id := created.CreateReport.Report.ID
	v := reporter.step(`mutation($id: ID!) { submitReport(input: {id: $id, expectedVersion: 1}) { report { version } } }`, map[string]any{"id": id})
	audit("the draft is submitted", id, "report.create", "report.submit")

	// Tuesday. The reviewer requests changes on "Monday", mentioning the editor.
	v = reviewer.step(`mutation($id: ID!, $v: Int!, $ed: ID!) { requestChanges(input: {id: $id, expectedVersion: $v,
		comment: "Which Monday? Give the date.", field: BODY, rangeStart: 20, rangeEnd: 26, mentionIds: [$ed]}) { report { version } } }`,
		map[string]any{"id": id, "v": v, "ed": editorID})
	t.Logf("SQL statements: requestChanges %d", a.sql.Load())
	audit("changes are requested", id, "report.requestChanges")
	n, list := inbox(reporter)
	t.Logf("SQL statements: unreadNotificationCount + notifications with report, comment, actor %d", a.sql.Load())
	if n != 1 || list[0].Kind != "CHANGES_REQUESTED" || list[0].Report.ID != id || list[0].Comment.Body != "Which Monday? Give the date." {
		t.Fatalf("the reporter's notifications: %d %+v", n, list)
	}
	if n, list := inbox(editor); n != 1 || list[0].Kind != "MENTIONED" || list[0].Actor.Name != "reviewer@example.org" {
		t.Fatalf("the editor's notifications: %d %+v", n, list)
	}
	var queue struct {
		MyQueue struct {
			ChangesRequested []struct{ ID string }
			ChangeRequests   []struct {
				ID       string
				Required bool
				Anchor   struct {
					RangeStart, RangeEnd int
					Quote                string
				}
			}
		}
	}
	reporter.do(`{ myQueue { changesRequested { id } changeRequests { id required anchor { rangeStart rangeEnd quote } } } }`, nil, &queue)
	q := queue.MyQueue
	if len(q.ChangesRequested) != 1 || len(q.ChangeRequests) != 1 || !q.ChangeRequests[0].Required || q.ChangeRequests[0].Anchor.Quote != "Monday" {
		t.Fatalf("the reporter's queue: %+v", q)
	}
	t.Logf("SQL statements: myQueue with changeRequests %d", a.sql.Load())
	thread := q.ChangeRequests[0].ID
	reporter.do(`mutation { markNotificationsRead(input: {all: true}) { unreadCount } }`, nil, nil)
	if n, _ := inbox(reporter); n != 0 {
		t.Fatalf("%d unread after marking all read", n)
	}

	// The reporter revises: text prepended before the anchored phrase.
	v = reporter.step(`mutation($id: ID!, $v: Int!) { updateReport(input: {id: $id, expectedVersion: $v,
		body: "Update: The forum opened on Monday, 10 June, in Qingdao."}) { report { version } } }`, map[string]any{"id": id, "v": v})
	audit("the reporter revises", id, "report.update")
	checkAnchorFollowed(t, reporter, id, thread)
	reporter.do(`mutation($id: ID!, $c: ID!) { addComment(input: {reportId: $id, replyTo: $c, body: "Done: 10 June."}) { comment { id } } }`,
		map[string]any{"id": id, "c": thread}, nil)
	v = reporter.step(`mutation($id: ID!, $v: Int!) { submitReport(input: {id: $id, expectedVersion: $v}) { report { version } } }`, map[string]any{"id": id, "v": v})
	audit("the reporter replies and resubmits", id, "comment.create", "report.submit")

	// Wednesday. Approval waits for the required change; two approvals.
	e, _ := reviewer.fail(`mutation($id: ID!, $v: Int!) { approveReport(input: {id: $id, expectedVersion: $v}) { report { version } } }`, map[string]any{"id": id, "v": v})
	if e.code() != "BAD_USER_INPUT" || !strings.Contains(e.Message, "required change is still open") {
		t.Fatalf("approving with a required change open: %+v", e)
	}
	reviewer.do(`mutation($c: ID!) { resolveThread(input: {threadId: $c}) { thread { resolvedAt } } }`, map[string]any{"c": thread}, nil)
	v = reviewer.step(`mutation($id: ID!, $v: Int!) { approveReport(input: {id: $id, expectedVersion: $v}) { report { version } } }`, map[string]any{"id": id, "v": v})
	if st := editor.state(id).Report.Status; st != "IN_REVIEW" {
		t.Fatalf("after one of two approvals: %s", st)
	}
	v = second.step(`mutation($id: ID!, $v: Int!) { approveReport(input: {id: $id, expectedVersion: $v}) { report { version } } }`, map[string]any{"id": id, "v": v})
	t.Logf("SQL statements: approveReport %d", a.sql.Load())
	audit("two approvals", id, "comment.resolve", "report.approve", "report.approve")

	// Thursday. The editor publishes; the reporter is told.
	v = editor.step(`mutation($id: ID!, $v: Int!) { publishReport(input: {id: $id, expectedVersion: $v}) { report { version } } }`, map[string]any{"id": id, "v": v})
	t.Logf("SQL statements: publishReport %d", a.sql.Load())
	audit("publication", id, "report.publish")
	if n, list := inbox(reporter); n != 1 || list[0].Kind != "REPORT_PUBLISHED" {
		t.Fatalf("the reporter after publication: %d %+v", n, list)
	}
	type publicRead struct {
		Report *struct {
			Body        string
			Corrections []struct{ Note string }
		}
	}
	read := func() publicRead {
		var p publicRead
		public.do(`{ report(slug: "forum-opens") { body corrections { note } } }`, nil, &p)
		return p
	}
	if p := read(); p.Report == nil || !strings.Contains(p.Report.Body, "10 June") || len(p.Report.Corrections) != 0 {
		t.Fatalf("the public read after publication: %+v", p.Report)
	}

	// Friday. A correction, in the open.
	v = editor.step(`mutation($id: ID!, $v: Int!) { updateReport(input: {id: $id, expectedVersion: $v,
		body: "Update: The forum opened on Tuesday, 11 June, in Qingdao."}) { report { version } } }`, map[string]any{"id": id, "v": v})
	v = editor.step(`mutation($id: ID!, $v: Int!) { publishReport(input: {id: $id, expectedVersion: $v, correction: "An earlier version gave the wrong day."}) { report { version } } }`,
		map[string]any{"id": id, "v": v})
	audit("the correction", id, "report.update", "report.publish")
	if p := read(); p.Report == nil || !strings.Contains(p.Report.Body, "11 June") || len(p.Report.Corrections) != 1 ||
		p.Report.Corrections[0].Note != "An earlier version gave the wrong day." {
		t.Fatalf("the public read after the correction: %+v", p.Report)
	}

	// Saturday. A takedown, which a plain publish cannot undo.
	editor.step(`mutation($id: ID!, $v: Int!) { takeDownReport(input: {id: $id, expectedVersion: $v, reason: "Court order 42."}) { report { version } } }`,
		map[string]any{"id": id, "v": v})
	audit("the takedown", id, "report.takeDown")
	if p := read(); p.Report != nil {
		t.Fatalf("the public still reads a taken-down report: %+v", p.Report)
	}
	st := editor.state(id).Report
	if st.Status != "TAKEN_DOWN" || slices.Contains(st.AvailableTransitions, "PUBLISH") {
		t.Fatalf("after the takedown: %s offering %v", st.Status, st.AvailableTransitions)
	}
}

// checkAnchorFollowed checks that change-request thread on report id,
// anchored to "Monday" in the body, still points at "Monday" after text
// was prepended to the body.
func checkAnchorFollowed(t *testing.T, c *api, id, thread string) {
	t.Helper()
	var out struct {
		Report struct {
			Body     string
			Comments []struct {
				ID     string
				Anchor struct {
					RangeStart, RangeEnd *int
					Quote                string
				}
			}
		}
	}
	c.do(`query($id: ID!) { report(id: $id) { body comments { id anchor { rangeStart rangeEnd quote } } } }`, map[string]any{"id": id}, &out)
	for _, th := range out.Report.Comments {
		if th.ID != thread {
			continue
		}
		a := th.Anchor
		body := []rune(out.Report.Body)
		if a.RangeStart == nil || a.RangeEnd == nil || *a.RangeEnd > len(body) || string(body[*a.RangeStart:*a.RangeEnd]) != "Monday" {
			t.Fatalf("the anchor did not follow the edit: %+v over %q", a, out.Report.Body)
		}
		return
	}
	t.Fatalf("thread %s not found", thread)
}
