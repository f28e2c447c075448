package reports

import (
	"context"
	"slices"

	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/directory"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/postgres"
	"github.com/copydesk/copydesk/internal/workflow"
)

// TagRef names a tag for a report: an existing one by ID or slug, or by Name,
// which uses the tag of that name (ignoring case) or creates it — if the
// viewer may create tags on the report's desk (workflow.Settings.MayCreateTag).
type TagRef struct {
	ID   int64
	Slug string
	Name string
}

// CreatedTag is a tag a report mutation created because the report named
// it, as its audit entry records it (Detail["createdTags"]).
type CreatedTag struct {
	ID   int64  `json:"id"`
	Slug string `json:"slug"`
	Name string `json:"name"`
}

// setRelations replaces tags and authors when asked to, and returns the tags
// it created. IDs of merged tags and people stand for the survivors of the
// merges. deskID is the report's desk, whose settings say who may create a
// tag by naming it.
func (s *Service) setRelations(ctx context.Context, tx *postgres.Tx, reportID int64, deskID *int64, setTags bool, tags []TagRef, setAuthors bool, authors []int64) ([]CreatedTag, error) {
	var created []CreatedTag
	if setTags {
		ids, c, err := s.resolveTags(ctx, tx, deskID, tags)
		if err != nil {
			return nil, err
		}
		if err := postgres.ReplaceReportTags(ctx, tx, reportID, ids); err != nil {
			return nil, err
		}
		created = c
	}
	if setAuthors {
		if len(authors) > editorial.MaxAuthors {
			return nil, cerr.FieldErrorf(cerr.Invalid, "input.authorIds", "A report may credit at most %d authors.", editorial.MaxAuthors)
		}
		merged, err := resolveMerged(ctx, tx, postgres.KindPerson, authors)
		if err != nil {
			return nil, err
		}
		ids := make([]int64, len(authors))
		for i, id := range authors {
			ids[i] = merged[id]
			if slices.Index(ids[:i], ids[i]) >= 0 {
				return nil, cerr.FieldErrorf(cerr.Invalid, editorial.Path("input.authorIds", i), "This author is listed twice.")
			}
			if err := mustExist(ctx, tx, "people", editorial.Path("input.authorIds", i), "Person", ids[i]); err != nil {
				return nil, err
			}
		}
		if err := postgres.ReplaceReportAuthors(ctx, tx, reportID, ids); err != nil {
			return nil, err
		}
	}
	return created, nil
}

// resolveTags turns tag references into tag IDs, creating tags named by Name
// that do not exist yet, and returns those it created. Creating one needs
// a tag-creator role on desk deskID (its settings are read only then):
// else FORBIDDEN on input.tags.N.name, naming the tag.
func (s *Service) resolveTags(ctx context.Context, tx *postgres.Tx, deskID *int64, refs []TagRef) ([]int64, []CreatedTag, error) {
	if len(refs) > editorial.MaxTags {
		return nil, nil, cerr.FieldErrorf(cerr.Invalid, "input.tags", "A report may have at most %d tags (got %d).", editorial.MaxTags, len(refs))
	}
	var settings *workflow.Settings
	mayCreate := func(name string) error {
		if settings == nil {
			st, err := postgres.SettingsFor(ctx, tx, deskID)
			if err != nil {
				return err
			}
			settings = &st
		}
		return settings.CheckTagCreation(auth.ViewerFrom(ctx), name)
	}
	var created []CreatedTag
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
			return nil, nil, cerr.FieldErrorf(cerr.Invalid, field, "Give exactly one of id, slug or name for each tag.")
		}
		var id int64
		switch {
		case ref.ID != 0:
			merged, err := postgres.ResolveMerged(ctx, tx, postgres.KindTag, ref.ID)
			if err != nil {
				return nil, nil, err
			}
			if err := mustExist(ctx, tx, "tags", field+".id", "Tag", merged); err != nil {
				return nil, nil, err
			}
			id = merged
		case ref.Slug != "":
			t, err := postgres.TagBySlug(ctx, tx, ref.Slug)
			if err != nil {
				if cerr.Is(err, cerr.NotFound) {
					return nil, nil, cerr.FieldErrorf(cerr.NotFound, field+".slug", "No tag has the slug %q.", ref.Slug)
				}
				return nil, nil, err
			}
			id = t.ID
		default:
			name, err := editorial.RequiredText(field+".name", "tag name", ref.Name, editorial.MaxTagName)
			if err != nil {
				return nil, nil, err
			}
			t, isNew, err := directory.FindOrCreateTagByName(ctx, tx, name, mayCreate)
			if err != nil {
				return nil, nil, cerr.DefaultField(err, field+".name")
			}
			if isNew {
				created = append(created, CreatedTag{ID: t.ID, Slug: t.Slug, Name: t.Name})
			}
			id = t.ID
		}
		if slices.Contains(ids, id) {
			return nil, nil, cerr.FieldErrorf(cerr.Invalid, field, "This tag is listed twice.")
		}
		ids = append(ids, id)
	}
	return ids, created, nil
}

// resolveMerged maps directory IDs of kind to the entries they stand for now:
// the survivor of a merge that removed one, or the ID itself. No IDs, no query.
func resolveMerged(ctx context.Context, tx *postgres.Tx, kind string, ids []int64) (map[int64]int64, error) {
	if len(ids) == 0 {
		return map[int64]int64{}, nil
	}
	return postgres.ResolveMergedIDs(ctx, tx, kind, ids)
}
