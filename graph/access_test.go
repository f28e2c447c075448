package graph_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/comments"
	"github.com/copydesk/copydesk/internal/directory"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/newsroom"
	"github.com/copydesk/copydesk/internal/reports"
	"github.com/copydesk/copydesk/internal/testkit"
	"github.com/copydesk/copydesk/internal/translation"
)

// secret marks text that must never reach a public reader.
const secret = "SECRET-DRAFT-TEXT"

// takenDownSlug is the slug of newsroomData's TAKEN_DOWN report.
const takenDownSlug = "secret-draft-text-taken-down-report"

// The tags of newsroomData that the public must never see: one only the
// draft uses (a narrower tag of "Shared tag"), one only the unpublished
// changes of the published report add.
const (
	draftOnlyTag       = secret + " draft-only tag"
	unpublishedOnlyTag = secret + " unpublished-change tag"
)

// newsroomData creates, as the System viewer, one published report (with an
// approved and an in-progress translation) and reports in every other state,
// all sharing an event and a tag; the draft has a tag of its own
// (draftOnlyTag) and the published report's unpublished changes add one
// (unpublishedOnlyTag). The TAKEN_DOWN one was public, secret
// text and all, republished with a correction note and a translation, and
// carries a tag of its own; a republication with a secret note that failed
// left the published report as it was.
func (a *api) newsroomData() (published, draft reports.Saved) {
	a.t.Helper()
	ctx := auth.WithViewer(context.Background(), auth.System())
	svc := newsroom.New(a.db)
	ev, err := svc.Directory.CreateEvent(ctx, directory.CreateEventInput{Name: "Forum"})
	if err != nil {
		a.t.Fatal(err)
	}
	person, err := svc.Directory.CreatePerson(ctx, directory.CreatePersonInput{Name: "Public Person"})
	if err != nil {
		a.t.Fatal(err)
	}
	mk := func(title string, status editorial.Status) reports.Saved {
		body := "Body of " + title
		if status != editorial.Published {
			body += " " + secret
		}
		s, err := svc.Reports.CreateReport(ctx, reports.CreateReportInput{
			Title: title, SourceLocale: "en", Body: body, Status: status, EventID: &ev.ID,
			Tags:      []reports.TagRef{{Name: "Shared tag"}},
			Attendees: []reports.AttendeeInput{{PersonID: &person.ID, Role: testkit.Ptr("role " + string(status)), Participations: []editorial.Participation{"SPEECH"}}},
		})
		if err != nil {
			a.t.Fatal(err)
		}
		return *s
	}
	published = mk("Published report", editorial.Published)
	for _, st := range []editorial.Status{editorial.Draft, editorial.InReview, editorial.Approved, editorial.Scheduled, editorial.Unpublished} {
		s := mk(fmt.Sprintf("%s %s report", secret, st), st)
		if st == editorial.Draft {
			draft = s
		}
	}
	// The draft's own tag, narrower than the shared one.
	up, err := svc.Reports.UpdateReport(ctx, reports.UpdateReportInput{ID: draft.Report.ID, ExpectedVersion: 1,
		Tags: editorial.SetTo([]reports.TagRef{{Name: "Shared tag"}, {Name: draftOnlyTag}})})
	if err != nil {
		a.t.Fatal(err)
	}
	draft = *up
	shared, own := up.Revision.Snapshot.Tags[0], up.Revision.Snapshot.Tags[1]
	if _, err := svc.Directory.UpdateTag(ctx, directory.UpdateTagInput{ID: own.ID, ExpectedVersion: 1, ParentID: editorial.SetTo(&shared.ID)}); err != nil {
		a.t.Fatal(err)
	}
	for _, tr := range []translation.UpsertTranslationInput{
		{ReportID: published.Report.ID, Locale: "ja", Title: "公開された翻訳", Status: editorial.TranslationApproved},
		{ReportID: published.Report.ID, Locale: "zh-Hans", Title: secret + " 未审核", Body: secret, Status: editorial.TranslationInProgress},
		{ReportID: draft.Report.ID, Locale: "ja", Title: secret + " 草稿", Status: editorial.TranslationApproved},
	} {
		if _, err := svc.Translations.UpsertTranslation(ctx, tr); err != nil {
			a.t.Fatal(err)
		}
	}
	// The approved ja translation is being edited again: readers keep the
	// approved text.
	if _, err := svc.Translations.UpsertTranslation(ctx, translation.UpsertTranslationInput{ReportID: published.Report.ID, Locale: "ja", ExpectedVersion: testkit.Ptr(1),
		Title: secret + " 編集中", Body: secret}); err != nil {
		a.t.Fatal(err)
	}
	if _, err := comments.New(a.db).Create(ctx, comments.NewComment{ReportID: published.Report.ID, Body: "Comment " + secret}); err != nil {
		a.t.Fatal(err)
	}
	// A second revision, so the published report's history holds old text;
	// it adds a tag that only these unpublished changes use.
	if _, err := svc.Reports.UpdateReport(ctx, reports.UpdateReportInput{ID: published.Report.ID, ExpectedVersion: 1,
		Summary: editorial.SetTo(testkit.Ptr("Public summary")), Tags: editorial.SetTo([]reports.TagRef{{Name: "Shared tag"}, {Name: unpublishedOnlyTag}})}); err != nil {
		a.t.Fatal(err)
	}
	if _, err := svc.Reports.PublishWithCorrection(ctx, published.Report.ID, 1, testkit.Ptr("Correction "+secret)); cerr.Code(err) != cerr.Conflict {
		a.t.Fatalf("a stale republication with a correction: %v", err)
	}
	a.takenDown(svc, ctx, ev.ID, person.ID)
	return published, draft
}

// takenDown makes the TAKEN_DOWN report of newsroomData.
func (a *api) takenDown(svc *newsroom.Services, ctx context.Context, eventID, personID int64) {
	a.t.Helper()
	s, err := svc.Reports.CreateReport(ctx, reports.CreateReportInput{
		Title: secret + " TAKEN_DOWN report", SourceLocale: "en", Body: "Body " + secret, Status: editorial.Published, EventID: &eventID,
		Tags:      []reports.TagRef{{Name: "Shared tag"}, {Name: "Taken-down tag"}},
		Attendees: []reports.AttendeeInput{{PersonID: &personID, Role: testkit.Ptr("role " + secret), Participations: []editorial.Participation{"SPEECH"}}},
	})
	if err != nil {
		a.t.Fatal(err)
	}
	id := s.Report.ID
	if _, err := svc.Translations.UpsertTranslation(ctx, translation.UpsertTranslationInput{ReportID: id, Locale: "ja", Title: secret + " 撤回", Body: secret,
		Status: editorial.TranslationApproved}); err != nil {
		a.t.Fatal(err)
	}
	if _, err := svc.Reports.UpdateReport(ctx, reports.UpdateReportInput{ID: id, ExpectedVersion: 1, Summary: editorial.SetTo(testkit.Ptr("Summary " + secret))}); err != nil {
		a.t.Fatal(err)
	}
	if _, err := svc.Reports.PublishWithCorrection(ctx, id, 2, testkit.Ptr("Correction "+secret)); err != nil {
		a.t.Fatal(err)
	}
	if _, err := svc.Reports.TakeDown(ctx, id, 3, "Legal "+secret); err != nil {
		a.t.Fatal(err)
	}
}

func gid(typ string, id int64) string { return encodeB64(typ + ":" + fmt.Sprint(id)) }

func encodeB64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// Anonymous readers and read-only tokens see published content only: every
// query and nested field is walked, and no unpublished text, unapproved
// translation, revision or user comes back.
func TestPublicReadersSeePublishedContentOnly(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	published, draft := a.newsroomData()
	readOnly := a.readOnlyToken()
	hiddenTag := func(name string) int64 {
		var id int64
		if err := a.db.GetContext(context.Background(), &id, `SELECT id FROM tags WHERE name = $1`, name); err != nil {
			t.Fatal(err)
		}
		return id
	}
	draftTag, unpublishedTag := hiddenTag(draftOnlyTag), hiddenTag(unpublishedOnlyTag)
	queries := []string{
		`{ reports(first: 100) { totalCount nodes { title body summary status corrections { note } attendees { role } translations { locale title body } tags { name reportCount } event { reports { nodes { title } } } } } }`,
		`{ reports(filter: {status: [DRAFT, IN_REVIEW, APPROVED, SCHEDULED, UNPUBLISHED, TAKEN_DOWN, ARCHIVED]}) { totalCount nodes { title corrections { note } } } }`,
		fmt.Sprintf(`{ report(slug: %q) { title body corrections { note } } }`, takenDownSlug),
		fmt.Sprintf(`{ report(slug: %q, locale: "ja") { title body corrections { note } translations { title body } } }`, takenDownSlug),
		fmt.Sprintf(`{ report(id: %q) { title body } }`, gid("Report", draft.Report.ID)),
		fmt.Sprintf(`{ report(slug: %q) { title body } }`, draft.Report.Slug),
		fmt.Sprintf(`{ node(id: %q) { id ... on Report { title } } }`, gid("Report", draft.Report.ID)),
		fmt.Sprintf(`{ nodes(ids: [%q, %q, %q, %q]) { id } }`, gid("Report", draft.Report.ID), gid("Revision", draft.Revision.ID),
			gid("Revision", published.Revision.ID), gid("Attendee", draftAttendee(t, a, draft.Report.ID))),
		fmt.Sprintf(`{ node(id: %q) { ... on ReportTranslation { title body } } }`, encodeB64(fmt.Sprintf("ReportTranslation:%d:zh-Hans", published.Report.ID))),
		fmt.Sprintf(`{ node(id: %q) { ... on ReportTranslation { title body } } }`, encodeB64(fmt.Sprintf("ReportTranslation:%d:ja", draft.Report.ID))),
		fmt.Sprintf(`{ report(id: %q) { title translation(locale: "zh-Hans") { title } translations { locale title } createdBy { name email } corrections { note createdBy { name } revision { id } } } }`, gid("Report", published.Report.ID)),
		`{ tags { nodes { name reportCount } } events { nodes { name reports { nodes { title } } } } people { nodes { name } } }`,
		`{ tags(first: 100) { totalCount nodes { name slug parent { name } children { name } } } }`,
		`{ tags(search: "secret") { totalCount nodes { name } } }`,
		`{ reports(first: 100) { nodes { tags { name children { name } parent { name } } } } }`,
		fmt.Sprintf(`{ nodes(ids: [%q, %q]) { id ... on Tag { name reportCount } } }`, gid("Tag", draftTag), gid("Tag", unpublishedTag)),
		fmt.Sprintf(`{ node(id: %q) { id ... on Tag { name } } }`, gid("Tag", draftTag)),
		`{ viewer { name email } }`,
		fmt.Sprintf(`{ report(id: %q) { comments { root { body } } availableTransitions published { version } reviewers { name } approvals { version } embargoUntil } }`, gid("Report", published.Report.ID)),
		`{ myQueue { awaitingMyReview { title } } }`,
		`{ reports(first: 100, locale: "ja") { nodes { title body summary attendees { role person { name } } locale { fields { field locale } } translations { title body } } } }`,
		`{ reports(first: 100, locale: "zh-Hans") { nodes { title body attendees { role } } } }`,
		fmt.Sprintf(`{ report(id: %q, locale: "ja") { title body translation(locale: "ja") { title body attendees { role } } } }`, gid("Report", published.Report.ID)),
		fmt.Sprintf(`{ report(id: %q) { translationProgress { current locales { locale status } } translations { freshness { staleFields { from to } } assignment { translator { name email } } } } }`, gid("Report", published.Report.ID)),
		`{ translatorQueue { report { title } locale } }`,
		fmt.Sprintf(`{ xliffExport(input: {reportIds: [%q, %q], locale: "ja"}) }`, gid("Report", published.Report.ID), gid("Report", draft.Report.ID)),
		`{ desks { name } }`,
	}
	// Every search and filter: a secret word in a draft, an unapproved
	// translation or unpublished changes yields no hit, snippet or count.
	hit := `{ totalCount edges { node { title } search { locales highlights { text html } } } }`
	for _, q := range []string{secret, "SECRET", "secret draft text", "草稿", "未审核", "編集中", "role DRAFT", "Body"} {
		queries = append(queries,
			fmt.Sprintf(`{ reports(search: %q) %s }`, q, hit),
			fmt.Sprintf(`{ reports(search: %q, locale: "ja", orderBy: TITLE_ASC, filter: {participation: [SPEECH]}) %s }`, q, hit),
			fmt.Sprintf(`{ reports(search: %q, last: 5, filter: {status: [DRAFT, PUBLISHED]}) %s }`, q, hit),
			fmt.Sprintf(`{ reports(search: %q, orderBy: PUBLISHED_DESC, filter: {sourceLocale: "en", published: {from: "2000-01-01T00:00:00Z"},
				eventDate: {from: "2000-01-01"}, tagsMatch: ALL, authorId: null}) %s }`, q, hit),
			fmt.Sprintf(`{ reports(search: %q, orderBy: EVENT_DATE_ASC, filter: {country: "CN"}) %s }`, q, hit),
			fmt.Sprintf(`{ people { nodes { reports(search: %q) %s } } events { nodes { reports(search: %q) %s } } tags { nodes { reports(search: %q) %s } }
				organizations { nodes { reports(search: %q, orderBy: TITLE_DESC) %s } } }`, q, hit, q, hit, q, hit, q, hit))
	}
	for name, client := range map[string]*api{"anonymous": a.as(""), "read-only token": a.as(readOnly)} {
		for _, q := range []string{secret, "草稿", "未审核", "編集中"} {
			var found struct{ Reports struct{ TotalCount int } }
			client.do(fmt.Sprintf(`{ reports(search: %q) { totalCount } }`, q), nil, &found)
			if found.Reports.TotalCount != 0 {
				t.Errorf("%s: a search for %q counts %d reports", name, q, found.Reports.TotalCount)
			}
		}
		for _, q := range queries {
			resp := client.post(q, nil)
			raw, _ := json.Marshal(resp)
			if strings.Contains(string(raw), secret) {
				t.Errorf("%s: %s\nleaks unpublished content: %s", name, q, raw)
			}
		}
		var list struct {
			Reports struct {
				TotalCount int
				Nodes      []struct {
					Translations []struct{ Locale string }
					Tags         []struct{ ReportCount int }
				}
			}
		}
		client.do(`{ reports { totalCount nodes { translations { locale } tags { reportCount } } } }`, nil, &list)
		if list.Reports.TotalCount != 1 || len(list.Reports.Nodes[0].Translations) != 1 || list.Reports.Nodes[0].Tags[0].ReportCount != 1 {
			t.Errorf("%s: want the one published report, its approved translation, and a tag count of 1: %+v", name, list.Reports)
		}
		var tags struct {
			Tags struct {
				TotalCount int
				Nodes      []struct {
					Name        string
					ReportCount int
					Reports     struct{ TotalCount int }
					Children    []struct{ Name string }
				}
			}
		}
		client.do(`{ tags(first: 50) { totalCount nodes { name reportCount reports { totalCount } children { name } } } }`, nil, &tags)
		// Only the tag a published report uses, as published: not the
		// taken-down report's, the draft's or the unpublished changes'.
		if n := tags.Tags.Nodes; tags.Tags.TotalCount != 1 || len(n) != 1 || n[0].Name != "Shared tag" || n[0].ReportCount != 1 || n[0].Reports.TotalCount != 1 || len(n[0].Children) != 0 {
			t.Errorf("%s: the public tag list is %+v, want only the shared tag, counting the one published report", name, tags.Tags)
		}
		var nodes struct{ Nodes []*struct{ ID string } }
		client.do(fmt.Sprintf(`{ nodes(ids: [%q, %q]) { id } }`, gid("Tag", draftTag), gid("Tag", unpublishedTag)), nil, &nodes)
		if len(nodes.Nodes) != 2 || nodes.Nodes[0] != nil || nodes.Nodes[1] != nil {
			t.Errorf("%s: the tags only a draft and unpublished changes use resolve by ID: %+v", name, nodes.Nodes)
		}
		var ja struct{ Report struct{ Title string } }
		client.do(fmt.Sprintf(`{ report(id: %q, locale: "ja") { title } }`, gid("Report", published.Report.ID)), nil, &ja)
		if ja.Report.Title != "公開された翻訳" {
			t.Errorf("%s: the ja read shows %q, want the approved text while a new version is edited", name, ja.Report.Title)
		}
	}
	// Newsroom-only fields fail, saying why, without hiding the public data around them.
	for name, c := range map[string]struct {
		client *api
		code   string
	}{"anonymous": {a.as(""), "UNAUTHENTICATED"}, "read-only token": {a.as(readOnly), "FORBIDDEN"}} {
		q := fmt.Sprintf(`{ report(id: %q) { title revisions { nodes { snapshot { body } } } } }`, gid("Report", published.Report.ID))
		resp := c.client.post(q, nil)
		if len(resp.Errors) != 1 || resp.Errors[0].code() != c.code || !strings.Contains(string(resp.Data), "Published report") {
			t.Errorf("%s: revisions of a published report: %s %+v", name, resp.Data, resp.Errors)
		}
		for _, q := range []string{
			fmt.Sprintf(`{ revisionDiff(from: %q, to: %q) { changedFields } }`, gid("Revision", published.Revision.ID), gid("Revision", published.Revision.ID)),
			`{ users { nodes { email } } }`,
		} {
			if e, _ := c.client.fail(q, nil); e.code() != c.code {
				t.Errorf("%s: %s: got %s, want %s", name, q, e.code(), c.code)
			}
		}
	}
	// The newsroom sees everything, and finds it.
	var vocabulary struct {
		Tags struct {
			Nodes []struct {
				Name        string
				ReportCount int
			}
		}
	}
	a.do(`{ tags(first: 50) { nodes { name reportCount } } }`, nil, &vocabulary)
	counts := map[string]int{}
	for _, tg := range vocabulary.Tags.Nodes {
		counts[tg.Name] = tg.ReportCount
	}
	if want := map[string]int{"Shared tag": 7, "Taken-down tag": 1, draftOnlyTag: 1, unpublishedOnlyTag: 1}; fmt.Sprint(counts) != fmt.Sprint(want) {
		t.Errorf("the newsroom's tags and counts: %v, want %v", counts, want)
	}
	var all struct{ Reports struct{ TotalCount int } }
	a.do(`{ reports { totalCount } }`, nil, &all)
	if all.Reports.TotalCount != 7 {
		t.Errorf("an admin sees %d reports, want 7", all.Reports.TotalCount)
	}
	a.do(fmt.Sprintf(`{ reports(search: %q) { totalCount } }`, secret), nil, &all)
	if all.Reports.TotalCount != 7 { // five drafts, the taken-down one and the unpublished changes of the published one
		t.Errorf("the newsroom finds the secret in %d reports, want 7", all.Reports.TotalCount)
	}
	var notes struct {
		Report struct{ Corrections []struct{ Note string } }
	}
	a.do(fmt.Sprintf(`{ report(slug: %q) { corrections { note } } }`, takenDownSlug), nil, &notes)
	if len(notes.Report.Corrections) != 1 || notes.Report.Corrections[0].Note != "Correction "+secret {
		t.Errorf("the newsroom's corrections of the taken-down report: %+v", notes.Report.Corrections)
	}
}

func draftAttendee(t *testing.T, a *api, reportID int64) int64 {
	var id int64
	if err := a.db.GetContext(context.Background(), &id, `SELECT id FROM report_attendees WHERE report_id = $1 LIMIT 1`, reportID); err != nil {
		t.Fatal(err)
	}
	return id
}

func (a *api) readOnlyToken() string {
	a.t.Helper()
	var out struct {
		CreateAPIToken struct{ Secret string }
	}
	a.do(`mutation { createApiToken(input: {name: "public site", scope: READ_PUBLISHED}) { secret } }`, nil, &out)
	return out.CreateAPIToken.Secret
}

// Who may do what, through the API: every (viewer, operation) pair gets the
// outcome internal/auth's rules predict, and each denial its exact code.
func TestPermissionMatrix(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	var desks struct {
		A, B struct{ Desk struct{ ID string } }
	}
	a.do(`mutation { a: createDesk(input: {slug: "science", name: "Science"}) { desk { id } } b: createDesk(input: {slug: "world", name: "World"}) { desk { id } } }`, nil, &desks)
	deskA, deskB := desks.A.Desk.ID, desks.B.Desk.ID
	deskAID := decodeNum(t, deskA)
	deskBID := decodeNum(t, deskB)
	viewers := []struct {
		name   string
		token  string
		grants []auth.Grant
	}{
		{"anonymous", "", nil},
		{"read-only admin token", a.readOnlyToken(), nil},
		{"user without roles", a.newUser("nobody@example.org"), nil},
		{"reporter on science", "", []auth.Grant{{Role: auth.Reporter, DeskID: &deskAID}}},
		{"reviewer", "", []auth.Grant{{Role: auth.Reviewer}}},
		{"translator (zh-Hans)", "", []auth.Grant{{Role: auth.Translator}}},
		{"editor on science", "", []auth.Grant{{Role: auth.Editor, DeskID: &deskAID}}},
		{"editor on world", "", []auth.Grant{{Role: auth.Editor, DeskID: &deskBID}}},
		{"admin", a.token, []auth.Grant{{Role: auth.Admin}}},
	}
	for i := range viewers {
		if viewers[i].token == "" && viewers[i].grants != nil {
			viewers[i].token = a.newUser(fmt.Sprintf("user%d@example.org", i), viewers[i].grants...)
		}
	}
	var translator struct{ Viewer struct{ ID string } }
	for _, v := range viewers {
		if v.name == "translator (zh-Hans)" {
			a.as(v.token).do(`{ viewer { id } }`, nil, &translator)
		}
	}
	type op struct {
		name     string
		action   auth.Action
		resource auth.Resource
		mutation string
	}
	for _, v := range viewers {
		t.Run(v.name, func(t *testing.T) {
			// Fresh objects per viewer, so one viewer's success does not change another's case.
			var rep struct {
				CreateReport struct{ Report struct{ ID string } }
			}
			a.do(`mutation($d: ID!) { createReport(input: {title: "Science story", sourceLocale: "en", deskId: $d}) { report { id } } }`, map[string]any{"d": deskA}, &rep)
			reportID := rep.CreateReport.Report.ID
			a.do(`mutation($d: ID!) { createReport(input: {title: "Science story to archive", sourceLocale: "en", deskId: $d}) { report { id } } }`, map[string]any{"d": deskA}, &rep)
			archiveID := rep.CreateReport.Report.ID
			science := auth.Resource{DeskID: &deskAID, Status: "DRAFT"}
			ops := []op{
				{"createReport on science", auth.CreateReport, auth.Resource{DeskID: &deskAID},
					fmt.Sprintf(`createReport(input: {title: "New", sourceLocale: "en", deskId: %q}) { userErrors { code } }`, deskA)},
				{"updateReport on science", auth.EditReport, science,
					fmt.Sprintf(`updateReport(input: {id: %q, expectedVersion: 1, title: "Edited"}) { userErrors { code } }`, reportID)},
				{"upsert zh-Hans translation", auth.EditTranslation, auth.Resource{DeskID: &deskAID, Locale: "zh-Hans"},
					fmt.Sprintf(`upsertTranslation(input: {reportId: %q, locale: "zh-Hans", title: "科学"}) { userErrors { code } }`, reportID)},
				{"upsert ja translation", auth.EditTranslation, auth.Resource{DeskID: &deskAID, Locale: "ja"},
					fmt.Sprintf(`upsertTranslation(input: {reportId: %q, locale: "ja", title: "科学"}) { userErrors { code } }`, reportID)},
				{"assign a zh-Hans translator on science", auth.AssignTranslators, auth.Resource{DeskID: &deskAID, Locale: "zh-Hans"},
					fmt.Sprintf(`assignTranslator(input: {reportId: %q, locale: "zh-Hans", userId: %q}) { userErrors { code } }`, reportID, translator.Viewer.ID)},
				{"deleteReport on science", auth.ArchiveReport, science,
					fmt.Sprintf(`deleteReport(input: {id: %q, expectedVersion: 1}) { userErrors { code } }`, archiveID)},
				{"createTag", auth.EditDirectory, auth.Resource{},
					fmt.Sprintf(`createTag(input: {name: "Tag for %s"}) { userErrors { code } }`, v.name)},
				{"mergePeople", auth.MergeDirectory, auth.Resource{},
					`mergePeople(input: {sourceIds: ["UGVyc29uOjk5OTk"], targetId: "UGVyc29uOjk5OTg"}) { userErrors { code } }`},
				{"createDesk", auth.ManageUsers, auth.Resource{},
					fmt.Sprintf(`createDesk(input: {slug: "desk-%d", name: "Desk %s"}) { userErrors { code } }`, len(v.name), v.name)},
				{"createApiToken for self", auth.ManageOwnTokens, auth.Resource{},
					`createApiToken(input: {name: "mine"}) { userErrors { code } }`},
			}
			viewer := &auth.Viewer{UserID: 1, Grants: v.grants, Locales: []string{"zh-Hans"}, Scope: auth.ScopeFull}
			switch v.name {
			case "anonymous":
				viewer = auth.Anonymous()
			case "read-only admin token":
				viewer.Scope = auth.ScopeReadPublished
			}
			for _, o := range ops {
				want := ""
				if err := auth.Check(viewer, o.action, o.resource); err != nil {
					want = cerr.Code(err)
				}
				resp := a.as(v.token).post(`mutation { `+o.mutation+` }`, nil)
				got := ""
				if len(resp.Errors) > 0 {
					got = resp.Errors[0].code()
				}
				// NOT_FOUND is how an allowed merge of unknown people fails.
				if got == "NOT_FOUND" && want == "" {
					got = ""
				}
				if got != want {
					t.Errorf("%s: got %q, the rules say %q (%v)", o.name, got, want, resp.Errors)
				}
			}
		})
	}
}

func decodeNum(t *testing.T, gid string) int64 {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(gid)
	if err != nil {
		t.Fatal(err)
	}
	_, num, _ := strings.Cut(string(b), ":")
	var n int64
	if _, err := fmt.Sscan(num, &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A revoked token fails on the very next request, with 401 and
// UNAUTHENTICATED, as does a token that was never issued; the secret is
// shown once and stored only as a hash.
func TestTokensAuthenticateUntilRevoked(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	var created struct {
		CreateAPIToken struct {
			Secret string
			Token  struct{ ID, Prefix, Scope string }
		}
	}
	a.do(`mutation { createApiToken(input: {name: "cms"}) { secret token { id prefix scope } } }`, nil, &created)
	tok := created.CreateAPIToken
	if !strings.HasPrefix(tok.Secret, "cdk_"+tok.Token.Prefix) || tok.Token.Scope != "FULL" {
		t.Fatalf("token: %+v", tok)
	}
	var stored int
	if err := a.db.GetContext(context.Background(), &stored,
		`SELECT count(*) FROM api_tokens t WHERE position($1 in t::text) > 0`, strings.TrimPrefix(tok.Secret, "cdk_")); err != nil {
		t.Fatal(err)
	}
	if stored != 0 {
		t.Error("the token's secret is stored in clear")
	}
	var me struct{ Viewer struct{ Email string } }
	a.as(tok.Secret).do(`{ viewer { email } }`, nil, &me)
	if me.Viewer.Email != "admin@example.org" {
		t.Errorf("viewer with the new token: %+v", me.Viewer)
	}
	a.do(`mutation($id: ID!) { revokeApiToken(input: {id: $id}) { token { revokedAt } } }`, map[string]any{"id": tok.Token.ID}, nil)
	for name, token := range map[string]string{"revoked": tok.Secret, "never issued": "cdk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "not a token": "hello"} {
		e, _ := a.as(token).fail(`{ viewer { name } }`, nil)
		if e.code() != "UNAUTHENTICATED" || strings.Contains(e.Message, token) {
			t.Errorf("%s token: %+v", name, e)
		}
	}
}

// Every successful mutation appends exactly one audit entry, naming the
// actor; failed ones append none (TestMutationFailuresAreTypedAndChangeNothing
// counts audit_log among the tables a failure must leave alone).
func TestEverySuccessfulMutationIsAudited(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	f := a.fixture()
	var translator struct{ Viewer struct{ ID string } }
	a.as(a.newUser("translator@example.org", auth.Grant{Role: auth.Translator})).do(`{ viewer { id } }`, nil, &translator)
	mutations := []struct{ action, mutation string }{
		{"report.update", fmt.Sprintf(`updateReport(input: {id: %q, expectedVersion: 1, title: "Audited"}) { userErrors { code } }`, f.reportID)},
		{"report.setAttendees", fmt.Sprintf(`setReportAttendees(input: {reportId: %q, expectedVersion: 2, attendees: []}) { userErrors { code } }`, f.reportID)},
		{"translation.upsert", fmt.Sprintf(`upsertTranslation(input: {reportId: %q, locale: "ko", title: "감사"}) { userErrors { code } }`, f.reportID)},
		{"tag.create", `createTag(input: {name: "Audit"}) { userErrors { code } }`},
		{"person.update", fmt.Sprintf(`updatePerson(input: {id: %q, expectedVersion: 1, name: "Song Jun (CAST)"}) { userErrors { code } }`, f.personID)},
		{"desk.create", `createDesk(input: {slug: "audit", name: "Audit"}) { userErrors { code } }`},
		{"token.create", `createApiToken(input: {name: "audited"}) { userErrors { code } }`},
		{"translation.assign", fmt.Sprintf(`assignTranslator(input: {reportId: %q, locale: "zh-Hans", userId: %q}) { userErrors { code } }`, f.reportID, translator.Viewer.ID)},
		{"translation.unassign", fmt.Sprintf(`assignTranslator(input: {reportId: %q, locale: "zh-Hans", userId: null}) { userErrors { code } }`, f.reportID)},
		{"translation.upsert", fmt.Sprintf(`upsertTranslation(input: {reportId: %q, locale: "zh-Hans", title: "青岛论坛", summary: "论坛。", body: "论坛开幕。"}) { userErrors { code } }`, f.reportID)},
		{"translation.submit", fmt.Sprintf(`submitTranslation(input: {reportId: %q, locale: "zh-Hans", expectedVersion: 1}) { userErrors { code } }`, f.reportID)},
		{"translation.delete", fmt.Sprintf(`deleteTranslation(input: {reportId: %q, locale: "zh-Hans", expectedVersion: 2}) { userErrors { code } }`, f.reportID)},
		{"report.archive", fmt.Sprintf(`archiveReport(input: {id: %q, expectedVersion: 3}) { userErrors { code } }`, f.reportID)},
	}
	for _, m := range mutations {
		before := a.count("audit_log")
		a.do(`mutation { `+m.mutation+` }`, nil, nil)
		var last struct {
			Action    string `db:"action"`
			ActorName string `db:"actor_name"`
		}
		if err := a.db.GetContext(context.Background(), &last, `SELECT action, actor_name FROM audit_log ORDER BY id DESC LIMIT 1`); err != nil {
			t.Fatal(err)
		}
		if n := a.count("audit_log") - before; n != 1 || last.Action != m.action || last.ActorName == "" {
			t.Errorf("%s: %d new entries, last %+v", m.action, n, last)
		}
	}
}

// Identity through the API: a token one may not revoke is, like an unknown
// one, NOT_FOUND; tokens for someone else, changing roles and listing users
// are for admins; updateUserRoles without translatorLocales keeps them; a
// user's email and tokens show to that user and to admins only.
func TestIdentityPermissionsThroughTheAPI(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	reporter := a.as(a.newUser("reporter@example.org", auth.Grant{Role: auth.Reporter}))
	translator := a.as(a.newUser("translator@example.org", auth.Grant{Role: auth.Translator}))
	type me struct {
		Viewer struct {
			ID     string
			Email  *string
			Tokens []struct{ ID string }
		}
	}
	var admin, rep, tr me
	a.do(`{ viewer { id email tokens { id } } }`, nil, &admin)
	reporter.do(`{ viewer { id email tokens { id } } }`, nil, &rep)
	translator.do(`{ viewer { id } }`, nil, &tr)
	if rep.Viewer.Email == nil || *rep.Viewer.Email != "reporter@example.org" || len(rep.Viewer.Tokens) != 1 {
		t.Fatalf("the reporter's own email and tokens: %+v", rep.Viewer)
	}
	adminToken := admin.Viewer.Tokens[0].ID

	revoke := `mutation($id: ID!) { revokeApiToken(input: {id: $id}) { token { id revokedAt } userErrors { code field message } } }`
	others, _ := reporter.fail(revoke, map[string]any{"id": adminToken})
	unknown, _ := reporter.fail(revoke, map[string]any{"id": gid("ApiToken", 987654)})
	if others.code() != "NOT_FOUND" || others.field() != "input.id" || others.Message != unknown.Message || unknown.code() != "NOT_FOUND" {
		t.Errorf("someone else's token: %+v; an unknown one: %+v", others, unknown)
	}
	if e, _ := a.as("").fail(revoke, map[string]any{"id": adminToken}); e.code() != "UNAUTHENTICATED" {
		t.Errorf("anonymous revoke: %+v", e)
	}
	a.do(`{ viewer { id } }`, nil, nil) // the admin's token still works

	for _, q := range []string{
		fmt.Sprintf(`mutation { createApiToken(input: {name: "theirs", userId: %q}) { secret } }`, admin.Viewer.ID),
		fmt.Sprintf(`mutation { updateUserRoles(input: {userId: %q, roles: [{role: ADMIN}]}) { user { id } } }`, rep.Viewer.ID),
		`{ users { nodes { id } } }`,
	} {
		if e, _ := reporter.fail(q, nil); e.code() != "FORBIDDEN" {
			t.Errorf("%s: %+v", q, e)
		}
	}

	// The reporter revokes a token of their own and gets it back revoked.
	var created struct {
		CreateAPIToken struct{ Token struct{ ID string } }
	}
	reporter.do(`mutation { createApiToken(input: {name: "second"}) { token { id } } }`, nil, &created)
	var revoked struct {
		RevokeAPIToken struct {
			Token struct {
				ID        string
				RevokedAt *string
			}
		}
	}
	reporter.do(revoke, map[string]any{"id": created.CreateAPIToken.Token.ID}, &revoked)
	if got := revoked.RevokeAPIToken.Token; got.ID != created.CreateAPIToken.Token.ID || got.RevokedAt == nil {
		t.Errorf("revoked own token: %+v", got)
	}

	// Omitting translatorLocales keeps them.
	var updated struct {
		UpdateUserRoles struct {
			User struct{ TranslatorLocales []string }
		}
	}
	a.do(fmt.Sprintf(`mutation { updateUserRoles(input: {userId: %q, roles: [{role: TRANSLATOR}, {role: REVIEWER}]}) { user { translatorLocales } } }`, tr.Viewer.ID), nil, &updated)
	if got := fmt.Sprint(updated.UpdateUserRoles.User.TranslatorLocales); got != "[zh-Hans]" {
		t.Errorf("translator locales after updateUserRoles without them: %s", got)
	}

	// Private fields: the user and admins.
	user := `query($id: ID!) { node(id: $id) { ... on User { email tokens { id } } } }`
	var seen struct {
		Node struct {
			Email  *string
			Tokens []struct{ ID string }
		}
	}
	reporter.do(user, map[string]any{"id": admin.Viewer.ID}, &seen)
	if seen.Node.Email != nil || seen.Node.Tokens != nil {
		t.Errorf("the reporter sees the admin's email or tokens: %+v", seen.Node)
	}
	a.do(user, map[string]any{"id": rep.Viewer.ID}, &seen)
	if seen.Node.Email == nil || *seen.Node.Email != "reporter@example.org" || len(seen.Node.Tokens) != 2 {
		t.Errorf("the admin sees of the reporter: %+v", seen.Node)
	}
	var node struct{ Node *struct{ ID string } }
	reporter.do(`query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": adminToken}, &node)
	if node.Node != nil {
		t.Errorf("the reporter sees the admin's token as a node: %+v", node.Node)
	}
}
