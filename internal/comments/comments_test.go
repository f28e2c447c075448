package comments_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lib/pq"

	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/comments"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/identity"
	"github.com/copydesk/copydesk/internal/pgtest"
	"github.com/copydesk/copydesk/internal/postgres"
	"github.com/copydesk/copydesk/internal/reports"
	"github.com/copydesk/copydesk/internal/testkit"
)

func ids(cs []*comments.Comment) []int64 {
	out := make([]int64, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

func TestThreadsAndReplies(t *testing.T) {
	n := newNewsroom(t)
	root := n.thread(t, "reporter", "Is the **title** right?")
	r1 := n.reply(t, "editor", root.ID, "Yes.")
	r2 := n.reply(t, "reviewer", r1.ID, "Replying to a reply joins the thread.")
	second := n.thread(t, "translator", "A second thread.")

	if root.ParentID != nil || root.ThreadID != root.ID || *root.AuthorID != n.users["reporter"].ID || *root.Body != "Is the **title** right?" {
		t.Fatalf("root = %+v", root)
	}
	for _, r := range []*comments.Comment{r1, r2} {
		if r.ParentID == nil || *r.ParentID != root.ID || r.ThreadID != root.ID || r.ReportID != n.report.ID {
			t.Fatalf("reply %d: parent %v, thread %d, want both %d", r.ID, r.ParentID, r.ThreadID, root.ID)
		}
	}
	if *r2.AuthorID != n.users["reviewer"].ID || r2.Version != 1 || r2.EditedAt != nil {
		t.Fatalf("r2 = %+v", r2)
	}

	other := n.newReport(t, &n.desk1, "Another report", nil, "")
	otherThread := testkit.Of(n.svc.Create(n.as(t, "editor"), comments.NewComment{ReportID: other.ID, Body: "Elsewhere."})).OK(t)

	threads := testkit.Of(n.svc.ThreadsByReportIDs(n.as(t, "editor-sport"), []int64{n.report.ID, other.ID, 999999}, false)).OK(t)
	got := threads[n.report.ID]
	if len(got) != 2 || got[0].Root.ID != root.ID || got[1].Root.ID != second.ID {
		t.Fatalf("threads on the report: %+v", got)
	}
	if !slices.Equal(ids(got[0].Replies), []int64{r1.ID, r2.ID}) || len(got[1].Replies) != 0 {
		t.Fatalf("replies: %v and %v", ids(got[0].Replies), ids(got[1].Replies))
	}
	if len(threads[other.ID]) != 1 || threads[other.ID][0].Root.ID != otherThread.ID {
		t.Fatalf("threads on the other report: %+v", threads[other.ID])
	}
	if _, ok := threads[999999]; ok || len(threads) != 2 {
		t.Fatalf("threads for %d reports, want 2", len(threads))
	}

	byID := testkit.Of(n.svc.CommentsByIDs(n.as(t, "reviewer"), []int64{root.ID, r2.ID, 999999})).OK(t)
	if len(byID) != 2 || *byID[r2.ID].Body != *r2.Body || byID[r2.ID].ThreadID != root.ID {
		t.Fatalf("CommentsByIDs = %+v", byID)
	}

	ctx := n.as(t, "editor")
	_, err := n.svc.Create(ctx, comments.NewComment{ReportID: n.report.ID, ParentID: &root.ID, Body: "x", Field: "title"})
	testkit.WantErr(t, err, cerr.Invalid, "input.parentId")
	_, err = n.svc.Create(ctx, comments.NewComment{ReportID: n.report.ID, ParentID: &otherThread.ID, Body: "x"})
	testkit.WantErr(t, err, cerr.Invalid, "input.parentId")
	_, err = n.svc.Create(ctx, comments.NewComment{ReportID: n.report.ID, ParentID: testkit.Ptr[int64](999999), Body: "x"})
	testkit.WantErr(t, err, cerr.NotFound, "input.parentId")
	_, err = n.svc.Create(ctx, comments.NewComment{ReportID: 999999, Body: "x"})
	testkit.WantErr(t, err, cerr.NotFound, "input.reportId")
}

func TestAnchorsAndRanges(t *testing.T) {
	n := newNewsroom(t)
	other := n.newReport(t, &n.desk1, "Another report", nil, "", "Guests")
	otherAtts := testkit.Of(postgres.AttendeesByReportIDs(t.Context(), n.db, []int64{other.ID})).OK(t)
	otherAttendee := otherAtts[other.ID][0].ID
	att := n.attendees[1]
	i := func(v int) *int { return &v }
	cases := []struct {
		name      string
		in        comments.NewComment
		code      string
		field     string // of the error
		wantField string
		wantQuote *string
	}{
		{name: "whole report"},
		{name: "title", in: comments.NewComment{Field: "title"}, wantField: "title"},
		{name: "field name in capitals", in: comments.NewComment{Field: "TITLE"}, wantField: "title"},
		{name: "CJK range", in: comments.NewComment{Field: "title", RangeStart: i(5), RangeEnd: i(9)}, wantField: "title", wantQuote: testkit.Ptr("中国科协")},
		{name: "whole CJK title", in: comments.NewComment{Field: "title", RangeStart: i(0), RangeEnd: i(16)}, wantField: "title", wantQuote: testkit.Ptr(reportTitle)},
		{name: "range past the CJK title (bytes are not characters)", in: comments.NewComment{Field: "title", RangeStart: i(0), RangeEnd: i(17)}, code: cerr.Invalid, field: "input.rangeEnd"},
		{name: "emoji is one code point", in: comments.NewComment{Field: "summary", RangeStart: i(3), RangeEnd: i(5)}, wantField: "summary", wantQuote: testkit.Ptr("🎉在")},
		{name: "flag is two code points", in: comments.NewComment{Field: "summary", RangeStart: i(9), RangeEnd: i(11)}, wantField: "summary", wantQuote: testkit.Ptr("🇨🇳")},
		{name: "to the end of the summary", in: comments.NewComment{Field: "summary", RangeStart: i(11), RangeEnd: i(12)}, wantField: "summary", wantQuote: testkit.Ptr("。")},
		{name: "past the summary (UTF-16 units are not code points)", in: comments.NewComment{Field: "summary", RangeStart: i(11), RangeEnd: i(13)}, code: cerr.Invalid, field: "input.rangeEnd"},
		{name: "empty range is a position", in: comments.NewComment{Field: "body", RangeStart: i(4), RangeEnd: i(4)}, wantField: "body", wantQuote: testkit.Ptr("")},
		{name: "body range", in: comments.NewComment{Field: "body", RangeStart: i(0), RangeEnd: i(5)}, wantField: "body", wantQuote: testkit.Ptr("## 会议")},
		{name: "unset subtitle is empty", in: comments.NewComment{Field: "subtitle", RangeStart: i(0), RangeEnd: i(0)}, wantField: "subtitle", wantQuote: testkit.Ptr("")},
		{name: "past the unset subtitle", in: comments.NewComment{Field: "subtitle", RangeStart: i(0), RangeEnd: i(1)}, code: cerr.Invalid, field: "input.rangeEnd"},
		{name: "ends before it starts", in: comments.NewComment{Field: "title", RangeStart: i(5), RangeEnd: i(3)}, code: cerr.Invalid, field: "input.rangeEnd"},
		{name: "negative start", in: comments.NewComment{Field: "title", RangeStart: i(-1), RangeEnd: i(3)}, code: cerr.Invalid, field: "input.rangeStart"},
		{name: "starts past the end", in: comments.NewComment{Field: "title", RangeStart: i(20), RangeEnd: i(21)}, code: cerr.Invalid, field: "input.rangeStart"},
		{name: "start only", in: comments.NewComment{Field: "title", RangeStart: i(1)}, code: cerr.Invalid, field: "input.rangeEnd"},
		{name: "end only", in: comments.NewComment{Field: "title", RangeEnd: i(1)}, code: cerr.Invalid, field: "input.rangeStart"},
		{name: "range without a field", in: comments.NewComment{RangeStart: i(0), RangeEnd: i(1)}, code: cerr.Invalid, field: "input.field"},
		{name: "unknown field", in: comments.NewComment{Field: "headline"}, code: cerr.Invalid, field: "input.field"},
		{name: "attendee", in: comments.NewComment{Field: "attendee", AttendeeID: &att}, wantField: "attendee"},
		{name: "attendee without an ID", in: comments.NewComment{Field: "attendee"}, code: cerr.Invalid, field: "input.attendeeId"},
		{name: "attendee with a range", in: comments.NewComment{Field: "attendee", AttendeeID: &att, RangeStart: i(0), RangeEnd: i(1)}, code: cerr.Invalid, field: "input.rangeStart"},
		{name: "attendee ID on the title", in: comments.NewComment{Field: "title", AttendeeID: &att}, code: cerr.Invalid, field: "input.attendeeId"},
		{name: "attendee ID without field", in: comments.NewComment{AttendeeID: &att}, code: cerr.Invalid, field: "input.field"},
		{name: "attendee of another report", in: comments.NewComment{Field: "attendee", AttendeeID: &otherAttendee}, code: cerr.NotFound, field: "input.attendeeId"},
		{name: "unknown attendee", in: comments.NewComment{Field: "attendee", AttendeeID: testkit.Ptr[int64](999999)}, code: cerr.NotFound, field: "input.attendeeId"},
	}
	ctx := n.as(t, "reviewer")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := c.in
			in.ReportID, in.Body = n.report.ID, "About this."
			before := n.commentDump(t)
			got, err := n.svc.Create(ctx, in)
			if c.code != "" {
				testkit.WantErr(t, err, c.code, c.field)
				if after := n.commentDump(t); after != before {
					t.Fatalf("a failed create wrote:\n%s\nwas:\n%s", after, before)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Field != c.wantField || str(got.Quote) != str(c.wantQuote) {
				t.Fatalf("field %q quote %s, want %q %s", got.Field, str(got.Quote), c.wantField, str(c.wantQuote))
			}
			if (got.RangeStart == nil) != (c.wantQuote == nil) || (c.in.RangeStart != nil && (*got.RangeStart != *c.in.RangeStart || *got.RangeEnd != *c.in.RangeEnd)) {
				t.Fatalf("range %v..%v, want %v..%v", got.RangeStart, got.RangeEnd, c.in.RangeStart, c.in.RangeEnd)
			}
			if c.wantField == "attendee" && (got.AttendeeID == nil || *got.AttendeeID != att) {
				t.Fatalf("attendee %v, want %d", got.AttendeeID, att)
			}
			stored := testkit.Of(n.svc.CommentsByIDs(ctx, []int64{got.ID})).OK(t)[got.ID]
			if stored.Field != got.Field || str(stored.Quote) != str(got.Quote) || !eqPtr(stored.RangeStart, got.RangeStart) || !eqPtr(stored.AttendeeID, got.AttendeeID) {
				t.Fatalf("stored %+v, returned %+v", stored, got)
			}
		})
	}

	// The range follows the edit and the quote keeps the anchored text; an
	// attendee anchor outlives the attendee (it becomes nil), outdated.
	sys := auth.WithViewer(t.Context(), auth.System())
	quoted := testkit.Of(n.svc.Create(ctx, comments.NewComment{ReportID: n.report.ID, Body: "Check the name.", Field: "title", RangeStart: i(5), RangeEnd: i(9)})).OK(t)
	onAttendee := testkit.Of(n.svc.Create(ctx, comments.NewComment{ReportID: n.report.ID, Body: "Who exactly?", Field: "attendee", AttendeeID: &att})).OK(t)
	saved := testkit.Of(n.content.UpdateReport(sys, reports.UpdateReportInput{ID: n.report.ID, ExpectedVersion: n.report.Version, Title: editorial.SetTo("中国科协年会开幕")})).OK(t)
	keep := n.attendees[0]
	d := "Officers from the Consulates General of ROK and Japan"
	testkit.Of(n.content.SetAttendees(sys, n.report.ID, saved.Report.Version, []reports.AttendeeInput{{ID: keep, Delegation: &d, Participations: []editorial.Participation{"ATTENDED"}}}, nil)).OK(t)
	now := testkit.Of(n.svc.CommentsByIDs(ctx, []int64{quoted.ID, onAttendee.ID})).OK(t)
	if q := now[quoted.ID]; str(q.Quote) != `"中国科协"` || str(q.CurrentQuote) != `"中国科协"` || *q.RangeStart != 0 || *q.RangeEnd != 4 || q.OutdatedAt != nil {
		t.Fatalf("after the title changed: quote %s (now %s) range %d..%d", str(q.Quote), str(q.CurrentQuote), *q.RangeStart, *q.RangeEnd)
	}
	if a := now[onAttendee.ID]; a.Field != "attendee" || a.AttendeeID != nil || a.Body == nil || a.OutdatedAt == nil {
		t.Fatalf("after the attendee left: field %q attendee %v outdated %v", a.Field, a.AttendeeID, a.OutdatedAt)
	}
	// New ranges are checked against the new text (now 8 characters).
	_, err := n.svc.Create(ctx, comments.NewComment{ReportID: n.report.ID, Body: "x", Field: "title", RangeStart: i(5), RangeEnd: i(9)})
	testkit.WantErr(t, err, cerr.Invalid, "input.rangeEnd")
}

func eqPtr[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

func TestBodyValidation(t *testing.T) {
	n := newNewsroom(t)
	ctx := n.as(t, "reporter")
	root := n.thread(t, "reporter", "Fine.")
	cases := []struct {
		name, body string
		ok         bool
	}{
		{"markdown", "**Bold**, _italic_, `code`, [a link](https://example.org)\n\n- a list", true},
		{"10,000 CJK characters (30,000 bytes)", strings.Repeat("中", editorial.MaxCommentBody), true},
		{"10,000 emoji (40,000 bytes)", strings.Repeat("🎉", editorial.MaxCommentBody), true},
		{"10,001 characters", strings.Repeat("a", editorial.MaxCommentBody+1), false},
		{"empty", "", false},
		{"blank", " \n\t ", false},
		{"invalid UTF-8", "ab\xffcd", false},
		{"NUL", "a\x00b", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			created, err := n.svc.Create(ctx, comments.NewComment{ReportID: n.report.ID, Body: c.body})
			cur := testkit.Of(n.svc.CommentsByIDs(ctx, []int64{root.ID})).OK(t)[root.ID]
			edited, err2 := n.svc.Edit(ctx, root.ID, cur.Version, c.body, nil)
			if !c.ok {
				testkit.WantErr(t, err, cerr.Invalid, "input.body")
				testkit.WantErr(t, err2, cerr.Invalid, "input.body")
				return
			}
			if err != nil || err2 != nil {
				t.Fatalf("create: %v, edit: %v", err, err2)
			}
			if *created.Body != c.body || *edited.Body != c.body {
				t.Fatal("body not stored as given")
			}
		})
	}
}

func TestMentions(t *testing.T) {
	n := newNewsroom(t)
	ctx := n.as(t, "reporter")
	editor, reviewer, translator := n.users["editor"].ID, n.users["reviewer"].ID, n.users["translator"].ID
	thread := testkit.Of(n.svc.Create(ctx, comments.NewComment{ReportID: n.report.ID, Body: "@reviewer @editor please check", MentionIDs: []int64{reviewer, editor}})).OK(t)
	if !slices.Equal(thread.MentionIDs, []int64{editor, reviewer}) {
		t.Fatalf("mentions %v", thread.MentionIDs)
	}
	reply := testkit.Of(n.svc.Create(ctx, comments.NewComment{ReportID: n.report.ID, ParentID: &thread.ID, Body: "@editor ping", MentionIDs: []int64{editor}})).OK(t)
	other := n.newReport(t, &n.desk2, "A sports report", nil, "")
	elsewhere := testkit.Of(n.svc.Create(n.as(t, "admin"), comments.NewComment{ReportID: other.ID, Body: "@editor here too", MentionIDs: []int64{editor}})).OK(t)

	mentioning := func(user int64, first int, after int64) []int64 {
		t.Helper()
		return ids(testkit.Of(n.svc.MentioningUser(n.as(t, "translator"), user, first, after)).OK(t))
	}
	if got := mentioning(editor, 10, 0); !slices.Equal(got, []int64{elsewhere.ID, reply.ID, thread.ID}) {
		t.Fatalf("mentions of editor: %v", got)
	}
	if got := mentioning(editor, 2, 0); !slices.Equal(got, []int64{elsewhere.ID, reply.ID}) {
		t.Fatalf("first page: %v", got)
	}
	if got := mentioning(editor, 2, reply.ID); !slices.Equal(got, []int64{thread.ID}) {
		t.Fatalf("second page: %v", got)
	}
	if got := mentioning(translator, 10, 0); len(got) != 0 {
		t.Fatalf("mentions of translator: %v", got)
	}
	for _, first := range []int{0, editorial.MaxPage + 1} {
		_, err := n.svc.MentioningUser(ctx, editor, first, 0)
		testkit.WantErr(t, err, cerr.Invalid, "first")
	}

	bad := []struct {
		ids         []int64
		code, field string
	}{
		{[]int64{editor, reviewer, 999999}, cerr.NotFound, "input.mentionIds.2"},
		{[]int64{0}, cerr.NotFound, "input.mentionIds.0"},
		{[]int64{editor, editor}, cerr.Invalid, "input.mentionIds.1"},
		{make([]int64, editorial.MaxMentions+1), cerr.Invalid, "input.mentionIds"},
	}
	for _, b := range bad {
		_, err := n.svc.Create(ctx, comments.NewComment{ReportID: n.report.ID, Body: "x", MentionIDs: b.ids})
		testkit.WantErr(t, err, b.code, b.field)
		_, err = n.svc.Edit(ctx, thread.ID, 1, "x", b.ids)
		testkit.WantErr(t, err, b.code, b.field)
	}

	// An edit replaces the mentions; a deleted comment mentions nobody.
	edited := testkit.Of(n.svc.Edit(ctx, thread.ID, 1, "@translator please check", []int64{translator})).OK(t)
	if !slices.Equal(edited.MentionIDs, []int64{translator}) {
		t.Fatalf("mentions after edit: %v", edited.MentionIDs)
	}
	if got := mentioning(editor, 10, 0); !slices.Equal(got, []int64{elsewhere.ID, reply.ID}) {
		t.Fatalf("mentions of editor after the edit: %v", got)
	}
	if got := mentioning(translator, 10, 0); !slices.Equal(got, []int64{thread.ID}) {
		t.Fatalf("mentions of translator after the edit: %v", got)
	}
	testkit.Of(n.svc.Delete(ctx, reply.ID)).OK(t)
	if got := mentioning(editor, 10, 0); !slices.Equal(got, []int64{elsewhere.ID}) {
		t.Fatalf("mentions of editor after the delete: %v", got)
	}
}

func TestResolveAndReopen(t *testing.T) {
	n := newNewsroom(t)
	root := n.thread(t, "reporter", "Is the date right?")
	reply := n.reply(t, "editor", root.ID, "Fixed.")
	open := n.thread(t, "reporter", "Another question.")
	ctx := n.as(t, "reviewer")
	reviewer := n.users["reviewer"].ID

	_, err := n.svc.Resolve(ctx, reply.ID)
	testkit.WantErr(t, err, cerr.Invalid, "input.threadId")
	_, err = n.svc.Resolve(ctx, 999999)
	testkit.WantErr(t, err, cerr.NotFound, "input.threadId")
	_, err = n.svc.Reopen(ctx, root.ID)
	testkit.WantErr(t, err, cerr.Conflict, "input.threadId")

	resolved := testkit.Of(n.svc.Resolve(ctx, root.ID)).OK(t)
	if resolved.ResolvedAt == nil || resolved.ResolvedBy == nil || *resolved.ResolvedBy != reviewer {
		t.Fatalf("resolved: at %v by %v", resolved.ResolvedAt, resolved.ResolvedBy)
	}
	_, err = n.svc.Resolve(ctx, root.ID)
	testkit.WantErr(t, err, cerr.Conflict, "input.threadId")

	// Open threads only by default; a resolved thread stays readable.
	openOnly := testkit.Of(n.svc.ThreadsByReportIDs(ctx, []int64{n.report.ID}, false)).OK(t)[n.report.ID]
	if len(openOnly) != 1 || openOnly[0].Root.ID != open.ID {
		t.Fatalf("open threads: %+v", openOnly)
	}
	all := testkit.Of(n.svc.ThreadsByReportIDs(ctx, []int64{n.report.ID}, true)).OK(t)[n.report.ID]
	if len(all) != 2 || all[0].Root.ID != root.ID || all[0].Root.ResolvedAt == nil || !slices.Equal(ids(all[0].Replies), []int64{reply.ID}) {
		t.Fatalf("all threads: %+v", all)
	}
	if byID := testkit.Of(n.svc.CommentsByIDs(ctx, []int64{root.ID, reply.ID})).OK(t); len(byID) != 2 || *byID[reply.ID].Body != "Fixed." {
		t.Fatalf("resolved thread by ID: %+v", byID)
	}

	// No replies to a resolved thread, directly or through a reply.
	for _, parent := range []int64{root.ID, reply.ID} {
		_, err = n.svc.Create(ctx, comments.NewComment{ReportID: n.report.ID, ParentID: &parent, Body: "One more thing."})
		testkit.WantErr(t, err, cerr.Conflict, "input.parentId")
	}

	reopened := testkit.Of(n.svc.Reopen(n.as(t, "translator"), root.ID)).OK(t)
	if reopened.ResolvedAt != nil || reopened.ResolvedBy != nil {
		t.Fatalf("reopened: at %v by %v", reopened.ResolvedAt, reopened.ResolvedBy)
	}
	if got := testkit.Of(n.svc.ThreadsByReportIDs(ctx, []int64{n.report.ID}, false)).OK(t)[n.report.ID]; len(got) != 2 {
		t.Fatalf("open threads after reopening: %d", len(got))
	}
	n.reply(t, "reviewer", reply.ID, "One more thing.")
}

func TestEditHistory(t *testing.T) {
	n := newNewsroom(t)
	ctx := n.as(t, "reporter")
	reporter := n.users["reporter"].ID
	c := n.thread(t, "reporter", "Frist draft")
	v2 := testkit.Of(n.svc.Edit(ctx, c.ID, 1, "First draft", nil)).OK(t)
	if v2.Version != 2 || *v2.Body != "First draft" || v2.EditedAt == nil || !v2.CreatedAt.Equal(c.CreatedAt) {
		t.Fatalf("after one edit: %+v", v2)
	}
	v3 := testkit.Of(n.svc.Edit(ctx, c.ID, 2, "First draft, checked", nil)).OK(t)

	// A stale edit fails, saying where the comment is now.
	_, err := n.svc.Edit(ctx, c.ID, 2, "Lost update", nil)
	e := testkit.WantErr(t, err, cerr.Conflict, "input.expectedVersion")
	if e.Details["currentVersion"] != 3 {
		t.Fatalf("details %v", e.Details)
	}
	// Only the author edits, even an admin or an editor may not.
	for _, who := range []string{"editor", "admin"} {
		_, err = n.svc.Edit(n.as(t, who), c.ID, 3, "Rewritten", nil)
		testkit.WantErr(t, err, cerr.Forbidden, "")
	}
	_, err = n.svc.Edit(ctx, 999999, 1, "x", nil)
	testkit.WantErr(t, err, cerr.NotFound, "input.id")

	// An edit that changes nothing records nothing.
	audits := n.auditCount(t)
	same := testkit.Of(n.svc.Edit(ctx, c.ID, 3, "First draft, checked", nil)).OK(t)
	if same.Version != 3 || n.auditCount(t) != audits {
		t.Fatalf("no-op edit: version %d, %d audit entries added", same.Version, n.auditCount(t)-audits)
	}

	hist := testkit.Of(n.svc.VersionsByCommentIDs(n.as(t, "reviewer"), []int64{c.ID, 999999})).OK(t)
	got := hist[c.ID]
	if len(hist) != 1 || len(got) != 3 {
		t.Fatalf("history: %+v", hist)
	}
	for i, want := range []string{"Frist draft", "First draft", "First draft, checked"} {
		v := got[i]
		if v.Version != i+1 || v.Body != want || v.CommentID != c.ID || v.EditorID == nil || *v.EditorID != reporter {
			t.Fatalf("version %d: %+v", i+1, v)
		}
	}
	if !got[0].EditedAt.Equal(c.CreatedAt) || !got[2].EditedAt.Equal(*v3.EditedAt) {
		t.Fatalf("version times %v, %v", got[0].EditedAt, got[2].EditedAt)
	}
}

func TestDeleteKeepsReplies(t *testing.T) {
	n := newNewsroom(t)
	root := n.thread(t, "reporter", "Delete me")
	r1 := n.reply(t, "reviewer", root.ID, "A reply")
	r2 := n.reply(t, "translator", root.ID, "Another reply")
	testkit.Of(n.svc.Edit(n.as(t, "reporter"), root.ID, 1, "Delete me, edited", nil)).OK(t)

	deleted := testkit.Of(n.svc.Delete(n.as(t, "reporter"), root.ID)).OK(t)
	if deleted.Body != nil || deleted.DeletedAt == nil || !deleted.Deleted() {
		t.Fatalf("deleted: %+v", deleted)
	}
	threads := testkit.Of(n.svc.ThreadsByReportIDs(n.as(t, "editor"), []int64{n.report.ID}, false)).OK(t)[n.report.ID]
	if len(threads) != 1 || threads[0].Root.Body != nil || !slices.Equal(ids(threads[0].Replies), []int64{r1.ID, r2.ID}) {
		t.Fatalf("thread after deleting its root: %+v", threads)
	}
	if *threads[0].Replies[0].Body != "A reply" {
		t.Fatal("reply lost its body")
	}
	// The deleted body is gone from the history too.
	if hist := testkit.Of(n.svc.VersionsByCommentIDs(n.as(t, "editor"), []int64{root.ID})).OK(t); len(hist[root.ID]) != 0 {
		t.Fatalf("history of a deleted comment: %+v", hist[root.ID])
	}

	_, err := n.svc.Delete(n.as(t, "reporter"), root.ID)
	testkit.WantErr(t, err, cerr.Conflict, "input.id")
	_, err = n.svc.Edit(n.as(t, "reporter"), root.ID, 2, "Back", nil)
	testkit.WantErr(t, err, cerr.Conflict, "input.id")
	_, err = n.svc.Delete(n.as(t, "reporter"), 999999)
	testkit.WantErr(t, err, cerr.NotFound, "input.id")

	// The thread still works: replies, resolve.
	n.reply(t, "editor", root.ID, "Still here.")
	testkit.Of(n.svc.Resolve(n.as(t, "editor"), root.ID)).OK(t)

	// An editor deletes someone else's reply.
	testkit.Of(n.svc.Delete(n.as(t, "editor"), r1.ID)).OK(t)
}

// TestPermissions drives every kind of viewer through every operation on
// a report of desk 1.
func TestPermissions(t *testing.T) {
	n := newNewsroom(t)
	admin := n.users["admin"]
	readPublished := &auth.Viewer{UserID: admin.ID, Grants: admin.Grants, Scope: auth.ScopeReadPublished}
	zeroScope := &auth.Viewer{UserID: admin.ID, Grants: admin.Grants}
	ops := []string{"create", "reply", "editOwn", "editOthers", "deleteOwn", "deleteOthers", "resolve", "reopen", "read"}
	rows := []struct {
		viewer string
		v      *auth.Viewer
		want   string // one of Y, F (FORBIDDEN), U (UNAUTHENTICATED) per op
	}{
		{"admin", nil, "YYYFYYYYY"},
		{"editor", nil, "YYYFYYYYY"},
		{"reporter", nil, "YYYFYFYYY"},
		{"reviewer", nil, "YYYFYFYYY"},
		{"translator", nil, "YYYFYFYYY"},
		{"reporter-everywhere", nil, "YYYFYFYYY"},
		{"editor-sport", nil, "FFFFFFFFY"}, // reads the newsroom's comments, but works on another desk
		{"outsider", nil, "FFFFFFFFF"},
		{"admin/read-published", readPublished, "FFFFFFFFF"},
		{"admin/zero-scope", zeroScope, "FFFFFFFFF"},
		{"anonymous", auth.Anonymous(), "UUUUUUUUU"},
	}
	author := n.as(t, "author")
	for _, row := range rows {
		v := row.v
		if v == nil {
			v = n.viewer(row.viewer)
		}
		ctx := auth.WithViewer(t.Context(), v)
		// own is a context for writing a comment as v's user (if any),
		// whatever v may do: with an admin grant.
		own := author
		if v.UserID != 0 {
			own = auth.WithViewer(t.Context(), &auth.Viewer{UserID: v.UserID, Grants: []auth.Grant{{Role: auth.Admin}}, Scope: auth.ScopeFull})
		}
		var got strings.Builder
		for _, op := range ops {
			others := testkit.Of(n.svc.Create(author, comments.NewComment{ReportID: n.report.ID, Body: "By the author."})).OK(t)
			mine := testkit.Of(n.svc.Create(own, comments.NewComment{ReportID: n.report.ID, Body: "Mine."})).OK(t)
			var err error
			switch op {
			case "create":
				_, err = n.svc.Create(ctx, comments.NewComment{ReportID: n.report.ID, Body: "New."})
			case "reply":
				_, err = n.svc.Create(ctx, comments.NewComment{ReportID: n.report.ID, ParentID: &others.ID, Body: "Reply."})
			case "editOwn":
				_, err = n.svc.Edit(ctx, mine.ID, 1, "Edited.", nil)
			case "editOthers":
				_, err = n.svc.Edit(ctx, others.ID, 1, "Edited.", nil)
			case "deleteOwn":
				_, err = n.svc.Delete(ctx, mine.ID)
			case "deleteOthers":
				_, err = n.svc.Delete(ctx, others.ID)
			case "resolve":
				_, err = n.svc.Resolve(ctx, others.ID)
			case "reopen":
				testkit.Of(n.svc.Resolve(author, others.ID)).OK(t)
				_, err = n.svc.Reopen(ctx, others.ID)
			case "read":
				err = readAll(ctx, n, others.ID)
			}
			switch cerr.Code(err) {
			case "":
				got.WriteString("Y")
			case cerr.Forbidden:
				got.WriteString("F")
			case cerr.Unauthenticated:
				got.WriteString("U")
			default:
				t.Errorf("%s %s: %v", row.viewer, op, err)
				got.WriteString("?")
			}
		}
		if got.String() != row.want {
			t.Errorf("%-22s got %s, want %s (columns: %s)", row.viewer, got.String(), row.want, strings.Join(ops, " "))
		}
	}
}

// readAll calls every read; it fails unless all of them succeed or all fail
// with one code.
func readAll(ctx context.Context, n *newsroom, commentID int64) error {
	var errs []error
	_, err := n.svc.ThreadsByReportIDs(ctx, []int64{n.report.ID}, true)
	errs = append(errs, err)
	_, err = n.svc.CommentsByIDs(ctx, []int64{commentID})
	errs = append(errs, err)
	_, err = n.svc.VersionsByCommentIDs(ctx, []int64{commentID})
	errs = append(errs, err)
	_, err = n.svc.MentioningUser(ctx, n.users["editor"].ID, 10, 0)
	errs = append(errs, err)
	for _, e := range errs[1:] {
		if cerr.Code(e) != cerr.Code(errs[0]) {
			return errors.Join(errs...)
		}
	}
	return errs[0]
}

// TestAuditCompleteness: every successful change records exactly one audit
// entry, in its transaction, naming the comment and its report; every
// failed one changes nothing and records nothing.
func TestAuditCompleteness(t *testing.T) {
	n := newNewsroom(t)
	reporter, editor := n.as(t, "reporter"), n.as(t, "editor")
	var lastID int64
	if err := n.db.GetContext(t.Context(), &lastID, `SELECT COALESCE(max(id), 0) FROM audit_log`); err != nil {
		t.Fatal(err)
	}
	ok := func(action, actor string, f func() (*comments.Comment, error)) *comments.Comment {
		t.Helper()
		c, err := f()
		if err != nil {
			t.Fatalf("%s: %v", action, err)
		}
		var rows []editorial.AuditRecord
		if err := n.db.SelectContext(t.Context(), &rows, `SELECT id, action, subject_type, subject_id, report_id, actor_id FROM audit_log WHERE id > $1 ORDER BY id`, lastID); err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1 {
			t.Fatalf("%s recorded %d audit entries, want 1", action, len(rows))
		}
		r := rows[0]
		if r.Action != action || r.SubjectType != "Comment" || r.SubjectID != strconv.FormatInt(c.ID, 10) || r.ReportID == nil || *r.ReportID != n.report.ID ||
			r.ActorID == nil || *r.ActorID != n.users[actor].ID {
			t.Fatalf("%s: audit entry %+v (report %v, actor %v)", action, r, r.ReportID, r.ActorID)
		}
		lastID = r.ID
		return c
	}
	fail := func(name, code string, f func() error) {
		t.Helper()
		before := n.commentDump(t)
		if err := f(); cerr.Code(err) != code {
			t.Fatalf("%s: err = %v, want %s", name, err, code)
		}
		if after := n.commentDump(t); after != before {
			t.Fatalf("%s failed but wrote:\n%s\nwas:\n%s", name, after, before)
		}
	}
	create := func(ctx context.Context, in comments.NewComment) func() error {
		return func() error { _, err := n.svc.Create(ctx, in); return err }
	}

	root := ok("comment.create", "reporter", func() (*comments.Comment, error) {
		return n.svc.Create(reporter, comments.NewComment{ReportID: n.report.ID, Body: "Check @editor", Field: "title", RangeStart: testkit.Ptr(0), RangeEnd: testkit.Ptr(2), MentionIDs: []int64{n.users["editor"].ID}})
	})
	reply := ok("comment.create", "editor", func() (*comments.Comment, error) {
		return n.svc.Create(editor, comments.NewComment{ReportID: n.report.ID, ParentID: &root.ID, Body: "Checked."})
	})
	fail("create with an empty body", cerr.Invalid, create(reporter, comments.NewComment{ReportID: n.report.ID, Body: " "}))
	fail("create with a bad range", cerr.Invalid, create(reporter, comments.NewComment{ReportID: n.report.ID, Body: "x", Field: "title", RangeStart: testkit.Ptr(0), RangeEnd: testkit.Ptr(99)}))
	fail("create mentioning nobody", cerr.NotFound, create(reporter, comments.NewComment{ReportID: n.report.ID, Body: "x", MentionIDs: []int64{999999}}))
	fail("create on another desk", cerr.Forbidden, create(n.as(t, "editor-sport"), comments.NewComment{ReportID: n.report.ID, Body: "x"}))
	fail("create anonymously", cerr.Unauthenticated, create(t.Context(), comments.NewComment{ReportID: n.report.ID, Body: "x"}))

	ok("comment.edit", "reporter", func() (*comments.Comment, error) { return n.svc.Edit(reporter, root.ID, 1, "Check the title", nil) })
	fail("stale edit", cerr.Conflict, func() error { _, err := n.svc.Edit(reporter, root.ID, 1, "x", nil); return err })
	fail("edit by another user", cerr.Forbidden, func() error { _, err := n.svc.Edit(editor, root.ID, 2, "x", nil); return err })
	fail("edit too long", cerr.Invalid, func() error {
		_, err := n.svc.Edit(reporter, root.ID, 2, strings.Repeat("x", editorial.MaxCommentBody+1), nil)
		return err
	})

	ok("comment.resolve", "editor", func() (*comments.Comment, error) { return n.svc.Resolve(editor, root.ID) })
	fail("resolve twice", cerr.Conflict, func() error { _, err := n.svc.Resolve(editor, root.ID); return err })
	fail("resolve a reply", cerr.Invalid, func() error { _, err := n.svc.Resolve(editor, reply.ID); return err })
	fail("reply to a resolved thread", cerr.Conflict, create(editor, comments.NewComment{ReportID: n.report.ID, ParentID: &root.ID, Body: "x"}))
	ok("comment.reopen", "reporter", func() (*comments.Comment, error) { return n.svc.Reopen(reporter, root.ID) })
	fail("reopen an open thread", cerr.Conflict, func() error { _, err := n.svc.Reopen(editor, root.ID); return err })

	fail("delete by a reviewer", cerr.Forbidden, func() error { _, err := n.svc.Delete(n.as(t, "reviewer"), reply.ID); return err })
	ok("comment.delete", "editor", func() (*comments.Comment, error) { return n.svc.Delete(editor, reply.ID) })
	fail("delete twice", cerr.Conflict, func() error { _, err := n.svc.Delete(editor, reply.ID); return err })
	ok("comment.delete", "editor", func() (*comments.Comment, error) { return n.svc.Delete(editor, root.ID) })
}

// TestReadsNeedTheNewsroom: a viewer who does not see drafts reads no
// comment and writes none, and is turned away before anything is read.
func TestReadsNeedTheNewsroom(t *testing.T) {
	n := newNewsroom(t)
	c := testkit.Of(n.svc.Create(n.as(t, "reporter"), comments.NewComment{ReportID: n.report.ID, Body: "Internal note", MentionIDs: []int64{n.users["outsider"].ID}})).OK(t)
	admin := n.users["admin"]
	outsiders := []struct {
		name string
		v    *auth.Viewer
		code string
	}{
		{"anonymous", auth.Anonymous(), cerr.Unauthenticated},
		{"no grants", n.viewer("outsider"), cerr.Forbidden},
		{"read-published token", &auth.Viewer{UserID: admin.ID, Grants: admin.Grants, Scope: auth.ScopeReadPublished}, cerr.Forbidden},
	}
	// Over a closed database, anything read would be an INTERNAL error.
	closedDB := pgtest.NewDB(t)
	closedDB.Close()
	closed := comments.New(postgres.Wrap(closedDB))
	for _, o := range outsiders {
		for _, svc := range []*comments.Service{n.svc, closed} {
			ctx := auth.WithViewer(t.Context(), o.v)
			threads, err := svc.ThreadsByReportIDs(ctx, []int64{n.report.ID}, true)
			if threads != nil || cerr.Code(err) != o.code {
				t.Errorf("%s: ThreadsByReportIDs = %v, %v", o.name, threads, err)
			}
			byID, err := svc.CommentsByIDs(ctx, []int64{c.ID})
			if byID != nil || cerr.Code(err) != o.code {
				t.Errorf("%s: CommentsByIDs = %v, %v", o.name, byID, err)
			}
			versions, err := svc.VersionsByCommentIDs(ctx, []int64{c.ID})
			if versions != nil || cerr.Code(err) != o.code {
				t.Errorf("%s: VersionsByCommentIDs = %v, %v", o.name, versions, err)
			}
			mentions, err := svc.MentioningUser(ctx, n.users["outsider"].ID, 10, 0)
			if mentions != nil || cerr.Code(err) != o.code {
				t.Errorf("%s: MentioningUser = %v, %v", o.name, mentions, err)
			}
			writes := map[string]func() (*comments.Comment, error){
				"Create": func() (*comments.Comment, error) {
					return svc.Create(ctx, comments.NewComment{ReportID: n.report.ID, Body: "x"})
				},
				"Edit":    func() (*comments.Comment, error) { return svc.Edit(ctx, c.ID, 1, "x", nil) },
				"Delete":  func() (*comments.Comment, error) { return svc.Delete(ctx, c.ID) },
				"Resolve": func() (*comments.Comment, error) { return svc.Resolve(ctx, c.ID) },
				"Reopen":  func() (*comments.Comment, error) { return svc.Reopen(ctx, c.ID) },
			}
			for name, w := range writes {
				if got, err := w(); got != nil || cerr.Code(err) != o.code {
					t.Errorf("%s: %s = %v, %v", o.name, name, got, err)
				}
			}
		}
	}
	// The control: a newsroom member does get to the closed database.
	if _, err := closed.CommentsByIDs(n.as(t, "reviewer"), []int64{c.ID}); cerr.Code(err) != cerr.Internal {
		t.Fatalf("newsroom read over a closed database: %v", err)
	}
}

// TestDatabaseConstraints: the schema refuses what the service refuses,
// whoever writes.
func TestDatabaseConstraints(t *testing.T) {
	n := newNewsroom(t)
	other := n.newReport(t, &n.desk1, "Another report", nil, "")
	ctx := t.Context()
	root := n.thread(t, "reporter", "Root")
	reply := n.reply(t, "editor", root.ID, "Reply")
	otherRoot := testkit.Of(n.svc.Create(n.as(t, "editor"), comments.NewComment{ReportID: other.ID, Body: "Elsewhere"})).OK(t)
	insert := `INSERT INTO comments (report_id, parent_id, body, field, attendee_id, range_start, range_end, quote, current_quote, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, now(), now())`
	type row struct {
		report             int64
		parent             *int64
		body               *string
		field              *string
		attendee           *int64
		start, end         *int
		quote              *string
		constraint, reason string
	}
	body := testkit.Ptr("x")
	cases := []row{
		{report: n.report.ID, body: body, field: testkit.Ptr("headline"), constraint: "comments_field_check", reason: "unknown field"},
		{report: n.report.ID, body: body, field: testkit.Ptr("title"), start: testkit.Ptr(3), end: testkit.Ptr(2), quote: testkit.Ptr(""), constraint: "comments_range_check", reason: "start after end"},
		{report: n.report.ID, body: body, field: testkit.Ptr("title"), start: testkit.Ptr(-1), end: testkit.Ptr(0), quote: testkit.Ptr("a"), constraint: "comments_range_check", reason: "negative start"},
		{report: n.report.ID, body: body, field: testkit.Ptr("title"), start: testkit.Ptr(0), end: testkit.Ptr(2), quote: testkit.Ptr("中"), constraint: "comments_range_check", reason: "quote shorter than the range"},
		{report: n.report.ID, body: body, field: testkit.Ptr("title"), start: testkit.Ptr(0), end: testkit.Ptr(2), constraint: "comments_range_check", reason: "range without quote"},
		{report: n.report.ID, body: body, start: testkit.Ptr(0), end: testkit.Ptr(1), quote: testkit.Ptr("a"), constraint: "comments_range_check", reason: "range without field"},
		{report: n.report.ID, body: body, field: testkit.Ptr("attendee"), attendee: &n.attendees[0], start: testkit.Ptr(0), end: testkit.Ptr(1), quote: testkit.Ptr("a"), constraint: "comments_range_check", reason: "range on an attendee"},
		{report: n.report.ID, body: body, field: testkit.Ptr("title"), attendee: &n.attendees[0], constraint: "comments_attendee_anchor", reason: "attendee on a text field"},
		{report: n.report.ID, body: body, attendee: &n.attendees[0], constraint: "comments_attendee_anchor", reason: "attendee without field"},
		{report: other.ID, body: body, field: testkit.Ptr("attendee"), attendee: &n.attendees[0], constraint: "comments_attendee_fkey", reason: "attendee of another report"},
		{report: n.report.ID, body: testkit.Ptr(strings.Repeat("中", 10001)), constraint: "comments_body_check", reason: "body too long"},
		{report: n.report.ID, body: testkit.Ptr("  "), constraint: "comments_body_check", reason: "blank body"},
		{report: n.report.ID, constraint: "comments_deleted_consistent", reason: "no body, not deleted"},
		{report: n.report.ID, parent: &otherRoot.ID, body: body, constraint: "comments_parent_fkey", reason: "reply on another report than its root"},
		{report: n.report.ID, parent: &reply.ID, body: body, constraint: "comments_one_level", reason: "reply to a reply"},
		{report: n.report.ID, parent: &root.ID, body: body, field: testkit.Ptr("title"), constraint: "comments_reply_check", reason: "anchored reply"},
	}
	for _, c := range cases {
		_, err := n.db.ExecContext(ctx, insert, c.report, c.parent, c.body, c.field, c.attendee, c.start, c.end, c.quote)
		wantConstraint(t, c.reason, err, c.constraint)
	}
	// A valid row goes in (the statement above is right).
	if _, err := n.db.ExecContext(ctx, insert, n.report.ID, nil, body, "title", nil, 0, 2, "第二"); err != nil {
		t.Fatalf("valid insert: %v", err)
	}
	// Anchors that followed edits: the range covers current_quote; quote is
	// the original, kept alone only by an outdated thread.
	anchored := `INSERT INTO comments (report_id, parent_id, body, field, attendee_id, range_start, range_end, quote, current_quote, outdated_at, created_at, updated_at)
		VALUES ($1, $2, 'x', $3, $4, $5, $6, $7, $8, $9, now(), now())`
	type anchorRow struct {
		parent, attendee   *int64
		field              string
		start, end         *int
		quote, current     *string
		outdated           bool
		constraint, reason string
	}
	for _, c := range []anchorRow{
		{field: "title", start: testkit.Ptr(0), end: testkit.Ptr(2), quote: testkit.Ptr("第二"), current: testkit.Ptr("第"), constraint: "comments_range_check", reason: "current quote shorter than the range"},
		{field: "title", start: testkit.Ptr(0), end: testkit.Ptr(2), current: testkit.Ptr("第二"), constraint: "comments_range_check", reason: "range without the original quote"},
		{field: "title", start: testkit.Ptr(0), end: testkit.Ptr(2), quote: testkit.Ptr("第二"), current: testkit.Ptr("第二"), outdated: true, constraint: "comments_outdated_check", reason: "outdated with a range"},
		{field: "title", quote: testkit.Ptr("第二"), constraint: "comments_outdated_check", reason: "quote without range, not outdated"},
		{field: "title", outdated: true, constraint: "comments_outdated_check", reason: "outdated without a quote"},
		{field: "attendee", attendee: &n.attendees[0], outdated: true, constraint: "comments_outdated_check", reason: "outdated with its attendee"},
		{field: "attendee", quote: testkit.Ptr("第二"), outdated: true, constraint: "comments_outdated_check", reason: "outdated quote on an attendee anchor"},
		{parent: &root.ID, outdated: true, constraint: "comments_outdated_check", reason: "outdated reply"},
	} {
		var outdated *time.Time
		if c.outdated {
			outdated = testkit.Ptr(time.Now())
		}
		var field *string
		if c.field != "" {
			field = &c.field
		}
		_, err := n.db.ExecContext(ctx, anchored, n.report.ID, c.parent, field, c.attendee, c.start, c.end, c.quote, c.current, outdated)
		wantConstraint(t, c.reason, err, c.constraint)
	}
	for _, ok := range []anchorRow{
		{field: "title", start: testkit.Ptr(0), end: testkit.Ptr(1), quote: testkit.Ptr("第二"), current: testkit.Ptr("第"), reason: "a range that shrank"},
		{field: "title", quote: testkit.Ptr("第二"), outdated: true, reason: "an outdated text anchor"},
		{field: "attendee", outdated: true, reason: "an outdated attendee anchor"},
	} {
		var outdated *time.Time
		if ok.outdated {
			outdated = testkit.Ptr(time.Now())
		}
		if _, err := n.db.ExecContext(ctx, anchored, n.report.ID, nil, ok.field, nil, ok.start, ok.end, ok.quote, ok.current, outdated); err != nil {
			t.Errorf("%s: %v", ok.reason, err)
		}
	}

	_, err := n.db.ExecContext(ctx, `UPDATE comments SET report_id = $2 WHERE id = $1`, root.ID, other.ID)
	wantConstraint(t, "moving a thread", err, "comments_thread_fixed")
	_, err = n.db.ExecContext(ctx, `UPDATE comments SET parent_id = $2 WHERE id = $1`, reply.ID, n.thread(t, "editor", "Another root").ID)
	wantConstraint(t, "moving a reply", err, "comments_thread_fixed")
	_, err = n.db.ExecContext(ctx, `UPDATE comments SET resolved_at = now() WHERE id = $1`, reply.ID)
	wantConstraint(t, "resolving a reply", err, "comments_reply_check")
	_, err = n.db.ExecContext(ctx, `UPDATE comment_versions SET body = 'rewritten' WHERE comment_id = $1`, root.ID)
	wantConstraint(t, "rewriting history", err, "comment_versions_immutable")

	// Deleting a user keeps their comments and history, without the name,
	// and drops their mentions. (Users who acted through the API have audit
	// entries, which keep them from being deleted; this one wrote directly.)
	ghost := testkit.Of(n.ident.CreateUser(auth.WithViewer(ctx, auth.System()), identity.NewUser{Email: "ghost@example.org", Name: "Ghost"})).OK(t)
	var id int64
	err = n.db.GetContext(ctx, &id, `INSERT INTO comments (report_id, author_id, body, created_at, updated_at) VALUES ($1, $2, 'Boo', now(), now()) RETURNING id`,
		n.report.ID, ghost.ID)
	if err == nil {
		_, err = n.db.ExecContext(ctx, `INSERT INTO comment_versions (comment_id, version, body, edited_at, editor_id) VALUES ($1, 1, 'Boo', now(), $2)`, id, ghost.ID)
	}
	if err == nil {
		_, err = n.db.ExecContext(ctx, `INSERT INTO comment_mentions (comment_id, user_id) VALUES ($1, $2)`, id, ghost.ID)
	}
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.db.ExecContext(ctx, `DELETE FROM users WHERE id = $1`, ghost.ID); err != nil {
		t.Fatalf("delete user: %v", err)
	}
	after := testkit.Of(n.svc.CommentsByIDs(n.as(t, "editor"), []int64{id})).OK(t)[id]
	hist := testkit.Of(n.svc.VersionsByCommentIDs(n.as(t, "editor"), []int64{id})).OK(t)[id]
	if after.AuthorID != nil || *after.Body != "Boo" || len(after.MentionIDs) != 0 || len(hist) != 1 || hist[0].EditorID != nil {
		t.Fatalf("after deleting the author: %+v, history %+v", after, hist)
	}
}

func wantConstraint(t *testing.T, what string, err error, constraint string) {
	t.Helper()
	var pqErr *pq.Error
	if !errors.As(err, &pqErr) || pqErr.Constraint != constraint {
		t.Errorf("%s: err = %v, want a violation of %s", what, err, constraint)
	}
}
