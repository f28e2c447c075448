package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/pgtest"
	"github.com/copydesk/copydesk/internal/postgres"
)

// --- the file ---

func TestDataSetDecodes(t *testing.T) {
	d, err := decode(qingdaoJSON)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string][2]int{
		"organizations": {len(d.Organizations), 27},
		"people":        {len(d.People), 12},
		"tags":          {len(d.Tags), 1},
		"events":        {len(d.Events), 2},
		"attendees":     {len(d.Report.Attendees), 22},
		"translations":  {len(d.Report.Translations), 3},
	}
	for what, c := range counts {
		if c[0] != c[1] {
			t.Errorf("%d %s, want %d", c[0], what, c[1])
		}
	}
	for _, tr := range d.Report.Translations {
		if len(tr.Attendees) != len(d.Report.Attendees) {
			t.Errorf("%s translation lists %d attendees, want all %d", tr.Locale, len(tr.Attendees), len(d.Report.Attendees))
		}
	}
}

// TestDataSetTypesAreLossless checks that the Go types hold everything the
// file says: decoding into them and encoding again gives the same JSON
// value (so no field is dropped or coerced, and nulls stay nulls).
func TestDataSetTypesAreLossless(t *testing.T) {
	d, err := decode(qingdaoJSON)
	if err != nil {
		t.Fatal(err)
	}
	again, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	var want, got any
	if err := json.Unmarshal(qingdaoJSON, &want); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(again, &got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("the data set's types lose information (-file +decoded and encoded):\n%s", diff)
	}
}

func TestDecodeRejectsBrokenDataSets(t *testing.T) {
	var base map[string]any
	if err := json.Unmarshal(qingdaoJSON, &base); err != nil {
		t.Fatal(err)
	}
	at := func(m map[string]any, path ...any) map[string]any {
		var cur any = m
		for _, p := range path {
			switch k := p.(type) {
			case string:
				cur = cur.(map[string]any)[k]
			case int:
				cur = cur.([]any)[k]
			}
		}
		return cur.(map[string]any)
	}
	cases := []struct {
		name  string
		edit  func(m map[string]any)
		trail string
		want  string
	}{
		{"unknown field", func(m map[string]any) { at(m, "organizations", 3)["acronymn"] = "X" }, "", `unknown field "acronymn"`},
		{"unknown attendee field", func(m map[string]any) { at(m, "report", "attendees", 0)["persn"] = "song-jun" }, "", `unknown field "persn"`},
		{"wrong type", func(m map[string]any) { at(m, "events", 1)["allDay"] = "yes" }, "", "cannot unmarshal"},
		{"trailing data", func(map[string]any) {}, "{}", "trailing data"},
		{"other data set", func(m map[string]any) { m["name"] = "other" }, "", `name is "other"`},
		{"duplicate key", func(m map[string]any) { at(m, "people", 1)["key"] = "song-jun" }, "", `person key "song-jun"`},
		{"unknown parent", func(m map[string]any) { at(m, "organizations", 8)["parent"] = "etry" }, "", `organization etri-beijing parent: no organization with key "etry"`},
		{"child before parent", func(m map[string]any) { at(m, "organizations", 0)["parent"] = "cae" }, "", `organization cast parent: no organization with key "cae" listed before it`},
		{"unknown affiliation", func(m map[string]any) { at(m, "people", 0)["affiliation"] = "nope" }, "", "person song-jun affiliation"},
		{"unknown organizer", func(m map[string]any) { at(m, "events", 0)["organizers"] = []any{"nope"} }, "", "organizers"},
		{"event parent after child", func(m map[string]any) {
			at(m, "events", 0)["parent"] = "itt-conference-cjk-forum-2020"
		}, "", "event cast-annual-meeting-22 parent"},
		{"bad start", func(m map[string]any) { at(m, "events", 1)["startsAt"] = "2020-08-13" }, "", "not an RFC 3339 time"},
		{"bad publishedAt", func(m map[string]any) { at(m, "report")["publishedAt"] = "August 14" }, "", "publishedAt"},
		{"bad status", func(m map[string]any) { at(m, "report")["status"] = "LIVE" }, "", `report status "LIVE"`},
		{"unknown event", func(m map[string]any) { at(m, "report")["event"] = "nope" }, "", "report event"},
		{"unknown tag", func(m map[string]any) { at(m, "report")["tags"] = []any{"nope"} }, "", "report tags"},
		{"unknown attendee person", func(m map[string]any) { at(m, "report", "attendees", 2)["person"] = "nope" }, "", "report attendee 2"},
		{"bad translation status", func(m map[string]any) { at(m, "report", "translations", 0)["status"] = "DONE" }, "", "translation zh-Hans"},
		{"attendee index out of range", func(m map[string]any) {
			at(m, "report", "translations", 1, "attendees", 21)["index"] = 22
		}, "", "translation ja: attendee 21 has index 22"},
		{"attendee index repeated", func(m map[string]any) {
			at(m, "report", "translations", 2, "attendees", 5)["index"] = 4
		}, "", "translation ko: attendee 5 has index 4"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var m map[string]any
			if err := json.Unmarshal(qingdaoJSON, &m); err != nil { // a fresh copy
				t.Fatal(err)
			}
			tc.edit(m)
			raw, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			_, err = decode(append(raw, tc.trail...))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("decode = %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

// --- loading ---

func newDB(t *testing.T) *postgres.DB {
	t.Helper()
	return postgres.Wrap(pgtest.NewDB(t))
}

func load(t *testing.T, db *postgres.DB) bool {
	t.Helper()
	loaded, err := Load(context.Background(), db, nil)
	if err != nil {
		t.Fatal(err)
	}
	return loaded
}

// tables are the tables the loader writes to (besides demo_loads).
var tables = []string{"organizations", "people", "tags", "events", "event_organizers", "event_figures",
	"reports", "report_slugs", "report_tags", "report_authors", "report_attendees", "report_revisions",
	"report_translations", "report_attendee_translations", "directory_merges", "tag_slug_redirects", "demo_loads"}

// counts returns the number of rows of every table in tables.
func counts(t *testing.T, db *postgres.DB) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, table := range tables {
		var n int
		if err := db.GetContext(context.Background(), &n, `SELECT count(*) FROM `+table); err != nil {
			t.Fatal(err)
		}
		out[table] = n
	}
	return out
}

// wantCounts is what one load of the data set writes.
var wantCounts = map[string]int{
	"organizations": 27, "people": 12, "tags": 1, "events": 2, "event_organizers": 2, "event_figures": 2,
	"reports": 1, "report_slugs": 1, "report_tags": 1, "report_authors": 0, "report_attendees": 22,
	"report_revisions": 1, "report_translations": 3, "report_attendee_translations": 66,
	"directory_merges": 0, "tag_slug_redirects": 0, "demo_loads": 1,
}

func TestLoadRoundTrip(t *testing.T) {
	db := newDB(t)
	var logs bytes.Buffer
	loaded, err := Load(context.Background(), db, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if !loaded {
		t.Fatal("Load = false on an empty database")
	}
	want, err := decode(qingdaoJSON)
	if err != nil {
		t.Fatal(err)
	}
	got := readBack(t, db, want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("the database does not hold the data set (-file +database):\n%s", diff)
	}
	if diff := cmp.Diff(wantCounts, counts(t, db)); diff != "" {
		t.Errorf("row counts (-want +got):\n%s", diff)
	}
	for _, s := range []string{"organizations=27", "people=12", "tags=1", "events=2", "attendees=22", "translations=3", "demo data loaded"} {
		if !strings.Contains(logs.String(), s) {
			t.Errorf("the log does not say %q:\n%s", s, logs.String())
		}
	}
}

// TestLoadPublishes checks the report's state, which the round trip compares
// only as text: PUBLISHED, at the file's instant, with revision 1 recording
// the loaded text and approved translations made from version 1.
func TestLoadPublishes(t *testing.T) {
	db := newDB(t)
	load(t, db)
	ctx := context.Background()
	id, err := postgres.ReportIDBySlug(ctx, db, "international-technology-trade-conference-qingdao-2020")
	if err != nil {
		t.Fatal(err)
	}
	reports, err := postgres.ReportsByIDs(ctx, db, []int64{id})
	if err != nil {
		t.Fatal(err)
	}
	r := reports[id]
	wantAt := time.Date(2020, 8, 14, 1, 0, 0, 0, time.UTC) // 09:00 in Qingdao
	if r.Status != editorial.Published || r.PublishedAt == nil || !r.PublishedAt.Equal(wantAt) {
		t.Fatalf("report is %s, published at %v; want PUBLISHED at %v", r.Status, r.PublishedAt, wantAt)
	}
	if r.Version != 1 || r.WordCount == 0 {
		t.Errorf("version %d, word count %d; want version 1 and words counted", r.Version, r.WordCount)
	}
	rev, err := postgres.RevisionByVersion(ctx, db, id, 1)
	if err != nil {
		t.Fatal(err)
	}
	if rev.Snapshot.Body != r.Body || rev.Snapshot.Title != r.Title || len(rev.Snapshot.Attendees) != 22 || len(rev.Snapshot.Tags) != 1 {
		t.Errorf("revision 1 does not record the loaded report: %+v", rev.Snapshot)
	}
	trs, err := postgres.TranslationsByReportIDs(ctx, db, postgres.Newsroom, []int64{id})
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range trs[id] {
		if tr.Status != editorial.TranslationApproved || tr.SourceVersion != 1 || tr.Version != 1 {
			t.Errorf("%s translation: status %s, source version %d, version %d; want APPROVED, 1, 1", tr.Locale, tr.Status, tr.SourceVersion, tr.Version)
		}
	}
}

func TestLoadTwiceLoadsOnce(t *testing.T) {
	db := newDB(t)
	if !load(t, db) {
		t.Fatal("first Load = false")
	}
	before := counts(t, db)
	if load(t, db) {
		t.Fatal("second Load = true")
	}
	if diff := cmp.Diff(before, counts(t, db)); diff != "" {
		t.Fatalf("the second Load changed row counts (-before +after):\n%s", diff)
	}
}

// TestLoadConcurrently starts loaders on separate connection pools to one
// database, as separate instances would: exactly one loads the data set.
func TestLoadConcurrently(t *testing.T) {
	dsn := pgtest.NewDSN(t)
	ctx := context.Background()
	const n = 4
	dbs := make([]*postgres.DB, n)
	for i := range dbs {
		db, err := postgres.Open(ctx, dsn, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		dbs[i] = db
	}
	results := make([]bool, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, db := range dbs {
		wg.Go(func() {
			<-start
			results[i], errs[i] = Load(ctx, db, nil)
		})
	}
	close(start)
	wg.Wait()
	loaded := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("loader %d: %v", i, errs[i])
		}
		if results[i] {
			loaded++
		}
	}
	if loaded != 1 {
		t.Fatalf("%d loaders loaded the data set, want 1", loaded)
	}
	if diff := cmp.Diff(wantCounts, counts(t, dbs[0])); diff != "" {
		t.Fatalf("row counts (-one load +got):\n%s", diff)
	}
}

// TestLoadFailureLeavesNothing makes the load fail half-way (a tag with the
// data set's slug exists, so creating its tag fails after every organization
// and person was written) and checks that nothing stays, not even the claim;
// once the obstacle is gone, the load goes through.
func TestLoadFailureLeavesNothing(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, `INSERT INTO tags (slug, name, created_at, updated_at) VALUES ('22nd-annual-meeting', 'In the way', now(), now())`); err != nil {
		t.Fatal(err)
	}
	before := counts(t, db)
	loaded, err := Load(ctx, db, nil)
	if err == nil || loaded {
		t.Fatalf("Load = %v, %v; want an error", loaded, err)
	}
	if !strings.Contains(err.Error(), "tag annual-meeting-22") {
		t.Errorf("error %q does not say which entry failed", err)
	}
	if diff := cmp.Diff(before, counts(t, db)); diff != "" {
		t.Fatalf("a failed Load left rows behind (-before +after):\n%s", diff)
	}
	if _, err := db.ExecContext(ctx, `DELETE FROM tags`); err != nil {
		t.Fatal(err)
	}
	if !load(t, db) {
		t.Fatal("Load after the failure = false")
	}
}

// TestLoadKeepsTextByteForByte reads a few values back with plain SQL (not
// through the code under test) and compares them with literals.
func TestLoadKeepsTextByteForByte(t *testing.T) {
	db := newDB(t)
	load(t, db)
	ctx := context.Background()
	get := func(query string, args ...any) string {
		t.Helper()
		var s string
		if err := db.GetContext(ctx, &s, query, args...); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		return s
	}
	checks := []struct{ query, arg, want string }{
		{`SELECT localized_names->>'zh-Hans' FROM people WHERE name = $1`, "Song Jun", "宋军"},
		{`SELECT localized_names->>'zh-Hans' FROM people WHERE name = $1`, "Gan Yong", "干勇"},
		{`SELECT localized_names->>'ko' FROM people WHERE name = $1`, "Iksoo Son", "손익수"},
		{`SELECT localized_names->>'ja' FROM people WHERE name = $1`, "Yoshimasa Goto", "後藤吉正"},
		{`SELECT localized_names->>'ja' FROM organizations WHERE acronym = $1`, "JST", "科学技術振興機構"},
		{`SELECT localized_names->>'ko' FROM events WHERE name LIKE $1`, "International%", "국제기술무역대회 및 한중일 기술무역포럼"},
		{`SELECT title FROM report_translations WHERE locale = $1`, "ko", "국제기술무역대회 및 한중일 기술무역포럼, 중국 동부 칭다오서 개최"},
		{`SELECT title FROM report_translations WHERE locale = $1`, "ja", "国際技術貿易大会・日中韓技術貿易フォーラム、中国東部の青島で開催"},
		{`SELECT title FROM report_translations WHERE locale = $1`, "zh-Hans", "国际技术贸易大会暨中日韩技术贸易论坛在山东青岛举行"},
		{`SELECT t.role FROM report_attendee_translations t JOIN report_attendees a ON a.id = t.attendee_id
			WHERE a.position = 0 AND t.locale = $1`, "zh-Hans", "中国科协书记处书记"},
	}
	for _, c := range checks {
		if got := get(c.query, c.arg); got != c.want {
			t.Errorf("%s [%s] = %q, want %q", c.query, c.arg, got, c.want)
		}
	}
	body := get(`SELECT body FROM reports`)
	for _, s := range []string{"in his speech\u00a0the policies", "introduced \u00a0the training plan", "(ETRI),pointed", "(KTVF) ,", "vice preside of", "so that the they"} {
		if !strings.Contains(body, s) {
			t.Errorf("the body lost %q", s)
		}
	}
	if strings.Count(body, "\u00a0") != 2 {
		t.Errorf("the body has %d U+00A0, want 2", strings.Count(body, "\u00a0"))
	}
	if n := get(`SELECT octet_length(body)::text FROM reports`); n != "6118" {
		t.Errorf("the body is %s bytes, want 6118", n)
	}
}

// --- reading the data set back ---

// readBack rebuilds the data set from the database through package
// postgres's read functions. Keys are not stored: each row is named by the
// key of the file's entry at its position in insertion (ID) order, so that
// references (parents, affiliations, organizers, attendees) compare as keys.
// Source notes are for the file's editors and not stored either; they are
// copied from want.
func readBack(t *testing.T, db *postgres.DB, want *dataSet) *dataSet {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	ids := func(table string, n int) ([]int64, map[int64]int) {
		t.Helper()
		var list []int64
		must(db.SelectContext(ctx, &list, `SELECT id FROM `+table+` ORDER BY id`))
		if len(list) != n {
			t.Fatalf("%s has %d rows, the file %d", table, len(list), n)
		}
		pos := map[int64]int{}
		for i, id := range list {
			pos[id] = i
		}
		return list, pos
	}
	keyOf := func(pos map[int64]int, keys func(int) string, id *int64) *string {
		if id == nil {
			return nil
		}
		i, ok := pos[*id]
		if !ok {
			t.Fatalf("reference to unknown row %d", *id)
		}
		k := keys(i)
		return &k
	}
	orgKey := func(i int) string { return want.Organizations[i].Key }
	personKey := func(i int) string { return want.People[i].Key }
	tagKey := func(i int) string { return want.Tags[i].Key }
	eventKey := func(i int) string { return want.Events[i].Key }

	got := &dataSet{SourceNotes: want.SourceNotes}
	must(db.GetContext(ctx, &got.Name, `SELECT name FROM demo_loads`))

	orgIDs, orgPos := ids("organizations", len(want.Organizations))
	orgs, err := postgres.OrganizationsByIDs(ctx, db, orgIDs)
	must(err)
	for i, id := range orgIDs {
		o := orgs[id]
		got.Organizations = append(got.Organizations, organization{Key: orgKey(i), Name: o.Name, Acronym: o.Acronym,
			Country: o.Country, Parent: keyOf(orgPos, orgKey, o.ParentID), LocalizedNames: o.LocalizedNames})
	}

	personIDs, personPos := ids("people", len(want.People))
	people, err := postgres.PeopleByIDs(ctx, db, personIDs)
	must(err)
	for i, id := range personIDs {
		p := people[id]
		got.People = append(got.People, person{Key: personKey(i), Name: p.Name,
			Affiliation: keyOf(orgPos, orgKey, p.AffiliationID), LocalizedNames: p.LocalizedNames})
	}

	tagIDs, tagPos := ids("tags", len(want.Tags))
	tags, err := postgres.TagsByIDs(ctx, db, tagIDs)
	must(err)
	for i, id := range tagIDs {
		tg := tags[id]
		if tg.ParentID != nil {
			t.Errorf("tag %s has a parent; the file gives none", tg.Slug)
		}
		got.Tags = append(got.Tags, tag{Key: tagKey(i), Slug: tg.Slug, Name: tg.Name, Description: tg.Description,
			LocalizedNames: tg.LocalizedNames})
	}

	eventIDs, eventPos := ids("events", len(want.Events))
	events, err := postgres.EventsByIDs(ctx, db, eventIDs)
	must(err)
	zones := map[int64]*time.Location{}
	for i, id := range eventIDs {
		e := events[id]
		zone, err := time.LoadLocation(e.TimeZone)
		must(err)
		zones[id] = zone
		ge := event{Key: eventKey(i), Name: e.Name, Parent: keyOf(eventPos, eventKey, e.ParentID),
			StartsAt: formatTime(e.StartsAt, zone), EndsAt: formatTime(e.EndsAt, zone), TimeZone: e.TimeZone,
			AllDay: e.AllDay, Venue: e.Venue, City: e.City, Region: e.Region, Country: e.Country,
			Organizers: []string{}, Figures: []figure{}, LocalizedNames: e.LocalizedNames}
		if e.Format != nil {
			ge.Format = ptr(string(*e.Format))
		}
		for _, o := range e.OrganizerIDs {
			ge.Organizers = append(ge.Organizers, *keyOf(orgPos, orgKey, &o))
		}
		for _, f := range e.Figures {
			ge.Figures = append(ge.Figures, figure{Metric: f.Metric, Value: f.Value, Approximation: f.Approximation,
				Label: f.Label, Channels: f.Channels, Countries: f.Countries})
		}
		got.Events = append(got.Events, ge)
	}

	reportIDs, _ := ids("reports", 1)
	id, err := postgres.ReportIDBySlug(ctx, db, want.Report.Slug)
	must(err)
	if id != reportIDs[0] {
		t.Fatalf("the slug leads to report %d, the report is %d", id, reportIDs[0])
	}
	reports, err := postgres.ReportsByIDs(ctx, db, reportIDs)
	must(err)
	r := reports[id]
	gr := report{Slug: r.Slug, Section: r.Section, SourceLocale: r.SourceLocale, Title: r.Title, Subtitle: r.Subtitle,
		Summary: r.Summary, Body: r.Body, Status: string(r.Status), Event: keyOf(eventPos, eventKey, r.EventID),
		Tags: []string{}, Attendees: []attendee{}, Translations: []translation{}}
	zone := time.UTC
	if r.EventID != nil {
		zone = zones[*r.EventID] // the file gives times in the event's zone
	}
	gr.PublishedAt = formatTime(r.PublishedAt, zone)

	reportTags, err := postgres.TagIDsByReportIDs(ctx, db, reportIDs)
	must(err)
	for _, tid := range reportTags[id] {
		gr.Tags = append(gr.Tags, *keyOf(tagPos, tagKey, &tid))
	}
	authors, err := postgres.AuthorIDsByReportIDs(ctx, db, reportIDs)
	must(err)
	if len(authors[id]) != 0 {
		t.Errorf("the report credits authors %v; the file gives none", authors[id])
	}

	atts, err := postgres.AttendeesByReportIDs(ctx, db, reportIDs)
	must(err)
	attendeePos := map[int64]int{}
	for i, a := range atts[id] {
		if a.Position != i {
			t.Errorf("attendee %d has position %d", i, a.Position)
		}
		attendeePos[a.ID] = i
		ga := attendee{Person: keyOf(personPos, personKey, a.PersonID), Organization: keyOf(orgPos, orgKey, a.OrganizationID),
			Delegation: a.Delegation, Role: a.Role, Note: a.Note}
		for _, p := range a.Participations {
			ga.Participations = append(ga.Participations, string(p))
		}
		gr.Attendees = append(gr.Attendees, ga)
	}

	trs, err := postgres.TranslationsByReportIDs(ctx, db, postgres.Newsroom, reportIDs)
	must(err)
	keys := make([]editorial.TranslationKey, len(trs[id]))
	for i, tr := range trs[id] {
		keys[i] = editorial.TranslationKey{ReportID: id, Locale: tr.Locale}
	}
	roles, err := postgres.AttendeeTranslationsByKeys(ctx, db, keys)
	must(err)
	byLocale := map[string]translation{}
	for _, tr := range trs[id] {
		gt := translation{Locale: tr.Locale, Status: string(tr.Status), Title: tr.Title, Subtitle: tr.Subtitle,
			Summary: tr.Summary, Body: tr.Body, Attendees: []attendeeTranslation{}}
		for _, a := range roles[editorial.TranslationKey{ReportID: id, Locale: tr.Locale}] {
			i, ok := attendeePos[a.AttendeeID]
			if !ok {
				t.Fatalf("%s translation of attendee %d, who is not on the report", tr.Locale, a.AttendeeID)
			}
			gt.Attendees = append(gt.Attendees, attendeeTranslation{Index: i, Role: a.Role, Note: a.Note})
		}
		byLocale[tr.Locale] = gt
	}
	// Translations are read in locale order; the file lists them in its own.
	for _, tr := range want.Report.Translations {
		if gt, ok := byLocale[tr.Locale]; ok {
			gr.Translations = append(gr.Translations, gt)
			delete(byLocale, tr.Locale)
		}
	}
	for _, tr := range trs[id] {
		if gt, ok := byLocale[tr.Locale]; ok {
			gr.Translations = append(gr.Translations, gt) // not in the file: shows in the diff
		}
	}
	got.Report = gr
	return got
}

// formatTime formats t in zone as the file writes times.
func formatTime(t *time.Time, zone *time.Location) *string {
	if t == nil {
		return nil
	}
	return ptr(t.In(zone).Format(time.RFC3339))
}

// TestReadBackNoticesDifferences guards the round trip against comparing
// nothing: a changed database shows in the diff.
func TestReadBackNoticesDifferences(t *testing.T) {
	db := newDB(t)
	load(t, db)
	want, err := decode(qingdaoJSON)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, change := range []string{
		`UPDATE reports SET body = replace(body, E'\u00a0', ' ')`,
		`UPDATE report_attendee_translations SET role = 'x' WHERE locale = 'ko' AND role IS NOT NULL AND attendee_id = (SELECT min(attendee_id) FROM report_attendee_translations)`,
		`UPDATE organizations SET parent_id = NULL WHERE parent_id IS NOT NULL AND name LIKE 'Japan%'`,
		`UPDATE reports SET published_at = published_at + interval '1 second'`,
	} {
		tx, err := db.BeginTxx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, change); err != nil {
			t.Fatalf("%s: %v", change, err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		// The same comparison as the round trip's, which must not be blind.
		if cmp.Diff(want, readBack(t, db, want)) == "" {
			t.Errorf("after %s the database still reads back as the file (cmp.Diff is empty)", change)
		}
		want = readBack(t, db, want) // the next change must show on its own
	}
}
