package directory

import (
	"context"
	"maps"
	"strings"

	"github.com/copydesk/copydesk/internal/audit"
	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/postgres"
	"github.com/copydesk/copydesk/internal/slugs"
)

// CreateTagInput is a new tag. A nil or blank Slug is derived from Name.
type CreateTagInput struct {
	Name           string
	Slug           *string
	Description    *string
	ParentID       *int64
	LocalizedNames editorial.LocalizedNames
}

// UpdateTagInput changes the fields that are Set of tag ID, which must be at
// ExpectedVersion.
type UpdateTagInput struct {
	ID              int64
	ExpectedVersion int
	Name            editorial.Field[string]
	Slug            editorial.Field[string]
	Description     editorial.Field[*string]
	ParentID        editorial.Field[*int64]
	LocalizedNames  editorial.Field[editorial.LocalizedNames]
}

// tagFields is the validated, storable part of a tag input.
type tagFields struct {
	name, slug  string
	description *string
	names       editorial.LocalizedNames
}

func checkTagName(name string) (string, error) {
	return checkName("input.name", "The tag name", name, editorial.MaxTagName)
}

func checkTagSlug(slug string) (string, error) {
	slug = strings.TrimSpace(slug)
	if err := slugs.Validate(slug); err != nil {
		return "", cerr.FieldErrorf(cerr.Invalid, "input.slug", "%s", editorial.Sentence(err.Error()))
	}
	return slug, nil
}

func checkTagDescription(d *string) (*string, error) {
	return optionalText("input.description", "The description", d, editorial.MaxTagDesc)
}

// CreateTag adds a tag to the vocabulary and returns it. BAD_USER_INPUT for
// a missing or too long name, a malformed slug, bad localized names or a
// parent cycle; CONFLICT when the name (compared case-insensitively) or the
// slug, current or former, belongs to another tag; NOT_FOUND for an unknown
// parent.
func (s *Service) CreateTag(ctx context.Context, in CreateTagInput) (*editorial.Tag, error) {
	if err := auth.Check(auth.ViewerFrom(ctx), auth.EditDirectory, auth.Resource{}); err != nil {
		return nil, err
	}
	var f tagFields
	var err error
	if f.name, err = checkTagName(in.Name); err != nil {
		return nil, err
	}
	if in.Slug != nil && strings.TrimSpace(*in.Slug) != "" {
		if f.slug, err = checkTagSlug(*in.Slug); err != nil {
			return nil, err
		}
	}
	if f.description, err = checkTagDescription(in.Description); err != nil {
		return nil, err
	}
	if f.names, err = localizedNames("input.localizedNames", in.LocalizedNames, editorial.MaxTagName); err != nil {
		return nil, err
	}
	var out *editorial.Tag
	err = audit.Write(ctx, s.DB, func(tx *postgres.Tx) error {
		t := &editorial.Tag{Name: f.name, Slug: f.slug, Description: f.description, LocalizedNames: f.names}
		var err error
		if t.ParentID, err = resolveParent(ctx, tx, postgres.KindTag, "input.parentId", 0, t.Name, in.ParentID); err != nil {
			return err
		}
		if err := postgres.LockTagVocabulary(ctx, tx); err != nil {
			return err
		}
		if err := tagNameFree(ctx, tx, "input.name", t.Name, 0); err != nil {
			return err
		}
		if t.Slug == "" {
			if t.Slug, err = freeTagSlug(ctx, tx, t.Name); err != nil {
				return err
			}
		} else if err := tagSlugFree(ctx, tx, t.Slug, 0); err != nil {
			return err
		}
		if err := postgres.InsertTag(ctx, tx, t); err != nil {
			return err
		}
		out = t
		return nil
	}, func() *audit.Entry {
		return &audit.Entry{Action: "tag.create", SubjectType: "Tag", SubjectID: out.ID, After: out}
	})
	return out, err
}

// UpdateTag changes tag in.ID and returns it. A changed slug leaves the old
// one redirecting to the tag. When nothing changes (no field set, or every
// set field already has that value) the tag is returned as it is, version
// unchanged. NOT_FOUND (input.id) for an unknown tag; CONFLICT
// (input.expectedVersion, with Details["currentVersion"]) when the tag is no
// longer at in.ExpectedVersion; otherwise the errors of CreateTag.
func (s *Service) UpdateTag(ctx context.Context, in UpdateTagInput) (*editorial.Tag, error) {
	if err := auth.Check(auth.ViewerFrom(ctx), auth.EditDirectory, auth.Resource{}); err != nil {
		return nil, err
	}
	var f tagFields
	var err error
	if in.Name.Set {
		if f.name, err = checkTagName(in.Name.Value); err != nil {
			return nil, err
		}
	}
	if in.Slug.Set {
		if f.slug, err = checkTagSlug(in.Slug.Value); err != nil {
			return nil, err
		}
	}
	if in.Description.Set {
		if f.description, err = checkTagDescription(in.Description.Value); err != nil {
			return nil, err
		}
	}
	if in.LocalizedNames.Set {
		if f.names, err = localizedNames("input.localizedNames", in.LocalizedNames.Value, editorial.MaxTagName); err != nil {
			return nil, err
		}
	}
	var out *editorial.Tag
	err = audit.Write(ctx, s.DB, func(tx *postgres.Tx) error {
		cur, err := postgres.LockTag(ctx, tx, in.ID)
		if err != nil {
			return withField(err, "input.id")
		}
		if cur.Version != in.ExpectedVersion {
			return stale("The tag", cur.Name, cur.Version)
		}
		next := *cur
		if in.Name.Set {
			next.Name = f.name
		}
		if in.Slug.Set {
			next.Slug = f.slug
		}
		if in.Description.Set {
			next.Description = f.description
		}
		if in.LocalizedNames.Set {
			next.LocalizedNames = f.names
		}
		if in.ParentID.Set {
			if next.ParentID, err = resolveParent(ctx, tx, postgres.KindTag, "input.parentId", cur.ID, next.Name, in.ParentID.Value); err != nil {
				return err
			}
		}
		if next.Name == cur.Name && next.Slug == cur.Slug && editorial.Same(next.Description, cur.Description) &&
			editorial.Same(next.ParentID, cur.ParentID) && maps.Equal(next.LocalizedNames, cur.LocalizedNames) {
			out = cur
			return nil
		}
		if next.Name != cur.Name || next.Slug != cur.Slug {
			if err := postgres.LockTagVocabulary(ctx, tx); err != nil {
				return err
			}
		}
		if next.Name != cur.Name {
			if err := tagNameFree(ctx, tx, "input.name", next.Name, cur.ID); err != nil {
				return err
			}
		}
		if next.Slug != cur.Slug {
			if err := tagSlugFree(ctx, tx, next.Slug, cur.ID); err != nil {
				return err
			}
			if err := postgres.AddTagSlugRedirect(ctx, tx, cur.Slug, cur.ID); err != nil {
				return err
			}
			// Taking back a former slug: it is current again, not a redirect.
			if err := postgres.DeleteTagSlugRedirect(ctx, tx, next.Slug); err != nil {
				return err
			}
		}
		if err := postgres.UpdateTag(ctx, tx, &next); err != nil {
			return err
		}
		out = &next
		return nil
	}, func() *audit.Entry {
		return audit.IfChanged(out.Version, in.ExpectedVersion, audit.Entry{Action: "tag.update", SubjectType: "Tag", SubjectID: out.ID, After: out})
	})
	return out, err
}

// MergeTags merges the tags in.SourceIDs into tag in.TargetID and returns
// the target. Reports tagged with a source are tagged with the target (once,
// at the earliest position), the sources' sub-tags move under the target,
// their slugs redirect to it, their localized names fill the target's gaps,
// and their IDs resolve to it (postgres.ResolveMerged). If the target sits
// below a source, it takes that source's place in the tree. BAD_USER_INPUT
// for no sources, more than editorial.MaxMerge, a source listed twice or the
// target among them; NOT_FOUND naming the first unknown ID.
func (s *Service) MergeTags(ctx context.Context, in MergeInput) (*editorial.Tag, error) {
	return merge(ctx, s, in, postgres.KindTag, postgres.LockTags, postgres.MergeTags, postgres.LockTag)
}

// FindOrCreateTagByName returns the tag named name (compared
// case-insensitively), creating it in tx if there is none, with a slug made
// from the name ("-2", "-3"… appended while taken). For report code that
// accepts free-text tags: its BAD_USER_INPUT errors (a blank or too long
// name) have no Field, so the caller can set the input path.
func FindOrCreateTagByName(ctx context.Context, tx *postgres.Tx, name string) (*editorial.Tag, error) {
	name, err := checkName("", "The tag name", name, editorial.MaxTagName)
	if err != nil {
		return nil, err
	}
	t, err := postgres.TagByNameCI(ctx, tx, name)
	if !cerr.Is(err, cerr.NotFound) {
		return t, err
	}
	// Serialise creators, then look again: another transaction may have
	// created the tag while this one waited.
	if err := postgres.LockTagVocabulary(ctx, tx); err != nil {
		return nil, err
	}
	t, err = postgres.TagByNameCI(ctx, tx, name)
	if !cerr.Is(err, cerr.NotFound) {
		return t, err
	}
	t = &editorial.Tag{Name: name, LocalizedNames: editorial.LocalizedNames{}}
	if t.Slug, err = freeTagSlug(ctx, tx, name); err != nil {
		return nil, err
	}
	if err := postgres.InsertTag(ctx, tx, t); err != nil {
		return nil, err
	}
	return t, nil
}

// tagNameFree returns CONFLICT on field when a tag other than self has name,
// compared case-insensitively.
func tagNameFree(ctx context.Context, tx *postgres.Tx, field, name string, self int64) error {
	other, err := postgres.TagByNameCI(ctx, tx, name)
	switch {
	case cerr.Is(err, cerr.NotFound):
		return nil
	case err != nil:
		return err
	case other.ID == self:
		return nil
	}
	return cerr.FieldErrorf(cerr.Conflict, field, "The name %q is already used by the tag %q (slug %q).", name, other.Name, other.Slug)
}

// tagSlugFree returns CONFLICT on input.slug when slug is the slug, or a
// former slug, of a tag other than self.
func tagSlugFree(ctx context.Context, tx *postgres.Tx, slug string, self int64) error {
	other, err := postgres.TagBySlug(ctx, tx, slug)
	switch {
	case cerr.Is(err, cerr.NotFound):
		return nil
	case err != nil:
		return err
	case other.ID == self:
		return nil
	case other.Slug == slug:
		return cerr.FieldErrorf(cerr.Conflict, "input.slug", "The slug %q is already used by the tag %q.", slug, other.Name)
	}
	return cerr.FieldErrorf(cerr.Conflict, "input.slug", "The slug %q used to belong to the tag %q and still leads to it.", slug, other.Name)
}

// freeTagSlug returns a slug for a tag named name that no tag has or had:
// slugs.FromTitle(name), else with "-2", "-3"… appended.
func freeTagSlug(ctx context.Context, tx *postgres.Tx, name string) (string, error) {
	base := slugs.FromTitle(name)
	if base == "report" && !strings.Contains(strings.ToLower(name), "report") {
		base = "tag" // FromTitle's fallback for names with nothing to transliterate
	}
	for n := 1; n <= 1000; n++ {
		slug := base
		if n > 1 {
			slug = slugs.WithSuffix(base, n)
		}
		_, err := postgres.TagBySlug(ctx, tx, slug)
		if cerr.Is(err, cerr.NotFound) {
			return slug, nil
		}
		if err != nil {
			return "", err
		}
	}
	return "", cerr.FieldErrorf(cerr.Conflict, "input.slug", "Too many tags have slugs like %q; choose a slug.", base)
}
