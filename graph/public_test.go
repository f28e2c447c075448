package graph_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/copydesk/copydesk/graph"
	"github.com/copydesk/copydesk/internal/pgtest"

	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/demo"
	"github.com/copydesk/copydesk/internal/directory"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/newsroom"
	"github.com/copydesk/copydesk/internal/published"
	"github.com/copydesk/copydesk/internal/reports"
	"github.com/copydesk/copydesk/internal/testkit"
	"github.com/copydesk/copydesk/internal/translation"
)

const demoSlug = "international-technology-trade-conference-qingdao-2020"

// A public read is one SQL statement, whatever it selects of the report:
// texts, rendered HTML, the event and its parent, tags, the byline,
// attendees with their people, affiliations and organizations, correction
// notes, in the source locale or another; and a public list page is one
// statement too.
func TestAPublicReadIsOneStatement(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	if _, err := demo.Load(context.Background(), a.db, nil); err != nil {
		t.Fatal(err)
	}
	const fields = `id slug previousSlugs title subtitle summary body(format: HTML) wordCount publishedAt updatedAt corrections { id note locale publishedAt }
		locale { requested chain complete fields { field locale } }
		event { name parent { name } organizers { name } } tags { slug name parent { name } } authors { name }
		attendees { role participations note person { name affiliation { name } } organization { name acronym parent { name } } }`
	public := a.as("")
	var first struct{ Report struct{ ID string } }
	public.do(`{ report(slug: "`+demoSlug+`") { id } }`, nil, &first)
	for _, c := range []struct{ name, query string }{
		{"by slug", `{ report(slug: "` + demoSlug + `") { ` + fields + ` } }`},
		{"by slug in Japanese", `{ report(slug: "` + demoSlug + `", locale: "ja") { ` + fields + ` } }`},
		{"in zh-Hant, falling back to zh-Hans", `{ report(slug: "` + demoSlug + `", locale: "zh-Hant") { ` + fields + ` } }`},
		{"by ID", `{ report(id: "` + first.Report.ID + `", locale: "ko") { ` + fields + ` } }`},
		{"a list page", `{ reports(first: 10, locale: "ja") { edges { cursor node { ` + fields + ` } } pageInfo { hasNextPage endCursor } } }`},
		// where the attendees' roles came from, with no attendees selected
		{"the locale alone", `{ report(slug: "` + demoSlug + `", locale: "zh-Hant") { locale { complete fields { field locale } } } }`},
		{"the locale alone, listed", `{ reports(first: 10, locale: "zh-Hant") { nodes { locale { complete fields { field locale } } } } }`},
	} {
		var out map[string]any
		public.do(c.query, nil, &out)
		if strings.Contains(c.query, "report(") && out["report"] == nil {
			t.Errorf("%s: no report", c.name)
		}
		if n := a.sql.Load(); n != 1 {
			t.Errorf("%s: %d SQL statements, want 1", c.name, n)
		}
	}
	// The same documents answer the newsroom's fields: HTML as rendered
	// at publication, names localized along the reader's chain.
	var ja struct {
		Report struct {
			Body      string
			Attendees []struct{ Person *struct{ Name string } }
		}
	}
	public.do(`{ report(slug: "`+demoSlug+`", locale: "ja") { body(format: HTML) attendees { person { name } } } }`, nil, &ja)
	if !strings.HasPrefix(ja.Report.Body, "<p>") || !strings.Contains(ja.Report.Body, "青島") {
		t.Errorf("the Japanese body in HTML: %.80q", ja.Report.Body)
	}
	// Attendees selected through a fragment name their people too.
	for _, c := range []*api{public, a} {
		var fr struct {
			Report struct {
				Attendees []struct{ Person *struct{ Name string } }
			}
		}
		c.do(`{ report(slug: "`+demoSlug+`") { attendees { ...who } } } fragment who on Attendee { person { name } }`, nil, &fr)
		if len(fr.Report.Attendees) == 0 || fr.Report.Attendees[0].Person == nil || fr.Report.Attendees[0].Person.Name == "" {
			t.Errorf("attendees through a fragment: %+v", fr.Report.Attendees)
		}
	}
	// An attendee reached by its ID names its person and organization too,
	// for the public and the newsroom.
	var ids struct {
		Report struct{ Attendees []struct{ ID string } }
	}
	public.do(`{ report(slug: "`+demoSlug+`") { attendees { id } } }`, nil, &ids)
	for _, c := range []*api{public, a} {
		var n struct {
			Node struct {
				Person       *struct{ Name string }
				Organization *struct{ Name string }
			}
		}
		c.do(`query($id: ID!) { node(id: $id) { ... on Attendee { person { name } organization { name } } } }`, map[string]any{"id": ids.Report.Attendees[0].ID}, &n)
		if n.Node.Person == nil || n.Node.Person.Name == "" || n.Node.Organization == nil {
			t.Errorf("node(id:) of an attendee: %+v", n.Node)
		}
	}
}

// publicFixture is a published report with an approved Japanese
// translation and one attendee from the directory.
type publicFixture struct {
	a      *api
	svc    *newsroom.Services
	ctx    context.Context
	report *reports.Saved
	person *editorial.Person
}

func newPublicFixture(t *testing.T) *publicFixture {
	t.Helper()
	a := newAPI(t)
	f := &publicFixture{a: a, svc: newsroom.New(a.db), ctx: auth.WithViewer(context.Background(), auth.System())}
	var err error
	if f.person, err = f.svc.Directory.CreatePerson(f.ctx, directory.CreatePersonInput{Name: "Li Wei"}); err != nil {
		t.Fatal(err)
	}
	f.report, err = f.svc.Reports.CreateReport(f.ctx, reports.CreateReportInput{Title: "Forum opens", SourceLocale: "en",
		Body: "The forum opened.", Status: editorial.Published, Tags: []reports.TagRef{{Name: "Trade"}},
		Attendees: []reports.AttendeeInput{{PersonID: &f.person.ID, Role: testkit.Ptr("speaker"), Participations: []editorial.Participation{"SPEECH"}}}})
	if err != nil {
		t.Fatal(err)
	}
	f.translate(t, nil, "フォーラム開幕")
	return f
}

// translate writes and approves the Japanese translation's title, made
// against the source as it is now.
func (f *publicFixture) translate(t *testing.T, expected *int, title string) {
	t.Helper()
	if _, err := f.svc.Translations.UpsertTranslation(f.ctx, translation.UpsertTranslationInput{ReportID: f.report.Report.ID, Locale: "ja",
		ExpectedVersion: expected, Title: title, Body: "フォーラムが開幕した。", Status: editorial.TranslationApproved}); err != nil {
		t.Fatal(err)
	}
}

// titles returns the title anonymous readers get in locale ("" for the
// source), or "(none)" when they get no report.
func (f *publicFixture) title(c *api, locale string) string {
	var out struct{ Report *struct{ Title string } }
	c.do(`query($l: String) { report(slug: "forum-opens", locale: $l) { title } }`, map[string]any{"l": nilIfEmpty(locale)}, &out)
	if out.Report == nil {
		return "(none)"
	}
	return out.Report.Title
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// No locale runs ahead of another: a translation approved for changes of
// the source that are not published yet waits for their publication, and
// readers of that locale keep the translation approved for what is
// published — whatever order the newsroom works in.
func TestNoLocaleRunsAheadOfThePublishedSource(t *testing.T) {
	t.Parallel()
	f := newPublicFixture(t)
	public := f.a.as("")
	if en, ja := f.title(public, ""), f.title(public, "ja"); en != "Forum opens" || ja != "フォーラム開幕" {
		t.Fatalf("published: en %q, ja %q", en, ja)
	}

	// The source headline is edited, not republished; the Japanese
	// translation follows the edit and is approved.
	saved, err := f.svc.Reports.UpdateReport(f.ctx, reports.UpdateReportInput{ID: f.report.Report.ID, ExpectedVersion: f.report.Report.Version,
		Title: editorial.SetTo("Forum opens with record attendance")})
	if err != nil {
		t.Fatal(err)
	}
	f.translate(t, testkit.Ptr(1), "フォーラム開幕、参加者は過去最多")
	if en, ja := f.title(public, ""), f.title(public, "ja"); en != "Forum opens" || ja != "フォーラム開幕" {
		t.Errorf("before republishing, readers see the published headline in both locales: en %q, ja %q", en, ja)
	}
	if ja := f.title(f.a, "ja"); ja != "フォーラム開幕、参加者は過去最多" {
		t.Errorf("the newsroom reads the working translation: %q", ja)
	}
	// A rebuild meanwhile (a directory change) keeps it so.
	if _, err := f.svc.Directory.UpdatePerson(f.ctx, directory.UpdatePersonInput{ID: f.person.ID, ExpectedVersion: f.person.Version,
		Name: editorial.SetTo("Li Wei (CAST)")}); err != nil {
		t.Fatal(err)
	}
	if n, err := (&published.Worker{DB: f.a.db}).Drain(f.ctx, nil); err != nil || n != 1 {
		t.Fatalf("rebuilt %d reports: %v", n, err)
	}
	if ja := f.title(public, "ja"); ja != "フォーラム開幕" {
		t.Errorf("after a rebuild, Japanese readers still get the translation of the published headline: %q", ja)
	}

	// Republishing publishes both at once.
	if _, err := f.svc.Reports.Publish(f.ctx, f.report.Report.ID, saved.Report.Version); err != nil {
		t.Fatal(err)
	}
	if en, ja := f.title(public, ""), f.title(public, "ja"); en != "Forum opens with record attendance" || ja != "フォーラム開幕、参加者は過去最多" {
		t.Errorf("after republishing: en %q, ja %q", en, ja)
	}

	// Unpublishing withdraws every locale at once.
	cur, err := f.svc.Reports.Unpublish(f.ctx, f.report.Report.ID, saved.Report.Version+1, "legal review")
	if err != nil {
		t.Fatal(err)
	}
	if en, ja := f.title(public, ""), f.title(public, "ja"); en != "(none)" || ja != "(none)" {
		t.Errorf("after unpublishing: en %q, ja %q (version %d)", en, ja, cur.Report.Version)
	}
}

// A directory change reaches the public documents that show the entry
// through a rebuild job queued in the change's transaction; until a worker
// runs it, readers see the documents as they were, never a mixture.
func TestADirectoryRenameReachesPublishedReports(t *testing.T) {
	t.Parallel()
	f := newPublicFixture(t)
	public := f.a.as("")
	name := func() string {
		var out struct {
			Report struct {
				Attendees []struct{ Person struct{ Name string } }
			}
		}
		public.do(`{ report(slug: "forum-opens") { attendees { person { name } } } }`, nil, &out)
		return out.Report.Attendees[0].Person.Name
	}
	if _, err := f.svc.Directory.UpdatePerson(f.ctx, directory.UpdatePersonInput{ID: f.person.ID, ExpectedVersion: f.person.Version,
		Name: editorial.SetTo("Li Wei (CAST)")}); err != nil {
		t.Fatal(err)
	}
	if got := name(); got != "Li Wei" {
		t.Errorf("before the rebuild: %q", got)
	}
	n, err := (&published.Worker{DB: f.a.db}).Drain(f.ctx, nil)
	if err != nil || n != 1 {
		t.Fatalf("rebuilt %d reports: %v", n, err)
	}
	if got := name(); got != "Li Wei (CAST)" {
		t.Errorf("after the rebuild: %q", got)
	}
	if got := f.title(public, "ja"); got != "フォーラム開幕" {
		t.Errorf("a rebuild keeps the translation documents: %q", got)
	}
}

// Two instances behind a load balancer, each with its own cache of hot
// documents: a cached read costs no SQL, and a change made through either
// instance reaches the other's readers once its announcement arrives
// (LISTEN/NOTIFY on the primary), never a stale copy after that.
func TestCachedPublicDocumentsFollowChangesAcrossInstances(t *testing.T) {
	t.Parallel()
	dsn := pgtest.NewDSN(t)
	instance := func() (*api, *published.Cache) {
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
		return newAPIAt(t, dsn, 50*time.Millisecond, graph.HandlerOptions{}, func(r *graph.Resolver) { r.PublicCache = cache }), cache
	}
	a, cacheA := instance()
	b, _ := instance()
	f := &publicFixture{a: b, svc: newsroom.New(b.db), ctx: auth.WithViewer(context.Background(), auth.System())}
	saved, err := f.svc.Reports.CreateReport(f.ctx, reports.CreateReportInput{Title: "Forum opens", SourceLocale: "en", Body: "Text.", Status: editorial.Published})
	if err != nil {
		t.Fatal(err)
	}
	public := a.as("")
	if got := f.title(public, ""); got != "Forum opens" || a.sql.Load() != 1 {
		t.Fatalf("first read on A: %q in %d statements", got, a.sql.Load())
	}
	if got := f.title(public, ""); got != "Forum opens" || a.sql.Load() != 0 {
		t.Errorf("second read on A: %q in %d statements, want a cache hit", got, a.sql.Load())
	}

	// Instance B republishes a new headline: A's readers get it as soon as
	// the announcement reaches A.
	if _, err := f.svc.Reports.UpdateReport(f.ctx, reports.UpdateReportInput{ID: saved.Report.ID, ExpectedVersion: saved.Report.Version,
		Title: editorial.SetTo("Forum opens in Qingdao")}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Reports.Publish(f.ctx, saved.Report.ID, saved.Report.Version+1); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for f.title(public, "") != "Forum opens in Qingdao" {
		if time.Now().After(deadline) {
			t.Fatal("instance A never saw the republication")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := f.title(public, ""); got != "Forum opens in Qingdao" || a.sql.Load() != 0 {
		t.Errorf("after the change, A caches the new copy: %q in %d statements", got, a.sql.Load())
	}
	if hits, _ := cacheA.Stats(); hits < 2 {
		t.Errorf("cache hits on A: %d", hits)
	}
}

// A public list takes the documents the instance has cached at the
// revision it lists instead of decoding them again, and caches those it
// decodes; a republished report is listed, and then read, at its new
// revision even before its announcement arrives (this instance does not
// listen at all).
func TestPublicListsReuseCachedDocumentsOfTheListedRevision(t *testing.T) {
	t.Parallel()
	cache := published.NewCache(1 << 20)
	a := newAPIAt(t, pgtest.NewDSN(t), 50*time.Millisecond, graph.HandlerOptions{}, func(r *graph.Resolver) { r.PublicCache = cache })
	f := &publicFixture{a: a, svc: newsroom.New(a.db), ctx: auth.WithViewer(context.Background(), auth.System())}
	saved, err := f.svc.Reports.CreateReport(f.ctx, reports.CreateReportInput{Title: "Forum opens", SourceLocale: "en", Body: "Text.", Status: editorial.Published})
	if err != nil {
		t.Fatal(err)
	}
	public := a.as("")
	listed := func() string {
		var out struct {
			Reports struct {
				Edges []struct{ Node struct{ Title string } }
			}
		}
		public.do(`{ reports(first: 5) { edges { node { title } } } }`, nil, &out)
		if len(out.Reports.Edges) != 1 {
			return fmt.Sprintf("(%d reports)", len(out.Reports.Edges))
		}
		return out.Reports.Edges[0].Node.Title
	}
	hits := func() int64 { h, _ := cache.Stats(); return h }
	if got := listed(); got != "Forum opens" || hits() != 0 {
		t.Fatalf("first list: %q, %d cache hits", got, hits())
	}
	if got := listed(); got != "Forum opens" || hits() != 1 {
		t.Errorf("second list: %q, %d cache hits; want the document decoded by the first", got, hits())
	}
	if _, err := f.svc.Reports.UpdateReport(f.ctx, reports.UpdateReportInput{ID: saved.Report.ID, ExpectedVersion: saved.Report.Version,
		Title: editorial.SetTo("Forum opens in Qingdao")}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Reports.Publish(f.ctx, saved.Report.ID, saved.Report.Version+1); err != nil {
		t.Fatal(err)
	}
	if got := listed(); got != "Forum opens in Qingdao" {
		t.Errorf("the list after a republish: %q, want the new revision, not the cached one", got)
	}
	if got := f.title(public, ""); got != "Forum opens in Qingdao" {
		t.Errorf("a read after that list: %q, want the revision the list cached", got)
	}
}

// The ETag of a public read of a report derives from its documents'
// revisions: the same request gets the same tag (and a 304 when it sends
// it back) until the report is republished; lists, whose membership
// depends on other reports, are tagged by their bytes.
func TestThePublicETagFollowsTheDocumentRevision(t *testing.T) {
	t.Parallel()
	a := newAPIWith(t, graph.HandlerOptions{Cache: graph.CachePolicy{MaxAge: time.Minute}})
	f := &publicFixture{a: a, svc: newsroom.New(a.db), ctx: auth.WithViewer(context.Background(), auth.System())}
	saved, err := f.svc.Reports.CreateReport(f.ctx, reports.CreateReportInput{Title: "Forum opens", SourceLocale: "en", Body: "Text.", Status: editorial.Published})
	if err != nil {
		t.Fatal(err)
	}
	public := a.as("")
	get := func(query string, header http.Header) *httptest.ResponseRecorder {
		return public.send(http.MethodGet, getQuery("query", query), header, "")
	}
	const read = `{ report(slug: "forum-opens") { title body(format: HTML) } }`
	first := get(read, nil)
	tag := first.Header().Get("ETag")
	if first.Code != http.StatusOK || !strings.HasPrefix(tag, `"d`) {
		t.Fatalf("first read: %d, ETag %q", first.Code, tag)
	}
	if again := get(read, http.Header{"If-None-Match": {tag}}); again.Code != http.StatusNotModified {
		t.Errorf("the same request with its tag: %d, want 304", again.Code)
	}
	if ja := get(read, http.Header{"Accept-Language": {"ja"}}).Header().Get("ETag"); ja == tag {
		t.Error("another Accept-Language is another representation")
	}
	if _, err := f.svc.Reports.UpdateReport(f.ctx, reports.UpdateReportInput{ID: saved.Report.ID, ExpectedVersion: 1, Title: editorial.SetTo("Forum opens in Qingdao")}); err != nil {
		t.Fatal(err)
	}
	if same := get(read, nil).Header().Get("ETag"); same != tag {
		t.Error("an unpublished edit changes nothing readers see, nor the tag")
	}
	if _, err := f.svc.Reports.Publish(f.ctx, saved.Report.ID, 2); err != nil {
		t.Fatal(err)
	}
	if after := get(read, http.Header{"If-None-Match": {tag}}); after.Code != http.StatusOK || after.Header().Get("ETag") == tag {
		t.Errorf("after republishing: %d, ETag %q (was %q)", after.Code, after.Header().Get("ETag"), tag)
	}
	if list := get(`{ reports(first: 5) { nodes { title } } }`, nil).Header().Get("ETag"); strings.HasPrefix(list, `"d`) || list == "" {
		t.Errorf("a list is tagged by its bytes: %q", list)
	}
}
