package reports

import (
	"context"
	"fmt"
	"slices"

	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/postgres"
	"github.com/copydesk/copydesk/internal/richtext"
)

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
			return nil, cerr.DefaultField(err, "input.slug")
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

// record writes the first revision of a new report.
func record(ctx context.Context, tx *postgres.Tx, r *editorial.Report, msg *string) (*editorial.Revision, error) {
	snap, err := postgres.Snapshot(ctx, tx, r.ID)
	if err != nil {
		return nil, err
	}
	rev := &editorial.Revision{ReportID: r.ID, Version: r.Version, Snapshot: snap, Message: msg}
	return rev, postgres.InsertRevision(ctx, tx, rev)
}

// snapshotOf overlays the report's own (possibly not yet written) fields on
// the relations read from the database.
func snapshotOf(r *editorial.Report, rel editorial.Snapshot) editorial.Snapshot {
	rel.Slug, rel.SourceLocale, rel.Section, rel.Title = r.Slug, r.SourceLocale, r.Section, r.Title
	rel.Subtitle, rel.Summary, rel.Body, rel.EventID = r.Subtitle, r.Summary, r.Body, r.EventID
	return rel
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
