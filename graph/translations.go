package graph

import (
	"context"

	"github.com/copydesk/copydesk/graph/model"
	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/textdiff"
	"github.com/copydesk/copydesk/internal/translation"
)

// The translation workflow's resolvers: each decodes its input, calls one
// reports.Service method and maps the result. The rules (who may, which
// state, what is stale) are all in internal/translation.

// translationStep runs one workflow step (submit, approve) on a translation.
func (r *Resolver) translationStep(ctx context.Context, input model.TranslationStepInput,
	step func(ctx context.Context, reportID int64, locale string, expectedVersion int) (*editorial.Translation, error)) (*model.UpsertTranslationPayload, error) {
	id, err := decodeID("input.reportId", typeReport, input.ReportID)
	if err != nil {
		return respond(ctx).translation(nil, err)
	}
	return respond(ctx).translation(step(ctx, id, input.Locale, input.ExpectedVersion))
}

func (r *Resolver) confirmTranslationFields(ctx context.Context, input model.ConfirmTranslationFieldsInput) (*model.UpsertTranslationPayload, error) {
	step := model.TranslationStepInput{ReportID: input.ReportID, Locale: input.Locale, ExpectedVersion: input.ExpectedVersion}
	return r.translationStep(ctx, step, func(ctx context.Context, reportID int64, locale string, expectedVersion int) (*editorial.Translation, error) {
		return r.Translations.ConfirmTranslationFields(ctx, reportID, locale, expectedVersion, input.Fields)
	})
}

func (r *Resolver) assignTranslator(ctx context.Context, input model.AssignTranslatorInput) (*model.AssignTranslatorPayload, error) {
	a, err := r.assign(ctx, input)
	if err != nil {
		ue, err := failed(ctx, err)
		return &model.AssignTranslatorPayload{UserErrors: ue}, err
	}
	forget(ctx)
	return &model.AssignTranslatorPayload{Assignment: a, UserErrors: noUserErrors()}, nil
}

// assign assigns input.userId, or with userId null removes the assignment
// (returning nil).
func (r *Resolver) assign(ctx context.Context, input model.AssignTranslatorInput) (*editorial.TranslationAssignment, error) {
	id, err := decodeID("input.reportId", typeReport, input.ReportID)
	if err != nil {
		return nil, err
	}
	if !input.UserID.IsSet() {
		return nil, cerr.FieldErrorf(cerr.Invalid, "input.userId", "Give the translator's ID, or null to remove the assignment.")
	}
	if input.UserID.Value() == nil {
		_, err := r.Translations.UnassignTranslator(ctx, id, input.Locale)
		return nil, err
	}
	user, err := decodeID("input.userId", typeUser, *input.UserID.Value())
	if err != nil {
		return nil, err
	}
	return r.Translations.AssignTranslator(ctx, id, input.Locale, user)
}

func (r *Resolver) deleteTranslation(ctx context.Context, input model.TranslationStepInput) (*model.DeleteTranslationPayload, error) {
	id, err := decodeID("input.reportId", typeReport, input.ReportID)
	if err == nil {
		var t *editorial.Translation
		if t, err = r.Translations.DeleteTranslation(ctx, id, input.Locale, input.ExpectedVersion); err == nil {
			forget(ctx)
			gid := encodeTranslationID(t.ReportID, t.Locale)
			rep, err := load(ctx, r.loaders(ctx).reports, t.ReportID)
			if err != nil {
				return nil, err
			}
			return &model.DeleteTranslationPayload{DeletedTranslationID: &gid, Report: rep, UserErrors: noUserErrors()}, nil
		}
	}
	ue, err := failed(ctx, err)
	return &model.DeleteTranslationPayload{UserErrors: ue}, err
}

func (r *Resolver) importXliff(ctx context.Context, input model.ImportXliffInput) (*model.ImportXliffPayload, error) {
	list, err := r.Translations.ImportXLIFF(ctx, []byte(input.Document))
	if err != nil {
		ue, err := failed(ctx, err)
		return &model.ImportXliffPayload{Translations: []*editorial.Translation{}, UserErrors: ue}, err
	}
	forget(ctx)
	return &model.ImportXliffPayload{Translations: list, UserErrors: noUserErrors()}, nil
}

func (r *Resolver) xliffExport(ctx context.Context, input model.XliffExportInput) (*string, error) {
	ids, err := decodeIDs("input.reportIds", typeReport, input.ReportIds)
	if err != nil {
		return nil, err
	}
	doc, err := r.Translations.ExportXLIFF(ctx, ids, input.Locale)
	if err != nil {
		return nil, err
	}
	s := string(doc)
	return &s, nil
}

func (r *Resolver) translatorQueue(ctx context.Context, first *int) ([]*translation.QueueItem, error) {
	n, err := pageSize(first, 50)
	if err != nil {
		return nil, err
	}
	v := auth.ViewerFrom(ctx)
	if v.UserRef() == nil {
		return nil, cerr.Errorf(cerr.Unauthenticated, "Sign in with an API token to see your translation queue.")
	}
	items, err := r.Translations.TranslatorQueue(ctx, *v.UserRef(), n)
	if err != nil {
		return nil, err
	}
	out := make([]*translation.QueueItem, len(items))
	for i := range items {
		out[i] = &items[i]
	}
	return out, nil
}

// translationProgress is newsroom data: it reveals unpublished work.
func (r *Resolver) translationProgress(ctx context.Context, rep *editorial.Report) (*translation.Progress, error) {
	if err := auth.Check(auth.ViewerFrom(ctx), auth.ReadDrafts, auth.Resource{}); err != nil {
		return nil, err
	}
	list, err := load(ctx, r.loaders(ctx).reportTranslations, rep.ID)
	if err != nil {
		return nil, err
	}
	keys := make([]editorial.TranslationKey, len(list))
	for i, t := range list {
		keys[i] = editorial.TranslationKey{ReportID: t.ReportID, Locale: t.Locale}
	}
	// The same loader as freshness: one computation per request.
	states, err := loadEach(ctx, r.loaders(ctx).translationStates, keys)
	if err != nil {
		return nil, err
	}
	byKey := make(map[editorial.TranslationKey]*translation.State, len(keys))
	for i, k := range keys {
		byKey[k] = states[i]
	}
	var desk int64
	if rep.DeskID != nil {
		desk = *rep.DeskID
	}
	settings, err := load(ctx, r.loaders(ctx).settings, desk)
	if err != nil {
		return nil, err
	}
	p := translation.ProgressOf(rep.SourceLocale, list, byKey, settings.TargetLocales)
	return &p, nil
}

// freshness is newsroom data: it quotes the working draft's source text.
func (r *Resolver) freshness(ctx context.Context, t *editorial.Translation) (*translation.State, error) {
	if err := auth.Check(auth.ViewerFrom(ctx), auth.ReadDrafts, auth.Resource{}); err != nil {
		return nil, err
	}
	return load(ctx, r.loaders(ctx).translationStates, editorial.TranslationKey{ReportID: t.ReportID, Locale: t.Locale})
}

// translatorAssignment is null for public readers (it names users).
func (r *Resolver) translatorAssignment(ctx context.Context, t *editorial.Translation) (*editorial.TranslationAssignment, error) {
	if !newsroom(ctx) {
		return nil, nil
	}
	return load(ctx, r.loaders(ctx).assignments, editorial.TranslationKey{ReportID: t.ReportID, Locale: t.Locale})
}

// translation answers a mutation that saved translation t, or failed.
func (rs responder) translation(t *editorial.Translation, err error) (*model.UpsertTranslationPayload, error) {
	if err != nil {
		ue, err := failed(rs.ctx, err)
		return &model.UpsertTranslationPayload{UserErrors: ue}, err
	}
	forget(rs.ctx)
	return &model.UpsertTranslationPayload{Translation: t, UserErrors: noUserErrors()}, nil
}

// staleChanges is the word diff of a stale field's source, then to now.
func staleChanges(f *translation.StaleField) []*model.DiffSegment {
	return diffSegments(textdiff.Diff(deref(f.From), deref(f.To)))
}

// diffSegments maps a text diff to the schema's segments.
func diffSegments(segs []textdiff.Segment) []*model.DiffSegment {
	out := make([]*model.DiffSegment, len(segs))
	for i, s := range segs {
		out[i] = &model.DiffSegment{Op: model.DiffOp(s.Op), Text: s.Text}
	}
	return out
}
