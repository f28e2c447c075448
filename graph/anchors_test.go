package graph_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/copydesk/copydesk/internal/auth"
)

// A comment's anchor read back through the API follows the report's edits:
// prepending text moves its range, and rewriting the quoted words outdates
// the thread (no range, the quote kept); the edits' audit entries say so.
func TestCommentAnchorFollowsEditsThroughTheAPI(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	reporter := a.as(a.newUser("reporter@example.org", auth.Grant{Role: auth.Reporter}))
	reviewer := a.as(a.newUser("reviewer@example.org", auth.Grant{Role: auth.Reviewer}))

	var created struct {
		CreateReport struct{ Report struct{ ID string } }
	}
	reporter.do(`mutation { createReport(input: {title: "Forum opens", sourceLocale: "en", body: "The forum opened in Qingdao on Monday."}) { report { id } } }`, nil, &created)
	id := created.CreateReport.Report.ID
	reviewer.do(`mutation($id: ID!) { addComment(input: {reportId: $id, body: "Which city?", field: BODY, rangeStart: 20, rangeEnd: 27}) { comment { id } } }`,
		map[string]any{"id": id}, nil)

	type anchor struct {
		Field                string
		RangeStart, RangeEnd *int
		Quote, CurrentQuote  *string
		Outdated             bool
		OutdatedAt           *string
	}
	// read returns the thread's anchor, and the thread IDs the newest audit
	// entry lists as movedAnchors and outdatedThreads.
	read := func() (anchor, []int64, []int64) {
		t.Helper()
		var out struct {
			Report struct {
				Comments []struct{ Anchor *anchor }
				AuditLog struct{ Nodes []struct{ Detail *string } }
			}
		}
		reviewer.do(`query($id: ID!) { report(id: $id) {
			comments { anchor { field rangeStart rangeEnd quote currentQuote outdated outdatedAt } }
			auditLog(first: 1) { nodes { detail } } } }`, map[string]any{"id": id}, &out)
		if len(out.Report.Comments) != 1 || out.Report.Comments[0].Anchor == nil || len(out.Report.AuditLog.Nodes) != 1 {
			t.Fatalf("read back: %+v", out.Report)
		}
		var d struct{ MovedAnchors, OutdatedThreads []int64 }
		if p := out.Report.AuditLog.Nodes[0].Detail; p != nil {
			if err := json.Unmarshal([]byte(*p), &d); err != nil {
				t.Fatalf("audit detail %s: %v", *p, err)
			}
		}
		return *out.Report.Comments[0].Anchor, d.MovedAnchors, d.OutdatedThreads
	}
	str := func(p *string) string {
		if p == nil {
			return "<nil>"
		}
		return *p
	}
	num := func(p *int) int {
		if p == nil {
			return -1
		}
		return *p
	}
	show := func(a anchor) string {
		return fmt.Sprintf("%s %d..%d quote %q current %q outdated %v at %s", a.Field, num(a.RangeStart), num(a.RangeEnd),
			str(a.Quote), str(a.CurrentQuote), a.Outdated, str(a.OutdatedAt))
	}

	if got, _, _ := read(); num(got.RangeStart) != 20 || num(got.RangeEnd) != 27 || str(got.Quote) != "Qingdao" || str(got.CurrentQuote) != "Qingdao" || got.Outdated || got.OutdatedAt != nil {
		t.Fatalf("as made: %s", show(got))
	}

	reporter.do(`mutation($id: ID!) { updateReport(input: {id: $id, expectedVersion: 1, body: "Update: The forum opened in Qingdao on Monday."}) { report { version } } }`,
		map[string]any{"id": id}, nil)
	got, moved, outdated := read()
	if num(got.RangeStart) != 28 || num(got.RangeEnd) != 35 || str(got.Quote) != "Qingdao" || str(got.CurrentQuote) != "Qingdao" || got.Outdated {
		t.Errorf("after text was prepended: %s, want 28..35", show(got))
	}
	if len(moved) != 1 || len(outdated) != 0 {
		t.Errorf("the edit's audit detail: movedAnchors %v, outdatedThreads %v", moved, outdated)
	}
	thread := moved

	reporter.do(`mutation($id: ID!) { updateReport(input: {id: $id, expectedVersion: 2, body: "Update: The forum opened in Beijing on Monday."}) { report { version } } }`,
		map[string]any{"id": id}, nil)
	got, moved, outdated = read()
	if got.RangeStart != nil || got.RangeEnd != nil || got.CurrentQuote != nil || str(got.Quote) != "Qingdao" || !got.Outdated || got.OutdatedAt == nil || got.Field != "BODY" {
		t.Errorf("after the quoted word was rewritten: %s, want outdated, quoting Qingdao", show(got))
	}
	if len(moved) != 0 || !slices.Equal(outdated, thread) {
		t.Errorf("the edit's audit detail: movedAnchors %v, outdatedThreads %v, want [%v]", moved, outdated, thread)
	}
}
