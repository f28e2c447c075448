package content_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/lib/pq"

	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/content"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/postgres"
)

// --- report helpers ---

// newsroom is a database with a small directory for report tests.
type newsroom struct {
	svc                  *content.Service
	db                   *postgres.DB
	wang, li, zhang, liu *editorial.Person
	ccpit, cast          *editorial.Organization
	economy, trade       *editorial.Tag
	forum                *editorial.Event
}

func newNewsroom(t *testing.T) *newsroom {
	t.Helper()
	ctx := asSystem(t)
	svc, db := newService(t)
	n := &newsroom{svc: svc, db: db}
	person := func(name string) *editorial.Person {
		return of(svc.CreatePerson(ctx, content.CreatePersonInput{Name: name})).ok(t)
	}
	org := func(name, acronym string) *editorial.Organization {
		return of(svc.CreateOrganization(ctx, content.CreateOrganizationInput{Name: name, Acronym: &acronym})).ok(t)
	}
	n.wang, n.li, n.zhang, n.liu = person("Wang Wei"), person("Li Na"), person("Zhang Min"), person("Liu Yang")
	n.ccpit = org("China Council for the Promotion of International Trade", "CCPIT")
	n.cast = org("China Association for Science and Technology", "CAST")
	n.economy = of(svc.CreateTag(ctx, content.CreateTagInput{Name: "Economy"})).ok(t)
	n.trade = of(svc.CreateTag(ctx, content.CreateTagInput{Name: "Trade"})).ok(t)
	n.forum = of(svc.CreateEvent(ctx, content.CreateEventInput{Name: "Qingdao Tech Trade Forum"})).ok(t)
	return n
}

// report creates a report with the given title in English (other fields as
// in) and returns it.
func (n *newsroom) report(t *testing.T, in content.CreateReportInput) *editorial.Report {
	t.Helper()
	if in.SourceLocale == "" {
		in.SourceLocale = "en"
	}
	return of(n.svc.CreateReport(asSystem(t), in)).ok(t).Report
}

// reportDump is dump plus every report table, so a test can check that a
// failed report mutation wrote nothing at all: no report, revision, slug,
// translation, tag, link or attendee row. Report tables hold bodies of up to
// 1 MiB, so they appear as row counts and checksums of their contents.
func reportDump(t *testing.T, db *postgres.DB) string {
	t.Helper()
	var lines []string
	err := db.SelectContext(context.Background(), &lines, `
		SELECT format('%s: %s rows, md5 %s', tbl, n, sum) FROM (
			SELECT 'reports' AS tbl, count(*) AS n, md5(string_agg(x::text, E'\n' ORDER BY id)) AS sum FROM reports x
			UNION ALL SELECT 'report_slugs', count(*), md5(string_agg(x::text, E'\n' ORDER BY slug)) FROM report_slugs x
			UNION ALL SELECT 'report_revisions', count(*), md5(string_agg(x::text, E'\n' ORDER BY id)) FROM report_revisions x
			UNION ALL SELECT 'report_translations', count(*), md5(string_agg(x::text, E'\n' ORDER BY report_id, locale)) FROM report_translations x
			UNION ALL SELECT 'report_attendee_translations', count(*), md5(string_agg(x::text, E'\n' ORDER BY attendee_id, locale)) FROM report_attendee_translations x
		) s ORDER BY tbl`)
	if err != nil {
		t.Fatal(err)
	}
	return dump(t, db) + "\n" + strings.Join(lines, "\n")
}

// runReportFailCases is runFailCases with reportDump: each call must fail
// with its code on its field and leave every table as it was.
func runReportFailCases(t *testing.T, db *postgres.DB, cases []failCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := reportDump(t, db)
			e := wantErr(t, tc.call(), tc.code, tc.field)
			if tc.msg != "" && !strings.Contains(e.Message, tc.msg) {
				t.Errorf("message %q does not contain %q", e.Message, tc.msg)
			}
			if after := reportDump(t, db); after != before {
				t.Errorf("a failed call changed the database:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}

// rowCount returns the number of rows in table.
func rowCount(t *testing.T, db *postgres.DB, table string) int {
	t.Helper()
	var n int
	if err := db.GetContext(context.Background(), &n, `SELECT count(*) FROM `+table); err != nil {
		t.Fatal(err)
	}
	return n
}

// storedReport reads report id from the database, with its times in UTC so
// that reports compare with reflect.DeepEqual.
func storedReport(t *testing.T, db *postgres.DB, id int64) *editorial.Report {
	t.Helper()
	r := of(postgres.ReportsByIDs(context.Background(), db, []int64{id})).ok(t)[id]
	if r == nil {
		t.Fatalf("report %d does not exist", id)
	}
	return utcReport(r)
}

func utcReport(r *editorial.Report) *editorial.Report {
	c := *r
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	if c.PublishedAt != nil {
		c.PublishedAt = ptr(c.PublishedAt.UTC())
	}
	if c.ArchivedAt != nil {
		c.ArchivedAt = ptr(c.ArchivedAt.UTC())
	}
	return &c
}

// revisionsOf returns a report's revisions, oldest first.
func revisionsOf(t *testing.T, db *postgres.DB, id int64) []*editorial.Revision {
	t.Helper()
	list, total := of2(postgres.ListRevisions(context.Background(), db, id, 100, 0)).ok(t)
	if total != len(list) {
		t.Fatalf("ListRevisions: total %d, got %d", total, len(list))
	}
	slices.Reverse(list)
	return list
}

// versionsOf returns the versions of a report's revisions, oldest first.
func versionsOf(t *testing.T, db *postgres.DB, id int64) []int {
	t.Helper()
	var out []int
	for _, r := range revisionsOf(t, db, id) {
		out = append(out, r.Version)
	}
	return out
}

func attendeesOf(t *testing.T, db *postgres.DB, id int64) []*editorial.Attendee {
	t.Helper()
	return of(postgres.AttendeesByReportIDs(context.Background(), db, []int64{id})).ok(t)[id]
}

func attendeeIDs(list []*editorial.Attendee) []int64 {
	out := []int64{}
	for _, a := range list {
		out = append(out, a.ID)
	}
	return out
}

func parts(ps ...editorial.Participation) []editorial.Participation { return ps }

// conflictDetails fails unless err is CONFLICT on input.expectedVersion and
// returns its currentVersion and changedFields details.
func conflictDetails(t *testing.T, err error) (int, []string) {
	t.Helper()
	e := wantErr(t, err, cerr.Conflict, "input.expectedVersion")
	cur, ok := e.Details["currentVersion"].(int)
	if !ok {
		t.Fatalf("Details[currentVersion] = %#v, want an int", e.Details["currentVersion"])
	}
	changed, _ := e.Details["changedFields"].([]string)
	return cur, changed
}

// --- createReport ---

func TestCreateReport(t *testing.T) {
	t.Parallel()
	ctx := asSystem(t)
	n := newNewsroom(t)
	svc, db := n.svc, n.db

	t.Run("OKFull", func(t *testing.T) {
		body := "Qingdao hosted **200+** participants from 40 countries."
		saved := of(svc.CreateReport(ctx, content.CreateReportInput{
			Title: "  Qingdao Hosts Tech Trade Forum  ", SourceLocale: "en", Section: ptr(" Business "),
			Subtitle: ptr("Delegates sign 30 agreements"), Summary: ptr("   "), Body: body, EventID: &n.forum.ID,
			Tags:      []content.TagRef{{ID: n.economy.ID}, {Slug: "trade"}, {Name: " Technology "}},
			AuthorIDs: []int64{n.li.ID, n.wang.ID},
			Attendees: []content.AttendeeInput{
				{PersonID: &n.wang.ID, OrganizationID: &n.ccpit.ID, Role: ptr(" Vice chairman "), Participations: parts("SPEECH", "PRESIDED"), Note: ptr("Opened the forum.")},
				{OrganizationID: &n.cast.ID, Participations: parts("HOSTED")},
				{Delegation: ptr("Officers of the municipal government"), Participations: parts("ATTENDED")},
				{PersonID: &n.zhang.ID, OrganizationID: &n.ccpit.ID, Participations: parts("PANELIST")}, // same organization, another person
			},
			Message: ptr("First draft"),
		})).ok(t)
		r := saved.Report
		tech := of(postgres.TagBySlug(ctx, db, "technology")).ok(t)
		if tech.Name != "Technology" {
			t.Errorf("new tag = %+v", tech)
		}
		want := &editorial.Report{ID: r.ID, Slug: "qingdao-hosts-tech-trade-forum", SourceLocale: "en", Section: ptr("Business"),
			Title: "Qingdao Hosts Tech Trade Forum", Subtitle: ptr("Delegates sign 30 agreements"), Body: body, WordCount: 7,
			EventID: &n.forum.ID, Status: editorial.Draft, Version: 1, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.CreatedAt.UTC()}
		for name, got := range map[string]*editorial.Report{"returned": utcReport(r), "stored": storedReport(t, db, r.ID)} {
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s report\n%+v\nwant\n%+v", name, got, want)
			}
		}

		atts := attendeesOf(t, db, r.ID)
		if len(atts) != 4 {
			t.Fatalf("attendees = %d, want 4", len(atts))
		}
		wantSnap := editorial.Snapshot{
			Slug: want.Slug, SourceLocale: "en", Section: ptr("Business"), Title: want.Title, Subtitle: want.Subtitle, Body: body, EventID: &n.forum.ID,
			Tags: []editorial.SnapshotTag{
				{ID: n.economy.ID, Slug: "economy", Name: "Economy"}, {ID: n.trade.ID, Slug: "trade", Name: "Trade"}, {ID: tech.ID, Slug: "technology", Name: "Technology"},
			},
			AuthorIDs: []int64{n.li.ID, n.wang.ID},
			Attendees: []editorial.SnapshotAttendee{
				{ID: atts[0].ID, PersonID: &n.wang.ID, PersonName: ptr("Wang Wei"), OrganizationID: &n.ccpit.ID, OrganizationName: &n.ccpit.Name,
					Role: ptr("Vice chairman"), Participations: parts("SPEECH", "PRESIDED"), Note: ptr("Opened the forum.")},
				{ID: atts[1].ID, OrganizationID: &n.cast.ID, OrganizationName: &n.cast.Name, Participations: parts("HOSTED")},
				{ID: atts[2].ID, Delegation: ptr("Officers of the municipal government"), Participations: parts("ATTENDED")},
				{ID: atts[3].ID, PersonID: &n.zhang.ID, PersonName: ptr("Zhang Min"), OrganizationID: &n.ccpit.ID, OrganizationName: &n.ccpit.Name, Participations: parts("PANELIST")},
			},
		}
		revs := revisionsOf(t, db, r.ID)
		if len(revs) != 1 {
			t.Fatalf("revisions = %d, want 1", len(revs))
		}
		for name, rev := range map[string]*editorial.Revision{"returned": saved.Revision, "stored": revs[0]} {
			if rev.Version != 1 || rev.ReportID != r.ID || rev.Message == nil || *rev.Message != "First draft" || !rev.CreatedAt.Equal(r.CreatedAt) {
				t.Errorf("%s revision = %+v", name, rev)
			}
			if !reflect.DeepEqual(rev.Snapshot, wantSnap) {
				t.Errorf("%s snapshot\n%+v\nwant\n%+v", name, rev.Snapshot, wantSnap)
			}
		}
		if id := of(postgres.ReportIDBySlug(ctx, db, want.Slug)).ok(t); id != r.ID {
			t.Errorf("ReportIDBySlug = %d", id)
		}
	})

	t.Run("OKMinimal", func(t *testing.T) {
		saved := of(svc.CreateReport(ctx, content.CreateReportInput{Title: "Brief", SourceLocale: "en"})).ok(t)
		snap := saved.Revision.Snapshot
		if saved.Report.Body != "" || saved.Report.WordCount != 0 || saved.Revision.Message != nil ||
			snap.Tags == nil || len(snap.Tags) != 0 || snap.AuthorIDs == nil || len(snap.AuthorIDs) != 0 || snap.Attendees == nil || len(snap.Attendees) != 0 {
			t.Errorf("CreateReport = %+v, %+v", saved.Report, saved.Revision)
		}
	})

	t.Run("OKSlugs", func(t *testing.T) {
		for _, c := range []struct {
			name, title, locale string
			slug                *string
			wantSlug, wantLocal string
			wantWords           int
		}{
			{"Chinese title is transliterated", "国际技术贸易大会在青岛举行", "zh-hans", nil, "guo-ji-ji-zhu-mao-yi-da-hui-zai-qing-dao-ju-xing", "zh-Hans", 13},
			{"Japanese title is transliterated", "東京で国際会議が開かれた", "ja", nil, "dong-jing-de-guo-ji-hui-yi-ga-kai-kareta", "ja", 12},
			{"taken slug gets a suffix", "Qingdao Hosts Tech Trade Forum", "en", nil, "qingdao-hosts-tech-trade-forum-2", "en", 5},
			{"and the next one", "Qingdao hosts tech-trade forum!", "EN", nil, "qingdao-hosts-tech-trade-forum-3", "en", 0},
			{"emoji-only title", "🎉🚀", "en", nil, "report", "en", 0},
			{"slug given", "Anything", "en-us", ptr("my-own-slug"), "my-own-slug", "en-US", 1},
			{"title exactly at the limit", strings.Repeat("字", editorial.MaxTitle), "zh-Hant-TW", ptr("long-title"), "long-title", "zh-Hant-TW", 0},
			{"deprecated locale code", "Shalom", "iw", nil, "shalom", "he", 1},
		} {
			t.Run(c.name, func(t *testing.T) {
				body := c.title // the word count of the body, which is the title here
				saved := of(svc.CreateReport(ctx, content.CreateReportInput{Title: c.title, SourceLocale: c.locale, Slug: c.slug, Body: body})).ok(t)
				r := storedReport(t, db, saved.Report.ID)
				if r.Slug != c.wantSlug || r.SourceLocale != c.wantLocal || saved.Revision.Snapshot.Slug != c.wantSlug {
					t.Errorf("slug %q, locale %q; want %q, %q", r.Slug, r.SourceLocale, c.wantSlug, c.wantLocal)
				}
				if c.wantWords != 0 && r.WordCount != c.wantWords {
					t.Errorf("wordCount = %d, want %d", r.WordCount, c.wantWords)
				}
			})
		}
	})

	t.Run("OKExistingTagByNameIgnoringCase", func(t *testing.T) {
		tags := rowCount(t, db, "tags")
		saved := of(svc.CreateReport(ctx, content.CreateReportInput{Title: "Tagged", SourceLocale: "en", Tags: []content.TagRef{{Name: "ECONOMY"}}})).ok(t)
		if got := saved.Revision.Snapshot.Tags; len(got) != 1 || got[0].ID != n.economy.ID || rowCount(t, db, "tags") != tags {
			t.Errorf("tags = %+v", got)
		}
	})

	// A report renamed away from "old-name" still owns it.
	renamed := n.report(t, content.CreateReportInput{Title: "Old name", Slug: ptr("old-name")})
	of(svc.UpdateReport(ctx, content.UpdateReportInput{ID: renamed.ID, ExpectedVersion: 1, Slug: set("new-name")})).ok(t)

	create := func(f func(in *content.CreateReportInput)) func() error {
		// Every input starts valid and names a tag that does not exist yet,
		// so a failure must also roll back the tag it created.
		in := content.CreateReportInput{Title: "Valid title", SourceLocale: "en", Tags: []content.TagRef{{Name: "Brand new tag"}},
			AuthorIDs: []int64{n.li.ID}, Attendees: []content.AttendeeInput{{PersonID: &n.wang.ID, Participations: parts("SPEECH")}}}
		f(&in)
		return func() error { _, err := svc.CreateReport(ctx, in); return err }
	}
	attendees := func(list ...content.AttendeeInput) func(in *content.CreateReportInput) {
		return func(in *content.CreateReportInput) { in.Attendees = list }
	}
	tags := func(list ...content.TagRef) func(in *content.CreateReportInput) {
		return func(in *content.CreateReportInput) { in.Tags = list }
	}
	manyTags := make([]content.TagRef, editorial.MaxTags+1)
	for i := range manyTags {
		manyTags[i] = content.TagRef{Name: fmt.Sprintf("Tag %d", i)}
	}
	manyAuthors := make([]int64, editorial.MaxAuthors+1)
	manyAttendees := make([]content.AttendeeInput, editorial.MaxAttendees+1)
	wang := content.AttendeeInput{PersonID: &n.wang.ID, Participations: parts("SPEECH")}
	missing := ptr(int64(999999))
	runReportFailCases(t, db, []failCase{
		{name: "ErrTitleEmpty", call: create(func(in *content.CreateReportInput) { in.Title = "" }), code: cerr.Invalid, field: "input.title"},
		{name: "ErrTitleWhitespace", call: create(func(in *content.CreateReportInput) { in.Title = " \t\n\u3000 " }), code: cerr.Invalid, field: "input.title"},
		{name: "ErrTitleTooLong", call: create(func(in *content.CreateReportInput) { in.Title = strings.Repeat("字", editorial.MaxTitle+1) }), code: cerr.Invalid, field: "input.title", msg: "301 characters"},
		{name: "ErrTitleNotUTF8", call: create(func(in *content.CreateReportInput) { in.Title = "Forum \xff" }), code: cerr.Invalid, field: "input.title"},
		{name: "ErrLocaleInvalid", call: create(func(in *content.CreateReportInput) { in.SourceLocale = "xx-!!" }), code: cerr.Invalid, field: "input.sourceLocale", msg: `"xx-!!"`},
		{name: "ErrLocaleEmpty", call: create(func(in *content.CreateReportInput) { in.SourceLocale = "" }), code: cerr.Invalid, field: "input.sourceLocale"},
		{name: "ErrLocaleUnderscore", call: create(func(in *content.CreateReportInput) { in.SourceLocale = "zh_CN" }), code: cerr.Invalid, field: "input.sourceLocale"},
		{name: "ErrSlugTaken", call: create(func(in *content.CreateReportInput) { in.Slug = ptr("qingdao-hosts-tech-trade-forum") }), code: cerr.Conflict, field: "input.slug"},
		{name: "ErrSlugFormerlyUsed", call: create(func(in *content.CreateReportInput) { in.Slug = ptr("old-name") }), code: cerr.Conflict, field: "input.slug"},
		{name: "ErrSlugInvalid", call: create(func(in *content.CreateReportInput) { in.Slug = ptr("Qingdao Forum") }), code: cerr.Invalid, field: "input.slug"},
		{name: "ErrSlugEmpty", call: create(func(in *content.CreateReportInput) { in.Slug = ptr("") }), code: cerr.Invalid, field: "input.slug"},
		{name: "ErrSectionTooLong", call: create(func(in *content.CreateReportInput) { in.Section = ptr(strings.Repeat("s", editorial.MaxSection+1)) }), code: cerr.Invalid, field: "input.section"},
		{name: "ErrSubtitleTooLong", call: create(func(in *content.CreateReportInput) { in.Subtitle = ptr(strings.Repeat("s", editorial.MaxSubtitle+1)) }), code: cerr.Invalid, field: "input.subtitle"},
		{name: "ErrSummaryTooLong", call: create(func(in *content.CreateReportInput) { in.Summary = ptr(strings.Repeat("s", editorial.MaxSummary+1)) }), code: cerr.Invalid, field: "input.summary"},
		{name: "ErrBodyTooLarge", call: create(func(in *content.CreateReportInput) { in.Body = strings.Repeat("x", editorial.MaxBodyBytes+1) }), code: cerr.Invalid, field: "input.body"},
		{name: "ErrBodyTooLargeInBytesNotCharacters", call: create(func(in *content.CreateReportInput) { in.Body = strings.Repeat("字", editorial.MaxBodyBytes/3+1) }), code: cerr.Invalid, field: "input.body"},
		{name: "ErrBodyNotUTF8", call: create(func(in *content.CreateReportInput) { in.Body = "ok \xc3\x28" }), code: cerr.Invalid, field: "input.body"},
		{name: "ErrMessageTooLong", call: create(func(in *content.CreateReportInput) { in.Message = ptr(strings.Repeat("m", editorial.MaxMessage+1)) }), code: cerr.Invalid, field: "input.message"},
		{name: "ErrUnknownEvent", call: create(func(in *content.CreateReportInput) { in.EventID = missing }), code: cerr.NotFound, field: "input.eventId"},
		{name: "ErrUnknownTagID", call: create(tags(content.TagRef{Name: "Brand new tag"}, content.TagRef{ID: *missing})), code: cerr.NotFound, field: "input.tags.1.id"},
		{name: "ErrUnknownTagSlug", call: create(tags(content.TagRef{Slug: "no-such-tag"})), code: cerr.NotFound, field: "input.tags.0.slug"},
		{name: "ErrTagRefEmpty", call: create(tags(content.TagRef{})), code: cerr.Invalid, field: "input.tags.0"},
		{name: "ErrTagRefAmbiguous", call: create(tags(content.TagRef{ID: n.economy.ID, Slug: "economy"})), code: cerr.Invalid, field: "input.tags.0"},
		{name: "ErrTagNameBlank", call: create(tags(content.TagRef{Name: " "})), code: cerr.Invalid, field: "input.tags.0.name"},
		{name: "ErrTagNameTooLong", call: create(tags(content.TagRef{Name: strings.Repeat("t", editorial.MaxTagName+1)})), code: cerr.Invalid, field: "input.tags.0.name"},
		{name: "ErrDuplicateTagByIDAndSlug", call: create(tags(content.TagRef{ID: n.economy.ID}, content.TagRef{Slug: "economy"})), code: cerr.Invalid, field: "input.tags.1"},
		{name: "ErrDuplicateTagByName", call: create(tags(content.TagRef{Slug: "trade"}, content.TagRef{Name: "TRADE"})), code: cerr.Invalid, field: "input.tags.1"},
		{name: "ErrDuplicateNewTag", call: create(tags(content.TagRef{Name: "Brand new tag"}, content.TagRef{Name: "brand new TAG"})), code: cerr.Invalid, field: "input.tags.1"},
		{name: "ErrTooManyTags", call: create(tags(manyTags...)), code: cerr.Invalid, field: "input.tags", msg: "at most 50"},
		{name: "ErrUnknownAuthor", call: create(func(in *content.CreateReportInput) { in.AuthorIDs = []int64{n.li.ID, *missing} }), code: cerr.NotFound, field: "input.authorIds.1"},
		{name: "ErrDuplicateAuthor", call: create(func(in *content.CreateReportInput) { in.AuthorIDs = []int64{n.li.ID, n.li.ID} }), code: cerr.Invalid, field: "input.authorIds.1"},
		{name: "ErrTooManyAuthors", call: create(func(in *content.CreateReportInput) { in.AuthorIDs = manyAuthors }), code: cerr.Invalid, field: "input.authorIds"},
		{name: "ErrUnknownPerson", call: create(attendees(wang, content.AttendeeInput{OrganizationID: &n.ccpit.ID, Participations: parts("HOSTED")},
			content.AttendeeInput{PersonID: missing, Participations: parts("ATTENDED")})), code: cerr.NotFound, field: "input.attendees.2.personId"},
		{name: "ErrUnknownOrganization", call: create(attendees(wang, content.AttendeeInput{PersonID: &n.li.ID, OrganizationID: missing, Participations: parts("ATTENDED")})),
			code: cerr.NotFound, field: "input.attendees.1.organizationId"},
		{name: "ErrAttendeeWithNobody", call: create(attendees(content.AttendeeInput{Role: ptr("Guest"), Participations: parts("ATTENDED")})), code: cerr.Invalid, field: "input.attendees.0"},
		{name: "ErrAttendeeBlankDelegation", call: create(attendees(content.AttendeeInput{Delegation: ptr("  "), Participations: parts("ATTENDED")})), code: cerr.Invalid, field: "input.attendees.0"},
		{name: "ErrNoParticipations", call: create(attendees(content.AttendeeInput{PersonID: &n.wang.ID})), code: cerr.Invalid, field: "input.attendees.0.participations"},
		{name: "ErrUnknownParticipation", call: create(attendees(content.AttendeeInput{PersonID: &n.wang.ID, Participations: parts("SPEECH", "DANCED")})), code: cerr.Invalid, field: "input.attendees.0.participations.1"},
		{name: "ErrRepeatedParticipation", call: create(attendees(content.AttendeeInput{PersonID: &n.wang.ID, Participations: parts("SPEECH", "SPEECH")})), code: cerr.Invalid, field: "input.attendees.0.participations.1"},
		{name: "ErrDuplicatedPerson", call: create(attendees(wang, content.AttendeeInput{PersonID: &n.wang.ID, OrganizationID: &n.ccpit.ID, Participations: parts("ATTENDED")})),
			code: cerr.Invalid, field: "input.attendees.1"},
		{name: "ErrDuplicatedOrganization", call: create(attendees(content.AttendeeInput{OrganizationID: &n.ccpit.ID, Participations: parts("HOSTED")}, content.AttendeeInput{OrganizationID: &n.ccpit.ID, Participations: parts("ATTENDED")})),
			code: cerr.Invalid, field: "input.attendees.1"},
		{name: "ErrDuplicatedDelegation", call: create(attendees(content.AttendeeInput{Delegation: ptr("Officers"), Participations: parts("ATTENDED")}, content.AttendeeInput{Delegation: ptr(" Officers "), Participations: parts("ATTENDED")})),
			code: cerr.Invalid, field: "input.attendees.1"},
		{name: "ErrAttendeeIDOnCreate", call: create(attendees(content.AttendeeInput{ID: 1, PersonID: &n.wang.ID, Participations: parts("SPEECH")})), code: cerr.NotFound, field: "input.attendees.0.id"},
		{name: "ErrRoleTooLong", call: create(attendees(content.AttendeeInput{PersonID: &n.wang.ID, Role: ptr(strings.Repeat("r", editorial.MaxRole+1)), Participations: parts("SPEECH")})), code: cerr.Invalid, field: "input.attendees.0.role"},
		{name: "ErrTooManyAttendees", call: create(attendees(manyAttendees...)), code: cerr.Invalid, field: "input.attendees"},
	})
}

// TestCreateReportMergedReferences refers to tags, people and organizations
// merged into others: their IDs resolve to the survivors, as they do
// everywhere else in the API, and two references that resolve to the same
// entry are a duplicate.
func TestCreateReportMergedReferences(t *testing.T) {
	t.Parallel()
	ctx := asSystem(t)
	n := newNewsroom(t)
	svc, db := n.svc, n.db
	finance := of(svc.CreateTag(ctx, content.CreateTagInput{Name: "Finance"})).ok(t)
	council := of(svc.CreateOrganization(ctx, content.CreateOrganizationInput{Name: "China Council for Trade"})).ok(t)
	of(svc.MergeTags(ctx, content.MergeInput{SourceIDs: []int64{finance.ID}, TargetID: n.economy.ID})).ok(t)
	of(svc.MergePeople(ctx, content.MergeInput{SourceIDs: []int64{n.li.ID}, TargetID: n.zhang.ID})).ok(t)
	of(svc.MergeOrganizations(ctx, content.MergeInput{SourceIDs: []int64{council.ID}, TargetID: n.ccpit.ID})).ok(t)

	saved := of(svc.CreateReport(ctx, content.CreateReportInput{Title: "Merged", SourceLocale: "en",
		Tags: []content.TagRef{{ID: n.trade.ID}, {ID: finance.ID}}, AuthorIDs: []int64{n.li.ID},
		Attendees: []content.AttendeeInput{{PersonID: &n.li.ID, OrganizationID: &council.ID, Participations: parts("SPEECH")}}})).ok(t)
	snap := saved.Revision.Snapshot
	if len(snap.Tags) != 2 || snap.Tags[1].ID != n.economy.ID || !slices.Equal(snap.AuthorIDs, []int64{n.zhang.ID}) ||
		*snap.Attendees[0].PersonID != n.zhang.ID || *snap.Attendees[0].OrganizationID != n.ccpit.ID {
		t.Errorf("snapshot = %+v", snap)
	}
	up := of(svc.UpdateReport(ctx, content.UpdateReportInput{ID: saved.Report.ID, ExpectedVersion: 1, Tags: set([]content.TagRef{{ID: finance.ID}})})).ok(t)
	if tags := up.Revision.Snapshot.Tags; len(tags) != 1 || tags[0].ID != n.economy.ID {
		t.Errorf("updated tags = %+v", tags)
	}

	create := func(in content.CreateReportInput) func() error {
		in.Title, in.SourceLocale = "Duplicates", "en"
		return func() error { _, err := svc.CreateReport(ctx, in); return err }
	}
	runReportFailCases(t, db, []failCase{
		{name: "ErrTagTwice", call: create(content.CreateReportInput{Tags: []content.TagRef{{ID: n.economy.ID}, {ID: finance.ID}}}), code: cerr.Invalid, field: "input.tags.1"},
		{name: "ErrAuthorTwice", call: create(content.CreateReportInput{AuthorIDs: []int64{n.zhang.ID, n.li.ID}}), code: cerr.Invalid, field: "input.authorIds.1"},
		{name: "ErrAttendeeTwice", call: create(content.CreateReportInput{Attendees: []content.AttendeeInput{
			{PersonID: &n.zhang.ID, Participations: parts("SPEECH")}, {PersonID: &n.li.ID, Participations: parts("ATTENDED")}}}), code: cerr.Invalid, field: "input.attendees.1"},
		{name: "ErrOrganizationTwice", call: create(content.CreateReportInput{Attendees: []content.AttendeeInput{
			{OrganizationID: &council.ID, Participations: parts("HOSTED")}, {OrganizationID: &n.ccpit.ID, Participations: parts("ATTENDED")}}}), code: cerr.Invalid, field: "input.attendees.1"},
	})
}

// TestCreateReportConcurrentSameTitle creates reports with one title at
// once: each gets its own slug instead of a CONFLICT from the race.
func TestCreateReportConcurrentSameTitle(t *testing.T) {
	t.Parallel()
	ctx := asSystem(t)
	svc, _ := newService(t)
	const writers = 8
	slugs := make([]string, writers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			<-start
			saved, err := svc.CreateReport(ctx, content.CreateReportInput{Title: "Daily briefing", SourceLocale: "en"})
			if err != nil {
				t.Errorf("writer %d: %v", i, err)
				return
			}
			slugs[i] = saved.Report.Slug
		})
	}
	close(start)
	wg.Wait()
	want := []string{"daily-briefing"}
	for i := 2; i <= writers; i++ {
		want = append(want, fmt.Sprintf("daily-briefing-%d", i))
	}
	slices.Sort(slugs)
	slices.Sort(want)
	if !slices.Equal(slugs, want) {
		t.Errorf("slugs = %v, want %v", slugs, want)
	}
}

// TestCreateReportBodyAtTheLimit saves a body of exactly 1 MiB (in its own
// database, to keep TestCreateReport's before/after checks cheap).
func TestCreateReportBodyAtTheLimit(t *testing.T) {
	t.Parallel()
	svc, db := newService(t)
	body := strings.Repeat("字", editorial.MaxBodyBytes/3) + strings.Repeat("x", editorial.MaxBodyBytes%3)
	saved := of(svc.CreateReport(asSystem(t), content.CreateReportInput{Title: "Big", SourceLocale: "zh", Body: body})).ok(t)
	got := storedReport(t, db, saved.Report.ID)
	if len(got.Body) != editorial.MaxBodyBytes || got.Body != body || saved.Revision.Snapshot.Body != body {
		t.Errorf("stored a body of %d bytes, want the %d sent", len(got.Body), editorial.MaxBodyBytes)
	}
	if got.WordCount != editorial.MaxBodyBytes/3+1 {
		t.Errorf("wordCount = %d, want %d", got.WordCount, editorial.MaxBodyBytes/3+1)
	}
}

// --- updateReport ---

func TestUpdateReport(t *testing.T) {
	t.Parallel()
	ctx := asSystem(t)
	n := newNewsroom(t)
	svc, db := n.svc, n.db
	r := n.report(t, content.CreateReportInput{
		Title: "Forum opens", Section: ptr("Business"), Subtitle: ptr("Day one"), Summary: ptr("The forum opened."),
		Body: "The forum opened today.", EventID: &n.forum.ID, Tags: []content.TagRef{{ID: n.economy.ID}, {ID: n.trade.ID}},
		AuthorIDs: []int64{n.li.ID}, Attendees: []content.AttendeeInput{{PersonID: &n.wang.ID, Participations: parts("SPEECH")}},
	})
	other := n.report(t, content.CreateReportInput{Title: "Another report"})

	t.Run("OKOnlyGivenFieldsChange", func(t *testing.T) {
		before := storedReport(t, db, r.ID)
		saved := of(svc.UpdateReport(ctx, content.UpdateReportInput{ID: r.ID, ExpectedVersion: 1, Title: set(" Forum opens in Qingdao "), Message: ptr("Better title")})).ok(t)
		after := storedReport(t, db, r.ID)
		want := *before
		want.Title, want.Version, want.UpdatedAt = "Forum opens in Qingdao", 2, after.UpdatedAt
		if !reflect.DeepEqual(after, &want) || !reflect.DeepEqual(utcReport(saved.Report), &want) {
			t.Errorf("after update\n%+v\nwant\n%+v", after, &want)
		}
		revs := revisionsOf(t, db, r.ID)
		if len(revs) != 2 || revs[1].Version != 2 || *revs[1].Message != "Better title" || saved.Revision.ID != revs[1].ID {
			t.Fatalf("revisions = %+v", revs)
		}
		if d := editorial.Diff(revs[0].Snapshot, revs[1].Snapshot); !reflect.DeepEqual(d.ChangedFields, []string{"title"}) {
			t.Errorf("revision 2 changed %v, want [title]", d.ChangedFields)
		}
	})
	t.Run("OKClearOptionalFields", func(t *testing.T) {
		saved := of(svc.UpdateReport(ctx, content.UpdateReportInput{ID: r.ID, ExpectedVersion: 2,
			Section: set[*string](nil), Subtitle: set(ptr("  ")), EventID: set[*int64](nil), Tags: set[[]content.TagRef](nil), AuthorIDs: set([]int64{})})).ok(t)
		got := storedReport(t, db, r.ID)
		if got.Section != nil || got.Subtitle != nil || got.EventID != nil || got.Summary == nil || got.Version != 3 || saved.Report.Version != 3 {
			t.Errorf("after clearing: %+v", got)
		}
		snap := saved.Revision.Snapshot
		if len(snap.Tags) != 0 || len(snap.AuthorIDs) != 0 || len(snap.Attendees) != 1 {
			t.Errorf("snapshot = %+v", snap)
		}
	})
	t.Run("OKSetAgain", func(t *testing.T) {
		saved := of(svc.UpdateReport(ctx, content.UpdateReportInput{ID: r.ID, ExpectedVersion: 3, Section: set(ptr("World")), EventID: set(&n.forum.ID),
			Tags: set([]content.TagRef{{Slug: "trade"}, {Name: "Qingdao"}}), AuthorIDs: set([]int64{n.zhang.ID, n.li.ID}), Body: set("Qingdao hosted the forum.")})).ok(t)
		got := storedReport(t, db, r.ID)
		snap := saved.Revision.Snapshot
		if *got.Section != "World" || *got.EventID != n.forum.ID || got.WordCount != 4 || got.Version != 4 ||
			len(snap.Tags) != 2 || snap.Tags[0].Slug != "trade" || snap.Tags[1].Slug != "qingdao" || !slices.Equal(snap.AuthorIDs, []int64{n.zhang.ID, n.li.ID}) {
			t.Errorf("report %+v, snapshot %+v", got, snap)
		}
	})
	t.Run("OKNoOpWritesNothing", func(t *testing.T) {
		before := reportDump(t, db)
		cur := storedReport(t, db, r.ID)
		for _, in := range []content.UpdateReportInput{
			{ID: r.ID, ExpectedVersion: cur.Version},
			{ID: r.ID, ExpectedVersion: cur.Version, Message: ptr("Nothing really")},
			{ID: r.ID, ExpectedVersion: cur.Version, Title: set("  " + cur.Title + "\n"), Section: set(ptr("World")), Summary: set(cur.Summary),
				SourceLocale: set("EN"), Slug: set(cur.Slug), EventID: set(&n.forum.ID), Body: set(cur.Body),
				Tags: set([]content.TagRef{{ID: n.trade.ID}, {Name: "qingdao"}}), AuthorIDs: set([]int64{n.zhang.ID, n.li.ID})},
		} {
			saved := of(svc.UpdateReport(ctx, in)).ok(t)
			if saved.Report.Version != cur.Version || saved.Revision.Version != cur.Version {
				t.Errorf("no-op update returned version %d, revision %d; want %d", saved.Report.Version, saved.Revision.Version, cur.Version)
			}
		}
		if after := reportDump(t, db); after != before {
			t.Errorf("a no-op update wrote:\nbefore %s\nafter  %s", before, after)
		}
	})
	t.Run("OKNoOpAfterATagRename", func(t *testing.T) {
		// Renaming a tag in the directory changes no report: saving the report
		// unchanged afterwards records nothing, and a real change records
		// only itself.
		cur := storedReport(t, db, r.ID)
		of(svc.UpdateTag(ctx, content.UpdateTagInput{ID: n.trade.ID, ExpectedVersion: 1, Slug: set("commerce"), Name: set("Commerce")})).ok(t)
		saved := of(svc.UpdateReport(ctx, content.UpdateReportInput{ID: r.ID, ExpectedVersion: cur.Version, Title: set(cur.Title)})).ok(t)
		if saved.Report.Version != cur.Version {
			t.Errorf("a no-op update after a tag rename saved version %d", saved.Report.Version)
		}
		saved = of(svc.UpdateReport(ctx, content.UpdateReportInput{ID: r.ID, ExpectedVersion: cur.Version, Subtitle: set(ptr("New dek"))})).ok(t)
		prev := of(postgres.RevisionByVersion(ctx, db, r.ID, cur.Version)).ok(t)
		if d := editorial.Diff(prev.Snapshot, saved.Revision.Snapshot); !slices.Equal(d.ChangedFields, []string{"subtitle"}) || len(d.TagsAdded)+len(d.TagsRemoved) != 0 {
			t.Errorf("diff = %+v, want only the subtitle", d)
		}
		if tags := saved.Revision.Snapshot.Tags; tags[0].Slug != "commerce" || prev.Snapshot.Tags[0].Slug != "trade" {
			t.Errorf("snapshots do not keep the names of their time: %+v, %+v", prev.Snapshot.Tags, tags)
		}
	})
	t.Run("OKSourceLocale", func(t *testing.T) {
		saved := of(svc.UpdateReport(ctx, content.UpdateReportInput{ID: r.ID, ExpectedVersion: 5, SourceLocale: set("en-gb")})).ok(t)
		if saved.Report.SourceLocale != "en-GB" || saved.Report.Version != 6 {
			t.Errorf("report = %+v", saved.Report)
		}
	})

	t.Run("OKSlugRename", func(t *testing.T) {
		old := storedReport(t, db, r.ID)
		saved := of(svc.UpdateReport(ctx, content.UpdateReportInput{ID: r.ID, ExpectedVersion: old.Version, Slug: set("qingdao-forum-2025")})).ok(t)
		if saved.Report.Slug != "qingdao-forum-2025" || saved.Report.Title != old.Title {
			t.Errorf("report = %+v", saved.Report)
		}
		for _, slug := range []string{old.Slug, "qingdao-forum-2025"} {
			if id := of(postgres.ReportIDBySlug(ctx, db, slug)).ok(t); id != r.ID {
				t.Errorf("ReportIDBySlug(%q) = %d, want %d", slug, id, r.ID)
			}
		}
		prev := of(postgres.PreviousSlugsByReportIDs(ctx, db, []int64{r.ID})).ok(t)
		if !reflect.DeepEqual(prev[r.ID], []string{old.Slug}) {
			t.Errorf("previous slugs = %v, want [%s]", prev[r.ID], old.Slug)
		}
		// Nobody else can take the old slug, and a title that makes it gets a suffix.
		_, err := svc.UpdateReport(ctx, content.UpdateReportInput{ID: other.ID, ExpectedVersion: 1, Slug: set(old.Slug)})
		wantErr(t, err, cerr.Conflict, "input.slug")
		_, err = svc.CreateReport(ctx, content.CreateReportInput{Title: "x", SourceLocale: "en", Slug: &old.Slug})
		wantErr(t, err, cerr.Conflict, "input.slug")
		twin := n.report(t, content.CreateReportInput{Title: "Forum opens"})
		if twin.Slug != "forum-opens-2" {
			t.Errorf("a report titled like the old slug got %q, want forum-opens-2", twin.Slug)
		}
		// The report itself may take its old slug back.
		back := of(svc.UpdateReport(ctx, content.UpdateReportInput{ID: r.ID, ExpectedVersion: saved.Report.Version, Slug: set(old.Slug)})).ok(t)
		prev = of(postgres.PreviousSlugsByReportIDs(ctx, db, []int64{r.ID})).ok(t)
		if back.Report.Slug != old.Slug || !reflect.DeepEqual(prev[r.ID], []string{"qingdao-forum-2025"}) {
			t.Errorf("slug %q, previous %v", back.Report.Slug, prev[r.ID])
		}
	})

	t.Run("ErrStaleVersion", func(t *testing.T) {
		s := n.report(t, content.CreateReportInput{Title: "Stale", Body: "One."})
		of(svc.UpdateReport(ctx, content.UpdateReportInput{ID: s.ID, ExpectedVersion: 1, Title: set("Stale, edited")})).ok(t)
		of(svc.UpdateReport(ctx, content.UpdateReportInput{ID: s.ID, ExpectedVersion: 2, Body: set("Two."), Tags: set([]content.TagRef{{ID: n.trade.ID}})})).ok(t)
		for _, c := range []struct {
			name     string
			expected int
			want     []string
		}{
			{"one version behind", 2, []string{"body", "tags"}},
			{"two versions behind", 1, []string{"title", "body", "tags"}},
			{"ahead", 9, nil},
			{"zero", 0, nil},
		} {
			t.Run(c.name, func(t *testing.T) {
				before := reportDump(t, db)
				_, err := svc.UpdateReport(ctx, content.UpdateReportInput{ID: s.ID, ExpectedVersion: c.expected, Title: set("Mine")})
				cur, changed := conflictDetails(t, err)
				if cur != 3 || !slices.Equal(changed, c.want) {
					t.Errorf("currentVersion %d, changedFields %v; want 3, %v", cur, changed, c.want)
				}
				if reportDump(t, db) != before {
					t.Errorf("a stale update wrote")
				}
			})
		}
		_, err := svc.UpdateReport(ctx, content.UpdateReportInput{ID: s.ID, ExpectedVersion: 2, Title: set("Mine")})
		if _, changed := conflictDetails(t, err); !slices.Equal(changed, []string{"body", "tags"}) {
			t.Errorf("changedFields = %v", changed)
		}
	})

	tr := of(svc.UpsertTranslation(ctx, content.UpsertTranslationInput{ReportID: other.ID, Locale: "fr", Title: "Un autre"})).ok(t)
	update := func(in content.UpdateReportInput) func() error {
		if in.ID == 0 {
			in.ID, in.ExpectedVersion = other.ID, 1
		}
		return func() error { _, err := svc.UpdateReport(ctx, in); return err }
	}
	runReportFailCases(t, db, []failCase{
		{name: "ErrUnknownReport", call: update(content.UpdateReportInput{ID: 999999, ExpectedVersion: 1, Title: set("X")}), code: cerr.NotFound, field: "input.id"},
		{name: "ErrStale", call: update(content.UpdateReportInput{ID: other.ID, ExpectedVersion: 2, Title: set("X")}), code: cerr.Conflict, field: "input.expectedVersion"},
		{name: "ErrTitleEmpty", call: update(content.UpdateReportInput{Title: set(" ")}), code: cerr.Invalid, field: "input.title"},
		{name: "ErrTitleTooLong", call: update(content.UpdateReportInput{Title: set(strings.Repeat("t", editorial.MaxTitle+1))}), code: cerr.Invalid, field: "input.title"},
		{name: "ErrLocaleInvalid", call: update(content.UpdateReportInput{SourceLocale: set("xx-!!")}), code: cerr.Invalid, field: "input.sourceLocale"},
		{name: "ErrLocaleOfATranslation", call: update(content.UpdateReportInput{SourceLocale: set("FR")}), code: cerr.Invalid, field: "input.sourceLocale", msg: tr.Locale},
		{name: "ErrSlugInvalid", call: update(content.UpdateReportInput{Slug: set("-bad-")}), code: cerr.Invalid, field: "input.slug"},
		{name: "ErrSlugTaken", call: update(content.UpdateReportInput{Slug: set("forum-opens-2")}), code: cerr.Conflict, field: "input.slug"},
		{name: "ErrBodyTooLarge", call: update(content.UpdateReportInput{Body: set(strings.Repeat("b", editorial.MaxBodyBytes+1))}), code: cerr.Invalid, field: "input.body"},
		{name: "ErrBodyNotUTF8", call: update(content.UpdateReportInput{Body: set("\xff")}), code: cerr.Invalid, field: "input.body"},
		{name: "ErrUnknownEvent", call: update(content.UpdateReportInput{EventID: set(ptr(int64(999999)))}), code: cerr.NotFound, field: "input.eventId"},
		{name: "ErrUnknownTag", call: update(content.UpdateReportInput{Tags: set([]content.TagRef{{Name: "New one"}, {ID: 999999}})}), code: cerr.NotFound, field: "input.tags.1.id"},
		{name: "ErrDuplicateTag", call: update(content.UpdateReportInput{Tags: set([]content.TagRef{{ID: n.economy.ID}, {Name: "ECONOMY"}})}), code: cerr.Invalid, field: "input.tags.1"},
		{name: "ErrUnknownAuthor", call: update(content.UpdateReportInput{AuthorIDs: set([]int64{999999})}), code: cerr.NotFound, field: "input.authorIds.0"},
		{name: "ErrMessageTooLong", call: update(content.UpdateReportInput{Title: set("Y"), Message: ptr(strings.Repeat("m", editorial.MaxMessage+1))}), code: cerr.Invalid, field: "input.message"},
	})
}

// TestUpdateReportConcurrentSameVersion has many editors save the same
// version at once: the report row lock makes exactly one of them win.
func TestUpdateReportConcurrentSameVersion(t *testing.T) {
	t.Parallel()
	ctx := asSystem(t)
	svc, db := newService(t)
	r := of(svc.CreateReport(ctx, content.CreateReportInput{Title: "Contested", SourceLocale: "en"})).ok(t).Report
	const writers = 16
	start := make(chan struct{})
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			<-start
			_, errs[i] = svc.UpdateReport(ctx, content.UpdateReportInput{ID: r.ID, ExpectedVersion: 1, Title: set(fmt.Sprintf("Title by writer %d", i))})
		})
	}
	close(start)
	wg.Wait()

	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner < 0:
			winner = i
		case err == nil:
			t.Errorf("writers %d and %d both saved version 1", winner, i)
		default:
			if cur, changed := conflictDetails(t, err); cur != 2 || !slices.Equal(changed, []string{"title"}) {
				t.Errorf("writer %d: currentVersion %d, changedFields %v", i, cur, changed)
			}
		}
	}
	if winner < 0 {
		t.Fatal("no writer succeeded")
	}
	got := storedReport(t, db, r.ID)
	if got.Version != 2 || got.Title != fmt.Sprintf("Title by writer %d", winner) {
		t.Errorf("stored version %d, title %q; want 2, the title of writer %d", got.Version, got.Title, winner)
	}
	if v := versionsOf(t, db, r.ID); !slices.Equal(v, []int{1, 2}) {
		t.Errorf("revisions %v, want [1 2]", v)
	}
	if rev := revisionsOf(t, db, r.ID)[1]; rev.Snapshot.Title != got.Title {
		t.Errorf("revision 2 has title %q, the report %q", rev.Snapshot.Title, got.Title)
	}
}

// TestUpdateReportConcurrentRetry has many editors each append a line to the
// body, re-reading and retrying on CONFLICT: every change lands, once, in its
// own version, and no line is lost.
func TestUpdateReportConcurrentRetry(t *testing.T) {
	t.Parallel()
	ctx := asSystem(t)
	svc, db := newService(t)
	r := of(svc.CreateReport(ctx, content.CreateReportInput{Title: "Live blog", SourceLocale: "en", Body: "Start."})).ok(t).Report
	const writers = 16
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			<-start
			line := fmt.Sprintf("Line by writer %d.", i)
			for attempt := 0; attempt < 10*writers; attempt++ {
				cur := of(postgres.ReportsByIDs(ctx, db, []int64{r.ID})).ok(t)[r.ID]
				_, err := svc.UpdateReport(ctx, content.UpdateReportInput{ID: r.ID, ExpectedVersion: cur.Version,
					Title: set(fmt.Sprintf("Live blog (%d)", i)), Body: set(cur.Body + "\n\n" + line)})
				if err == nil {
					return
				}
				if !cerr.Is(err, cerr.Conflict) {
					t.Errorf("writer %d: %v", i, err)
					return
				}
			}
			t.Errorf("writer %d never got its change in", i)
		})
	}
	close(start)
	wg.Wait()

	got := storedReport(t, db, r.ID)
	if got.Version != 1+writers {
		t.Errorf("version = %d, want %d", got.Version, 1+writers)
	}
	for i := range writers {
		if c := strings.Count(got.Body, fmt.Sprintf("Line by writer %d.", i)); c != 1 {
			t.Errorf("the body has writer %d's line %d times, want once", i, c)
		}
	}
	revs := revisionsOf(t, db, r.ID)
	titles := map[string]bool{}
	for k, rev := range revs {
		if rev.Version != k+1 {
			t.Fatalf("revision versions are not 1..%d: %v", 1+writers, versionsOf(t, db, r.ID))
		}
		titles[rev.Snapshot.Title] = true
	}
	if len(revs) != 1+writers || len(titles) != 1+writers || revs[len(revs)-1].Snapshot.Body != got.Body {
		t.Errorf("%d revisions with %d distinct titles, want %d", len(revs), len(titles), 1+writers)
	}
}

// --- setAttendees ---

func TestSetAttendees(t *testing.T) {
	t.Parallel()
	ctx := asSystem(t)
	n := newNewsroom(t)
	svc, db := n.svc, n.db
	r := n.report(t, content.CreateReportInput{Title: "Who came", Attendees: []content.AttendeeInput{
		{PersonID: &n.wang.ID, Role: ptr("Mayor"), Participations: parts("SPEECH")},
		{OrganizationID: &n.ccpit.ID, Participations: parts("HOSTED")},
		{Delegation: ptr("Officers"), Participations: parts("ATTENDED")},
	}})
	start := attendeesOf(t, db, r.ID)
	wang, ccpit, officers := start[0], start[1], start[2]
	of(svc.UpsertTranslation(ctx, content.UpsertTranslationInput{ReportID: r.ID, Locale: "zh-Hans", Title: "谁来了",
		Attendees: []editorial.AttendeeTranslation{{AttendeeID: wang.ID, Role: ptr("市长")}}})).ok(t)
	roleIn := func(id int64) *string {
		t.Helper()
		m := of(postgres.AttendeeTranslationsByKeys(ctx, db, []postgres.TranslationKey{{ReportID: r.ID, Locale: "zh-Hans"}})).ok(t)
		for _, a := range m[postgres.TranslationKey{ReportID: r.ID, Locale: "zh-Hans"}] {
			if a.AttendeeID == id {
				return a.Role
			}
		}
		return nil
	}
	keep := func(a *editorial.Attendee) content.AttendeeInput {
		return content.AttendeeInput{ID: a.ID, PersonID: a.PersonID, OrganizationID: a.OrganizationID, Delegation: a.Delegation,
			Role: a.Role, Participations: a.Participations, Note: a.Note}
	}
	version := 1
	setOK := func(t *testing.T, list ...content.AttendeeInput) *content.Saved {
		t.Helper()
		saved := of(svc.SetAttendees(ctx, r.ID, version, list, nil)).ok(t)
		if saved.Report.Version != version+1 || saved.Revision.Version != version+1 {
			t.Fatalf("version %d, revision %d; want %d", saved.Report.Version, saved.Revision.Version, version+1)
		}
		version++
		return saved
	}

	t.Run("OKReorder", func(t *testing.T) {
		setOK(t, keep(officers), keep(wang), keep(ccpit))
		got := attendeesOf(t, db, r.ID)
		if !slices.Equal(attendeeIDs(got), []int64{officers.ID, wang.ID, ccpit.ID}) || got[1].Position != 1 {
			t.Errorf("attendees = %v", attendeeIDs(got))
		}
		if role := roleIn(wang.ID); role == nil || *role != "市长" {
			t.Errorf("translated role = %v, want 市长 kept", role)
		}
	})
	t.Run("OKKeepByIDAndChange", func(t *testing.T) {
		in := keep(wang)
		in.Role, in.Participations, in.OrganizationID = ptr("Mayor of Qingdao"), parts("SPEECH", "HOSTED"), &n.cast.ID
		saved := setOK(t, keep(officers), in, keep(ccpit))
		got := attendeesOf(t, db, r.ID)
		if got[1].ID != wang.ID || *got[1].Role != "Mayor of Qingdao" || *got[1].OrganizationID != n.cast.ID || !slices.Equal(got[1].Participations, parts("SPEECH", "HOSTED")) {
			t.Errorf("attendee = %+v", got[1])
		}
		if role := roleIn(wang.ID); role == nil || *role != "市长" {
			t.Errorf("translated role = %v, want 市长 kept", role)
		}
		if sa := saved.Revision.Snapshot.Attendees[1]; *sa.OrganizationName != n.cast.Name || *sa.PersonName != "Wang Wei" {
			t.Errorf("snapshot attendee = %+v", sa)
		}
	})
	t.Run("OKRemoveAndAdd", func(t *testing.T) {
		setOK(t, keep(wang), content.AttendeeInput{PersonID: &n.li.ID, Participations: parts("KEYNOTE")})
		got := attendeesOf(t, db, r.ID)
		if len(got) != 2 || got[0].ID != wang.ID || got[1].ID == ccpit.ID || got[1].ID == officers.ID || *got[1].PersonID != n.li.ID {
			t.Errorf("attendees = %+v", got)
		}
		if m := of(postgres.AttendeesByIDs(ctx, db, []int64{ccpit.ID, officers.ID})).ok(t); len(m) != 0 {
			t.Errorf("removed attendees still exist: %v", m)
		}
	})
	t.Run("OKNoOp", func(t *testing.T) {
		before := reportDump(t, db)
		got := attendeesOf(t, db, r.ID)
		saved := of(svc.SetAttendees(ctx, r.ID, version, []content.AttendeeInput{keep(got[0]), keep(got[1])}, ptr("same"))).ok(t)
		if saved.Report.Version != version || reportDump(t, db) != before {
			t.Errorf("a no-op SetAttendees wrote (version %d)", saved.Report.Version)
		}
	})
	t.Run("OKPersonMovesToANewAttendee", func(t *testing.T) {
		// The kept attendee switches to another person while a new entry takes
		// over its old person: the final list has no duplicate, so it saves.
		li := attendeesOf(t, db, r.ID)[1]
		in := keep(wang)
		in.PersonID, in.Role = &n.zhang.ID, nil
		setOK(t, content.AttendeeInput{PersonID: &n.wang.ID, Participations: parts("SPEECH")}, in, keep(li))
		got := attendeesOf(t, db, r.ID)
		if len(got) != 3 || *got[0].PersonID != n.wang.ID || got[0].ID == wang.ID || got[1].ID != wang.ID || *got[1].PersonID != n.zhang.ID {
			t.Errorf("attendees = %+v", got)
		}
	})
	t.Run("OKSwapPeopleBetweenKeptAttendees", func(t *testing.T) {
		got := attendeesOf(t, db, r.ID)
		if len(got) != 3 {
			t.Fatalf("attendees = %+v", got)
		}
		a, b := keep(got[0]), keep(got[1])
		a.PersonID, b.PersonID = b.PersonID, a.PersonID
		setOK(t, a, b, keep(got[2]))
		after := attendeesOf(t, db, r.ID)
		if after[0].ID != got[0].ID || *after[0].PersonID != *got[1].PersonID || *after[1].PersonID != *got[0].PersonID {
			t.Errorf("attendees = %+v", after)
		}
	})

	other := n.report(t, content.CreateReportInput{Title: "Elsewhere", Attendees: []content.AttendeeInput{{PersonID: &n.liu.ID, Participations: parts("ATTENDED")}}})
	foreign := attendeesOf(t, db, other.ID)[0]
	replace := func(expected int, list ...content.AttendeeInput) func() error {
		return func() error { _, err := svc.SetAttendees(ctx, r.ID, expected, list, nil); return err }
	}
	cur := func(i int) content.AttendeeInput { return keep(attendeesOf(t, db, r.ID)[i]) }
	runReportFailCases(t, db, []failCase{
		{name: "ErrForeignAttendee", call: replace(version, cur(0), keep(foreign)), code: cerr.NotFound, field: "input.attendees.1.id"},
		{name: "ErrUnknownAttendee", call: replace(version, content.AttendeeInput{ID: 999999, PersonID: &n.liu.ID, Participations: parts("ATTENDED")}), code: cerr.NotFound, field: "input.attendees.0.id"},
		{name: "ErrAttendeeIDTwice", call: replace(version, cur(0), cur(1), cur(0)), code: cerr.Invalid, field: "input.attendees.2.id"},
		{name: "ErrDuplicatedPerson", call: replace(version, cur(0), content.AttendeeInput{PersonID: cur(0).PersonID, Participations: parts("ATTENDED")}), code: cerr.Invalid, field: "input.attendees.1"},
		{name: "ErrUnknownPerson", call: replace(version, cur(0), content.AttendeeInput{PersonID: ptr(int64(999999)), Participations: parts("ATTENDED")}), code: cerr.NotFound, field: "input.attendees.1.personId"},
		{name: "ErrNoParticipations", call: replace(version, content.AttendeeInput{PersonID: &n.liu.ID}), code: cerr.Invalid, field: "input.attendees.0.participations"},
		{name: "ErrStaleVersion", call: replace(version - 1), code: cerr.Conflict, field: "input.expectedVersion"},
		{name: "ErrUnknownReport", call: func() error {
			_, err := svc.SetAttendees(ctx, 999999, 1, nil, nil)
			return err
		}, code: cerr.NotFound, field: "input.reportId"},
	})

	t.Run("OKRemoveAll", func(t *testing.T) {
		saved := setOK(t)
		if got := attendeesOf(t, db, r.ID); len(got) != 0 || len(saved.Revision.Snapshot.Attendees) != 0 {
			t.Errorf("attendees = %+v", got)
		}
		if m := of(postgres.AttendeeTranslationsByKeys(ctx, db, []postgres.TranslationKey{{ReportID: r.ID, Locale: "zh-Hans"}})).ok(t); len(m) != 0 {
			t.Errorf("translations of removed attendees remain: %v", m)
		}
	})
}

// --- revisions ---

func TestRevisions(t *testing.T) {
	t.Parallel()
	ctx := asSystem(t)
	n := newNewsroom(t)
	svc, db := n.svc, n.db
	v1 := of(svc.CreateReport(ctx, content.CreateReportInput{Title: "Forum opens", SourceLocale: "en", Body: "The forum opened today.",
		Tags: []content.TagRef{{ID: n.economy.ID}, {ID: n.trade.ID}}, AuthorIDs: []int64{n.li.ID},
		Attendees: []content.AttendeeInput{
			{PersonID: &n.wang.ID, Role: ptr("Mayor"), Participations: parts("SPEECH")},
			{OrganizationID: &n.ccpit.ID, Participations: parts("HOSTED")},
		}})).ok(t)
	r := v1.Report
	atts := attendeesOf(t, db, r.ID)
	wang, ccpit := atts[0], atts[1]
	v2 := of(svc.UpdateReport(ctx, content.UpdateReportInput{ID: r.ID, ExpectedVersion: 1, Title: set("Forum opens in Qingdao"),
		Body: set("The forum opened in Qingdao today."), Tags: set([]content.TagRef{{ID: n.trade.ID}, {ID: n.economy.ID}})})).ok(t)
	v3 := of(svc.UpdateReport(ctx, content.UpdateReportInput{ID: r.ID, ExpectedVersion: 2,
		Tags: set([]content.TagRef{{ID: n.trade.ID}, {Name: "Technology"}})})).ok(t)
	v4 := of(svc.SetAttendees(ctx, r.ID, 3, []content.AttendeeInput{
		{ID: ccpit.ID, OrganizationID: &n.ccpit.ID, Role: ptr("Host"), Participations: parts("HOSTED")},
		{PersonID: &n.zhang.ID, Participations: parts("KEYNOTE")},
	}, ptr("Attendees checked"))).ok(t)

	t.Run("List", func(t *testing.T) {
		list, total := of2(postgres.ListRevisions(ctx, db, r.ID, 2, 0)).ok(t)
		if total != 4 || len(list) != 2 || list[0].Version != 4 || list[1].Version != 3 {
			t.Fatalf("first page: total %d, %d revisions", total, len(list))
		}
		list, _ = of2(postgres.ListRevisions(ctx, db, r.ID, 2, 3)).ok(t)
		if len(list) != 2 || list[0].Version != 2 || list[1].Version != 1 {
			t.Errorf("second page: %d revisions", len(list))
		}
		byID := of(postgres.RevisionsByIDs(ctx, db, []int64{v1.Revision.ID, v4.Revision.ID, 999999})).ok(t)
		if len(byID) != 2 || byID[v4.Revision.ID].Version != 4 || *byID[v4.Revision.ID].Message != "Attendees checked" ||
			!reflect.DeepEqual(byID[v1.Revision.ID].Snapshot, v1.Revision.Snapshot) {
			t.Errorf("RevisionsByIDs = %v", byID)
		}
		if _, err := postgres.RevisionByVersion(ctx, db, r.ID, 5); !cerr.Is(err, cerr.NotFound) {
			t.Errorf("RevisionByVersion(5) = %v, want NOT_FOUND", err)
		}
	})

	t.Run("Diff", func(t *testing.T) {
		snap := func(s *content.Saved) editorial.Snapshot { return s.Revision.Snapshot }
		d := editorial.Diff(snap(v1), snap(v2))
		if !slices.Equal(d.ChangedFields, []string{"title", "body", "tags"}) || !d.TagsReordered || len(d.TagsAdded)+len(d.TagsRemoved) != 0 {
			t.Errorf("v1→v2 = %+v", d)
		}
		if len(d.Text) != 2 || d.Text[0].Name != "title" || *d.Text[0].Before != "Forum opens" || *d.Text[0].After != "Forum opens in Qingdao" ||
			d.Text[1].Name != "body" || *d.Text[1].After != "The forum opened in Qingdao today." {
			t.Errorf("text changes = %+v", d.Text)
		}
		d = editorial.Diff(snap(v2), snap(v3))
		if !slices.Equal(d.ChangedFields, []string{"tags"}) || !slices.Equal(d.TagsAdded, []string{"technology"}) ||
			!slices.Equal(d.TagsRemoved, []string{"economy"}) || d.TagsReordered {
			t.Errorf("v2→v3 = %+v", d)
		}
		d = editorial.Diff(snap(v3), snap(v4))
		if !slices.Equal(d.ChangedFields, []string{"attendees"}) || len(d.AttendeesAdded) != 1 || *d.AttendeesAdded[0].PersonName != "Zhang Min" ||
			len(d.AttendeesRemoved) != 1 || d.AttendeesRemoved[0].ID != wang.ID ||
			len(d.AttendeesChanged) != 1 || d.AttendeesChanged[0].After.ID != ccpit.ID || !slices.Equal(d.AttendeesChanged[0].Fields, []string{"role"}) {
			t.Errorf("v3→v4 = %+v", d)
		}
		if d := editorial.Diff(snap(v4), snap(v4)); len(d.ChangedFields) != 0 {
			t.Errorf("v4→v4 = %+v", d)
		}
	})

	t.Run("RestoreRevision", func(t *testing.T) {
		var history []string
		if err := db.SelectContext(ctx, &history, `SELECT row_to_json(x)::text FROM report_revisions x WHERE report_id = $1 ORDER BY version`, r.ID); err != nil {
			t.Fatal(err)
		}
		saved := of(svc.RestoreRevision(ctx, v1.Revision.ID, 4, nil)).ok(t)
		if saved.Report.Version != 5 || saved.Revision.Version != 5 || saved.Revision.Message == nil || *saved.Revision.Message != "Restored version 1" {
			t.Fatalf("restore = %+v, %+v", saved.Report, saved.Revision)
		}
		got := storedReport(t, db, r.ID)
		if got.Title != "Forum opens" || got.Body != "The forum opened today." || got.WordCount != 4 || got.Version != 5 {
			t.Errorf("report = %+v", got)
		}
		// The content is revision 1's; the attendee removed since comes back as a new attendee.
		now := saved.Revision.Snapshot
		d := editorial.Diff(v1.Revision.Snapshot, now)
		if !slices.Equal(d.ChangedFields, []string{"attendees"}) || len(d.AttendeesAdded) != 1 || len(d.AttendeesRemoved) != 1 ||
			d.AttendeesRemoved[0].ID != wang.ID || *d.AttendeesAdded[0].PersonID != n.wang.ID || *d.AttendeesAdded[0].Role != "Mayor" || len(d.AttendeesChanged) != 0 {
			t.Errorf("v1→v5 = %+v", d)
		}
		if now.Attendees[1].ID != ccpit.ID || now.Attendees[1].Role != nil {
			t.Errorf("kept attendee = %+v", now.Attendees[1])
		}
		stored := of(postgres.RevisionByVersion(ctx, db, r.ID, 5)).ok(t)
		if !reflect.DeepEqual(stored.Snapshot, now) {
			t.Errorf("stored snapshot differs from the returned one")
		}
		var after []string
		if err := db.SelectContext(ctx, &after, `SELECT row_to_json(x)::text FROM report_revisions x WHERE report_id = $1 ORDER BY version`, r.ID); err != nil {
			t.Fatal(err)
		}
		if len(after) != 5 || !slices.Equal(after[:4], history) {
			t.Errorf("history was rewritten:\nbefore %v\nafter  %v", history, after)
		}
	})
	t.Run("RestoreRevisionWithMessage", func(t *testing.T) {
		saved := of(svc.RestoreRevision(ctx, v3.Revision.ID, 5, ptr(" Back to three "))).ok(t)
		if saved.Report.Version != 6 || *saved.Revision.Message != "Back to three" || saved.Report.Title != "Forum opens in Qingdao" {
			t.Errorf("restore = %+v, %+v", saved.Report, saved.Revision)
		}
	})
	t.Run("RestoreCurrentRevisionIsNoOp", func(t *testing.T) {
		cur := revisionsOf(t, db, r.ID)[5]
		saved := of(svc.RestoreRevision(ctx, cur.ID, 6, nil)).ok(t)
		if saved.Report.Version != 6 || len(revisionsOf(t, db, r.ID)) != 6 {
			t.Errorf("restoring the current revision saved version %d", saved.Report.Version)
		}
	})

	runReportFailCases(t, db, []failCase{
		{name: "ErrRestoreStale", call: func() error { _, err := svc.RestoreRevision(ctx, v2.Revision.ID, 4, nil); return err }, code: cerr.Conflict, field: "input.expectedVersion"},
		{name: "ErrRestoreUnknown", call: func() error { _, err := svc.RestoreRevision(ctx, 999999, 6, nil); return err }, code: cerr.NotFound, field: "input.revisionId"},
		{name: "ErrRestoreMessageTooLong", call: func() error {
			_, err := svc.RestoreRevision(ctx, v2.Revision.ID, 6, ptr(strings.Repeat("m", editorial.MaxMessage+1)))
			return err
		}, code: cerr.Invalid, field: "input.message"},
	})

	t.Run("ImmutableInTheDatabase", func(t *testing.T) {
		_, err := db.ExecContext(ctx, `UPDATE report_revisions SET message = 'rewritten' WHERE report_id = $1 AND version = 1`, r.ID)
		var pqErr *pq.Error
		if !errors.As(err, &pqErr) || pqErr.Constraint != "report_revisions_immutable" {
			t.Errorf("UPDATE report_revisions = %v, want the report_revisions_immutable error", err)
		}
		_, err = db.ExecContext(ctx, `UPDATE report_revisions SET snapshot = '{}' WHERE id = $1`, v1.Revision.ID)
		if !cerr.Is(postgres.FormatError(err, "test", "Revision"), cerr.Invalid) {
			t.Errorf("UPDATE of a snapshot = %v, want BAD_USER_INPUT", err)
		}
		if got := of(postgres.RevisionsByIDs(ctx, db, []int64{v1.Revision.ID})).ok(t)[v1.Revision.ID]; got.Message != nil || got.Snapshot.Title != "Forum opens" {
			t.Errorf("revision 1 changed: %+v", got)
		}
	})
}

// TestRestoreRevisionDirectoryChanges restores a revision after tags and
// people it names were merged away: what no longer exists is left out, and an
// attendee left with nobody, or left the same as another, is dropped.
func TestRestoreRevisionDirectoryChanges(t *testing.T) {
	t.Parallel()
	ctx := asSystem(t)
	n := newNewsroom(t)
	svc, db := n.svc, n.db
	v1 := of(svc.CreateReport(ctx, content.CreateReportInput{Title: "Before the merge", SourceLocale: "en",
		Tags: []content.TagRef{{ID: n.economy.ID}, {ID: n.trade.ID}}, AuthorIDs: []int64{n.li.ID, n.zhang.ID},
		Attendees: []content.AttendeeInput{
			{PersonID: &n.wang.ID, Participations: parts("SPEECH")},                               // nobody left: dropped
			{PersonID: &n.liu.ID, OrganizationID: &n.ccpit.ID, Participations: parts("ATTENDED")}, // kept
			{PersonID: &n.li.ID, OrganizationID: &n.cast.ID, Participations: parts("ATTENDED")},   // only CAST left, listed below: dropped
			{OrganizationID: &n.cast.ID, Participations: parts("HOSTED")},                         // kept
		}})).ok(t)
	r := v1.Report
	of(svc.UpdateReport(ctx, content.UpdateReportInput{ID: r.ID, ExpectedVersion: 1, Title: set("After"), Tags: set([]content.TagRef{}), AuthorIDs: set([]int64{})})).ok(t)
	of(svc.SetAttendees(ctx, r.ID, 2, nil, nil)).ok(t)
	// Economy merges into Trade, Li Na into Zhang Min, Wang Wei into Liu Yang.
	of(svc.MergeTags(ctx, content.MergeInput{SourceIDs: []int64{n.economy.ID}, TargetID: n.trade.ID})).ok(t)
	of(svc.MergePeople(ctx, content.MergeInput{SourceIDs: []int64{n.li.ID}, TargetID: n.zhang.ID})).ok(t)
	of(svc.MergePeople(ctx, content.MergeInput{SourceIDs: []int64{n.wang.ID}, TargetID: n.liu.ID})).ok(t)

	saved := of(svc.RestoreRevision(ctx, v1.Revision.ID, 3, nil)).ok(t)
	snap := saved.Revision.Snapshot
	if snap.Title != "Before the merge" || len(snap.Tags) != 1 || snap.Tags[0].ID != n.trade.ID || !slices.Equal(snap.AuthorIDs, []int64{n.zhang.ID}) {
		t.Errorf("snapshot = %+v", snap)
	}
	got := attendeesOf(t, db, r.ID)
	if len(got) != 2 || *got[0].PersonID != n.liu.ID || *got[0].OrganizationID != n.ccpit.ID ||
		got[1].PersonID != nil || *got[1].OrganizationID != n.cast.ID || !slices.Equal(got[1].Participations, parts("HOSTED")) {
		t.Errorf("attendees = %+v", got)
	}
}

// --- deleteReport / restoreReport ---

func TestDeleteAndRestoreReport(t *testing.T) {
	t.Parallel()
	ctx := asSystem(t)
	n := newNewsroom(t)
	svc, db := n.svc, n.db
	r := n.report(t, content.CreateReportInput{Title: "To archive", Status: editorial.InReview})

	t.Run("DeleteArchives", func(t *testing.T) {
		saved := of(svc.DeleteReport(ctx, r.ID, 1)).ok(t)
		got := storedReport(t, db, r.ID)
		if got.Status != editorial.Archived || got.ArchivedAt == nil || !got.ArchivedAt.Equal(got.UpdatedAt) || got.StatusBeforeArchive == nil ||
			*got.StatusBeforeArchive != editorial.InReview || got.Version != 2 || saved.Report.Status != editorial.Archived {
			t.Errorf("archived report = %+v", got)
		}
		if saved.Revision.Version != 2 || *saved.Revision.Message != "Archived" {
			t.Errorf("revision = %+v", saved.Revision)
		}
		list, total := of2(postgres.ListReports(ctx, db, postgres.ReportFilter{}, 10, nil)).ok(t)
		if total != 0 || len(list) != 0 {
			t.Errorf("an archived report is listed")
		}
		list, _ = of2(postgres.ListReports(ctx, db, postgres.ReportFilter{Statuses: []editorial.Status{editorial.Archived}}, 10, nil)).ok(t)
		if len(list) != 1 || list[0].ID != r.ID {
			t.Errorf("archived list = %v", list)
		}
	})
	runReportFailCases(t, db, []failCase{
		{name: "ErrDeleteTwice", call: func() error { _, err := svc.DeleteReport(ctx, r.ID, 2); return err }, code: cerr.Invalid, field: "input.id"},
		{name: "ErrDeleteStale", call: func() error { _, err := svc.DeleteReport(ctx, r.ID, 1); return err }, code: cerr.Conflict, field: "input.expectedVersion"},
		{name: "ErrDeleteUnknown", call: func() error { _, err := svc.DeleteReport(ctx, 999999, 1); return err }, code: cerr.NotFound, field: "input.id"},
		{name: "ErrRestoreStale", call: func() error { _, err := svc.RestoreReport(ctx, r.ID, 1); return err }, code: cerr.Conflict, field: "input.expectedVersion"},
		{name: "ErrRestoreUnknown", call: func() error { _, err := svc.RestoreReport(ctx, 999999, 1); return err }, code: cerr.NotFound, field: "input.id"},
	})
	t.Run("RestoreReturnsToThePreviousStatus", func(t *testing.T) {
		saved := of(svc.RestoreReport(ctx, r.ID, 2)).ok(t)
		got := storedReport(t, db, r.ID)
		if got.Status != editorial.InReview || got.ArchivedAt != nil || got.StatusBeforeArchive != nil || got.Version != 3 || saved.Report.Status != editorial.InReview {
			t.Errorf("restored report = %+v", got)
		}
		if saved.Revision.Version != 3 || *saved.Revision.Message != "Restored from the archive" {
			t.Errorf("revision = %+v", saved.Revision)
		}
	})
	runReportFailCases(t, db, []failCase{
		{name: "ErrRestoreNotArchived", call: func() error { _, err := svc.RestoreReport(ctx, r.ID, 3); return err }, code: cerr.Invalid, field: "input.id", msg: "IN_REVIEW"},
	})
	t.Run("ArchiveAndRestoreADraft", func(t *testing.T) {
		d := n.report(t, content.CreateReportInput{Title: "Draft"})
		of(svc.DeleteReport(ctx, d.ID, 1)).ok(t)
		if got := of(svc.RestoreReport(ctx, d.ID, 2)).ok(t).Report; got.Status != editorial.Draft || got.Version != 3 {
			t.Errorf("restored draft = %+v", got)
		}
	})
}
