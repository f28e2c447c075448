package identity_test

import (
	"slices"
	"testing"

	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/identity"
	"github.com/copydesk/copydesk/internal/testkit"
	"github.com/copydesk/copydesk/internal/workflow"
)

// Desk settings: the defaults, who may change them, what is refused, what
// is recorded, and that a new desk starts from the no-desk settings.
func TestDeskSettings(t *testing.T) {
	s, db, _ := newService(t)
	science := mustDesk(t, s, "science", "Science")
	editor := mustUser(t, s, "ed@example.org", auth.Grant{Role: auth.Editor, DeskID: &science.ID})
	asEditor := auth.WithViewer(ctx, &auth.Viewer{UserID: editor.ID, Grants: editor.Grants, Scope: auth.ScopeFull})

	got := testkit.Of(s.DeskSettings(asEditor, &science.ID)).OK(t)
	want := workflow.DefaultSettings()
	want.DeskID = &science.ID
	testkit.Diff(t, "a new installation's settings", want, got)

	_, err := s.UpdateDeskSettings(asEditor, &science.ID, identity.SettingsChange{ApprovalsRequired: testkit.Ptr(2)})
	testkit.WantCode(t, err, cerr.Forbidden, "")
	_, err = s.DeskSettings(auth.WithViewer(ctx, auth.Anonymous()), nil)
	testkit.WantCode(t, err, cerr.Unauthenticated, "")
	_, err = s.DeskSettings(asEditor, testkit.Ptr(int64(777)))
	testkit.WantErr(t, err, cerr.NotFound, "deskId")

	bad := []struct {
		name  string
		c     identity.SettingsChange
		field string
	}{
		{"no approvals", identity.SettingsChange{ApprovalsRequired: testkit.Ptr(0)}, "input.approvalsRequired"},
		{"too many approvals", identity.SettingsChange{ApprovalsRequired: testkit.Ptr(11)}, "input.approvalsRequired"},
		{"a locale that is not one", identity.SettingsChange{TargetLocales: []string{"ja", "not a locale"}}, "input.targetLocales.1"},
		{"admins as tag creators", identity.SettingsChange{TagCreatorRoles: []auth.Role{auth.Editor, auth.Admin}}, "input.tagCreatorRoles.1"},
		{"an unknown role", identity.SettingsChange{TagCreatorRoles: []auth.Role{"INTERN"}}, "input.tagCreatorRoles.0"},
	}
	for _, b := range bad {
		_, err := s.UpdateDeskSettings(ctx, &science.ID, b.c)
		testkit.WantErr(t, err, cerr.Invalid, b.field)
	}
	_, err = s.UpdateDeskSettings(ctx, testkit.Ptr(int64(777)), identity.SettingsChange{PrivateDrafts: testkit.Ptr(true)})
	testkit.WantErr(t, err, cerr.NotFound, "input.deskId")
	if n := count(t, db, `SELECT count(*) FROM audit_log WHERE action = 'desk.settings'`); n != 0 {
		t.Fatalf("refused changes left %d audit entries", n)
	}

	// Only what is given changes; locales are made canonical and deduplicated.
	got = testkit.Of(s.UpdateDeskSettings(ctx, &science.ID, identity.SettingsChange{ApprovalsRequired: testkit.Ptr(2),
		TargetLocales: []string{"zh-hans", "ja", "zh-Hans"}})).OK(t)
	if got.ApprovalsRequired != 2 || !slices.Equal(got.TargetLocales, []string{"zh-Hans", "ja"}) || !got.EditReopensReview || got.UpdatedAt == nil {
		t.Fatalf("after the change: %+v", got)
	}
	got = testkit.Of(s.UpdateDeskSettings(ctx, &science.ID, identity.SettingsChange{AssignedReviewersOnly: testkit.Ptr(true)})).OK(t)
	if got.ApprovalsRequired != 2 || !got.AssignedReviewersOnly {
		t.Fatalf("a second change undid the first: %+v", got)
	}
	testkit.Of(s.UpdateDeskSettings(ctx, &science.ID, identity.SettingsChange{AssignedReviewersOnly: testkit.Ptr(true)})).OK(t)
	if n := count(t, db, `SELECT count(*) FROM audit_log WHERE action = 'desk.settings' AND subject_id = $1`, science.ID); n != 2 {
		t.Fatalf("%d audit entries, want 2 (a change that changes nothing records nothing)", n)
	}

	// A new desk starts from the settings of reports on no desk.
	testkit.Of(s.UpdateDeskSettings(ctx, nil, identity.SettingsChange{TargetLocales: []string{"ko"}, TagCreatorRoles: []auth.Role{auth.Editor}})).OK(t)
	world := mustDesk(t, s, "world", "World")
	got = testkit.Of(s.DeskSettings(asEditor, &world.ID)).OK(t)
	if !slices.Equal(got.TargetLocales, []string{"ko"}) || !slices.Equal(got.TagCreatorRoles, []auth.Role{auth.Editor}) || got.ApprovalsRequired != 1 {
		t.Fatalf("the new desk's settings: %+v", got)
	}
	if n := count(t, db, `SELECT count(*) FROM audit_log WHERE action = 'desk.settings' AND subject_id = 'none'`); n != 1 {
		t.Fatalf("the no-desk change: %d audit entries", n)
	}
}
