package directory

import (
	"context"
	"slices"
	"strings"

	"github.com/copydesk/copydesk/internal/audit"
	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/postgres"
	"github.com/copydesk/copydesk/internal/published"
)

// MergeInput names entries to merge (SourceIDs) and the one they merge into.
type MergeInput struct {
	SourceIDs []int64
	TargetID  int64
}

// merge is the shape of every merge: check the caller may merge, lock
// the target and the sources, check they all exist, merge, and return the
// target as it is now.
func merge[T any](ctx context.Context, s *Service, in MergeInput, kind string,
	lock func(context.Context, *postgres.Tx, []int64) (map[int64]*T, error),
	mergeRows func(context.Context, *postgres.Tx, []int64, int64) error,
	reload func(context.Context, *postgres.Tx, int64) (*T, error),
) (*T, error) {
	if err := allowed(ctx, auth.MergeDirectory); err != nil {
		return nil, err
	}
	if err := checkMerge(in); err != nil {
		return nil, err
	}
	var out *T
	err := audit.Write(ctx, s.DB, func(tx *postgres.Tx) error {
		locked, err := lock(ctx, tx, append([]int64{in.TargetID}, in.SourceIDs...))
		if err != nil {
			return err
		}
		if err := checkMergeFound(in, kind, func(id int64) bool { return locked[id] != nil }); err != nil {
			return err
		}
		if err := mergeRows(ctx, tx, in.SourceIDs, in.TargetID); err != nil {
			return err
		}
		if err := queueMerged(ctx, tx, kind, append([]int64{in.TargetID}, in.SourceIDs...)); err != nil {
			return err
		}
		out, err = reload(ctx, tx, in.TargetID)
		return err
	}, func() *audit.Entry {
		return &audit.Entry{Action: strings.ToLower(kind) + ".merge", SubjectType: kind, SubjectID: in.TargetID, Detail: map[string]any{"mergedIds": in.SourceIDs}}
	})
	return out, err
}

// checkMerge checks the shape of a merge request: at least one and at
// most editorial.MaxMerge sources, each listed once, none the target.
func checkMerge(in MergeInput) error {
	switch {
	case len(in.SourceIDs) == 0:
		return cerr.FieldErrorf(cerr.Invalid, "input.sourceIds", "Choose at least one entry to merge into the target.")
	case len(in.SourceIDs) > editorial.MaxMerge:
		return cerr.FieldErrorf(cerr.Invalid, "input.sourceIds", "At most %d entries can be merged at once (got %d).", editorial.MaxMerge, len(in.SourceIDs))
	}
	for i, id := range in.SourceIDs {
		field := editorial.Path("input.sourceIds", i)
		if id == in.TargetID {
			return cerr.FieldErrorf(cerr.Invalid, field, "The target cannot also be one of the entries merged into it.")
		}
		if slices.Index(in.SourceIDs, id) < i {
			return cerr.FieldErrorf(cerr.Invalid, field, "This entry is listed twice.")
		}
	}
	return nil
}

// checkMergeFound returns NOT_FOUND naming the first entry of in that
// exists returns false for (the target, then the sources in order).
func checkMergeFound(in MergeInput, kind string, exists func(int64) bool) error {
	if !exists(in.TargetID) {
		return cerr.FieldErrorf(cerr.NotFound, "input.targetId", "No %s has this ID.", noun(kind))
	}
	for i, id := range in.SourceIDs {
		if !exists(id) {
			return cerr.FieldErrorf(cerr.NotFound, editorial.Path("input.sourceIds", i), "No %s has this ID.", noun(kind))
		}
	}
	return nil
}

// queueMerged queues for rebuilding the public documents that show one of
// the entries of a merge (ids, of kind).
func queueMerged(ctx context.Context, tx *postgres.Tx, kind string, ids []int64) error {
	ref := map[string]func(int64) string{postgres.KindPerson: postgres.RefPerson,
		postgres.KindOrganization: postgres.RefOrganization, postgres.KindTag: postgres.RefTag}[kind]
	refs := make([]string, len(ids))
	for i, id := range ids {
		refs[i] = ref(id)
	}
	return published.Queue(ctx, tx, refs...)
}
