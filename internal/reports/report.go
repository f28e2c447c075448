package reports

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/copydesk/copydesk/internal/audit"
	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/directory"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/postgres"
	"github.com/copydesk/copydesk/internal/richtext"
	"github.com/copydesk/copydesk/internal/slugs"
	"github.com/copydesk/copydesk/internal/workflow"
)

// TagRef names a tag for a report: an existing one by ID or slug, or by Name,
// which uses the tag of that name (ignoring case) or creates it.
type TagRef struct {
	ID   int64
	Slug string
	Name string
}

// AttendeeInput is one attendee in a create or set-attendees call.
type AttendeeInput struct {
	ID             int64 // keep this existing attendee of the report; 0 = new
	PersonID       *int64
	OrganizationID *int64
	Delegation     *string
	Role           *string
	Participations []editorial.Participation
	Note           *string
}

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
// with its relations, and records revision 1.
func (s *Service) CreateReport(ctx context.Context, in CreateReportInput) (*Saved, error) {
	v, err := auth.Gate(ctx)
	if err != nil {
		return nil, err
	}
	var out *Saved
	err = audit.Write(ctx, s.DB, func(tx *postgres.Tx) error {
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
		if err := s.setRelations(ctx, tx, r.ID, in.Tags != nil, in.Tags, in.AuthorIDs != nil, in.AuthorIDs); err != nil {
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
		out = &Saved{Report: r, Revision: rev}
		return err
	}, func() *audit.Entry {
		return &audit.Entry{Action: "report.create", SubjectType: "Report", SubjectID: out.Report.ID, ReportID: &out.Report.ID,
			After: map[string]any{"status": out.Report.Status, "version": out.Report.Version}}
	})
	return out, err
}

// UpdateReport changes the Set fields of a report if it is still at
// ExpectedVersion, and records a revision. A stale version fails with
// CONFLICT carrying currentVersion and changedFields; an update that changes
// nothing returns the report as it is, with no new version.
func (s *Service) UpdateReport(ctx context.Context, in UpdateReportInput) (*Saved, error) {
	return s.save(ctx, auth.EditReport, "report.update", "input.id", in.ID, in.ExpectedVersion, func(tx *postgres.Tx, r *editorial.Report) (*string, error) {
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
			if err := postgres.ForbidTranslationIn(ctx, tx, r.ID, r.SourceLocale); err != nil {
				return nil, err
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
				return nil, err
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
		if err := s.setRelations(ctx, tx, r.ID, in.Tags.Set, in.Tags.Value, in.AuthorIDs.Set, in.AuthorIDs.Value); err != nil {
			return nil, err
		}
		return editorial.OptionalText("input.message", "message", in.Message, editorial.MaxMessage)
	})
}

// SetAttendees replaces a report's attendee list (see AttendeeInput.ID for
// how attendees are kept) and records a revision.
func (s *Service) SetAttendees(ctx context.Context, reportID int64, expectedVersion int, list []AttendeeInput, message *string) (*Saved, error) {
	return s.save(ctx, auth.EditReport, "report.setAttendees", "input.reportId", reportID, expectedVersion, func(tx *postgres.Tx, r *editorial.Report) (*string, error) {
		if err := setAttendees(ctx, tx, r.ID, list); err != nil {
			return nil, err
		}
		return editorial.OptionalText("input.message", "message", message, editorial.MaxMessage)
	})
}

// RestoreRevision makes revision revisionID's content current again and
// records that as a new revision. Tags, authors, people and organizations
// deleted since are left out; attendees removed since come back as new
// attendees.
func (s *Service) RestoreRevision(ctx context.Context, revisionID int64, expectedVersion int, message *string) (*Saved, error) {
	if _, err := auth.Gate(ctx); err != nil {
		return nil, err
	}
	revs, err := postgres.RevisionsByIDs(ctx, s.DB, []int64{revisionID})
	if err != nil {
		return nil, err
	}
	old, ok := revs[revisionID]
	if !ok {
		return nil, cerr.FieldErrorf(cerr.NotFound, "input.revisionId", "Revision not found.")
	}
	return s.save(ctx, auth.EditReport, "report.restoreRevision", "input.revisionId", old.ReportID, expectedVersion, func(tx *postgres.Tx, r *editorial.Report) (*string, error) {
		snap := old.Snapshot
		r.Slug, r.SourceLocale, r.Section, r.Title = snap.Slug, snap.SourceLocale, snap.Section, snap.Title
		r.Subtitle, r.Summary, r.Body, r.EventID = snap.Subtitle, snap.Summary, snap.Body, snap.EventID
		r.WordCount = richtext.WordCount(r.Body)
		if err := postgres.AddReportSlug(ctx, tx, r.ID, r.Slug); err != nil {
			return nil, err
		}
		if r.EventID != nil {
			if missing, err := postgres.MissingIDs(ctx, tx, "events", []int64{*r.EventID}); err != nil {
				return nil, err
			} else if len(missing) > 0 {
				r.EventID = nil
			}
		}
		tagIDs := make([]int64, len(snap.Tags))
		for i, t := range snap.Tags {
			tagIDs[i] = t.ID
		}
		if err := replaceExisting(ctx, tx, "tags", tagIDs, func(ids []int64) error { return postgres.ReplaceReportTags(ctx, tx, r.ID, ids) }); err != nil {
			return nil, err
		}
		if err := replaceExisting(ctx, tx, "people", snap.AuthorIDs, func(ids []int64) error { return postgres.ReplaceReportAuthors(ctx, tx, r.ID, ids) }); err != nil {
			return nil, err
		}
		if err := restoreAttendees(ctx, tx, r.ID, snap.Attendees); err != nil {
			return nil, err
		}
		if message == nil {
			m := fmt.Sprintf("Restored version %d", old.Version)
			message = &m
		}
		return editorial.OptionalText("input.message", "message", message, editorial.MaxMessage)
	})
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
		if contentChanged {
			if err := s.contentChanged(ctx, tx, action, &before, r, st); err != nil {
				return err
			}
		}
		if err := postgres.UpdateReport(ctx, tx, r, contentChanged); err != nil {
			return err
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

// snapshotOf overlays the report's own (possibly not yet written) fields on
// the relations read from the database.
func snapshotOf(r *editorial.Report, rel editorial.Snapshot) editorial.Snapshot {
	rel.Slug, rel.SourceLocale, rel.Section, rel.Title = r.Slug, r.SourceLocale, r.Section, r.Title
	rel.Subtitle, rel.Summary, rel.Body, rel.EventID = r.Subtitle, r.Summary, r.Body, r.EventID
	return rel
}

// record writes the first revision of a new report.
func record(ctx context.Context, tx *postgres.Tx, r *editorial.Report, msg *string) (*editorial.Revision, error) {
	snap, err := postgres.Snapshot(ctx, tx, r.ID)
	if err != nil {
		return nil, err
	}
	rev := &editorial.Revision{ReportID: r.ID, Version: r.Version, Snapshot: snap, Message: msg}
	return rev, postgres.InsertRevision(ctx, tx, rev)
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
		if err1 == nil && err2 == nil {
			e.WithDetail("changedFields", nonNil(editorial.Diff(then.Snapshot, now.Snapshot).ChangedFields))
		}
	}
	return e
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
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

// setRelations replaces tags and authors when asked to. IDs of merged tags
// and people stand for the survivors of the merges.
func (s *Service) setRelations(ctx context.Context, tx *postgres.Tx, reportID int64, setTags bool, tags []TagRef, setAuthors bool, authors []int64) error {
	if setTags {
		ids, err := s.resolveTags(ctx, tx, tags)
		if err != nil {
			return err
		}
		if err := postgres.ReplaceReportTags(ctx, tx, reportID, ids); err != nil {
			return err
		}
	}
	if setAuthors {
		if len(authors) > editorial.MaxAuthors {
			return cerr.FieldErrorf(cerr.Invalid, "input.authorIds", "A report may credit at most %d authors.", editorial.MaxAuthors)
		}
		merged, err := resolveMerged(ctx, tx, postgres.KindPerson, authors)
		if err != nil {
			return err
		}
		ids := make([]int64, len(authors))
		for i, id := range authors {
			ids[i] = merged[id]
			if slices.Index(ids[:i], ids[i]) >= 0 {
				return cerr.FieldErrorf(cerr.Invalid, editorial.Path("input.authorIds", i), "This author is listed twice.")
			}
			if err := mustExist(ctx, tx, "people", editorial.Path("input.authorIds", i), "Person", ids[i]); err != nil {
				return err
			}
		}
		if err := postgres.ReplaceReportAuthors(ctx, tx, reportID, ids); err != nil {
			return err
		}
	}
	return nil
}

// resolveTags turns tag references into tag IDs, creating tags named by Name
// that do not exist yet.
func (s *Service) resolveTags(ctx context.Context, tx *postgres.Tx, refs []TagRef) ([]int64, error) {
	if len(refs) > editorial.MaxTags {
		return nil, cerr.FieldErrorf(cerr.Invalid, "input.tags", "A report may have at most %d tags (got %d).", editorial.MaxTags, len(refs))
	}
	ids := make([]int64, 0, len(refs))
	for i, ref := range refs {
		field := editorial.Path("input.tags", i)
		given := 0
		for _, set := range []bool{ref.ID != 0, ref.Slug != "", ref.Name != ""} {
			if set {
				given++
			}
		}
		if given != 1 {
			return nil, cerr.FieldErrorf(cerr.Invalid, field, "Give exactly one of id, slug or name for each tag.")
		}
		var id int64
		switch {
		case ref.ID != 0:
			merged, err := postgres.ResolveMerged(ctx, tx, postgres.KindTag, ref.ID)
			if err != nil {
				return nil, err
			}
			if err := mustExist(ctx, tx, "tags", field+".id", "Tag", merged); err != nil {
				return nil, err
			}
			id = merged
		case ref.Slug != "":
			t, err := postgres.TagBySlug(ctx, tx, ref.Slug)
			if err != nil {
				if cerr.Is(err, cerr.NotFound) {
					return nil, cerr.FieldErrorf(cerr.NotFound, field+".slug", "No tag has the slug %q.", ref.Slug)
				}
				return nil, err
			}
			id = t.ID
		default:
			name, err := editorial.RequiredText(field+".name", "tag name", ref.Name, editorial.MaxTagName)
			if err != nil {
				return nil, err
			}
			t, err := directory.FindOrCreateTagByName(ctx, tx, name)
			if err != nil {
				return nil, err
			}
			id = t.ID
		}
		if slices.Contains(ids, id) {
			return nil, cerr.FieldErrorf(cerr.Invalid, field, "This tag is listed twice.")
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// setAttendees validates list and makes it the report's attendee list. IDs of
// merged people and organizations stand for the survivors of the merges.
func setAttendees(ctx context.Context, tx *postgres.Tx, reportID int64, list []AttendeeInput) error {
	if len(list) > editorial.MaxAttendees {
		return cerr.FieldErrorf(cerr.Invalid, "input.attendees", "A report may list at most %d attendees (got %d).", editorial.MaxAttendees, len(list))
	}
	existing, err := postgres.AttendeesByReportIDs(ctx, tx, []int64{reportID})
	if err != nil {
		return err
	}
	own := map[int64]bool{}
	for _, a := range existing[reportID] {
		own[a.ID] = true
	}
	var askedPeople, askedOrgs []int64
	for _, in := range list {
		if in.PersonID != nil {
			askedPeople = append(askedPeople, *in.PersonID)
		}
		if in.OrganizationID != nil {
			askedOrgs = append(askedOrgs, *in.OrganizationID)
		}
	}
	mergedPeople, err := resolveMerged(ctx, tx, postgres.KindPerson, askedPeople)
	if err != nil {
		return err
	}
	mergedOrgs, err := resolveMerged(ctx, tx, postgres.KindOrganization, askedOrgs)
	if err != nil {
		return err
	}
	var people, orgs []int64 // as resolved
	out := make([]*editorial.Attendee, len(list))
	seenID := map[int64]bool{}
	for i, in := range list {
		field := editorial.Path("input.attendees", i)
		a := &editorial.Attendee{ID: in.ID, PersonID: survivor(mergedPeople, in.PersonID), OrganizationID: survivor(mergedOrgs, in.OrganizationID)}
		if in.ID != 0 {
			if !own[in.ID] {
				return cerr.FieldErrorf(cerr.NotFound, field+".id", "This attendee is not on the report; leave out id to add a new one.")
			}
			if seenID[in.ID] {
				return cerr.FieldErrorf(cerr.Invalid, field+".id", "This attendee is listed twice.")
			}
			seenID[in.ID] = true
		}
		if a.Delegation, err = editorial.OptionalText(field+".delegation", "delegation", in.Delegation, editorial.MaxDelegation); err != nil {
			return err
		}
		if a.Role, err = editorial.OptionalText(field+".role", "role", in.Role, editorial.MaxRole); err != nil {
			return err
		}
		if a.Note, err = editorial.OptionalText(field+".note", "note", in.Note, editorial.MaxNote); err != nil {
			return err
		}
		if a.PersonID == nil && a.OrganizationID == nil && a.Delegation == nil {
			return cerr.FieldErrorf(cerr.Invalid, field, "An attendee needs a person, an organization or a delegation description.")
		}
		if len(in.Participations) == 0 {
			return cerr.FieldErrorf(cerr.Invalid, field+".participations", "Say how the attendee took part (at least one participation, e.g. ATTENDED).")
		}
		for j, p := range in.Participations {
			if !slices.Contains(editorial.Participations, p) {
				return cerr.FieldErrorf(cerr.Invalid, editorial.Path(field+".participations", j), "%q is not a participation.", p)
			}
			if slices.Index(in.Participations, p) != j {
				return cerr.FieldErrorf(cerr.Invalid, editorial.Path(field+".participations", j), "%s is listed twice.", p)
			}
		}
		a.Participations = in.Participations
		for k := 0; k < i; k++ {
			if sameAttendee(out[k], a) {
				return cerr.FieldErrorf(cerr.Invalid, field, "This attendee duplicates attendee %d: each person, and each organization or delegation without a person, may appear once.", k)
			}
		}
		if a.PersonID != nil {
			people = append(people, *a.PersonID)
		}
		if a.OrganizationID != nil {
			orgs = append(orgs, *a.OrganizationID)
		}
		out[i] = a
	}
	if err := allExist(ctx, tx, "people", people, func(id int64) string {
		return attendeeField(out, id, func(a *editorial.Attendee) *int64 { return a.PersonID }, "personId")
	}, "Person"); err != nil {
		return err
	}
	if err := allExist(ctx, tx, "organizations", orgs, func(id int64) string {
		return attendeeField(out, id, func(a *editorial.Attendee) *int64 { return a.OrganizationID }, "organizationId")
	}, "Organization"); err != nil {
		return err
	}
	return postgres.ReplaceAttendees(ctx, tx, reportID, out)
}

func sameAttendee(a, b *editorial.Attendee) bool {
	if a.PersonID != nil || b.PersonID != nil {
		return a.PersonID != nil && b.PersonID != nil && *a.PersonID == *b.PersonID
	}
	return editorial.Same(a.OrganizationID, b.OrganizationID) && editorial.Same(a.Delegation, b.Delegation)
}

func attendeeField(list []*editorial.Attendee, id int64, get func(*editorial.Attendee) *int64, name string) string {
	for i, a := range list {
		if p := get(a); p != nil && *p == id {
			return editorial.Path("input.attendees", i, name)
		}
	}
	return "input.attendees"
}

// resolveMerged maps directory IDs of kind to the entries they stand for now:
// the survivor of a merge that removed one, or the ID itself. No IDs, no query.
func resolveMerged(ctx context.Context, tx *postgres.Tx, kind string, ids []int64) (map[int64]int64, error) {
	if len(ids) == 0 {
		return map[int64]int64{}, nil
	}
	return postgres.ResolveMergedIDs(ctx, tx, kind, ids)
}

// survivor returns what the optional ID id stands for in merged.
func survivor(merged map[int64]int64, id *int64) *int64 {
	if id == nil {
		return nil
	}
	v := merged[*id]
	return &v
}

// restoreAttendees brings back a snapshot's attendee list, dropping people
// and organizations that no longer exist (an attendee left with nobody, or
// left the same as another attendee, is dropped).
func restoreAttendees(ctx context.Context, tx *postgres.Tx, reportID int64, snap []editorial.SnapshotAttendee) error {
	current, err := postgres.AttendeesByReportIDs(ctx, tx, []int64{reportID})
	if err != nil {
		return err
	}
	own := map[int64]bool{}
	for _, a := range current[reportID] {
		own[a.ID] = true
	}
	var people, orgs []int64
	for _, a := range snap {
		if a.PersonID != nil {
			people = append(people, *a.PersonID)
		}
		if a.OrganizationID != nil {
			orgs = append(orgs, *a.OrganizationID)
		}
	}
	goneP, err := postgres.MissingIDs(ctx, tx, "people", people)
	if err != nil {
		return err
	}
	goneO, err := postgres.MissingIDs(ctx, tx, "organizations", orgs)
	if err != nil {
		return err
	}
	var list []*editorial.Attendee
	var lost []bool // whether list[i] lost its person or organization
	for _, s := range snap {
		a := &editorial.Attendee{PersonID: s.PersonID, OrganizationID: s.OrganizationID, Delegation: s.Delegation,
			Role: s.Role, Participations: s.Participations, Note: s.Note}
		if own[s.ID] {
			a.ID = s.ID
		}
		if a.PersonID != nil && slices.Contains(goneP, *a.PersonID) {
			a.PersonID = nil
		}
		if a.OrganizationID != nil && slices.Contains(goneO, *a.OrganizationID) {
			a.OrganizationID = nil
		}
		if a.PersonID == nil && a.OrganizationID == nil && a.Delegation == nil {
			continue
		}
		list = append(list, a)
		lost = append(lost, !editorial.Same(a.PersonID, s.PersonID) || !editorial.Same(a.OrganizationID, s.OrganizationID))
	}
	// An attendee that lost its person may now be the same as another entry
	// (an organization listed on its own too): it gives way to that entry,
	// or to an earlier one like it.
	kept := make([]*editorial.Attendee, 0, len(list))
	for i, a := range list {
		dup := false
		for j, b := range list {
			if j != i && lost[i] && (!lost[j] || j < i) && sameAttendee(a, b) {
				dup = true
				break
			}
		}
		if !dup {
			kept = append(kept, a)
		}
	}
	return postgres.ReplaceAttendees(ctx, tx, reportID, kept)
}

// replaceExisting calls set with the IDs of ids that still exist in table.
func replaceExisting(ctx context.Context, tx *postgres.Tx, table string, ids []int64, set func([]int64) error) error {
	gone, err := postgres.MissingIDs(ctx, tx, table, ids)
	if err != nil {
		return err
	}
	kept := slices.DeleteFunc(slices.Clone(ids), func(id int64) bool { return slices.Contains(gone, id) })
	return set(kept)
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
