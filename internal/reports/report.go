package reports

import (
	"context"
	"errors"
	"maps"
	"slices"
	"time"

	"github.com/copydesk/copydesk/internal/audit"
	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/postgres"
	"github.com/copydesk/copydesk/internal/published"
	"github.com/copydesk/copydesk/internal/search"
	"github.com/copydesk/copydesk/internal/slugs"
	"github.com/copydesk/copydesk/internal/workflow"
)

// CreateReportInput is what createReport takes.
type CreateReportInput struct {
	Title, SourceLocale, Body  string
	Slug, Section              *string
	DeskID                     *int64
	Subtitle, Summary, Message *string
	EventID                    *int64
	Tags                       []TagRef
	AuthorIDs                  []int64
	Attendees                  []AttendeeInput
	// Status and PublishedAt let the demo loader and imports create a report
	// in a later state; the GraphQL API always creates drafts.
	Status      editorial.Status
	PublishedAt editorial.Field[*string]
}

// created brings the read models in line with a report just created in
// tx: its search document, and its public documents when it was created
// PUBLISHED (the demo, imports).
func created(ctx context.Context, tx *postgres.Tx, s *Saved) error {
	if err := search.IndexSource(ctx, tx, s.Report, s.Revision.Snapshot); err != nil {
		return err
	}
	return published.Sync(ctx, tx, s.Report, &editorial.Report{}, false)
}

// UpdateReportInput is a partial update: only Set fields change.
type UpdateReportInput struct {
	ID              int64
	ExpectedVersion int
	Title           editorial.Field[string]
	SourceLocale    editorial.Field[string]
	Slug            editorial.Field[string]
	Section         editorial.Field[*string]
	DeskID          editorial.Field[*int64]
	Subtitle        editorial.Field[*string]
	Summary         editorial.Field[*string]
	Body            editorial.Field[string]
	EventID         editorial.Field[*int64]
	Tags            editorial.Field[[]TagRef]
	AuthorIDs       editorial.Field[[]int64]
	Message         *string
}

// Saved is a report as saved by a mutation, with the revision it recorded.
type Saved struct {
	Report   *editorial.Report
	Revision *editorial.Revision
}

// errNoChange rolls back an update that changed nothing.
var errNoChange = errors.New("no change")

// CreateReport creates a report (a DRAFT unless in.Status says otherwise)
// with its relations, and records revision 1. A tag named that does not
// exist is created if the viewer may create tags on the report's desk
// (workflow.Settings.MayCreateTag), else FORBIDDEN on input.tags.N.name;
// the audit entry lists the tags created (Detail["createdTags"]).
func (s *Service) CreateReport(ctx context.Context, in CreateReportInput) (*Saved, error) {
	v, err := auth.Gate(ctx)
	if err != nil {
		return nil, err
	}
	var out *Saved
	var createdTags []CreatedTag
	err = audit.Write(ctx, s.DB, func(tx *postgres.Tx) error {
		createdTags = nil
		if err := auth.Check(v, auth.CreateReport, auth.Resource{DeskID: in.DeskID}); err != nil {
			return err
		}
		r := &editorial.Report{Status: editorial.Draft, CreatedBy: v.UserRef()}
		if in.DeskID != nil {
			if err := mustExist(ctx, tx, "desks", "input.deskId", "Desk", *in.DeskID); err != nil {
				return err
			}
			r.DeskID = in.DeskID
		}
		if in.Status != "" {
			r.Status = in.Status
		}
		var err error
		if r.Title, err = editorial.RequiredText("input.title", "title", in.Title, editorial.MaxTitle); err != nil {
			return err
		}
		if r.SourceLocale, err = editorial.CanonicalLocale("input.sourceLocale", in.SourceLocale); err != nil {
			return err
		}
		if err := r.ApplyTexts(in.Section, in.Subtitle, in.Summary, &in.Body); err != nil {
			return err
		}
		if r.Slug, err = chooseSlug(ctx, tx, 0, in.Slug, r.Title); err != nil {
			return err
		}
		if in.EventID != nil {
			if err := mustExist(ctx, tx, "events", "input.eventId", "Event", *in.EventID); err != nil {
				return err
			}
			r.EventID = in.EventID
		}
		if r.Status == editorial.Published {
			r.PublishedAt = &tx.Now
		}
		if in.PublishedAt.Set { // an RFC 3339 time, e.g. the original publication of a loaded report
			r.PublishedAt = nil
			if v := in.PublishedAt.Value; v != nil {
				t, err := time.Parse(time.RFC3339, *v)
				if err != nil {
					return cerr.FieldErrorf(cerr.Invalid, "input.publishedAt", "%q is not an RFC 3339 time.", *v)
				}
				t = t.UTC().Truncate(time.Microsecond)
				r.PublishedAt = &t
			}
		}
		if err := postgres.InsertReport(ctx, tx, r); err != nil {
			return err
		}
		if createdTags, err = s.setRelations(ctx, tx, r.ID, r.DeskID, in.Tags != nil, in.Tags, in.AuthorIDs != nil, in.AuthorIDs); err != nil {
			return err
		}
		if len(in.Attendees) > 0 {
			if err := setAttendees(ctx, tx, r.ID, in.Attendees); err != nil {
				return err
			}
		}
		msg, err := editorial.OptionalText("input.message", "message", in.Message, editorial.MaxMessage)
		if err != nil {
			return err
		}
		rev, err := record(ctx, tx, r, msg)
		if err != nil {
			return err
		}
		out = &Saved{Report: r, Revision: rev}
		return created(ctx, tx, out)
	}, func() *audit.Entry {
		e := &audit.Entry{Action: "report.create", SubjectType: "Report", SubjectID: out.Report.ID, ReportID: &out.Report.ID,
			After: map[string]any{"status": out.Report.Status, "version": out.Report.Version}}
		if len(createdTags) > 0 { // one entry per mutation: the tags it created are recorded here
			e.Detail = map[string]any{"createdTags": createdTags}
		}
		return e
	})
	return out, err
}

// UpdateReport changes the Set fields of a report if it is still at
// ExpectedVersion, and records a revision. A stale version fails with
// CONFLICT carrying currentVersion and changedFields; an update that changes
// nothing returns the report as it is, with no new version. Tags it creates
// by name (which needs a tag-creator role on the report's desk, the new one
// if it moves) are listed in its audit entry (Detail["createdTags"]).
func (s *Service) UpdateReport(ctx context.Context, in UpdateReportInput) (*Saved, error) {
	st := &step{}
	return s.save(ctx, auth.EditReport, "report.update", "input.id", in.ID, in.ExpectedVersion, func(tx *postgres.Tx, r *editorial.Report) (*string, error) {
		*st = step{}
		var err error
		if in.DeskID.Set {
			if err := moveDesk(ctx, tx, r, in.DeskID.Value); err != nil {
				return nil, err
			}
		}
		if in.Title.Set {
			if r.Title, err = editorial.RequiredText("input.title", "title", in.Title.Value, editorial.MaxTitle); err != nil {
				return nil, err
			}
		}
		if in.SourceLocale.Set {
			if r.SourceLocale, err = editorial.CanonicalLocale("input.sourceLocale", in.SourceLocale.Value); err != nil {
				return nil, err
			}
			has, err := postgres.HasTranslationIn(ctx, tx, r.ID, r.SourceLocale)
			if err != nil {
				return nil, err
			}
			if has {
				return nil, cerr.FieldErrorf(cerr.Invalid, "input.sourceLocale",
					"The report has a %s translation; delete it before making %s the source locale.", r.SourceLocale, r.SourceLocale)
			}
		}
		sec, sub, sum := r.Section, r.Subtitle, r.Summary
		body := &r.Body
		if in.Section.Set {
			sec = in.Section.Value
		}
		if in.Subtitle.Set {
			sub = in.Subtitle.Value
		}
		if in.Summary.Set {
			sum = in.Summary.Value
		}
		if in.Body.Set {
			body = &in.Body.Value
		}
		if err := r.ApplyTexts(sec, sub, sum, body); err != nil {
			return nil, err
		}
		if in.Slug.Set {
			if r.Slug, err = chooseSlug(ctx, tx, r.ID, &in.Slug.Value, r.Title); err != nil {
				return nil, err
			}
			if err := postgres.AddReportSlug(ctx, tx, r.ID, r.Slug); err != nil {
				return nil, cerr.DefaultField(err, "input.slug")
			}
		}
		if in.EventID.Set {
			if in.EventID.Value != nil {
				if err := mustExist(ctx, tx, "events", "input.eventId", "Event", *in.EventID.Value); err != nil {
					return nil, err
				}
			}
			r.EventID = in.EventID.Value
		}
		created, err := s.setRelations(ctx, tx, r.ID, r.DeskID, in.Tags.Set, in.Tags.Value, in.AuthorIDs.Set, in.AuthorIDs.Value)
		if err != nil {
			return nil, err
		}
		if len(created) > 0 { // one entry per mutation: the tags it created are recorded in it
			st.detail = map[string]any{"createdTags": created}
		}
		return editorial.OptionalText("input.message", "message", in.Message, editorial.MaxMessage)
	}, st)
}

// DeleteReport archives a report (the workflow's archive action): it leaves
// lists and public reads, its publish job is dropped, and RestoreReport
// brings it back in the state it had.
func (s *Service) DeleteReport(ctx context.Context, id int64, expectedVersion int) (*Saved, error) {
	return s.transition(ctx, workflow.Archive, "input.id", id, expectedVersion, func(tx *postgres.Tx, r *editorial.Report, _ workflow.Facts, _ *step) (*string, error) {
		if err := postgres.DeletePublishJob(ctx, tx, r.ID); err != nil {
			return nil, err
		}
		prev := r.Status
		r.StatusBeforeArchive, r.ArchivedAt = &prev, &tx.Now
		m := "Archived"
		return &m, nil
	})
}

// RestoreReport un-archives a report (the workflow's restore action), back
// to the state it had when archived (see workflow.Next).
func (s *Service) RestoreReport(ctx context.Context, id int64, expectedVersion int) (*Saved, error) {
	return s.transition(ctx, workflow.Restore, "input.id", id, expectedVersion, func(tx *postgres.Tx, r *editorial.Report, _ workflow.Facts, _ *step) (*string, error) {
		r.StatusBeforeArchive, r.ArchivedAt = nil, nil
		m := "Restored from the archive"
		return &m, nil
	})
}

// save is the shape of every change to an existing report: lock it, check
// the expected version, apply change, write, and record a revision — or, when
// the snapshot did not change and the state did not either, roll back and
// return the report as it was. A missing report is NOT_FOUND on idField.
// A workflow transition passes a step (see workflow.go), which change fills
// in. A change to the content goes through contentChanged.
func (s *Service) save(ctx context.Context, action auth.Action, auditAction string, idField string, id int64, expectedVersion int, change func(tx *postgres.Tx, r *editorial.Report) (*string, error), steps ...*step) (*Saved, error) {
	v, err := auth.Gate(ctx)
	if err != nil {
		return nil, err
	}
	st := &step{}
	if len(steps) > 0 {
		st = steps[0]
	}
	var out *Saved
	err = s.DB.InTx(ctx, func(tx *postgres.Tx) error {
		r, err := Lock(ctx, tx, idField, id)
		if err != nil {
			return err
		}
		if err := auth.Check(v, action, workflow.Resource(r)); err != nil {
			return err
		}
		if err := checkVersion(ctx, tx, r, expectedVersion); err != nil {
			return err
		}
		before := *r
		msg, err := change(tx, r)
		if err != nil {
			return err
		}
		latest, err := postgres.RevisionByVersion(ctx, tx, r.ID, before.Version)
		if err != nil {
			return err
		}
		snap, err := postgres.Snapshot(ctx, tx, r.ID)
		if err != nil {
			return err
		}
		cur := snapshotOf(r, snap)
		diff := editorial.Diff(latest.Snapshot, cur)
		if len(diff.ChangedFields) == 0 && r.Status == before.Status && editorial.Same(r.DeskID, before.DeskID) && !st.force {
			out = &Saved{Report: &before, Revision: latest}
			return errNoChange
		}
		contentChanged := len(diff.ChangedFields) > 0
		removed := contentChanged && attendeesRemoved(latest.Snapshot, cur)
		if contentChanged {
			if err := s.contentChanged(ctx, tx, action, &before, r, removed, st); err != nil {
				return err
			}
		}
		// A change to what translators translate may make their
		// translations stale: they are told in the same statement.
		tell := postgres.SourceChange{Translators: len(diff.Text) > 0 || slices.Contains(diff.ChangedFields, "attendees"), By: v.UserRef()}
		if err := postgres.UpdateReport(ctx, tx, r, contentChanged, tell); err != nil {
			return err
		}
		if contentChanged { // searchable in the newsroom in this transaction
			index := search.IndexSource
			if removed { // their translated roles went with them
				index = func(ctx context.Context, tx *postgres.Tx, r *editorial.Report, _ editorial.Snapshot) error {
					return search.Reindex(ctx, tx, r.ID)
				}
			}
			if err := index(ctx, tx, r, cur); err != nil {
				return err
			}
		}
		rev := &editorial.Revision{ReportID: r.ID, Version: r.Version, Snapshot: cur, Message: msg}
		if err := postgres.InsertRevision(ctx, tx, rev); err != nil {
			return err
		}
		if st.after != nil {
			if err := st.after(tx, r, rev); err != nil {
				return err
			}
		}
		if err := published.Sync(ctx, tx, r, &before, st.published); err != nil {
			return err
		}
		out = &Saved{Report: r, Revision: rev}
		detail := map[string]any{"changedFields": nonNil(diff.ChangedFields), "message": msg}
		maps.Copy(detail, st.detail)
		return audit.Record(ctx, tx, audit.Entry{Action: auditAction, SubjectType: "Report", SubjectID: r.ID, ReportID: &r.ID,
			Before: map[string]any{"status": before.Status, "version": before.Version},
			After:  map[string]any{"status": r.Status, "version": r.Version},
			Detail: detail})
	})
	if errors.Is(err, errNoChange) {
		return out, nil
	}
	return out, err
}

// Lock is postgres.LockReport with a missing report reported on field.
func Lock(ctx context.Context, tx *postgres.Tx, field string, id int64) (*editorial.Report, error) {
	r, err := postgres.LockReport(ctx, tx, id)
	if cerr.Is(err, cerr.NotFound) {
		return nil, cerr.FieldErrorf(cerr.NotFound, field, "Report not found.")
	}
	return r, err
}

// checkVersion fails with CONFLICT when the report moved on from expected,
// saying what changed since so a client can build a merge screen.
func checkVersion(ctx context.Context, tx *postgres.Tx, r *editorial.Report, expected int) error {
	if expected == r.Version {
		return nil
	}
	e := cerr.FieldErrorf(cerr.Conflict, "input.expectedVersion",
		"The report was changed by someone else: you edited version %d, it is now at version %d. Reload it, merge your changes and try again.", expected, r.Version)
	e.WithDetail("currentVersion", r.Version)
	if expected > 0 && expected < r.Version {
		then, err1 := postgres.RevisionByVersion(ctx, tx, r.ID, expected)
		now, err2 := postgres.RevisionByVersion(ctx, tx, r.ID, r.Version)
		steps, err3 := postgres.StepsBetween(ctx, tx, r.ID, expected, r.Version)
		if err1 == nil && err2 == nil && err3 == nil {
			changed := editorial.Diff(then.Snapshot, now.Snapshot).ChangedFields
			e.WithDetail("changedFields", nonNil(append(changed, workflowChanges(steps)...)))
		}
	}
	return e
}

// workflowChanges names what the workflow steps changed besides the
// content, in this order: "status" (a transition moved the report to
// another state), "approvals", "reviewers", "embargo". A client that loses
// a race for a button learns from it that the report's state moved on.
func workflowChanges(steps []postgres.VersionStep) []string {
	var status, approvals, reviewers, embargo bool
	for _, s := range steps {
		status = status || s.Before != s.After
		switch s.Action {
		case "report.approve":
			approvals = true
		case "report.assignReviewers":
			reviewers = true
		case "report.embargo":
			embargo = true
		}
	}
	var out []string
	for _, f := range []struct {
		name string
		set  bool
	}{{"status", status}, {"approvals", approvals}, {"reviewers", reviewers}, {"embargo", embargo}} {
		if f.set {
			out = append(out, f.name)
		}
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// moveDesk moves r to another desk (nil: none); the viewer needs the right
// to edit the report on the new desk too.
func moveDesk(ctx context.Context, tx *postgres.Tx, r *editorial.Report, desk *int64) error {
	if desk != nil {
		if err := mustExist(ctx, tx, "desks", "input.deskId", "Desk", *desk); err != nil {
			return err
		}
	}
	moved := workflow.Resource(r)
	moved.DeskID = desk
	if err := auth.Check(auth.ViewerFrom(ctx), auth.EditReport, moved); err != nil {
		return err
	}
	r.DeskID = desk
	return nil
}

// chooseSlug validates a requested slug, or derives a free one from the title.
// It locks each slug it considers until tx ends (postgres.LockSlug), so two
// reports created at once with one title get different slugs rather than a
// CONFLICT, and a requested slug taken meanwhile is reported on input.slug.
func chooseSlug(ctx context.Context, tx *postgres.Tx, reportID int64, requested *string, title string) (string, error) {
	if requested != nil {
		if err := slugs.Validate(*requested); err != nil {
			return "", cerr.FieldErrorf(cerr.Invalid, "input.slug", "%s", editorial.Sentence(err.Error()))
		}
		if err := postgres.LockSlug(ctx, tx, *requested); err != nil {
			return "", err
		}
		owner, err := postgres.SlugOwner(ctx, tx, *requested)
		if err != nil {
			return "", err
		}
		if owner != 0 && owner != reportID {
			return "", cerr.FieldErrorf(cerr.Conflict, "input.slug", "The slug %q is already used by another report. Choose another slug.", *requested)
		}
		return *requested, nil
	}
	base := slugs.FromTitle(title)
	for n := 1; n < 1000; n++ {
		candidate := base
		if n > 1 {
			candidate = slugs.WithSuffix(base, n)
		}
		if err := postgres.LockSlug(ctx, tx, candidate); err != nil {
			return "", err
		}
		owner, err := postgres.SlugOwner(ctx, tx, candidate)
		if err != nil {
			return "", err
		}
		if owner == 0 || owner == reportID {
			return candidate, nil
		}
	}
	return "", cerr.FieldErrorf(cerr.Conflict, "input.slug", "No free slug could be made from the title; give one.")
}

// mustExist fails with NOT_FOUND on field when table has no row id.
func mustExist(ctx context.Context, tx *postgres.Tx, table, field, what string, id int64) error {
	return allExist(ctx, tx, table, []int64{id}, func(int64) string { return field }, what)
}

func allExist(ctx context.Context, tx *postgres.Tx, table string, ids []int64, field func(int64) string, what string) error {
	if len(ids) == 0 {
		return nil
	}
	missing, err := postgres.MissingIDs(ctx, tx, table, ids)
	if err != nil {
		return err
	}
	if len(missing) > 0 {
		return cerr.FieldErrorf(cerr.NotFound, field(missing[0]), "%s not found.", what)
	}
	return nil
}

// attendeesRemoved reports whether an attendee of before is gone in after.
func attendeesRemoved(before, after editorial.Snapshot) bool {
	kept := make(map[int64]bool, len(after.Attendees))
	for _, a := range after.Attendees {
		kept[a.ID] = true
	}
	for _, a := range before.Attendees {
		if !kept[a.ID] {
			return true
		}
	}
	return false
}
