package graph

import (
	"context"

	"github.com/copydesk/copydesk/graph/model"
	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/reports"
)

// Resolver helpers for corrections and takedowns. The rules are
// internal/workflow's and the transitions internal/reports'; these
// functions only present them.

const typeCorrection = "Correction"

// msgCorrectionPublishOnly is the error of a correction note sent to a
// transition other than publishReport (they share TransitionInput).
const msgCorrectionPublishOnly = "A correction note goes with publishReport only; leave it out of this mutation."

// corrections are a report's correction notes, newest first: for the
// public, those its public documents hold (primed by fromDocuments).
func (r *Resolver) corrections(ctx context.Context, rep *editorial.Report) ([]*editorial.Correction, error) {
	return nonNilList(load(ctx, r.loaders(ctx).corrections, rep.ID))
}

func (r *Resolver) correctionRevision(ctx context.Context, c *editorial.Correction) (*editorial.Revision, error) {
	if !newsroom(ctx) {
		return nil, nil
	}
	return load(ctx, r.loaders(ctx).revisions, c.RevisionID)
}

// publishReport publishes with the input's correction note, if any.
func (r *Resolver) publishReport(ctx context.Context, in model.TransitionInput) (*model.UpdateReportPayload, error) {
	id, err := decodeID("input.id", typeReport, in.ID)
	if err != nil {
		return respond(ctx).report(nil, err)
	}
	return respond(ctx).report(r.Reports.PublishWithCorrection(ctx, id, in.ExpectedVersion, opt(in.Correction)))
}

// noCorrection refuses a correction note given to a transition other than
// publishReport.
func noCorrection(in model.TransitionInput) error {
	if in.Correction.Value() != nil {
		return cerr.FieldErrorf(cerr.Invalid, "input.correction", "%s", msgCorrectionPublishOnly)
	}
	return nil
}

func (r *Resolver) takeDown(ctx context.Context, in model.TakeDownReportInput) (*model.UpdateReportPayload, error) {
	return r.withReason(ctx, in.ID, func(id int64) (*reports.Saved, error) {
		return r.Reports.TakeDown(ctx, id, in.ExpectedVersion, in.Reason)
	})
}

func (r *Resolver) liftTakedown(ctx context.Context, in model.LiftTakedownInput) (*model.UpdateReportPayload, error) {
	return r.withReason(ctx, in.ID, func(id int64) (*reports.Saved, error) {
		return r.Reports.LiftTakedown(ctx, id, in.ExpectedVersion, in.Reason)
	})
}

// withReason runs a transition on the report with global ID gid.
func (r *Resolver) withReason(ctx context.Context, gid string, step func(id int64) (*reports.Saved, error)) (*model.UpdateReportPayload, error) {
	id, err := decodeID("input.id", typeReport, gid)
	if err != nil {
		return respond(ctx).report(nil, err)
	}
	return respond(ctx).report(step(id))
}
