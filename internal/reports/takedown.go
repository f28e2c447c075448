package reports

import (
	"context"

	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/postgres"
	"github.com/copydesk/copydesk/internal/workflow"
)

// Corrections and takedowns, executed (the rules are package workflow's).
//
// A correction note goes with a republication (PublishWithCorrection): it
// is recorded in the republication's transaction, after its publication,
// so the public documents rebuilt in that transaction show it with the
// corrected text, and never before. A takedown (TakeDown) withdraws the
// report from every public surface in its transaction: its public
// documents, its translation documents, its public search document and so
// every public list, count and tag count derived from them, and, through
// the announcement on postgres.NotifyPublicChannel the deletion sends, the
// cached copies of every instance. Publishing it is refused until an
// editor lifts the takedown (LiftTakedown).

// correctionNote validates the correction note given with a publish (nil
// or blank: none): plain text of at most editorial.MaxCorrection
// characters, for a report that was published before
// (workflow.CheckCorrection). Errors are BAD_USER_INPUT on field.
func correctionNote(field string, note *string, f workflow.Facts) (*string, error) {
	n, err := editorial.OptionalText(field, "correction note", note, editorial.MaxCorrection)
	if err != nil || n == nil {
		return nil, err
	}
	if err := workflow.CheckCorrection(field, f); err != nil {
		return nil, err
	}
	return n, nil
}

// correct records note as the correction published with revision rev of r,
// in the source locale, and names it in the publish audit entry.
func correct(ctx context.Context, tx *postgres.Tx, r *editorial.Report, rev *editorial.Revision, note string, st *step) error {
	c := &editorial.Correction{ReportID: r.ID, RevisionID: rev.ID, Version: rev.Version, Locale: r.SourceLocale, Note: note,
		CreatedBy: auth.ViewerFrom(ctx).UserRef()}
	if err := postgres.InsertCorrection(ctx, tx, c); err != nil {
		return err
	}
	st.detail["correction"] = map[string]any{"id": c.ID, "note": c.Note, "locale": c.Locale}
	return nil
}

// TakeDown takes a SCHEDULED, PUBLISHED or UNPUBLISHED report off every
// public surface at once (TAKEN_DOWN) for reason, which is required and
// kept in the audit entry. A scheduled publication is dropped. The
// publication record is kept (the report was published), but neither
// publish nor the scheduler can use it until LiftTakedown.
func (s *Service) TakeDown(ctx context.Context, id int64, expectedVersion int, reason string) (*Saved, error) {
	return s.transition(ctx, workflow.TakeDown, "input.id", id, expectedVersion, func(tx *postgres.Tx, r *editorial.Report, f workflow.Facts, st *step) (*string, error) {
		why, err := editorial.RequiredText("input.reason", "reason", reason, editorial.MaxReason)
		if err != nil {
			return nil, err
		}
		if err := postgres.DeletePublishJob(ctx, tx, r.ID); err != nil {
			return nil, err
		}
		if f.PublishAt != nil {
			st.detail["scheduledFor"] = f.PublishAt.UTC()
		}
		// Whatever the state before: published.Sync withdraws a PUBLISHED
		// report's documents too, and this leaves nothing behind for any
		// other (a leftover, or one a rebuild job would find).
		if err := postgres.DeletePublicReport(ctx, tx, r.ID); err != nil {
			return nil, err
		}
		st.detail["reason"], st.detail["wasPublic"] = why, r.Status == editorial.Published
		return ptrTo("Taken down"), nil
	})
}

// LiftTakedown lifts the takedown of a TAKEN_DOWN report, for reason
// (required, kept in the audit entry): it becomes UNPUBLISHED, or APPROVED
// if it was never published (workflow.Next), still off the public site,
// and may be published (with a correction note) from there.
func (s *Service) LiftTakedown(ctx context.Context, id int64, expectedVersion int, reason string) (*Saved, error) {
	return s.transition(ctx, workflow.LiftTakedown, "input.id", id, expectedVersion, func(_ *postgres.Tx, _ *editorial.Report, _ workflow.Facts, st *step) (*string, error) {
		why, err := editorial.RequiredText("input.reason", "reason", reason, editorial.MaxReason)
		if err != nil {
			return nil, err
		}
		st.detail["reason"] = why
		return ptrTo("Takedown lifted"), nil
	})
}
