package reports_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/directory"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/identity"
	"github.com/copydesk/copydesk/internal/postgres"
	"github.com/copydesk/copydesk/internal/reports"
	"github.com/copydesk/copydesk/internal/testkit"
)

// readOnly is the context of a call made by u with a READ_PUBLISHED token.
func readOnly(t *testing.T, d *testkit.Desk, u *auth.User) context.Context {
	v := *auth.ViewerFrom(d.As(t, u))
	v.Scope = auth.ScopeReadPublished
	return auth.WithViewer(t.Context(), &v)
}

// createdTagsOf returns the createdTags of an audit entry's detail (nil:
// none recorded).
func createdTagsOf(t *testing.T, e *editorial.AuditRecord) []reports.CreatedTag {
	t.Helper()
	var detail struct{ CreatedTags []reports.CreatedTag }
	if string(e.Detail) != "null" {
		if err := json.Unmarshal(e.Detail, &detail); err != nil {
			t.Fatal(err)
		}
	}
	return detail.CreatedTags
}

// Tags are a managed vocabulary: naming a tag that does not exist in
// createReport or updateReport creates it only for a tag-creator role of
// the report's desk (admins always); the creation is recorded in the
// mutation's own audit entry; a refusal names the tag, says who creates
// tags, and changes nothing.
func TestTagCreationByName(t *testing.T) {
	t.Parallel()
	d := testkit.NewDesk(t)
	sys := testkit.AsSystem(t)
	economy := testkit.Of(d.Svc.CreateTag(sys, directory.CreateTagInput{Name: "Economy"})).OK(t)
	onlyEditors := identity.SettingsChange{TagCreatorRoles: []auth.Role{auth.Editor}}
	adminsOnly := identity.SettingsChange{TagCreatorRoles: []auth.Role{}}
	byDefault := identity.SettingsChange{TagCreatorRoles: []auth.Role{auth.Reporter, auth.Editor}}
	reviewers := identity.SettingsChange{TagCreatorRoles: []auth.Role{auth.Reviewer, auth.Translator}}
	msgEditors := `The tag "trade policy" does not exist, and on this desk only editors create tags: pick an existing tag or ask an editor to create it.`
	msgAdmins := `The tag "trade policy" does not exist, and on this desk only admins create tags: pick an existing tag or ask an admin to create it.`
	msgOthers := `The tag "trade policy" does not exist, and on this desk only reviewers and translators create tags: pick an existing tag or ask a reviewer or a translator to create it.`

	create := func(ctx context.Context, tags ...reports.TagRef) func() (*reports.Saved, error) {
		return func() (*reports.Saved, error) {
			return d.Svc.CreateReport(ctx, reports.CreateReportInput{Title: "Tagged", SourceLocale: "en", Body: "Text.", DeskID: &d.Desk.ID, Tags: tags})
		}
	}
	draft := d.Draft(t, "An existing draft") // the reporter's, on the desk
	update := func(ctx context.Context, tags ...reports.TagRef) func() (*reports.Saved, error) {
		return func() (*reports.Saved, error) {
			cur := d.Current(t, draft.ID)
			return d.Svc.UpdateReport(ctx, reports.UpdateReportInput{ID: draft.ID, ExpectedVersion: cur.Version, Tags: testkit.Set(tags)})
		}
	}
	name := reports.TagRef{Name: "trade policy"}
	cases := []struct {
		name     string
		settings identity.SettingsChange
		call     func() (*reports.Saved, error)
		creates  bool   // the call creates the tag "trade policy"
		code     string // else its error
		field    string
		msg      string
	}{
		{name: "ReporterByDefault", settings: byDefault, call: create(d.As(t, d.Reporter), name), creates: true},
		{name: "ReporterWhenOnlyEditors", settings: onlyEditors, call: create(d.As(t, d.Reporter), name),
			code: cerr.Forbidden, field: "input.tags.0.name", msg: msgEditors},
		{name: "ReporterUpdatingWhenOnlyEditors", settings: onlyEditors, call: update(d.As(t, d.Reporter), reports.TagRef{ID: economy.ID}, name),
			code: cerr.Forbidden, field: "input.tags.1.name", msg: msgEditors},
		{name: "ReporterWhenAdminsOnly", settings: adminsOnly, call: create(d.As(t, d.Reporter), name),
			code: cerr.Forbidden, field: "input.tags.0.name", msg: msgAdmins},
		{name: "EditorWhenOnlyEditors", settings: onlyEditors, call: create(d.As(t, d.Editor), name), creates: true},
		{name: "EditorUpdatingWhenOnlyEditors", settings: onlyEditors, call: update(d.As(t, d.Editor), name), creates: true},
		{name: "EditorWhenOtherRoles", settings: reviewers, call: create(d.As(t, d.Editor), name),
			code: cerr.Forbidden, field: "input.tags.0.name", msg: msgOthers},
		{name: "AdminWhenAdminsOnly", settings: adminsOnly, call: create(d.As(t, d.Admin), name), creates: true},
		{name: "SystemWhenAdminsOnly", settings: adminsOnly, call: create(sys, name), creates: true},
		// A translator may create tags by name only where they may write a
		// report, which is nowhere: the report's rule refuses first.
		{name: "TranslatorAsTagCreator", settings: reviewers, call: create(d.As(t, d.Translator), name),
			code: cerr.Forbidden, field: "", msg: "Only reporters and editors of this desk and admins may create reports."},
		{name: "ReadOnlyTokenOfAnEditor", settings: byDefault, call: create(readOnly(t, d, d.Editor), name),
			code: cerr.Forbidden, field: "", msg: auth.MsgReadPublished},
		// Naming an existing tag, in any case, is never a creation.
		{name: "ExistingTagWhenAdminsOnly", settings: adminsOnly, call: create(d.As(t, d.Reporter), reports.TagRef{Name: " eCONOMY "})},
		{name: "ExistingTagUpdatingWhenAdminsOnly", settings: adminsOnly, call: update(d.As(t, d.Reporter), reports.TagRef{Name: "ECONOMY"})},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d.Settings(t, tc.settings)
			testkit.Exec(t, d.DB, `DELETE FROM report_tags WHERE tag_id IN (SELECT id FROM tags WHERE name = 'trade policy')`)
			testkit.Exec(t, d.DB, `DELETE FROM tags WHERE name = 'trade policy'`)
			before := testkit.WorkflowDump(t, d.DB)
			saved, err := tc.call()
			if tc.code != "" {
				e := testkit.WantErr(t, err, tc.code, tc.field)
				if e.Message != tc.msg {
					t.Errorf("message %q, want %q", e.Message, tc.msg)
				}
				if after := testkit.WorkflowDump(t, d.DB); after != before {
					t.Errorf("a refused call changed the database:\nbefore %s\nafter  %s", before, after)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			trail := testkit.AuditTrail(t, d.DB, saved.Report.ID)
			last := trail[len(trail)-1]
			if last.Action != "report.create" && last.Action != "report.update" {
				t.Fatalf("last audit entry %s", last.Action)
			}
			got := createdTagsOf(t, last)
			if !tc.creates {
				if got != nil || saved.Revision.Snapshot.Tags[len(saved.Revision.Snapshot.Tags)-1].ID != economy.ID {
					t.Errorf("naming an existing tag created %+v (tags %+v)", got, saved.Revision.Snapshot.Tags)
				}
				return
			}
			tag := testkit.Of(postgres.TagByNameCI(t.Context(), d.DB, "trade policy")).OK(t)
			testkit.Diff(t, "createdTags", []reports.CreatedTag{{ID: tag.ID, Slug: "trade-policy", Name: "trade policy"}}, got)
			if n := auditCount(t, d.DB, "tag.create", tag.ID); n != 0 { // one entry per mutation
				t.Errorf("%d separate tag.create entries", n)
			}
		})
	}
}

// createTag creates a tag with no report: the viewer needs a tag-creator
// role on a desk they hold it on (a grant for every desk counts for every
// desk; admins always may), and the tag.create entry records the tag.
func TestCreateTagIsATagCreatorsRight(t *testing.T) {
	t.Parallel()
	d := testkit.NewDesk(t)
	world := testkit.Of(postgres.DeskBySlug(t.Context(), d.DB, "world")).OK(t)
	setWorld := func(roles ...auth.Role) {
		testkit.Of(d.IDs.UpdateDeskSettings(testkit.AsSystem(t), &world.ID, identity.SettingsChange{TagCreatorRoles: roles})).OK(t)
	}
	n := 0
	cases := []struct {
		name        string
		science     []auth.Role // the desk's tag creators
		world       []auth.Role // the other desk's
		ctx         context.Context
		code, field string
		msg         string
	}{
		{name: "ReporterByDefault", science: []auth.Role{auth.Reporter, auth.Editor}, world: []auth.Role{auth.Reporter, auth.Editor}, ctx: d.As(t, d.Reporter)},
		{name: "ReporterWhenOnlyEditors", science: []auth.Role{auth.Editor}, world: []auth.Role{auth.Reporter}, ctx: d.As(t, d.Reporter),
			code: cerr.Forbidden, field: "input.name", msg: `You may not create the tag "Tag`},
		{name: "EditorWhenOnlyEditors", science: []auth.Role{auth.Editor}, world: []auth.Role{}, ctx: d.As(t, d.Editor)},
		{name: "EditorOfTheOtherDesk", science: []auth.Role{}, world: []auth.Role{auth.Editor}, ctx: d.As(t, d.OtherEditor)},
		{name: "EditorWhereEditorsDoNot", science: []auth.Role{auth.Reporter}, world: []auth.Role{auth.Editor}, ctx: d.As(t, d.Editor),
			code: cerr.Forbidden, field: "input.name", msg: "no desk you work on lets your role create them"},
		{name: "AdminWhenAdminsOnly", science: []auth.Role{}, world: []auth.Role{}, ctx: d.As(t, d.Admin)},
		{name: "TranslatorByDefault", science: []auth.Role{auth.Reporter, auth.Editor}, world: []auth.Role{auth.Reporter, auth.Editor}, ctx: d.As(t, d.Translator),
			code: cerr.Forbidden, field: "input.name", msg: "Pick an existing tag or ask an editor or an admin to create it."},
		{name: "TranslatorAsTagCreator", science: []auth.Role{auth.Translator}, world: []auth.Role{}, ctx: d.As(t, d.Translator)},
		{name: "ReadOnlyToken", science: []auth.Role{auth.Reporter, auth.Editor}, world: []auth.Role{auth.Reporter, auth.Editor}, ctx: readOnly(t, d, d.Editor),
			code: cerr.Forbidden, field: "", msg: auth.MsgReadPublished},
		{name: "Anonymous", science: []auth.Role{auth.Reporter, auth.Editor}, world: []auth.Role{auth.Reporter, auth.Editor}, ctx: auth.WithViewer(t.Context(), auth.Anonymous()),
			code: cerr.Unauthenticated, field: "", msg: auth.MsgSignIn},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d.Settings(t, identity.SettingsChange{TagCreatorRoles: tc.science})
			setWorld(tc.world...)
			n++
			tagName := fmt.Sprintf("Tag %d", n)
			before := testkit.WorkflowDump(t, d.DB)
			tag, err := d.Svc.CreateTag(tc.ctx, directory.CreateTagInput{Name: tagName})
			if tc.code != "" {
				e := testkit.WantErr(t, err, tc.code, tc.field)
				if !strings.Contains(e.Message, tc.msg) {
					t.Errorf("message %q does not contain %q", e.Message, tc.msg)
				}
				if after := testkit.WorkflowDump(t, d.DB); after != before {
					t.Errorf("a refused call changed the database:\nbefore %s\nafter  %s", before, after)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var raw []byte
			if err := d.DB.GetContext(t.Context(), &raw, `SELECT after_state FROM audit_log WHERE action = 'tag.create' AND subject_id = $1`, fmt.Sprint(tag.ID)); err != nil {
				t.Fatalf("no tag.create entry: %v", err)
			}
			var rec struct {
				ID         int64
				Slug, Name string
			}
			if err := json.Unmarshal(raw, &rec); err != nil {
				t.Fatal(err)
			}
			if rec.ID != tag.ID || rec.Slug != tag.Slug || rec.Name != tagName {
				t.Errorf("tag.create records %+v, want tag %d %q %q", rec, tag.ID, tag.Slug, tagName)
			}
		})
	}
}

// auditCount counts the audit entries with action about subject id.
func auditCount(t *testing.T, db *postgres.DB, action string, id int64) int {
	t.Helper()
	var n int
	if err := db.GetContext(t.Context(), &n, `SELECT count(*) FROM audit_log WHERE action = $1 AND subject_id = $2`, action, fmt.Sprint(id)); err != nil {
		t.Fatal(err)
	}
	return n
}
