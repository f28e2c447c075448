package comments_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/copydesk/copydesk/internal/comments"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/postgres"
	"github.com/copydesk/copydesk/internal/reports"
	"github.com/copydesk/copydesk/internal/testkit"
)

const followBody = "The 22nd CAST Annual Meeting opened in Qingdao. Officers attended."

// at is the code-point range of the first sub in text.
func at(text, sub string) *comments.Range {
	i := strings.Index(text, sub)
	if i < 0 {
		panic(sub + " is not in " + text)
	}
	start := len([]rune(text[:i]))
	return &comments.Range{Start: start, End: start + len([]rune(sub))}
}

// auditDetail is the detail of the newest audit entry on report id, which
// must be action.
func (n *newsroom) auditDetail(t *testing.T, id int64, action string) (map[string]any, *editorial.AuditRecord) {
	t.Helper()
	list := testkit.Of(postgres.ListAudit(t.Context(), n.db, id, 1, 0)).OK(t)
	if len(list) != 1 || list[0].Action != action {
		t.Fatalf("newest audit entry: %+v, want %s", list, action)
	}
	var d map[string]any
	if err := json.Unmarshal(list[0].Detail, &d); err != nil {
		t.Fatal(err)
	}
	return d, list[0]
}

// detailIDs reads a list of IDs in an audit detail (absent: none).
func detailIDs(d map[string]any, key string) []int64 {
	var out []int64
	list, _ := d[key].([]any)
	for _, v := range list {
		out = append(out, int64(v.(float64)))
	}
	return out
}

// TestAnchorsFollowEdits: threads on a report's fields, an edit, and where
// each thread's anchor is afterwards, as read back, with the edit's audit
// entry naming the threads it moved and outdated.
func TestAnchorsFollowEdits(t *testing.T) {
	n := newNewsroom(t)
	type thread struct {
		field    string
		r        *comments.Range // nil: the whole field
		resolved bool
	}
	type want struct {
		r        *comments.Range // nil: no range (outdated, or the whole field)
		outdated bool
	}
	body := func(s string) func(*reports.UpdateReportInput) {
		return func(in *reports.UpdateReportInput) { in.Body = editorial.SetTo(s) }
	}
	title := func(s string) func(*reports.UpdateReportInput) {
		return func(in *reports.UpdateReportInput) { in.Title = editorial.SetTo(s) }
	}
	summary := func(s string) func(*reports.UpdateReportInput) {
		return func(in *reports.UpdateReportInput) { in.Summary = editorial.SetTo(&s) }
	}
	cases := []struct {
		name    string
		threads []thread
		edit    func(*reports.UpdateReportInput)
		want    []want
	}{
		{"prepend text", []thread{{"body", at(followBody, "CAST Annual Meeting"), false}},
			body("Breaking: " + followBody), []want{{r: &comments.Range{Start: 19, End: 38}}}},
		{"append after", []thread{{"body", at(followBody, "CAST Annual Meeting"), false}},
			body(followBody + " It closes on Friday."), []want{{r: at(followBody, "CAST Annual Meeting")}}},
		{"edit inside the range", []thread{{"body", at(followBody, "CAST Annual Meeting"), false}},
			body(strings.Replace(followBody, "Annual", "Autumn", 1)), []want{{r: at(followBody, "CAST Annual Meeting")}}},
		{"words inserted inside the range", []thread{{"body", at(followBody, "CAST Annual Meeting"), false}},
			body(strings.Replace(followBody, "Annual", "Annual Science", 1)), []want{{r: at(strings.Replace(followBody, "Annual", "Annual Science", 1), "CAST Annual Science Meeting")}}},
		{"delete the quoted words", []thread{{"body", at(followBody, "CAST Annual Meeting"), false}},
			body("The 22nd opened in Qingdao. Officers attended."), []want{{outdated: true}}},
		{"replace the whole field", []thread{{"body", at(followBody, "Qingdao"), false}, {"body", nil, false}},
			body("Nothing to see here."), []want{{outdated: true}, {}}},
		{"CJK title: code points, not bytes", []thread{{"title", at(reportTitle, "中国科协"), false}},
			title("今天" + reportTitle), []want{{r: &comments.Range{Start: 7, End: 11}}}},
		{"CJK title: the quoted characters deleted", []thread{{"title", at(reportTitle, "在青岛"), false}},
			title("第二十二届中国科协年会开幕"), []want{{outdated: true}}},
		{"outside the BMP", []thread{{"summary", at(reportSummary, "青岛"), false}},
			summary("🎉🎉" + reportSummary), []want{{r: &comments.Range{Start: 7, End: 9}}}},
		{"two threads on the same field", []thread{{"body", at(followBody, "CAST Annual Meeting"), false}, {"body", at(followBody, "Qingdao"), false}},
			body("Breaking: The 22nd CAST Annual Meeting opened in Beijing. Officers attended."), []want{{r: &comments.Range{Start: 19, End: 38}}, {outdated: true}}},
		{"an edit of another field leaves anchors alone", []thread{{"body", at(followBody, "Qingdao"), false}, {"title", nil, false}},
			title("Forum opens"), []want{{r: at(followBody, "Qingdao")}, {}}},
		{"a resolved thread follows too", []thread{{"body", at(followBody, "Qingdao"), true}},
			body("Breaking: " + followBody), []want{{r: &comments.Range{Start: 49, End: 56}}}},
		{"a position moves with the text", []thread{{"body", &comments.Range{Start: 4, End: 4}, false}},
			body("Breaking: " + followBody), []want{{r: &comments.Range{Start: 14, End: 14}}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sum := reportSummary
			rep := n.newReport(t, &n.desk1, reportTitle, &sum, followBody)
			var made []*comments.Comment
			for _, th := range c.threads {
				in := comments.NewComment{ReportID: rep.ID, Body: "About this.", Field: th.field}
				if th.r != nil {
					in.RangeStart, in.RangeEnd = &th.r.Start, &th.r.End
				}
				made = append(made, testkit.Of(n.svc.Create(n.as(t, "reviewer"), in)).OK(t))
				if th.resolved {
					testkit.Of(n.svc.Resolve(n.as(t, "reviewer"), made[len(made)-1].ID)).OK(t)
				}
			}
			in := reports.UpdateReportInput{ID: rep.ID, ExpectedVersion: rep.Version}
			c.edit(&in)
			saved := testkit.Of(n.content.UpdateReport(n.as(t, "editor"), in)).OK(t)
			detail, entry := n.auditDetail(t, rep.ID, "report.update")

			got := testkit.Of(n.svc.CommentsByIDs(n.as(t, "editor"), ids(made))).OK(t)
			var moved, outdated []int64
			for i, w := range c.want {
				th, was, now := c.threads[i], made[i], got[made[i].ID]
				if !eqPtr(now.Quote, was.Quote) {
					t.Errorf("thread %d: quote %s, want the original %s", i, str(now.Quote), str(was.Quote))
				}
				if (now.OutdatedAt != nil) != w.outdated {
					t.Errorf("thread %d: outdated at %v, want outdated %v", i, now.OutdatedAt, w.outdated)
				}
				switch {
				case w.outdated:
					outdated = append(outdated, was.ID)
					if now.RangeStart != nil || now.RangeEnd != nil || now.CurrentQuote != nil || !now.OutdatedAt.Equal(entry.At) {
						t.Errorf("outdated thread %d: range %s..%s, now quoting %s, outdated at %v (the edit was at %v)",
							i, num(now.RangeStart), num(now.RangeEnd), str(now.CurrentQuote), now.OutdatedAt, entry.At)
					}
				case w.r == nil:
					if now.RangeStart != nil || now.Quote != nil || now.CurrentQuote != nil {
						t.Errorf("thread %d on the whole field: range %s, quote %s", i, num(now.RangeStart), str(now.Quote))
					}
				default:
					if now.RangeStart == nil || now.RangeEnd == nil || *now.RangeStart != w.r.Start || *now.RangeEnd != w.r.End {
						t.Fatalf("thread %d: range %s..%s, want %v", i, num(now.RangeStart), num(now.RangeEnd), *w.r)
					}
					text := []rune(fieldOf(saved.Report, th.field))
					if cur := string(text[w.r.Start:w.r.End]); str(now.CurrentQuote) != str(&cur) {
						t.Errorf("thread %d: now quoting %s, the range covers %q", i, str(now.CurrentQuote), cur)
					}
					if *w.r != *th.r || str(now.CurrentQuote) != str(was.Quote) {
						moved = append(moved, was.ID)
					}
				}
			}
			if g := detailIDs(detail, "movedAnchors"); !slices.Equal(g, moved) {
				t.Errorf("audit detail movedAnchors %v, want %v (%s)", g, moved, entry.Detail)
			}
			if g := detailIDs(detail, "outdatedThreads"); !slices.Equal(g, outdated) {
				t.Errorf("audit detail outdatedThreads %v, want %v (%s)", g, outdated, entry.Detail)
			}
		})
	}
}

func num(p *int) string {
	if p == nil {
		return "<nil>"
	}
	return strconv.Itoa(*p)
}

func fieldOf(r *editorial.Report, field string) string {
	switch field {
	case "title":
		return r.Title
	case "subtitle":
		return *r.Subtitle
	case "summary":
		return *r.Summary
	}
	return r.Body
}

// TestAttendeeLeavingOutdatesItsThreads: a thread on an attendee who leaves
// the report is outdated by that edit; one on an attendee who stays is not.
func TestAttendeeLeavingOutdatesItsThreads(t *testing.T) {
	n := newNewsroom(t)
	ctx := n.as(t, "reviewer")
	leaving := testkit.Of(n.svc.Create(ctx, comments.NewComment{ReportID: n.report.ID, Body: "Who exactly?", Field: "attendee", AttendeeID: &n.attendees[1]})).OK(t)
	staying := testkit.Of(n.svc.Create(ctx, comments.NewComment{ReportID: n.report.ID, Body: "Spelling?", Field: "attendee", AttendeeID: &n.attendees[0]})).OK(t)
	d := "Officers from the Consulates General of ROK and Japan"
	testkit.Of(n.content.SetAttendees(n.as(t, "editor"), n.report.ID, n.report.Version,
		[]reports.AttendeeInput{{ID: n.attendees[0], Delegation: &d, Participations: []editorial.Participation{"ATTENDED"}}}, nil)).OK(t)
	detail, entry := n.auditDetail(t, n.report.ID, "report.setAttendees")
	got := testkit.Of(n.svc.CommentsByIDs(ctx, []int64{leaving.ID, staying.ID})).OK(t)
	if l := got[leaving.ID]; l.AttendeeID != nil || l.OutdatedAt == nil || !l.OutdatedAt.Equal(entry.At) {
		t.Errorf("the leaving attendee's thread: attendee %v, outdated at %v", l.AttendeeID, l.OutdatedAt)
	}
	if s := got[staying.ID]; s.AttendeeID == nil || s.OutdatedAt != nil {
		t.Errorf("the staying attendee's thread: attendee %v, outdated at %v", s.AttendeeID, s.OutdatedAt)
	}
	if g := detailIDs(detail, "outdatedThreads"); !slices.Equal(g, []int64{leaving.ID}) {
		t.Errorf("audit detail outdatedThreads %v, want [%d] (%s)", g, leaving.ID, entry.Detail)
	}
}

var errRollback = errors.New("roll back")

// TestFollowEditStatements counts what following an edit costs: nothing
// when no anchorable field changed, one read when no thread is anchored
// to the changed fields, and one batched update more however many threads
// move.
func TestFollowEditStatements(t *testing.T) {
	n := newCountingNewsroom(t)
	summary := reportSummary
	rep := n.newReport(t, &n.desk1, reportTitle, &summary, followBody)
	ctx := n.as(t, "reviewer")
	for _, sub := range []string{"CAST", "Annual", "Meeting", "Qingdao"} {
		r := at(followBody, sub)
		testkit.Of(n.svc.Create(ctx, comments.NewComment{ReportID: rep.ID, Body: "Check.", Field: "body", RangeStart: &r.Start, RangeEnd: &r.End})).OK(t)
	}
	r := at(reportTitle, "青岛")
	testkit.Of(n.svc.Create(ctx, comments.NewComment{ReportID: rep.ID, Body: "Check.", Field: "title", RangeStart: &r.Start, RangeEnd: &r.End})).OK(t)

	edited := func(f func(r *editorial.Report)) *editorial.Report {
		after := *rep
		f(&after)
		return &after
	}
	cases := []struct {
		name       string
		after      *editorial.Report
		left       bool
		statements int64
		moved      int
		outdated   int
	}{
		{"no anchorable field changed", edited(func(r *editorial.Report) { r.Section = testkit.Ptr("Science") }), false, 0, 0, 0},
		{"a field without threads changed", edited(func(r *editorial.Report) { r.Subtitle = testkit.Ptr("A dek") }), false, 1, 0, 0},
		{"threads on the field, none moves", edited(func(r *editorial.Report) { r.Body += " More." }), false, 1, 0, 0},
		{"one thread moves", edited(func(r *editorial.Report) { r.Body = strings.Replace(r.Body, "Qingdao", "the city of Qingdao", 1) }), false, 2, 1, 0},
		{"every thread moves or is outdated", edited(func(r *editorial.Report) {
			r.Body = "Breaking: " + strings.Replace(r.Body, "Qingdao", "Beijing", 1)
			r.Title = "今天" + r.Title
		}), false, 2, 4, 1},
		{"attendees left, no thread on them", edited(func(r *editorial.Report) {}), true, 1, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var counter postgres.QueryCounter
			var f comments.Followed
			err := n.db.InTx(context.Background(), func(tx *postgres.Tx) error {
				var err error
				f, err = comments.FollowEdit(postgres.WithQueryCounter(t.Context(), &counter), tx, rep, c.after, c.left)
				if err != nil {
					return err
				}
				return errRollback
			})
			if !errors.Is(err, errRollback) {
				t.Fatal(err)
			}
			if counter.Count() != c.statements || len(f.Moved) != c.moved || len(f.Outdated) != c.outdated {
				t.Errorf("%d statements, %d moved, %d outdated; want %d, %d, %d", counter.Count(), len(f.Moved), len(f.Outdated), c.statements, c.moved, c.outdated)
			}
		})
	}

	// The same through the service: an edit costs the same whether it
	// moves one thread or five.
	edit := func(rep *editorial.Report, body string) int64 {
		var counter postgres.QueryCounter
		ctx := postgres.WithQueryCounter(n.as(t, "editor"), &counter)
		testkit.Of(n.content.UpdateReport(ctx, reports.UpdateReportInput{ID: rep.ID, ExpectedVersion: rep.Version, Body: editorial.SetTo(body)})).OK(t)
		return counter.Count()
	}
	one := n.newReport(t, &n.desk1, reportTitle, &summary, followBody)
	q := at(followBody, "Qingdao")
	testkit.Of(n.svc.Create(ctx, comments.NewComment{ReportID: one.ID, Body: "Check.", Field: "body", RangeStart: &q.Start, RangeEnd: &q.End})).OK(t)
	if many, single := edit(rep, "Breaking: "+followBody), edit(one, "Breaking: "+followBody); many != single {
		t.Errorf("an edit moving four threads costs %d statements, moving one %d", many, single)
	}
}

// TestDriftedRangeIsOutdated: a range whose text is not the field's text
// there (written around the service) is outdated by the next edit, not
// moved as if it were right.
func TestDriftedRangeIsOutdated(t *testing.T) {
	n := newNewsroom(t)
	summary := reportSummary
	rep := n.newReport(t, &n.desk1, reportTitle, &summary, followBody)
	q := at(followBody, "Qingdao")
	c := testkit.Of(n.svc.Create(n.as(t, "reviewer"), comments.NewComment{ReportID: rep.ID, Body: "Check.", Field: "body", RangeStart: &q.Start, RangeEnd: &q.End})).OK(t)
	testkit.Exec(t, n.db, `UPDATE comments SET current_quote = 'Beijing' WHERE id = $1`, c.ID)
	testkit.Of(n.content.UpdateReport(n.as(t, "editor"), reports.UpdateReportInput{ID: rep.ID, ExpectedVersion: rep.Version, Body: editorial.SetTo("Breaking: " + followBody)})).OK(t)
	got := testkit.Of(n.svc.CommentsByIDs(n.as(t, "editor"), []int64{c.ID})).OK(t)[c.ID]
	if got.OutdatedAt == nil || got.RangeStart != nil || str(got.Quote) != `"Qingdao"` {
		t.Errorf("a drifted range after an edit: range %s, outdated %v, quote %s", num(got.RangeStart), got.OutdatedAt, str(got.Quote))
	}
}
