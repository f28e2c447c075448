package graph_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/copydesk/copydesk/internal/auth"
)

// reportState is what the workflow screens read.
type reportState struct {
	Report struct {
		Status                string
		Version               int
		Title                 string
		HasUnpublishedChanges bool
		AvailableTransitions  []string
		Published             *struct{ Version int }
		UnpublishedChanges    *struct{ ChangedFields []string }
		Reviewers             []struct{ Name string }
		Approvals             []struct{ Version int }
		Comments              []struct {
			Root       struct{ Body string }
			Replies    []struct{ Body string }
			ResolvedAt *string
			Anchor     *struct {
				Field string
				Quote *string
			}
		}
		AuditLog struct {
			Nodes []struct{ Action, ActorName string }
		}
	}
}

const stateQuery = `query($id: ID!) { report(id: $id) { status version title hasUnpublishedChanges availableTransitions
	published { version } unpublishedChanges { changedFields } reviewers { name } approvals { version }
	comments { root { body } replies { body } resolvedAt anchor { field quote } }
	auditLog(first: 100) { nodes { action actorName } } } }`

func (a *api) state(id string) reportState {
	a.t.Helper()
	var s reportState
	a.do(stateQuery, map[string]any{"id": id}, &s)
	return s
}

// step runs a workflow mutation and returns the new version.
func (a *api) step(mutation string, vars map[string]any) int {
	a.t.Helper()
	var out map[string]struct {
		Report struct{ Version int }
	}
	a.do(mutation, vars, &out)
	for _, p := range out {
		return p.Report.Version
	}
	return 0
}

// A report's whole life through the API: a reporter drafts and submits, a
// reviewer comments and sends it back, approves the revision, an editor
// publishes; readers keep the published copy while the draft is edited,
// until it is republished; unpublishing hides it at once. Every step shows
// the right buttons and leaves its audit entry.
func TestEditorialWorkflowThroughTheAPI(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	reporter := a.as(a.newUser("reporter@example.org", auth.Grant{Role: auth.Reporter}))
	reviewer := a.as(a.newUser("reviewer@example.org", auth.Grant{Role: auth.Reviewer}))
	editor := a.as(a.newUser("editor@example.org", auth.Grant{Role: auth.Editor}))
	public := a.as("")

	var created struct {
		CreateReport struct{ Report struct{ ID string } }
	}
	reporter.do(`mutation { createReport(input: {title: "Forum opens", sourceLocale: "en", body: "The forum opened."}) { report { id } } }`, nil, &created)
	id := created.CreateReport.Report.ID
	if got := reporter.state(id).Report.AvailableTransitions; !slices.Equal(got, []string{"SUBMIT"}) {
		t.Errorf("a reporter's draft offers %v, want [SUBMIT]", got)
	}
	v := reporter.step(`mutation($id: ID!) { submitReport(input: {id: $id, expectedVersion: 1}) { report { version } } }`, map[string]any{"id": id})

	var users struct {
		Users struct{ Nodes []struct{ ID, Email string } }
	}
	a.do(`{ users { nodes { id email } } }`, nil, &users)
	reviewerID := ""
	for _, u := range users.Users.Nodes {
		if u.Email == "reviewer@example.org" {
			reviewerID = u.ID
		}
	}
	v = editor.step(`mutation($id: ID!, $v: Int!, $r: ID!) { assignReviewers(input: {id: $id, expectedVersion: $v, reviewerIds: [$r]}) { report { version } } }`,
		map[string]any{"id": id, "v": v, "r": reviewerID})
	var queue struct {
		MyQueue struct{ AwaitingMyReview []struct{ Title string } }
	}
	reviewer.do(`{ myQueue { awaitingMyReview { title } } }`, nil, &queue)
	if len(queue.MyQueue.AwaitingMyReview) != 1 {
		t.Errorf("the reviewer's queue: %+v", queue.MyQueue)
	}

	var comment struct {
		AddComment struct{ Comment struct{ ID string } }
	}
	reviewer.do(`mutation($id: ID!) { addComment(input: {reportId: $id, body: "Which forum?", field: TITLE, rangeStart: 0, rangeEnd: 5}) { comment { id } } }`,
		map[string]any{"id": id}, &comment)
	reporter.do(`mutation($id: ID!, $c: ID!) { addComment(input: {reportId: $id, replyTo: $c, body: "The CJK one."}) { comment { id } } }`,
		map[string]any{"id": id, "c": comment.AddComment.Comment.ID}, nil)
	v = reviewer.step(`mutation($id: ID!, $v: Int!) { requestChanges(input: {id: $id, expectedVersion: $v, comment: "Name the forum."}) { report { version } } }`,
		map[string]any{"id": id, "v": v})
	// The reporter finds the change request in their queue, as a required change.
	var asked struct {
		MyQueue struct {
			ChangeRequests []struct {
				ID       string
				Kind     string
				Required bool
				Root     struct{ Body string }
				Report   struct{ ID string }
			}
		}
	}
	reporter.do(`{ myQueue { changeRequests { id kind required root { body } report { id } } } }`, nil, &asked)
	if cr := asked.MyQueue.ChangeRequests; len(cr) != 1 || cr[0].Kind != "CHANGE_REQUEST" || !cr[0].Required || cr[0].Root.Body != "Name the forum." || cr[0].Report.ID != id {
		t.Fatalf("the reporter's change requests: %+v", cr)
	}
	changeRequest := asked.MyQueue.ChangeRequests[0].ID
	v = reporter.step(`mutation($id: ID!, $v: Int!) { updateReport(input: {id: $id, expectedVersion: $v, title: "China-Japan-Korea forum opens"}) { report { version } } }`,
		map[string]any{"id": id, "v": v})
	reporter.do(`mutation($c: ID!) { resolveThread(input: {threadId: $c}) { thread { resolvedAt } } }`, map[string]any{"c": comment.AddComment.Comment.ID}, nil)
	v = reporter.step(`mutation($id: ID!, $v: Int!) { submitReport(input: {id: $id, expectedVersion: $v}) { report { version } } }`,
		map[string]any{"id": id, "v": v})

	if got := reporter.state(id).Report.AvailableTransitions; len(got) != 0 {
		t.Errorf("a reporter cannot act on a report in review, yet is offered %v", got)
	}
	if got := reviewer.state(id).Report.AvailableTransitions; slices.Contains(got, "APPROVE") {
		t.Errorf("approval is offered while a required change is open: %v", got)
	}
	if e, _ := reporter.fail(`mutation($c: ID!) { resolveThread(input: {threadId: $c}) { thread { resolvedAt } } }`, map[string]any{"c": changeRequest}); e.code() != "FORBIDDEN" {
		t.Errorf("the reporter resolving the required change: %+v", e)
	}
	reviewer.do(`mutation($c: ID!) { resolveThread(input: {threadId: $c}) { thread { resolvedAt } } }`, map[string]any{"c": changeRequest}, nil)
	if got := reviewer.state(id).Report.AvailableTransitions; !slices.Contains(got, "APPROVE") || slices.Contains(got, "PUBLISH") {
		t.Errorf("a reviewer of a report in review is offered %v", got)
	}
	e, _ := reporter.fail(`mutation($id: ID!, $v: Int!) { approveReport(input: {id: $id, expectedVersion: $v}) { userErrors { code } } }`, map[string]any{"id": id, "v": v})
	if e.code() != "FORBIDDEN" {
		t.Errorf("a reporter approving: %+v", e)
	}
	v = reviewer.step(`mutation($id: ID!, $v: Int!) { approveReport(input: {id: $id, expectedVersion: $v}) { report { version } } }`,
		map[string]any{"id": id, "v": v})
	if st := editor.state(id).Report; st.Status != "APPROVED" || !slices.Contains(st.AvailableTransitions, "PUBLISH") {
		t.Fatalf("after approval: %s offering %v", st.Status, st.AvailableTransitions)
	}
	e, _ = editor.fail(`mutation($id: ID!, $v: Int!) { publishReport(input: {id: $id, expectedVersion: $v}) { userErrors { code } } }`, map[string]any{"id": id, "v": v - 1})
	if e.code() != "CONFLICT" {
		t.Errorf("publishing a stale version: %+v", e)
	}
	v = editor.step(`mutation($id: ID!, $v: Int!) { publishReport(input: {id: $id, expectedVersion: $v}) { report { version } } }`,
		map[string]any{"id": id, "v": v})

	readTitle := func() string {
		var out struct{ Report *struct{ Title string } }
		public.do(`query($id: ID!) { report(id: $id) { title } }`, map[string]any{"id": id}, &out)
		if out.Report == nil {
			return "<hidden>"
		}
		return out.Report.Title
	}
	if got := readTitle(); got != "China-Japan-Korea forum opens" {
		t.Fatalf("the public reads %q after publication", got)
	}
	v = editor.step(`mutation($id: ID!, $v: Int!) { updateReport(input: {id: $id, expectedVersion: $v, title: "Forum closes"}) { report { version } } }`,
		map[string]any{"id": id, "v": v})
	st := editor.state(id).Report
	if readTitle() != "China-Japan-Korea forum opens" || st.Status != "PUBLISHED" || !st.HasUnpublishedChanges ||
		st.UnpublishedChanges == nil || fmt.Sprint(st.UnpublishedChanges.ChangedFields) != "[title]" {
		t.Errorf("editing a published report changes the draft only: public %q, newsroom %+v", readTitle(), st)
	}
	v = editor.step(`mutation($id: ID!, $v: Int!) { publishReport(input: {id: $id, expectedVersion: $v}) { report { version } } }`,
		map[string]any{"id": id, "v": v})
	if readTitle() != "Forum closes" || editor.state(id).Report.HasUnpublishedChanges {
		t.Errorf("republishing shows the edit: %q", readTitle())
	}
	editor.step(`mutation($id: ID!, $v: Int!) { unpublishReport(input: {id: $id, expectedVersion: $v, reason: "Legal review"}) { report { version } } }`,
		map[string]any{"id": id, "v": v})
	if got := readTitle(); got != "<hidden>" {
		t.Errorf("an unpublished report is still public: %q", got)
	}

	final := editor.state(id).Report
	var actions []string
	for _, n := range final.AuditLog.Nodes {
		actions = append(actions, n.Action)
	}
	slices.Reverse(actions)
	want := "report.create report.submit report.assignReviewers comment.create comment.create report.requestChanges report.update comment.resolve report.submit comment.resolve report.approve report.publish report.update report.publish report.unpublish"
	if got := strings.Join(actions, " "); got != want {
		t.Errorf("audit trail:\n got %s\nwant %s", got, want)
	}
	if len(final.Comments) != 2 || len(final.Comments[0].Replies) != 1 || final.Comments[0].ResolvedAt == nil ||
		final.Comments[0].Anchor == nil || *final.Comments[0].Anchor.Quote != "Forum" ||
		final.Comments[1].Root.Body != "Name the forum." || final.Comments[1].ResolvedAt == nil {
		t.Errorf("comment thread: %+v", final.Comments)
	}
	// The public sees none of it.
	var pub struct {
		Report *struct {
			Comments             []struct{ ID string }
			AvailableTransitions []string
		}
	}
	a.step(`mutation($id: ID!, $v: Int!) { publishReport(input: {id: $id, expectedVersion: $v}) { report { version } } }`, map[string]any{"id": id, "v": final.Version})
	public.do(`query($id: ID!) { report(id: $id) { comments { id } availableTransitions } }`, map[string]any{"id": id}, &pub)
	if pub.Report == nil || len(pub.Report.Comments) != 0 || len(pub.Report.AvailableTransitions) != 0 {
		t.Errorf("public readers see comments or buttons: %+v", pub.Report)
	}
	if e, _ := public.fail(`query($id: ID!) { report(id: $id) { auditLog { nodes { action } } } }`, map[string]any{"id": id}); e.code() != "UNAUTHENTICATED" {
		t.Errorf("public audit log: %+v", e)
	}
}

// A report under embargo cannot be published before it lifts, whoever asks.
func TestEmbargoBlocksPublication(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	id := a.createReport("Embargoed", "")
	v := a.step(`mutation($id: ID!) { setEmbargo(input: {id: $id, expectedVersion: 1, embargoUntil: "2999-01-01T00:00:00Z"}) { report { version } } }`, map[string]any{"id": id})
	for _, m := range []string{"submitReport"} {
		v = a.step(`mutation($id: ID!, $v: Int!) { `+m+`(input: {id: $id, expectedVersion: $v}) { report { version } } }`, map[string]any{"id": id, "v": v})
	}
	other := a.as(a.newUser("approver@example.org", auth.Grant{Role: auth.Reviewer}))
	v = other.step(`mutation($id: ID!, $v: Int!) { approveReport(input: {id: $id, expectedVersion: $v}) { report { version } } }`, map[string]any{"id": id, "v": v})
	e, _ := a.fail(`mutation($id: ID!, $v: Int!) { publishReport(input: {id: $id, expectedVersion: $v}) { userErrors { code } } }`, map[string]any{"id": id, "v": v})
	if e.code() != "BAD_USER_INPUT" || !strings.Contains(strings.ToLower(e.Message), "embargo") {
		t.Errorf("publishing under embargo: %+v", e)
	}
	var st struct {
		Report struct {
			EmbargoUntil         string
			AvailableTransitions []string
		}
	}
	a.do(`query($id: ID!) { report(id: $id) { embargoUntil availableTransitions } }`, map[string]any{"id": id}, &st)
	if st.Report.EmbargoUntil != "2999-01-01T00:00:00Z" || slices.Contains(st.Report.AvailableTransitions, "PUBLISH") {
		t.Errorf("embargoed report: %+v", st.Report)
	}
}
