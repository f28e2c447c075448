package graph_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/copydesk/copydesk/graph"
	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/newsroom"
	"github.com/copydesk/copydesk/internal/pgtest"
	"github.com/copydesk/copydesk/internal/published"
	"github.com/copydesk/copydesk/internal/reports"
)

// publicView is everything a public reader can find of one report.
type publicView struct {
	BySlug, ByID bool   // report(slug:), report(id:) return it
	Node         bool   // node(id:) returns it
	Listed       int    // reports in the public list
	Found        int    // reports a public search finds
	TagCount     int    // the reportCount of the tag only it uses
	TagReports   int    // the reports of that tag
	Corrections  string // the notes report(slug:) shows, newest first, joined by " | "
}

const publicViewQuery = `query($id: ID!, $slug: String!) {
	bySlug: report(slug: $slug) { id corrections { id note locale version publishedAt revision { id } createdBy { name } } }
	byId: report(id: $id) { id }
	node(id: $id) { id }
	reports(first: 10) { totalCount }
	found: reports(search: "Qingdao", first: 10) { totalCount }
	tags(first: 50) { nodes { name reportCount reports(first: 10) { totalCount } } }
}`

func (a *api) publicView(id, slug string) publicView {
	a.t.Helper()
	var out struct {
		BySlug *struct {
			ID          string
			Corrections []struct {
				ID, Note, Locale string
				Version          int
				PublishedAt      string
				Revision         *struct{ ID string }
				CreatedBy        *struct{ Name string }
			}
		}
		ByID    *struct{ ID string }
		Node    *struct{ ID string }
		Reports struct{ TotalCount int }
		Found   struct{ TotalCount int }
		Tags    struct {
			Nodes []struct {
				Name        string
				ReportCount int
				Reports     struct{ TotalCount int }
			}
		}
	}
	a.do(publicViewQuery, map[string]any{"id": id, "slug": slug}, &out)
	v := publicView{BySlug: out.BySlug != nil, ByID: out.ByID != nil, Node: out.Node != nil, Listed: out.Reports.TotalCount, Found: out.Found.TotalCount}
	for _, tg := range out.Tags.Nodes {
		if tg.Name == "Qingdao only" {
			v.TagCount, v.TagReports = tg.ReportCount, tg.Reports.TotalCount
		}
	}
	if out.BySlug != nil {
		var notes []string
		for _, c := range out.BySlug.Corrections {
			if c.Revision != nil || c.CreatedBy != nil || c.Locale != "en" || c.ID == "" || c.Version == 0 || c.PublishedAt == "" {
				a.t.Errorf("a public correction: %+v", c)
			}
			notes = append(notes, c.Note)
		}
		v.Corrections = strings.Join(notes, " | ")
	}
	return v
}

// auditDetail returns the report's audit entries, oldest first, as
// "action" or "action key=value" for the keys asked for.
func (a *api) auditDetail(id string, keys ...string) []string {
	a.t.Helper()
	var out struct {
		Report struct {
			AuditLog struct {
				Nodes []struct{ Action, Detail string }
			}
		}
	}
	a.do(`query($id: ID!) { report(id: $id) { auditLog(first: 100) { nodes { action detail } } } }`, map[string]any{"id": id}, &out)
	var list []string
	for _, n := range out.Report.AuditLog.Nodes {
		var d map[string]any
		_ = json.Unmarshal([]byte(n.Detail), &d)
		s := n.Action
		for _, k := range keys {
			if v, ok := d[k]; ok {
				if m, ok := v.(map[string]any); ok {
					v = m["note"]
				}
				s += " " + k + "=" + strings.TrimSpace(strings.ReplaceAll(jsonString(v), "\"", ""))
			}
		}
		list = append(list, s)
	}
	slices.Reverse(list)
	return list
}

func jsonString(v any) string { b, _ := json.Marshal(v); return string(b) }

// Corrections and takedowns through the API, checked against what the
// public finds and the audit trail at each step: a first publication
// cannot carry a correction; a republication carries one, which readers
// see with it; a takedown leaves no public read, list, search or tag count
// at once, and publishing is refused, naming the way out; lifting the
// takedown and publishing again (with another note) brings it back.
func TestCorrectionsAndTakedownsThroughTheAPI(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	editor := a.as(a.newUser("editor@example.org", auth.Grant{Role: auth.Editor}))
	reviewer := a.as(a.newUser("reviewer@example.org", auth.Grant{Role: auth.Reviewer}))
	public := a.as("")
	svc := newsroom.New(a.db)
	saved, err := svc.Reports.CreateReport(auth.WithViewer(context.Background(), auth.System()), reports.CreateReportInput{Title: "Forum opens in Qingdao",
		SourceLocale: "en", Body: "The forum opened on Monday.", Status: editorial.Approved, Tags: []reports.TagRef{{Name: "Qingdao only"}}})
	if err != nil {
		t.Fatal(err)
	}
	id, slug := gid("Report", saved.Report.ID), saved.Report.Slug
	vars := func(v int, extra ...any) map[string]any {
		m := map[string]any{"id": id, "v": v}
		for i := 0; i+1 < len(extra); i += 2 {
			m[extra[i].(string)] = extra[i+1]
		}
		return m
	}
	const publish = `mutation($id: ID!, $v: Int!, $c: String) { publishReport(input: {id: $id, expectedVersion: $v, correction: $c}) {
		report { version status } userErrors { code field message } } }`
	hidden := publicView{}

	// A first publication has nothing to correct.
	e, _ := editor.fail(publish, vars(1, "c", "Fixed a typo."))
	if e.code() != "BAD_USER_INPUT" || e.field() != "input.correction" || !strings.Contains(e.Message, "never been published") {
		t.Errorf("a first publication with a correction: %+v", e)
	}
	if got := public.publicView(id, slug); got != hidden {
		t.Errorf("after the refused publication, the public finds %+v", got)
	}
	v := editor.step(publish, vars(1))
	if got, want := public.publicView(id, slug), (publicView{true, true, true, 1, 1, 1, 1, ""}); got != want {
		t.Errorf("published: the public finds %+v, want %+v", got, want)
	}

	// An edit and a republication with a note: readers get both at once.
	v = editor.step(`mutation($id: ID!, $v: Int!) { updateReport(input: {id: $id, expectedVersion: $v, body: "The forum opened on Tuesday."}) { report { version } } }`, vars(v))
	if got := public.publicView(id, slug).Corrections; got != "" {
		t.Errorf("an edit alone shows corrections: %q", got)
	}
	v = editor.step(publish, vars(v, "c", "An earlier version gave the wrong day."))
	if got := public.publicView(id, slug).Corrections; got != "An earlier version gave the wrong day." {
		t.Errorf("after the republication, readers see the corrections %q", got)
	}
	var nr struct {
		Report struct {
			Corrections []struct {
				Revision  *struct{ Version int }
				CreatedBy *struct{ Name string }
			}
			AvailableTransitions []string
		}
	}
	editor.do(`query($id: ID!) { report(id: $id) { corrections { revision { version } createdBy { name } } availableTransitions } }`, vars(v), &nr)
	if c := nr.Report.Corrections; len(c) != 1 || c[0].Revision == nil || c[0].Revision.Version != v || c[0].CreatedBy == nil || c[0].CreatedBy.Name != "editor@example.org" {
		t.Errorf("the newsroom's corrections: %+v", c)
	}
	if got := nr.Report.AvailableTransitions; !slices.Contains(got, "TAKE_DOWN") || slices.Contains(got, "LIFT_TAKEDOWN") {
		t.Errorf("a published report offers an editor %v", got)
	}
	// Other transitions share the input and refuse the note.
	if e, _ := editor.fail(`mutation($id: ID!, $v: Int!) { archiveReport(input: {id: $id, expectedVersion: $v, correction: "No."}) { userErrors { code } } }`, vars(v)); e.code() != "BAD_USER_INPUT" || e.field() != "input.correction" {
		t.Errorf("archiving with a correction: %+v", e)
	}

	// The takedown: who may, with a reason; then nothing public at once.
	const takeDown = `mutation($id: ID!, $v: Int!, $r: String!) { takeDownReport(input: {id: $id, expectedVersion: $v, reason: $r}) { report { version status } userErrors { code field } } }`
	if e, _ := reviewer.fail(takeDown, vars(v, "r", "Legal.")); e.code() != "FORBIDDEN" {
		t.Errorf("a reviewer taking down: %+v", e)
	}
	if e, _ := editor.fail(takeDown, vars(v, "r", "  ")); e.code() != "BAD_USER_INPUT" || e.field() != "input.reason" {
		t.Errorf("a takedown without a reason: %+v", e)
	}
	if got := public.publicView(id, slug); !got.BySlug {
		t.Fatalf("a refused takedown hid the report: %+v", got)
	}
	v = editor.step(takeDown, vars(v, "r", "Court order 12/2025."))
	if got := public.publicView(id, slug); got != hidden {
		t.Errorf("right after the takedown, the public finds %+v", got)
	}
	var st reportState
	editor.do(stateQuery, vars(v), &st)
	if st.Report.Status != "TAKEN_DOWN" || !slices.Contains(st.Report.AvailableTransitions, "LIFT_TAKEDOWN") || slices.Contains(st.Report.AvailableTransitions, "PUBLISH") {
		t.Errorf("taken down: %s offering %v", st.Report.Status, st.Report.AvailableTransitions)
	}
	e, _ = a.fail(publish, vars(v))
	if e.code() != "BAD_USER_INPUT" || !strings.Contains(e.Message, "liftTakedown") {
		t.Errorf("publishing a taken-down report, as an admin: %+v", e)
	}
	if got := public.publicView(id, slug); got != hidden {
		t.Errorf("after the refused publish, the public finds %+v", got)
	}

	// Lifted by an editor, with a reason: not public until published.
	const lift = `mutation($id: ID!, $v: Int!, $r: String!) { liftTakedown(input: {id: $id, expectedVersion: $v, reason: $r}) { report { version status } userErrors { code field } } }`
	if e, _ := reviewer.fail(lift, vars(v, "r", "Cleared.")); e.code() != "FORBIDDEN" {
		t.Errorf("a reviewer lifting a takedown: %+v", e)
	}
	v = editor.step(lift, vars(v, "r", "The court lifted the order."))
	if got := public.publicView(id, slug); got != hidden {
		t.Errorf("after the lift, the public finds %+v", got)
	}
	editor.do(stateQuery, vars(v), &st)
	if st.Report.Status != "UNPUBLISHED" || !slices.Contains(st.Report.AvailableTransitions, "PUBLISH") {
		t.Errorf("lifted: %s offering %v", st.Report.Status, st.Report.AvailableTransitions)
	}
	editor.step(publish, vars(v, "c", "Republished after a court order was lifted."))
	if got, want := public.publicView(id, slug), (publicView{true, true, true, 1, 1, 1, 1,
		"Republished after a court order was lifted. | An earlier version gave the wrong day."}); got != want {
		t.Errorf("republished: the public finds %+v, want %+v", got, want)
	}

	want := []string{"report.create", "report.publish", "report.update", "report.publish correction=An earlier version gave the wrong day.",
		"report.takeDown reason=Court order 12/2025.", "report.liftTakedown reason=The court lifted the order.",
		"report.publish correction=Republished after a court order was lifted."}
	if got := a.auditDetail(id, "correction", "reason"); !slices.Equal(got, want) {
		t.Errorf("audit trail:\n got %q\nwant %q", got, want)
	}
}

// A takedown reaches the cache of every instance: a report cached on one
// instance is gone from its reads and lists as soon as the announcement
// of the takedown, made through another instance, arrives.
func TestATakedownClearsEveryInstanceCache(t *testing.T) {
	t.Parallel()
	dsn := pgtest.NewDSN(t)
	instance := func() *api {
		cache := published.NewCache(1 << 20)
		ctx, stop := context.WithCancel(context.Background())
		ready, done := make(chan struct{}), make(chan error, 1)
		go func() { done <- published.Listen(ctx, dsn, cache, slog.New(slog.DiscardHandler), ready) }()
		t.Cleanup(func() { stop(); <-done })
		select {
		case <-ready:
		case err := <-done:
			t.Fatal(err)
		}
		return newAPIAt(t, dsn, 50*time.Millisecond, graph.HandlerOptions{}, func(r *graph.Resolver) { r.PublicCache = cache })
	}
	a, b := instance(), instance()
	f := &publicFixture{a: a, svc: newsroom.New(b.db), ctx: auth.WithViewer(context.Background(), auth.System())}
	saved, err := f.svc.Reports.CreateReport(f.ctx, reports.CreateReportInput{Title: "Forum opens", SourceLocale: "en", Body: "Text.", Status: editorial.Published})
	if err != nil {
		t.Fatal(err)
	}
	public := a.as("")
	f.title(public, "")
	if got := f.title(public, ""); got != "Forum opens" || a.sql.Load() != 0 {
		t.Fatalf("second read on A: %q in %d statements, want a cache hit", got, a.sql.Load())
	}
	if _, err := f.svc.Reports.TakeDown(f.ctx, saved.Report.ID, saved.Report.Version, "Court order."); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for f.title(public, "") != "(none)" {
		if time.Now().After(deadline) {
			t.Fatal("instance A kept serving the taken-down report from its cache")
		}
		time.Sleep(10 * time.Millisecond)
	}
	var list struct{ Reports struct{ TotalCount int } }
	public.do(`{ reports(first: 5) { totalCount nodes { title } } }`, nil, &list)
	if list.Reports.TotalCount != 0 {
		t.Errorf("instance A still lists %d reports", list.Reports.TotalCount)
	}
}
