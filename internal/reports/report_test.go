package reports_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/lib/pq"

	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/directory"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/postgres"
	"github.com/copydesk/copydesk/internal/reports"
	"github.com/copydesk/copydesk/internal/testkit"
	"github.com/copydesk/copydesk/internal/translation"
)

// --- report helpers ---

// versionsOf returns the versions of a report's revisions, oldest first.
func versionsOf(t *testing.T, db *postgres.DB, id int64) []int {
	t.Helper()
	var out []int
	for _, r := range testkit.RevisionsOf(t, db, id) {
		out = append(out, r.Version)
	}
	return out
}

// conflictDetails fails unless err is CONFLICT on input.expectedVersion and
// returns its currentVersion and changedFields details.
func conflictDetails(t *testing.T, err error) (int, []string) {
	t.Helper()
	e := testkit.WantErr(t, err, cerr.Conflict, "input.expectedVersion")
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
	ctx := testkit.AsSystem(t)
	n := testkit.NewNewsroom(t)
	svc, db := n.Svc, n.DB

	t.Run("OKFull", func(t *testing.T) {
		body := "Qingdao hosted **200+** participants from 40 countries."
		saved := testkit.Of(svc.CreateReport(ctx, reports.CreateReportInput{
			Title: "  Qingdao Hosts Tech Trade Forum  ", SourceLocale: "en", Section: testkit.Ptr(" Business "),
			Subtitle: testkit.Ptr("Delegates sign 30 agreements"), Summary: testkit.Ptr("   "), Body: body, EventID: &n.Forum.ID,
			Tags:      []reports.TagRef{{ID: n.Economy.ID}, {Slug: "trade"}, {Name: " Technology "}},
			AuthorIDs: []int64{n.Li.ID, n.Wang.ID},
			Attendees: []reports.AttendeeInput{
				{PersonID: &n.Wang.ID, OrganizationID: &n.CCPIT.ID, Role: testkit.Ptr(" Vice chairman "), Participations: testkit.Parts("SPEECH", "PRESIDED"), Note: testkit.Ptr("Opened the forum.")},
				{OrganizationID: &n.CAST.ID, Participations: testkit.Parts("HOSTED")},
				{Delegation: testkit.Ptr("Officers of the municipal government"), Participations: testkit.Parts("ATTENDED")},
				{PersonID: &n.Zhang.ID, OrganizationID: &n.CCPIT.ID, Participations: testkit.Parts("PANELIST")}, // same organization, another person
			},
			Message: testkit.Ptr("First draft"),
		})).OK(t)
		r := saved.Report
		tech := testkit.Of(postgres.TagBySlug(ctx, db, "technology")).OK(t)
		if tech.Name != "Technology" {
			t.Errorf("new tag = %+v", tech)
		}
		want := &editorial.Report{ID: r.ID, Slug: "qingdao-hosts-tech-trade-forum", SourceLocale: "en", Section: testkit.Ptr("Business"),
			Title: "Qingdao Hosts Tech Trade Forum", Subtitle: testkit.Ptr("Delegates sign 30 agreements"), Body: body, WordCount: 7,
			EventID: &n.Forum.ID, Status: editorial.Draft, Version: 1, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.CreatedAt.UTC()}
		for name, got := range map[string]*editorial.Report{"returned": testkit.UTCReport(r), "stored": testkit.StoredReport(t, db, r.ID)} {
			testkit.Diff(t, name+" report", want, got)
		}

		atts := testkit.AttendeesOf(t, db, r.ID)
		if len(atts) != 4 {
			t.Fatalf("attendees = %d, want 4", len(atts))
		}
		wantSnap := editorial.Snapshot{
			Slug: want.Slug, SourceLocale: "en", Section: testkit.Ptr("Business"), Title: want.Title, Subtitle: want.Subtitle, Body: body, EventID: &n.Forum.ID,
			Tags: []editorial.SnapshotTag{
				{ID: n.Economy.ID, Slug: "economy", Name: "Economy"}, {ID: n.Trade.ID, Slug: "trade", Name: "Trade"}, {ID: tech.ID, Slug: "technology", Name: "Technology"},
			},
			AuthorIDs: []int64{n.Li.ID, n.Wang.ID},
			Attendees: []editorial.SnapshotAttendee{
				{ID: atts[0].ID, PersonID: &n.Wang.ID, PersonName: testkit.Ptr("Wang Wei"), OrganizationID: &n.CCPIT.ID, OrganizationName: &n.CCPIT.Name,
					Role: testkit.Ptr("Vice chairman"), Participations: testkit.Parts("SPEECH", "PRESIDED"), Note: testkit.Ptr("Opened the forum.")},
				{ID: atts[1].ID, OrganizationID: &n.CAST.ID, OrganizationName: &n.CAST.Name, Participations: testkit.Parts("HOSTED")},
				{ID: atts[2].ID, Delegation: testkit.Ptr("Officers of the municipal government"), Participations: testkit.Parts("ATTENDED")},
				{ID: atts[3].ID, PersonID: &n.Zhang.ID, PersonName: testkit.Ptr("Zhang Min"), OrganizationID: &n.CCPIT.ID, OrganizationName: &n.CCPIT.Name, Participations: testkit.Parts("PANELIST")},
			},
		}
		revs := testkit.RevisionsOf(t, db, r.ID)
		if len(revs) != 1 {
			t.Fatalf("revisions = %d, want 1", len(revs))
		}
		for name, rev := range map[string]*editorial.Revision{"returned": saved.Revision, "stored": revs[0]} {
			if rev.Version != 1 || rev.ReportID != r.ID || rev.Message == nil || *rev.Message != "First draft" || !rev.CreatedAt.Equal(r.CreatedAt) {
				t.Errorf("%s revision = %+v", name, rev)
			}
			testkit.Diff(t, name+" snapshot", wantSnap, rev.Snapshot)
		}
		if id := testkit.Of(postgres.ReportIDBySlug(ctx, db, want.Slug)).OK(t); id != r.ID {
			t.Errorf("ReportIDBySlug = %d", id)
		}
	})

	t.Run("OKMinimal", func(t *testing.T) {
		saved := testkit.Of(svc.CreateReport(ctx, reports.CreateReportInput{Title: "Brief", SourceLocale: "en"})).OK(t)
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
			{"slug given", "Anything", "en-us", testkit.Ptr("my-own-slug"), "my-own-slug", "en-US", 1},
			{"title exactly at the limit", strings.Repeat("字", editorial.MaxTitle), "zh-Hant-TW", testkit.Ptr("long-title"), "long-title", "zh-Hant-TW", 0},
			{"deprecated locale code", "Shalom", "iw", nil, "shalom", "he", 1},
		} {
			t.Run(c.name, func(t *testing.T) {
				body := c.title // the word count of the body, which is the title here
				saved := testkit.Of(svc.CreateReport(ctx, reports.CreateReportInput{Title: c.title, SourceLocale: c.locale, Slug: c.slug, Body: body})).OK(t)
				r := testkit.StoredReport(t, db, saved.Report.ID)
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
		tags := testkit.RowCount(t, db, "tags")
		saved := testkit.Of(svc.CreateReport(ctx, reports.CreateReportInput{Title: "Tagged", SourceLocale: "en", Tags: []reports.TagRef{{Name: "ECONOMY"}}})).OK(t)
		if got := saved.Revision.Snapshot.Tags; len(got) != 1 || got[0].ID != n.Economy.ID || testkit.RowCount(t, db, "tags") != tags {
			t.Errorf("tags = %+v", got)
		}
	})

	// A report renamed away from "old-name" still owns it.
	renamed := n.Report(t, reports.CreateReportInput{Title: "Old name", Slug: testkit.Ptr("old-name")})
	testkit.Of(svc.UpdateReport(ctx, reports.UpdateReportInput{ID: renamed.ID, ExpectedVersion: 1, Slug: testkit.Set("new-name")})).OK(t)

	create := func(f func(in *reports.CreateReportInput)) func() error {
		// Every input starts valid and names a tag that does not exist yet,
		// so a failure must also roll back the tag it created.
		in := reports.CreateReportInput{Title: "Valid title", SourceLocale: "en", Tags: []reports.TagRef{{Name: "Brand new tag"}},
			AuthorIDs: []int64{n.Li.ID}, Attendees: []reports.AttendeeInput{{PersonID: &n.Wang.ID, Participations: testkit.Parts("SPEECH")}}}
		f(&in)
		return func() error { _, err := svc.CreateReport(ctx, in); return err }
	}
	attendees := func(list ...reports.AttendeeInput) func(in *reports.CreateReportInput) {
		return func(in *reports.CreateReportInput) { in.Attendees = list }
	}
	tags := func(list ...reports.TagRef) func(in *reports.CreateReportInput) {
		return func(in *reports.CreateReportInput) { in.Tags = list }
	}
	manyTags := make([]reports.TagRef, editorial.MaxTags+1)
	for i := range manyTags {
		manyTags[i] = reports.TagRef{Name: fmt.Sprintf("Tag %d", i)}
	}
	manyAuthors := make([]int64, editorial.MaxAuthors+1)
	manyAttendees := make([]reports.AttendeeInput, editorial.MaxAttendees+1)
	wang := reports.AttendeeInput{PersonID: &n.Wang.ID, Participations: testkit.Parts("SPEECH")}
	missing := testkit.Ptr(int64(999999))
	testkit.RunFailCases(t, db, testkit.ReportDump, []testkit.FailCase{
		{Name: "ErrTitleEmpty", Call: create(func(in *reports.CreateReportInput) { in.Title = "" }), Code: cerr.Invalid, Field: "input.title"},
		{Name: "ErrTitleWhitespace", Call: create(func(in *reports.CreateReportInput) { in.Title = " \t\n\u3000 " }), Code: cerr.Invalid, Field: "input.title"},
		{Name: "ErrTitleTooLong", Call: create(func(in *reports.CreateReportInput) { in.Title = strings.Repeat("字", editorial.MaxTitle+1) }), Code: cerr.Invalid, Field: "input.title", Msg: "301 characters"},
		{Name: "ErrTitleNotUTF8", Call: create(func(in *reports.CreateReportInput) { in.Title = "Forum \xff" }), Code: cerr.Invalid, Field: "input.title"},
		{Name: "ErrLocaleInvalid", Call: create(func(in *reports.CreateReportInput) { in.SourceLocale = "xx-!!" }), Code: cerr.Invalid, Field: "input.sourceLocale", Msg: `"xx-!!"`},
		{Name: "ErrLocaleEmpty", Call: create(func(in *reports.CreateReportInput) { in.SourceLocale = "" }), Code: cerr.Invalid, Field: "input.sourceLocale"},
		{Name: "ErrLocaleUnderscore", Call: create(func(in *reports.CreateReportInput) { in.SourceLocale = "zh_CN" }), Code: cerr.Invalid, Field: "input.sourceLocale"},
		{Name: "ErrSlugTaken", Call: create(func(in *reports.CreateReportInput) { in.Slug = testkit.Ptr("qingdao-hosts-tech-trade-forum") }), Code: cerr.Conflict, Field: "input.slug"},
		{Name: "ErrSlugFormerlyUsed", Call: create(func(in *reports.CreateReportInput) { in.Slug = testkit.Ptr("old-name") }), Code: cerr.Conflict, Field: "input.slug"},
		{Name: "ErrSlugInvalid", Call: create(func(in *reports.CreateReportInput) { in.Slug = testkit.Ptr("Qingdao Forum") }), Code: cerr.Invalid, Field: "input.slug"},
		{Name: "ErrSlugEmpty", Call: create(func(in *reports.CreateReportInput) { in.Slug = testkit.Ptr("") }), Code: cerr.Invalid, Field: "input.slug"},
		{Name: "ErrSectionTooLong", Call: create(func(in *reports.CreateReportInput) {
			in.Section = testkit.Ptr(strings.Repeat("s", editorial.MaxSection+1))
		}), Code: cerr.Invalid, Field: "input.section"},
		{Name: "ErrSubtitleTooLong", Call: create(func(in *reports.CreateReportInput) {
			in.Subtitle = testkit.Ptr(strings.Repeat("s", editorial.MaxSubtitle+1))
		}), Code: cerr.Invalid, Field: "input.subtitle"},
		{Name: "ErrSummaryTooLong", Call: create(func(in *reports.CreateReportInput) {
			in.Summary = testkit.Ptr(strings.Repeat("s", editorial.MaxSummary+1))
		}), Code: cerr.Invalid, Field: "input.summary"},
		{Name: "ErrBodyTooLarge", Call: create(func(in *reports.CreateReportInput) { in.Body = strings.Repeat("x", editorial.MaxBodyBytes+1) }), Code: cerr.Invalid, Field: "input.body"},
		{Name: "ErrBodyTooLargeInBytesNotCharacters", Call: create(func(in *reports.CreateReportInput) { in.Body = strings.Repeat("字", editorial.MaxBodyBytes/3+1) }), Code: cerr.Invalid, Field: "input.body"},
		{Name: "ErrBodyNotUTF8", Call: create(func(in *reports.CreateReportInput) { in.Body = "ok \xc3\x28" }), Code: cerr.Invalid, Field: "input.body"},
		{Name: "ErrMessageTooLong", Call: create(func(in *reports.CreateReportInput) {
			in.Message = testkit.Ptr(strings.Repeat("m", editorial.MaxMessage+1))
		}), Code: cerr.Invalid, Field: "input.message"},
		{Name: "ErrUnknownEvent", Call: create(func(in *reports.CreateReportInput) { in.EventID = missing }), Code: cerr.NotFound, Field: "input.eventId"},
		{Name: "ErrUnknownTagID", Call: create(tags(reports.TagRef{Name: "Brand new tag"}, reports.TagRef{ID: *missing})), Code: cerr.NotFound, Field: "input.tags.1.id"},
		{Name: "ErrUnknownTagSlug", Call: create(tags(reports.TagRef{Slug: "no-such-tag"})), Code: cerr.NotFound, Field: "input.tags.0.slug"},
		{Name: "ErrTagRefEmpty", Call: create(tags(reports.TagRef{})), Code: cerr.Invalid, Field: "input.tags.0"},
		{Name: "ErrTagRefAmbiguous", Call: create(tags(reports.TagRef{ID: n.Economy.ID, Slug: "economy"})), Code: cerr.Invalid, Field: "input.tags.0"},
		{Name: "ErrTagNameBlank", Call: create(tags(reports.TagRef{Name: " "})), Code: cerr.Invalid, Field: "input.tags.0.name"},
		{Name: "ErrTagNameTooLong", Call: create(tags(reports.TagRef{Name: strings.Repeat("t", editorial.MaxTagName+1)})), Code: cerr.Invalid, Field: "input.tags.0.name"},
		{Name: "ErrDuplicateTagByIDAndSlug", Call: create(tags(reports.TagRef{ID: n.Economy.ID}, reports.TagRef{Slug: "economy"})), Code: cerr.Invalid, Field: "input.tags.1"},
		{Name: "ErrDuplicateTagByName", Call: create(tags(reports.TagRef{Slug: "trade"}, reports.TagRef{Name: "TRADE"})), Code: cerr.Invalid, Field: "input.tags.1"},
		{Name: "ErrDuplicateNewTag", Call: create(tags(reports.TagRef{Name: "Brand new tag"}, reports.TagRef{Name: "brand new TAG"})), Code: cerr.Invalid, Field: "input.tags.1"},
		{Name: "ErrTooManyTags", Call: create(tags(manyTags...)), Code: cerr.Invalid, Field: "input.tags", Msg: "at most 50"},
		{Name: "ErrUnknownAuthor", Call: create(func(in *reports.CreateReportInput) { in.AuthorIDs = []int64{n.Li.ID, *missing} }), Code: cerr.NotFound, Field: "input.authorIds.1"},
		{Name: "ErrDuplicateAuthor", Call: create(func(in *reports.CreateReportInput) { in.AuthorIDs = []int64{n.Li.ID, n.Li.ID} }), Code: cerr.Invalid, Field: "input.authorIds.1"},
		{Name: "ErrTooManyAuthors", Call: create(func(in *reports.CreateReportInput) { in.AuthorIDs = manyAuthors }), Code: cerr.Invalid, Field: "input.authorIds"},
		{Name: "ErrUnknownPerson", Call: create(attendees(wang, reports.AttendeeInput{OrganizationID: &n.CCPIT.ID, Participations: testkit.Parts("HOSTED")},
			reports.AttendeeInput{PersonID: missing, Participations: testkit.Parts("ATTENDED")})), Code: cerr.NotFound, Field: "input.attendees.2.personId"},
		{Name: "ErrUnknownOrganization", Call: create(attendees(wang, reports.AttendeeInput{PersonID: &n.Li.ID, OrganizationID: missing, Participations: testkit.Parts("ATTENDED")})),
			Code: cerr.NotFound, Field: "input.attendees.1.organizationId"},
		{Name: "ErrAttendeeWithNobody", Call: create(attendees(reports.AttendeeInput{Role: testkit.Ptr("Guest"), Participations: testkit.Parts("ATTENDED")})), Code: cerr.Invalid, Field: "input.attendees.0"},
		{Name: "ErrAttendeeBlankDelegation", Call: create(attendees(reports.AttendeeInput{Delegation: testkit.Ptr("  "), Participations: testkit.Parts("ATTENDED")})), Code: cerr.Invalid, Field: "input.attendees.0"},
		{Name: "ErrNoParticipations", Call: create(attendees(reports.AttendeeInput{PersonID: &n.Wang.ID})), Code: cerr.Invalid, Field: "input.attendees.0.participations"},
		{Name: "ErrUnknownParticipation", Call: create(attendees(reports.AttendeeInput{PersonID: &n.Wang.ID, Participations: testkit.Parts("SPEECH", "DANCED")})), Code: cerr.Invalid, Field: "input.attendees.0.participations.1"},
		{Name: "ErrRepeatedParticipation", Call: create(attendees(reports.AttendeeInput{PersonID: &n.Wang.ID, Participations: testkit.Parts("SPEECH", "SPEECH")})), Code: cerr.Invalid, Field: "input.attendees.0.participations.1"},
		{Name: "ErrDuplicatedPerson", Call: create(attendees(wang, reports.AttendeeInput{PersonID: &n.Wang.ID, OrganizationID: &n.CCPIT.ID, Participations: testkit.Parts("ATTENDED")})),
			Code: cerr.Invalid, Field: "input.attendees.1"},
		{Name: "ErrDuplicatedOrganization", Call: create(attendees(reports.AttendeeInput{OrganizationID: &n.CCPIT.ID, Participations: testkit.Parts("HOSTED")}, reports.AttendeeInput{OrganizationID: &n.CCPIT.ID, Participations: testkit.Parts("ATTENDED")})),
			Code: cerr.Invalid, Field: "input.attendees.1"},
		{Name: "ErrDuplicatedDelegation", Call: create(attendees(reports.AttendeeInput{Delegation: testkit.Ptr("Officers"), Participations: testkit.Parts("ATTENDED")}, reports.AttendeeInput{Delegation: testkit.Ptr(" Officers "), Participations: testkit.Parts("ATTENDED")})),
			Code: cerr.Invalid, Field: "input.attendees.1"},
		{Name: "ErrAttendeeIDOnCreate", Call: create(attendees(reports.AttendeeInput{ID: 1, PersonID: &n.Wang.ID, Participations: testkit.Parts("SPEECH")})), Code: cerr.NotFound, Field: "input.attendees.0.id"},
		{Name: "ErrRoleTooLong", Call: create(attendees(reports.AttendeeInput{PersonID: &n.Wang.ID, Role: testkit.Ptr(strings.Repeat("r", editorial.MaxRole+1)), Participations: testkit.Parts("SPEECH")})), Code: cerr.Invalid, Field: "input.attendees.0.role"},
		{Name: "ErrTooManyAttendees", Call: create(attendees(manyAttendees...)), Code: cerr.Invalid, Field: "input.attendees"},
	})
}

// TestCreateReportMergedReferences refers to tags, people and organizations
// merged into others: their IDs resolve to the survivors, as they do
// everywhere else in the API, and two references that resolve to the same
// entry are a duplicate.
func TestCreateReportMergedReferences(t *testing.T) {
	t.Parallel()
	ctx := testkit.AsSystem(t)
	n := testkit.NewNewsroom(t)
	svc, db := n.Svc, n.DB
	finance := testkit.Of(svc.CreateTag(ctx, directory.CreateTagInput{Name: "Finance"})).OK(t)
	council := testkit.Of(svc.CreateOrganization(ctx, directory.CreateOrganizationInput{Name: "China Council for Trade"})).OK(t)
	testkit.Of(svc.MergeTags(ctx, directory.MergeInput{SourceIDs: []int64{finance.ID}, TargetID: n.Economy.ID})).OK(t)
	testkit.Of(svc.MergePeople(ctx, directory.MergeInput{SourceIDs: []int64{n.Li.ID}, TargetID: n.Zhang.ID})).OK(t)
	testkit.Of(svc.MergeOrganizations(ctx, directory.MergeInput{SourceIDs: []int64{council.ID}, TargetID: n.CCPIT.ID})).OK(t)

	saved := testkit.Of(svc.CreateReport(ctx, reports.CreateReportInput{Title: "Merged", SourceLocale: "en",
		Tags: []reports.TagRef{{ID: n.Trade.ID}, {ID: finance.ID}}, AuthorIDs: []int64{n.Li.ID},
		Attendees: []reports.AttendeeInput{{PersonID: &n.Li.ID, OrganizationID: &council.ID, Participations: testkit.Parts("SPEECH")}}})).OK(t)
	snap := saved.Revision.Snapshot
	if len(snap.Tags) != 2 || snap.Tags[1].ID != n.Economy.ID || !slices.Equal(snap.AuthorIDs, []int64{n.Zhang.ID}) ||
		*snap.Attendees[0].PersonID != n.Zhang.ID || *snap.Attendees[0].OrganizationID != n.CCPIT.ID {
		t.Errorf("snapshot = %+v", snap)
	}
	up := testkit.Of(svc.UpdateReport(ctx, reports.UpdateReportInput{ID: saved.Report.ID, ExpectedVersion: 1, Tags: testkit.Set([]reports.TagRef{{ID: finance.ID}})})).OK(t)
	if tags := up.Revision.Snapshot.Tags; len(tags) != 1 || tags[0].ID != n.Economy.ID {
		t.Errorf("updated tags = %+v", tags)
	}

	create := func(in reports.CreateReportInput) func() error {
		in.Title, in.SourceLocale = "Duplicates", "en"
		return func() error { _, err := svc.CreateReport(ctx, in); return err }
	}
	testkit.RunFailCases(t, db, testkit.ReportDump, []testkit.FailCase{
		{Name: "ErrTagTwice", Call: create(reports.CreateReportInput{Tags: []reports.TagRef{{ID: n.Economy.ID}, {ID: finance.ID}}}), Code: cerr.Invalid, Field: "input.tags.1"},
		{Name: "ErrAuthorTwice", Call: create(reports.CreateReportInput{AuthorIDs: []int64{n.Zhang.ID, n.Li.ID}}), Code: cerr.Invalid, Field: "input.authorIds.1"},
		{Name: "ErrAttendeeTwice", Call: create(reports.CreateReportInput{Attendees: []reports.AttendeeInput{
			{PersonID: &n.Zhang.ID, Participations: testkit.Parts("SPEECH")}, {PersonID: &n.Li.ID, Participations: testkit.Parts("ATTENDED")}}}), Code: cerr.Invalid, Field: "input.attendees.1"},
		{Name: "ErrOrganizationTwice", Call: create(reports.CreateReportInput{Attendees: []reports.AttendeeInput{
			{OrganizationID: &council.ID, Participations: testkit.Parts("HOSTED")}, {OrganizationID: &n.CCPIT.ID, Participations: testkit.Parts("ATTENDED")}}}), Code: cerr.Invalid, Field: "input.attendees.1"},
	})
}

// TestCreateReportConcurrentSameTitle creates reports with one title at
// once: each gets its own slug instead of a CONFLICT from the race.
func TestCreateReportConcurrentSameTitle(t *testing.T) {
	t.Parallel()
	ctx := testkit.AsSystem(t)
	svc, _ := testkit.NewServices(t)
	const writers = 8
	slugs := make([]string, writers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			<-start
			saved, err := svc.CreateReport(ctx, reports.CreateReportInput{Title: "Daily briefing", SourceLocale: "en"})
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
	svc, db := testkit.NewServices(t)
	body := strings.Repeat("字", editorial.MaxBodyBytes/3) + strings.Repeat("x", editorial.MaxBodyBytes%3)
	saved := testkit.Of(svc.CreateReport(testkit.AsSystem(t), reports.CreateReportInput{Title: "Big", SourceLocale: "zh", Body: body})).OK(t)
	got := testkit.StoredReport(t, db, saved.Report.ID)
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
	ctx := testkit.AsSystem(t)
	n := testkit.NewNewsroom(t)
	svc, db := n.Svc, n.DB
	r := n.Report(t, reports.CreateReportInput{
		Title: "Forum opens", Section: testkit.Ptr("Business"), Subtitle: testkit.Ptr("Day one"), Summary: testkit.Ptr("The forum opened."),
		Body: "The forum opened today.", EventID: &n.Forum.ID, Tags: []reports.TagRef{{ID: n.Economy.ID}, {ID: n.Trade.ID}},
		AuthorIDs: []int64{n.Li.ID}, Attendees: []reports.AttendeeInput{{PersonID: &n.Wang.ID, Participations: testkit.Parts("SPEECH")}},
	})
	other := n.Report(t, reports.CreateReportInput{Title: "Another report"})

	t.Run("OKOnlyGivenFieldsChange", func(t *testing.T) {
		before := testkit.StoredReport(t, db, r.ID)
		saved := testkit.Of(svc.UpdateReport(ctx, reports.UpdateReportInput{ID: r.ID, ExpectedVersion: 1, Title: testkit.Set(" Forum opens in Qingdao "), Message: testkit.Ptr("Better title")})).OK(t)
		after := testkit.StoredReport(t, db, r.ID)
		want := *before
		want.Title, want.Version, want.UpdatedAt = "Forum opens in Qingdao", 2, after.UpdatedAt
		testkit.Diff(t, "stored report after update", &want, after)
		testkit.Diff(t, "returned report after update", &want, testkit.UTCReport(saved.Report))
		revs := testkit.RevisionsOf(t, db, r.ID)
		if len(revs) != 2 || revs[1].Version != 2 || *revs[1].Message != "Better title" || saved.Revision.ID != revs[1].ID {
			t.Fatalf("revisions = %+v", revs)
		}
		testkit.Diff(t, "revision 2 changed fields", []string{"title"}, editorial.Diff(revs[0].Snapshot, revs[1].Snapshot).ChangedFields)
	})
	t.Run("OKClearOptionalFields", func(t *testing.T) {
		saved := testkit.Of(svc.UpdateReport(ctx, reports.UpdateReportInput{ID: r.ID, ExpectedVersion: 2,
			Section: testkit.Set[*string](nil), Subtitle: testkit.Set(testkit.Ptr("  ")), EventID: testkit.Set[*int64](nil), Tags: testkit.Set[[]reports.TagRef](nil), AuthorIDs: testkit.Set([]int64{})})).OK(t)
		got := testkit.StoredReport(t, db, r.ID)
		if got.Section != nil || got.Subtitle != nil || got.EventID != nil || got.Summary == nil || got.Version != 3 || saved.Report.Version != 3 {
			t.Errorf("after clearing: %+v", got)
		}
		snap := saved.Revision.Snapshot
		if len(snap.Tags) != 0 || len(snap.AuthorIDs) != 0 || len(snap.Attendees) != 1 {
			t.Errorf("snapshot = %+v", snap)
		}
	})
	t.Run("OKSetAgain", func(t *testing.T) {
		saved := testkit.Of(svc.UpdateReport(ctx, reports.UpdateReportInput{ID: r.ID, ExpectedVersion: 3, Section: testkit.Set(testkit.Ptr("World")), EventID: testkit.Set(&n.Forum.ID),
			Tags: testkit.Set([]reports.TagRef{{Slug: "trade"}, {Name: "Qingdao"}}), AuthorIDs: testkit.Set([]int64{n.Zhang.ID, n.Li.ID}), Body: testkit.Set("Qingdao hosted the forum.")})).OK(t)
		got := testkit.StoredReport(t, db, r.ID)
		snap := saved.Revision.Snapshot
		if *got.Section != "World" || *got.EventID != n.Forum.ID || got.WordCount != 4 || got.Version != 4 ||
			len(snap.Tags) != 2 || snap.Tags[0].Slug != "trade" || snap.Tags[1].Slug != "qingdao" || !slices.Equal(snap.AuthorIDs, []int64{n.Zhang.ID, n.Li.ID}) {
			t.Errorf("report %+v, snapshot %+v", got, snap)
		}
	})
	t.Run("OKNoOpWritesNothing", func(t *testing.T) {
		before := testkit.ReportDump(t, db)
		cur := testkit.StoredReport(t, db, r.ID)
		for _, in := range []reports.UpdateReportInput{
			{ID: r.ID, ExpectedVersion: cur.Version},
			{ID: r.ID, ExpectedVersion: cur.Version, Message: testkit.Ptr("Nothing really")},
			{ID: r.ID, ExpectedVersion: cur.Version, Title: testkit.Set("  " + cur.Title + "\n"), Section: testkit.Set(testkit.Ptr("World")), Summary: testkit.Set(cur.Summary),
				SourceLocale: testkit.Set("EN"), Slug: testkit.Set(cur.Slug), EventID: testkit.Set(&n.Forum.ID), Body: testkit.Set(cur.Body),
				Tags: testkit.Set([]reports.TagRef{{ID: n.Trade.ID}, {Name: "qingdao"}}), AuthorIDs: testkit.Set([]int64{n.Zhang.ID, n.Li.ID})},
		} {
			saved := testkit.Of(svc.UpdateReport(ctx, in)).OK(t)
			if saved.Report.Version != cur.Version || saved.Revision.Version != cur.Version {
				t.Errorf("no-op update returned version %d, revision %d; want %d", saved.Report.Version, saved.Revision.Version, cur.Version)
			}
		}
		if after := testkit.ReportDump(t, db); after != before {
			t.Errorf("a no-op update wrote:\nbefore %s\nafter  %s", before, after)
		}
	})
	t.Run("OKNoOpAfterATagRename", func(t *testing.T) {
		// Renaming a tag in the directory changes no report: saving the report
		// unchanged afterwards records nothing, and a real change records
		// only itself.
		cur := testkit.StoredReport(t, db, r.ID)
		testkit.Of(svc.UpdateTag(ctx, directory.UpdateTagInput{ID: n.Trade.ID, ExpectedVersion: 1, Slug: testkit.Set("commerce"), Name: testkit.Set("Commerce")})).OK(t)
		saved := testkit.Of(svc.UpdateReport(ctx, reports.UpdateReportInput{ID: r.ID, ExpectedVersion: cur.Version, Title: testkit.Set(cur.Title)})).OK(t)
		if saved.Report.Version != cur.Version {
			t.Errorf("a no-op update after a tag rename saved version %d", saved.Report.Version)
		}
		saved = testkit.Of(svc.UpdateReport(ctx, reports.UpdateReportInput{ID: r.ID, ExpectedVersion: cur.Version, Subtitle: testkit.Set(testkit.Ptr("New dek"))})).OK(t)
		prev := testkit.Of(postgres.RevisionByVersion(ctx, db, r.ID, cur.Version)).OK(t)
		if d := editorial.Diff(prev.Snapshot, saved.Revision.Snapshot); !slices.Equal(d.ChangedFields, []string{"subtitle"}) || len(d.TagsAdded)+len(d.TagsRemoved) != 0 {
			t.Errorf("diff = %+v, want only the subtitle", d)
		}
		if tags := saved.Revision.Snapshot.Tags; tags[0].Slug != "commerce" || prev.Snapshot.Tags[0].Slug != "trade" {
			t.Errorf("snapshots do not keep the names of their time: %+v, %+v", prev.Snapshot.Tags, tags)
		}
	})
	t.Run("OKSourceLocale", func(t *testing.T) {
		saved := testkit.Of(svc.UpdateReport(ctx, reports.UpdateReportInput{ID: r.ID, ExpectedVersion: 5, SourceLocale: testkit.Set("en-gb")})).OK(t)
		if saved.Report.SourceLocale != "en-GB" || saved.Report.Version != 6 {
			t.Errorf("report = %+v", saved.Report)
		}
	})

	t.Run("OKSlugRename", func(t *testing.T) {
		old := testkit.StoredReport(t, db, r.ID)
		saved := testkit.Of(svc.UpdateReport(ctx, reports.UpdateReportInput{ID: r.ID, ExpectedVersion: old.Version, Slug: testkit.Set("qingdao-forum-2025")})).OK(t)
		if saved.Report.Slug != "qingdao-forum-2025" || saved.Report.Title != old.Title {
			t.Errorf("report = %+v", saved.Report)
		}
		for _, slug := range []string{old.Slug, "qingdao-forum-2025"} {
			if id := testkit.Of(postgres.ReportIDBySlug(ctx, db, slug)).OK(t); id != r.ID {
				t.Errorf("ReportIDBySlug(%q) = %d, want %d", slug, id, r.ID)
			}
		}
		prev := testkit.Of(postgres.PreviousSlugsByReportIDs(ctx, db, []int64{r.ID})).OK(t)
		testkit.Diff(t, "previous slugs", []string{old.Slug}, prev[r.ID])
		// Nobody else can take the old slug, and a title that makes it gets a suffix.
		_, err := svc.UpdateReport(ctx, reports.UpdateReportInput{ID: other.ID, ExpectedVersion: 1, Slug: testkit.Set(old.Slug)})
		testkit.WantErr(t, err, cerr.Conflict, "input.slug")
		_, err = svc.CreateReport(ctx, reports.CreateReportInput{Title: "x", SourceLocale: "en", Slug: &old.Slug})
		testkit.WantErr(t, err, cerr.Conflict, "input.slug")
		twin := n.Report(t, reports.CreateReportInput{Title: "Forum opens"})
		if twin.Slug != "forum-opens-2" {
			t.Errorf("a report titled like the old slug got %q, want forum-opens-2", twin.Slug)
		}
		// The report itself may take its old slug back.
		back := testkit.Of(svc.UpdateReport(ctx, reports.UpdateReportInput{ID: r.ID, ExpectedVersion: saved.Report.Version, Slug: testkit.Set(old.Slug)})).OK(t)
		prev = testkit.Of(postgres.PreviousSlugsByReportIDs(ctx, db, []int64{r.ID})).OK(t)
		if back.Report.Slug != old.Slug {
			t.Errorf("slug %q, want %q", back.Report.Slug, old.Slug)
		}
		testkit.Diff(t, "previous slugs", []string{"qingdao-forum-2025"}, prev[r.ID])
	})

	t.Run("ErrStaleVersion", func(t *testing.T) {
		s := n.Report(t, reports.CreateReportInput{Title: "Stale", Body: "One."})
		testkit.Of(svc.UpdateReport(ctx, reports.UpdateReportInput{ID: s.ID, ExpectedVersion: 1, Title: testkit.Set("Stale, edited")})).OK(t)
		testkit.Of(svc.UpdateReport(ctx, reports.UpdateReportInput{ID: s.ID, ExpectedVersion: 2, Body: testkit.Set("Two."), Tags: testkit.Set([]reports.TagRef{{ID: n.Trade.ID}})})).OK(t)
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
				before := testkit.ReportDump(t, db)
				_, err := svc.UpdateReport(ctx, reports.UpdateReportInput{ID: s.ID, ExpectedVersion: c.expected, Title: testkit.Set("Mine")})
				cur, changed := conflictDetails(t, err)
				if cur != 3 || !slices.Equal(changed, c.want) {
					t.Errorf("currentVersion %d, changedFields %v; want 3, %v", cur, changed, c.want)
				}
				if testkit.ReportDump(t, db) != before {
					t.Errorf("a stale update wrote")
				}
			})
		}
		_, err := svc.UpdateReport(ctx, reports.UpdateReportInput{ID: s.ID, ExpectedVersion: 2, Title: testkit.Set("Mine")})
		if _, changed := conflictDetails(t, err); !slices.Equal(changed, []string{"body", "tags"}) {
			t.Errorf("changedFields = %v", changed)
		}
	})

	tr := testkit.Of(svc.UpsertTranslation(ctx, translation.UpsertTranslationInput{ReportID: other.ID, Locale: "fr", Title: "Un autre"})).OK(t)
	update := func(in reports.UpdateReportInput) func() error {
		if in.ID == 0 {
			in.ID, in.ExpectedVersion = other.ID, 1
		}
		return func() error { _, err := svc.UpdateReport(ctx, in); return err }
	}
	testkit.RunFailCases(t, db, testkit.ReportDump, []testkit.FailCase{
		{Name: "ErrUnknownReport", Call: update(reports.UpdateReportInput{ID: 999999, ExpectedVersion: 1, Title: testkit.Set("X")}), Code: cerr.NotFound, Field: "input.id"},
		{Name: "ErrStale", Call: update(reports.UpdateReportInput{ID: other.ID, ExpectedVersion: 2, Title: testkit.Set("X")}), Code: cerr.Conflict, Field: "input.expectedVersion"},
		{Name: "ErrTitleEmpty", Call: update(reports.UpdateReportInput{Title: testkit.Set(" ")}), Code: cerr.Invalid, Field: "input.title"},
		{Name: "ErrTitleTooLong", Call: update(reports.UpdateReportInput{Title: testkit.Set(strings.Repeat("t", editorial.MaxTitle+1))}), Code: cerr.Invalid, Field: "input.title"},
		{Name: "ErrLocaleInvalid", Call: update(reports.UpdateReportInput{SourceLocale: testkit.Set("xx-!!")}), Code: cerr.Invalid, Field: "input.sourceLocale"},
		{Name: "ErrLocaleOfATranslation", Call: update(reports.UpdateReportInput{SourceLocale: testkit.Set("FR")}), Code: cerr.Invalid, Field: "input.sourceLocale", Msg: tr.Locale},
		{Name: "ErrSlugInvalid", Call: update(reports.UpdateReportInput{Slug: testkit.Set("-bad-")}), Code: cerr.Invalid, Field: "input.slug"},
		{Name: "ErrSlugTaken", Call: update(reports.UpdateReportInput{Slug: testkit.Set("forum-opens-2")}), Code: cerr.Conflict, Field: "input.slug"},
		{Name: "ErrBodyTooLarge", Call: update(reports.UpdateReportInput{Body: testkit.Set(strings.Repeat("b", editorial.MaxBodyBytes+1))}), Code: cerr.Invalid, Field: "input.body"},
		{Name: "ErrBodyNotUTF8", Call: update(reports.UpdateReportInput{Body: testkit.Set("\xff")}), Code: cerr.Invalid, Field: "input.body"},
		{Name: "ErrUnknownEvent", Call: update(reports.UpdateReportInput{EventID: testkit.Set(testkit.Ptr(int64(999999)))}), Code: cerr.NotFound, Field: "input.eventId"},
		{Name: "ErrUnknownTag", Call: update(reports.UpdateReportInput{Tags: testkit.Set([]reports.TagRef{{Name: "New one"}, {ID: 999999}})}), Code: cerr.NotFound, Field: "input.tags.1.id"},
		{Name: "ErrDuplicateTag", Call: update(reports.UpdateReportInput{Tags: testkit.Set([]reports.TagRef{{ID: n.Economy.ID}, {Name: "ECONOMY"}})}), Code: cerr.Invalid, Field: "input.tags.1"},
		{Name: "ErrUnknownAuthor", Call: update(reports.UpdateReportInput{AuthorIDs: testkit.Set([]int64{999999})}), Code: cerr.NotFound, Field: "input.authorIds.0"},
		{Name: "ErrMessageTooLong", Call: update(reports.UpdateReportInput{Title: testkit.Set("Y"), Message: testkit.Ptr(strings.Repeat("m", editorial.MaxMessage+1))}), Code: cerr.Invalid, Field: "input.message"},
	})
}

// TestUpdateReportConcurrentSameVersion has many editors save the same
// version at once: the report row lock makes exactly one of them win.
func TestUpdateReportConcurrentSameVersion(t *testing.T) {
	t.Parallel()
	ctx := testkit.AsSystem(t)
	svc, db := testkit.NewServices(t)
	r := testkit.Of(svc.CreateReport(ctx, reports.CreateReportInput{Title: "Contested", SourceLocale: "en"})).OK(t).Report
	const writers = 16
	start := make(chan struct{})
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			<-start
			_, errs[i] = svc.UpdateReport(ctx, reports.UpdateReportInput{ID: r.ID, ExpectedVersion: 1, Title: testkit.Set(fmt.Sprintf("Title by writer %d", i))})
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
	got := testkit.StoredReport(t, db, r.ID)
	if got.Version != 2 || got.Title != fmt.Sprintf("Title by writer %d", winner) {
		t.Errorf("stored version %d, title %q; want 2, the title of writer %d", got.Version, got.Title, winner)
	}
	if v := versionsOf(t, db, r.ID); !slices.Equal(v, []int{1, 2}) {
		t.Errorf("revisions %v, want [1 2]", v)
	}
	if rev := testkit.RevisionsOf(t, db, r.ID)[1]; rev.Snapshot.Title != got.Title {
		t.Errorf("revision 2 has title %q, the report %q", rev.Snapshot.Title, got.Title)
	}
}

// TestUpdateReportConcurrentRetry has many editors each append a line to the
// body, re-reading and retrying on CONFLICT: every change lands, once, in its
// own version, and no line is lost.
func TestUpdateReportConcurrentRetry(t *testing.T) {
	t.Parallel()
	ctx := testkit.AsSystem(t)
	svc, db := testkit.NewServices(t)
	r := testkit.Of(svc.CreateReport(ctx, reports.CreateReportInput{Title: "Live blog", SourceLocale: "en", Body: "Start."})).OK(t).Report
	const writers = 16
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			<-start
			line := fmt.Sprintf("Line by writer %d.", i)
			for attempt := 0; attempt < 10*writers; attempt++ {
				cur := testkit.Of(postgres.ReportsByIDs(ctx, db, []int64{r.ID})).OK(t)[r.ID]
				_, err := svc.UpdateReport(ctx, reports.UpdateReportInput{ID: r.ID, ExpectedVersion: cur.Version,
					Title: testkit.Set(fmt.Sprintf("Live blog (%d)", i)), Body: testkit.Set(cur.Body + "\n\n" + line)})
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

	got := testkit.StoredReport(t, db, r.ID)
	if got.Version != 1+writers {
		t.Errorf("version = %d, want %d", got.Version, 1+writers)
	}
	for i := range writers {
		if c := strings.Count(got.Body, fmt.Sprintf("Line by writer %d.", i)); c != 1 {
			t.Errorf("the body has writer %d's line %d times, want once", i, c)
		}
	}
	revs := testkit.RevisionsOf(t, db, r.ID)
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
	ctx := testkit.AsSystem(t)
	n := testkit.NewNewsroom(t)
	svc, db := n.Svc, n.DB
	r := n.Report(t, reports.CreateReportInput{Title: "Who came", Attendees: []reports.AttendeeInput{
		{PersonID: &n.Wang.ID, Role: testkit.Ptr("Mayor"), Participations: testkit.Parts("SPEECH")},
		{OrganizationID: &n.CCPIT.ID, Participations: testkit.Parts("HOSTED")},
		{Delegation: testkit.Ptr("Officers"), Participations: testkit.Parts("ATTENDED")},
	}})
	start := testkit.AttendeesOf(t, db, r.ID)
	wang, ccpit, officers := start[0], start[1], start[2]
	testkit.Of(svc.UpsertTranslation(ctx, translation.UpsertTranslationInput{ReportID: r.ID, Locale: "zh-Hans", Title: "谁来了",
		Attendees: []editorial.AttendeeTranslation{{AttendeeID: wang.ID, Role: testkit.Ptr("市长")}}})).OK(t)
	roleIn := func(id int64) *string {
		t.Helper()
		m := testkit.Of(postgres.AttendeeTranslationsByKeys(ctx, db, []editorial.TranslationKey{{ReportID: r.ID, Locale: "zh-Hans"}})).OK(t)
		for _, a := range m[editorial.TranslationKey{ReportID: r.ID, Locale: "zh-Hans"}] {
			if a.AttendeeID == id {
				return a.Role
			}
		}
		return nil
	}
	keep := func(a *editorial.Attendee) reports.AttendeeInput {
		return reports.AttendeeInput{ID: a.ID, PersonID: a.PersonID, OrganizationID: a.OrganizationID, Delegation: a.Delegation,
			Role: a.Role, Participations: a.Participations, Note: a.Note}
	}
	version := 1
	setOK := func(t *testing.T, list ...reports.AttendeeInput) *reports.Saved {
		t.Helper()
		saved := testkit.Of(svc.SetAttendees(ctx, r.ID, version, list, nil)).OK(t)
		if saved.Report.Version != version+1 || saved.Revision.Version != version+1 {
			t.Fatalf("version %d, revision %d; want %d", saved.Report.Version, saved.Revision.Version, version+1)
		}
		version++
		return saved
	}

	t.Run("OKReorder", func(t *testing.T) {
		setOK(t, keep(officers), keep(wang), keep(ccpit))
		got := testkit.AttendeesOf(t, db, r.ID)
		if !slices.Equal(testkit.AttendeeIDs(got), []int64{officers.ID, wang.ID, ccpit.ID}) || got[1].Position != 1 {
			t.Errorf("attendees = %v", testkit.AttendeeIDs(got))
		}
		if role := roleIn(wang.ID); role == nil || *role != "市长" {
			t.Errorf("translated role = %v, want 市长 kept", role)
		}
	})
	t.Run("OKKeepByIDAndChange", func(t *testing.T) {
		in := keep(wang)
		in.Role, in.Participations, in.OrganizationID = testkit.Ptr("Mayor of Qingdao"), testkit.Parts("SPEECH", "HOSTED"), &n.CAST.ID
		saved := setOK(t, keep(officers), in, keep(ccpit))
		got := testkit.AttendeesOf(t, db, r.ID)
		if got[1].ID != wang.ID || *got[1].Role != "Mayor of Qingdao" || *got[1].OrganizationID != n.CAST.ID || !slices.Equal(got[1].Participations, testkit.Parts("SPEECH", "HOSTED")) {
			t.Errorf("attendee = %+v", got[1])
		}
		if role := roleIn(wang.ID); role == nil || *role != "市长" {
			t.Errorf("translated role = %v, want 市长 kept", role)
		}
		if sa := saved.Revision.Snapshot.Attendees[1]; *sa.OrganizationName != n.CAST.Name || *sa.PersonName != "Wang Wei" {
			t.Errorf("snapshot attendee = %+v", sa)
		}
	})
	t.Run("OKRemoveAndAdd", func(t *testing.T) {
		setOK(t, keep(wang), reports.AttendeeInput{PersonID: &n.Li.ID, Participations: testkit.Parts("KEYNOTE")})
		got := testkit.AttendeesOf(t, db, r.ID)
		if len(got) != 2 || got[0].ID != wang.ID || got[1].ID == ccpit.ID || got[1].ID == officers.ID || *got[1].PersonID != n.Li.ID {
			t.Errorf("attendees = %+v", got)
		}
		if m := testkit.Of(postgres.AttendeesByIDs(ctx, db, []int64{ccpit.ID, officers.ID})).OK(t); len(m) != 0 {
			t.Errorf("removed attendees still exist: %v", m)
		}
	})
	t.Run("OKNoOp", func(t *testing.T) {
		before := testkit.ReportDump(t, db)
		got := testkit.AttendeesOf(t, db, r.ID)
		saved := testkit.Of(svc.SetAttendees(ctx, r.ID, version, []reports.AttendeeInput{keep(got[0]), keep(got[1])}, testkit.Ptr("same"))).OK(t)
		if saved.Report.Version != version || testkit.ReportDump(t, db) != before {
			t.Errorf("a no-op SetAttendees wrote (version %d)", saved.Report.Version)
		}
	})
	t.Run("OKPersonMovesToANewAttendee", func(t *testing.T) {
		// The kept attendee switches to another person while a new entry takes
		// over its old person: the final list has no duplicate, so it saves.
		li := testkit.AttendeesOf(t, db, r.ID)[1]
		in := keep(wang)
		in.PersonID, in.Role = &n.Zhang.ID, nil
		setOK(t, reports.AttendeeInput{PersonID: &n.Wang.ID, Participations: testkit.Parts("SPEECH")}, in, keep(li))
		got := testkit.AttendeesOf(t, db, r.ID)
		if len(got) != 3 || *got[0].PersonID != n.Wang.ID || got[0].ID == wang.ID || got[1].ID != wang.ID || *got[1].PersonID != n.Zhang.ID {
			t.Errorf("attendees = %+v", got)
		}
	})
	t.Run("OKSwapPeopleBetweenKeptAttendees", func(t *testing.T) {
		got := testkit.AttendeesOf(t, db, r.ID)
		if len(got) != 3 {
			t.Fatalf("attendees = %+v", got)
		}
		a, b := keep(got[0]), keep(got[1])
		a.PersonID, b.PersonID = b.PersonID, a.PersonID
		setOK(t, a, b, keep(got[2]))
		after := testkit.AttendeesOf(t, db, r.ID)
		if after[0].ID != got[0].ID || *after[0].PersonID != *got[1].PersonID || *after[1].PersonID != *got[0].PersonID {
			t.Errorf("attendees = %+v", after)
		}
	})

	other := n.Report(t, reports.CreateReportInput{Title: "Elsewhere", Attendees: []reports.AttendeeInput{{PersonID: &n.Liu.ID, Participations: testkit.Parts("ATTENDED")}}})
	foreign := testkit.AttendeesOf(t, db, other.ID)[0]
	replace := func(expected int, list ...reports.AttendeeInput) func() error {
		return func() error { _, err := svc.SetAttendees(ctx, r.ID, expected, list, nil); return err }
	}
	cur := func(i int) reports.AttendeeInput { return keep(testkit.AttendeesOf(t, db, r.ID)[i]) }
	testkit.RunFailCases(t, db, testkit.ReportDump, []testkit.FailCase{
		{Name: "ErrForeignAttendee", Call: replace(version, cur(0), keep(foreign)), Code: cerr.NotFound, Field: "input.attendees.1.id"},
		{Name: "ErrUnknownAttendee", Call: replace(version, reports.AttendeeInput{ID: 999999, PersonID: &n.Liu.ID, Participations: testkit.Parts("ATTENDED")}), Code: cerr.NotFound, Field: "input.attendees.0.id"},
		{Name: "ErrAttendeeIDTwice", Call: replace(version, cur(0), cur(1), cur(0)), Code: cerr.Invalid, Field: "input.attendees.2.id"},
		{Name: "ErrDuplicatedPerson", Call: replace(version, cur(0), reports.AttendeeInput{PersonID: cur(0).PersonID, Participations: testkit.Parts("ATTENDED")}), Code: cerr.Invalid, Field: "input.attendees.1"},
		{Name: "ErrUnknownPerson", Call: replace(version, cur(0), reports.AttendeeInput{PersonID: testkit.Ptr(int64(999999)), Participations: testkit.Parts("ATTENDED")}), Code: cerr.NotFound, Field: "input.attendees.1.personId"},
		{Name: "ErrNoParticipations", Call: replace(version, reports.AttendeeInput{PersonID: &n.Liu.ID}), Code: cerr.Invalid, Field: "input.attendees.0.participations"},
		{Name: "ErrStaleVersion", Call: replace(version - 1), Code: cerr.Conflict, Field: "input.expectedVersion"},
		{Name: "ErrUnknownReport", Call: func() error {
			_, err := svc.SetAttendees(ctx, 999999, 1, nil, nil)
			return err
		}, Code: cerr.NotFound, Field: "input.reportId"},
	})

	t.Run("OKRemoveAll", func(t *testing.T) {
		saved := setOK(t)
		if got := testkit.AttendeesOf(t, db, r.ID); len(got) != 0 || len(saved.Revision.Snapshot.Attendees) != 0 {
			t.Errorf("attendees = %+v", got)
		}
		if m := testkit.Of(postgres.AttendeeTranslationsByKeys(ctx, db, []editorial.TranslationKey{{ReportID: r.ID, Locale: "zh-Hans"}})).OK(t); len(m) != 0 {
			t.Errorf("translations of removed attendees remain: %v", m)
		}
	})
}

// --- revisions ---

func TestRevisions(t *testing.T) {
	t.Parallel()
	ctx := testkit.AsSystem(t)
	n := testkit.NewNewsroom(t)
	svc, db := n.Svc, n.DB
	v1 := testkit.Of(svc.CreateReport(ctx, reports.CreateReportInput{Title: "Forum opens", SourceLocale: "en", Body: "The forum opened today.",
		Tags: []reports.TagRef{{ID: n.Economy.ID}, {ID: n.Trade.ID}}, AuthorIDs: []int64{n.Li.ID},
		Attendees: []reports.AttendeeInput{
			{PersonID: &n.Wang.ID, Role: testkit.Ptr("Mayor"), Participations: testkit.Parts("SPEECH")},
			{OrganizationID: &n.CCPIT.ID, Participations: testkit.Parts("HOSTED")},
		}})).OK(t)
	r := v1.Report
	atts := testkit.AttendeesOf(t, db, r.ID)
	wang, ccpit := atts[0], atts[1]
	v2 := testkit.Of(svc.UpdateReport(ctx, reports.UpdateReportInput{ID: r.ID, ExpectedVersion: 1, Title: testkit.Set("Forum opens in Qingdao"),
		Body: testkit.Set("The forum opened in Qingdao today."), Tags: testkit.Set([]reports.TagRef{{ID: n.Trade.ID}, {ID: n.Economy.ID}})})).OK(t)
	v3 := testkit.Of(svc.UpdateReport(ctx, reports.UpdateReportInput{ID: r.ID, ExpectedVersion: 2,
		Tags: testkit.Set([]reports.TagRef{{ID: n.Trade.ID}, {Name: "Technology"}})})).OK(t)
	v4 := testkit.Of(svc.SetAttendees(ctx, r.ID, 3, []reports.AttendeeInput{
		{ID: ccpit.ID, OrganizationID: &n.CCPIT.ID, Role: testkit.Ptr("Host"), Participations: testkit.Parts("HOSTED")},
		{PersonID: &n.Zhang.ID, Participations: testkit.Parts("KEYNOTE")},
	}, testkit.Ptr("Attendees checked"))).OK(t)

	t.Run("List", func(t *testing.T) {
		list, total := testkit.Of2(postgres.ListRevisions(ctx, db, r.ID, 2, 0)).OK(t)
		if total != 4 || len(list) != 2 || list[0].Version != 4 || list[1].Version != 3 {
			t.Fatalf("first page: total %d, %d revisions", total, len(list))
		}
		list, _ = testkit.Of2(postgres.ListRevisions(ctx, db, r.ID, 2, 3)).OK(t)
		if len(list) != 2 || list[0].Version != 2 || list[1].Version != 1 {
			t.Errorf("second page: %d revisions", len(list))
		}
		byID := testkit.Of(postgres.RevisionsByIDs(ctx, db, []int64{v1.Revision.ID, v4.Revision.ID, 999999})).OK(t)
		if len(byID) != 2 || byID[v4.Revision.ID].Version != 4 || *byID[v4.Revision.ID].Message != "Attendees checked" {
			t.Errorf("RevisionsByIDs = %v", byID)
		}
		if r1 := byID[v1.Revision.ID]; r1 == nil {
			t.Errorf("RevisionsByIDs has no revision %d", v1.Revision.ID)
		} else {
			testkit.Diff(t, "RevisionsByIDs snapshot of version 1", v1.Revision.Snapshot, r1.Snapshot)
		}
		if _, err := postgres.RevisionByVersion(ctx, db, r.ID, 5); !cerr.Is(err, cerr.NotFound) {
			t.Errorf("RevisionByVersion(5) = %v, want NOT_FOUND", err)
		}
	})

	t.Run("Diff", func(t *testing.T) {
		snap := func(s *reports.Saved) editorial.Snapshot { return s.Revision.Snapshot }
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
		saved := testkit.Of(svc.RestoreRevision(ctx, v1.Revision.ID, 4, nil)).OK(t)
		if saved.Report.Version != 5 || saved.Revision.Version != 5 || saved.Revision.Message == nil || *saved.Revision.Message != "Restored version 1" {
			t.Fatalf("restore = %+v, %+v", saved.Report, saved.Revision)
		}
		got := testkit.StoredReport(t, db, r.ID)
		if got.Title != "Forum opens" || got.Body != "The forum opened today." || got.WordCount != 4 || got.Version != 5 {
			t.Errorf("report = %+v", got)
		}
		// The content is revision 1's; the attendee removed since comes back as a new attendee.
		now := saved.Revision.Snapshot
		d := editorial.Diff(v1.Revision.Snapshot, now)
		if !slices.Equal(d.ChangedFields, []string{"attendees"}) || len(d.AttendeesAdded) != 1 || len(d.AttendeesRemoved) != 1 ||
			d.AttendeesRemoved[0].ID != wang.ID || *d.AttendeesAdded[0].PersonID != n.Wang.ID || *d.AttendeesAdded[0].Role != "Mayor" || len(d.AttendeesChanged) != 0 {
			t.Errorf("v1→v5 = %+v", d)
		}
		if now.Attendees[1].ID != ccpit.ID || now.Attendees[1].Role != nil {
			t.Errorf("kept attendee = %+v", now.Attendees[1])
		}
		stored := testkit.Of(postgres.RevisionByVersion(ctx, db, r.ID, 5)).OK(t)
		testkit.Diff(t, "stored snapshot (vs the returned one)", now, stored.Snapshot)
		var after []string
		if err := db.SelectContext(ctx, &after, `SELECT row_to_json(x)::text FROM report_revisions x WHERE report_id = $1 ORDER BY version`, r.ID); err != nil {
			t.Fatal(err)
		}
		if len(after) != 5 || !slices.Equal(after[:4], history) {
			t.Errorf("history was rewritten:\nbefore %v\nafter  %v", history, after)
		}
	})
	t.Run("RestoreRevisionWithMessage", func(t *testing.T) {
		saved := testkit.Of(svc.RestoreRevision(ctx, v3.Revision.ID, 5, testkit.Ptr(" Back to three "))).OK(t)
		if saved.Report.Version != 6 || *saved.Revision.Message != "Back to three" || saved.Report.Title != "Forum opens in Qingdao" {
			t.Errorf("restore = %+v, %+v", saved.Report, saved.Revision)
		}
	})
	t.Run("RestoreCurrentRevisionIsNoOp", func(t *testing.T) {
		cur := testkit.RevisionsOf(t, db, r.ID)[5]
		saved := testkit.Of(svc.RestoreRevision(ctx, cur.ID, 6, nil)).OK(t)
		if saved.Report.Version != 6 || len(testkit.RevisionsOf(t, db, r.ID)) != 6 {
			t.Errorf("restoring the current revision saved version %d", saved.Report.Version)
		}
	})

	testkit.RunFailCases(t, db, testkit.ReportDump, []testkit.FailCase{
		{Name: "ErrRestoreStale", Call: func() error { _, err := svc.RestoreRevision(ctx, v2.Revision.ID, 4, nil); return err }, Code: cerr.Conflict, Field: "input.expectedVersion"},
		{Name: "ErrRestoreUnknown", Call: func() error { _, err := svc.RestoreRevision(ctx, 999999, 6, nil); return err }, Code: cerr.NotFound, Field: "input.revisionId"},
		{Name: "ErrRestoreMessageTooLong", Call: func() error {
			_, err := svc.RestoreRevision(ctx, v2.Revision.ID, 6, testkit.Ptr(strings.Repeat("m", editorial.MaxMessage+1)))
			return err
		}, Code: cerr.Invalid, Field: "input.message"},
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
		if got := testkit.Of(postgres.RevisionsByIDs(ctx, db, []int64{v1.Revision.ID})).OK(t)[v1.Revision.ID]; got.Message != nil || got.Snapshot.Title != "Forum opens" {
			t.Errorf("revision 1 changed: %+v", got)
		}
	})
}

// TestRestoreRevisionDirectoryChanges restores a revision after tags and
// people it names were merged away: what no longer exists is left out, and an
// attendee left with nobody, or left the same as another, is dropped.
func TestRestoreRevisionDirectoryChanges(t *testing.T) {
	t.Parallel()
	ctx := testkit.AsSystem(t)
	n := testkit.NewNewsroom(t)
	svc, db := n.Svc, n.DB
	v1 := testkit.Of(svc.CreateReport(ctx, reports.CreateReportInput{Title: "Before the merge", SourceLocale: "en",
		Tags: []reports.TagRef{{ID: n.Economy.ID}, {ID: n.Trade.ID}}, AuthorIDs: []int64{n.Li.ID, n.Zhang.ID},
		Attendees: []reports.AttendeeInput{
			{PersonID: &n.Wang.ID, Participations: testkit.Parts("SPEECH")},                               // nobody left: dropped
			{PersonID: &n.Liu.ID, OrganizationID: &n.CCPIT.ID, Participations: testkit.Parts("ATTENDED")}, // kept
			{PersonID: &n.Li.ID, OrganizationID: &n.CAST.ID, Participations: testkit.Parts("ATTENDED")},   // only CAST left, listed below: dropped
			{OrganizationID: &n.CAST.ID, Participations: testkit.Parts("HOSTED")},                         // kept
		}})).OK(t)
	r := v1.Report
	testkit.Of(svc.UpdateReport(ctx, reports.UpdateReportInput{ID: r.ID, ExpectedVersion: 1, Title: testkit.Set("After"), Tags: testkit.Set([]reports.TagRef{}), AuthorIDs: testkit.Set([]int64{})})).OK(t)
	testkit.Of(svc.SetAttendees(ctx, r.ID, 2, nil, nil)).OK(t)
	// Economy merges into Trade, Li Na into Zhang Min, Wang Wei into Liu Yang.
	testkit.Of(svc.MergeTags(ctx, directory.MergeInput{SourceIDs: []int64{n.Economy.ID}, TargetID: n.Trade.ID})).OK(t)
	testkit.Of(svc.MergePeople(ctx, directory.MergeInput{SourceIDs: []int64{n.Li.ID}, TargetID: n.Zhang.ID})).OK(t)
	testkit.Of(svc.MergePeople(ctx, directory.MergeInput{SourceIDs: []int64{n.Wang.ID}, TargetID: n.Liu.ID})).OK(t)

	saved := testkit.Of(svc.RestoreRevision(ctx, v1.Revision.ID, 3, nil)).OK(t)
	snap := saved.Revision.Snapshot
	if snap.Title != "Before the merge" || len(snap.Tags) != 1 || snap.Tags[0].ID != n.Trade.ID || !slices.Equal(snap.AuthorIDs, []int64{n.Zhang.ID}) {
		t.Errorf("snapshot = %+v", snap)
	}
	got := testkit.AttendeesOf(t, db, r.ID)
	if len(got) != 2 || *got[0].PersonID != n.Liu.ID || *got[0].OrganizationID != n.CCPIT.ID ||
		got[1].PersonID != nil || *got[1].OrganizationID != n.CAST.ID || !slices.Equal(got[1].Participations, testkit.Parts("HOSTED")) {
		t.Errorf("attendees = %+v", got)
	}
}

// --- deleteReport / restoreReport ---

func TestDeleteAndRestoreReport(t *testing.T) {
	t.Parallel()
	ctx := testkit.AsSystem(t)
	n := testkit.NewNewsroom(t)
	svc, db := n.Svc, n.DB
	r := n.Report(t, reports.CreateReportInput{Title: "To archive", Status: editorial.InReview})

	t.Run("DeleteArchives", func(t *testing.T) {
		saved := testkit.Of(svc.DeleteReport(ctx, r.ID, 1)).OK(t)
		got := testkit.StoredReport(t, db, r.ID)
		if got.Status != editorial.Archived || got.ArchivedAt == nil || !got.ArchivedAt.Equal(got.UpdatedAt) || got.StatusBeforeArchive == nil ||
			*got.StatusBeforeArchive != editorial.InReview || got.Version != 2 || saved.Report.Status != editorial.Archived {
			t.Errorf("archived report = %+v", got)
		}
		if saved.Revision.Version != 2 || *saved.Revision.Message != "Archived" {
			t.Errorf("revision = %+v", saved.Revision)
		}
		p := testkit.Of(postgres.ReportPage(ctx, db, postgres.ReportPageArgs{Limit: 10})).OK(t)
		if total := testkit.Of(p.Total(ctx)).OK(t); total != 0 || len(p.Items) != 0 {
			t.Errorf("an archived report is listed")
		}
		p = testkit.Of(postgres.ReportPage(ctx, db, postgres.ReportPageArgs{Limit: 10, Filter: postgres.ReportFilter{Statuses: []editorial.Status{editorial.Archived}}})).OK(t)
		if len(p.Items) != 1 || p.Items[0].ID != r.ID {
			t.Errorf("archived list = %v", p.Items)
		}
	})
	testkit.RunFailCases(t, db, testkit.ReportDump, []testkit.FailCase{
		{Name: "ErrDeleteTwice", Call: func() error { _, err := svc.DeleteReport(ctx, r.ID, 2); return err }, Code: cerr.Invalid, Field: "input.id"},
		{Name: "ErrDeleteStale", Call: func() error { _, err := svc.DeleteReport(ctx, r.ID, 1); return err }, Code: cerr.Conflict, Field: "input.expectedVersion"},
		{Name: "ErrDeleteUnknown", Call: func() error { _, err := svc.DeleteReport(ctx, 999999, 1); return err }, Code: cerr.NotFound, Field: "input.id"},
		{Name: "ErrRestoreStale", Call: func() error { _, err := svc.RestoreReport(ctx, r.ID, 1); return err }, Code: cerr.Conflict, Field: "input.expectedVersion"},
		{Name: "ErrRestoreUnknown", Call: func() error { _, err := svc.RestoreReport(ctx, 999999, 1); return err }, Code: cerr.NotFound, Field: "input.id"},
	})
	t.Run("RestoreReturnsToThePreviousStatus", func(t *testing.T) {
		saved := testkit.Of(svc.RestoreReport(ctx, r.ID, 2)).OK(t)
		got := testkit.StoredReport(t, db, r.ID)
		if got.Status != editorial.InReview || got.ArchivedAt != nil || got.StatusBeforeArchive != nil || got.Version != 3 || saved.Report.Status != editorial.InReview {
			t.Errorf("restored report = %+v", got)
		}
		if saved.Revision.Version != 3 || *saved.Revision.Message != "Restored from the archive" {
			t.Errorf("revision = %+v", saved.Revision)
		}
	})
	testkit.RunFailCases(t, db, testkit.ReportDump, []testkit.FailCase{
		{Name: "ErrRestoreNotArchived", Call: func() error { _, err := svc.RestoreReport(ctx, r.ID, 3); return err }, Code: cerr.Invalid, Field: "input.id", Msg: "IN_REVIEW"},
	})
	t.Run("ArchiveAndRestoreADraft", func(t *testing.T) {
		d := n.Report(t, reports.CreateReportInput{Title: "Draft"})
		testkit.Of(svc.DeleteReport(ctx, d.ID, 1)).OK(t)
		if got := testkit.Of(svc.RestoreReport(ctx, d.ID, 2)).OK(t).Report; got.Status != editorial.Draft || got.Version != 3 {
			t.Errorf("restored draft = %+v", got)
		}
	})
}
