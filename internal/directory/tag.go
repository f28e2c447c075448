package directory

import (
	"context"
	"maps"
	"strings"

	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/postgres"
	"github.com/copydesk/copydesk/internal/slugs"
	"github.com/copydesk/copydesk/internal/workflow"
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

var tagEntity = entity[editorial.Tag]{
	kind:   "Tag",
	head:   func(t *editorial.Tag) (int64, string, int) { return t.ID, t.Name, t.Version },
	lock:   postgres.LockTag,
	insert: postgres.InsertTag,
	same:   sameTag,
	write:  writeTag,
	ref:    postgres.RefTag,
	mayCreate: func(ctx context.Context, s *Service, t *editorial.Tag) error {
		all, err := postgres.AllSettings(ctx, s.DB)
		if err != nil {
			return err
		}
		return cerr.DefaultField(workflow.CheckDirectoryTagCreation(auth.ViewerFrom(ctx), all, t.Name), "input.name")
	},
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

// checkOptionalTagSlug is checkTagSlug for a slug that may be left out: nil
// or blank gives "", for a slug made from the name.
func checkOptionalTagSlug(slug *string) (string, error) {
	if slug == nil || strings.TrimSpace(*slug) == "" {
		return "", nil
	}
	return checkTagSlug(*slug)
}

func checkTagDescription(d *string) (*string, error) {
	return optionalText("input.description", "The description", d, editorial.MaxTagDesc)
}

func checkTagNames(names editorial.LocalizedNames) (editorial.LocalizedNames, error) {
	return localizedNames("input.localizedNames", names, editorial.MaxTagName)
}

// CreateTag adds a tag to the vocabulary and returns it, recording
// "tag.create" (the tag as created). Tags are a managed vocabulary: the
// viewer needs a role that creates tags on some desk, per the desks'
// settings (workflow.MayCreateTagsAnywhere; admins always), else FORBIDDEN
// on input.name. BAD_USER_INPUT for
// a missing or too long name, a malformed slug, bad localized names or a
// parent cycle; CONFLICT when the name (compared case-insensitively) or the
// slug, current or former, belongs to another tag; NOT_FOUND for an unknown
// parent.
func (s *Service) CreateTag(ctx context.Context, in CreateTagInput) (*editorial.Tag, error) {
	return create(ctx, s, tagEntity, in.check)
}

func (in CreateTagInput) check() (*editorial.Tag, completeStep[editorial.Tag], error) {
	t := &editorial.Tag{}
	err := firstError(
		into(&t.Name, checkTagName, in.Name),
		into(&t.Slug, checkOptionalTagSlug, in.Slug),
		into(&t.Description, checkTagDescription, in.Description),
		into(&t.LocalizedNames, checkTagNames, in.LocalizedNames),
	)
	return t, in.complete, err
}

// complete resolves the new tag's parent and, under the vocabulary lock,
// checks that its name and slug are free, making a slug from the name when
// none was given.
func (in CreateTagInput) complete(ctx context.Context, tx *postgres.Tx, t *editorial.Tag) error {
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
		t.Slug, err = freeTagSlug(ctx, tx, t.Name)
		return err
	}
	return tagSlugFree(ctx, tx, t.Slug, 0)
}

// UpdateTag changes tag in.ID and returns it. A changed slug leaves the old
// one redirecting to the tag. When nothing changes (no field set, or every
// set field already has that value) the tag is returned as it is, version
// unchanged. NOT_FOUND (input.id) for an unknown tag; CONFLICT
// (input.expectedVersion, with Details["currentVersion"]) when the tag is no
// longer at in.ExpectedVersion; otherwise the errors of CreateTag.
func (s *Service) UpdateTag(ctx context.Context, in UpdateTagInput) (*editorial.Tag, error) {
	return update(ctx, s, tagEntity, in.ID, in.ExpectedVersion, in.check)
}

func (in UpdateTagInput) check() (applyStep[editorial.Tag], error) {
	err := firstError(
		checkSet(&in.Name, checkTagName),
		checkSet(&in.Slug, checkTagSlug),
		checkSet(&in.Description, checkTagDescription),
		checkSet(&in.LocalizedNames, checkTagNames),
	)
	return in.apply, err
}

func (in UpdateTagInput) apply(ctx context.Context, tx *postgres.Tx, cur, next *editorial.Tag) error {
	put(&next.Name, in.Name)
	put(&next.Slug, in.Slug)
	put(&next.Description, in.Description)
	put(&next.LocalizedNames, in.LocalizedNames)
	return setParent(ctx, tx, postgres.KindTag, cur.ID, next.Name, &next.ParentID, in.ParentID)
}

func sameTag(a, b *editorial.Tag) bool {
	return a.Name == b.Name && a.Slug == b.Slug && editorial.Same(a.Description, b.Description) &&
		editorial.Same(a.ParentID, b.ParentID) && maps.Equal(a.LocalizedNames, b.LocalizedNames)
}

// writeTag stores next, the changed copy of tag cur. A new name or slug must
// be free, which is checked under the vocabulary lock; a new slug leaves the
// old one redirecting to the tag.
func writeTag(ctx context.Context, tx *postgres.Tx, cur, next *editorial.Tag) error {
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
	return postgres.UpdateTag(ctx, tx, next)
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
// from the name ("-2", "-3"… appended while taken), and whether it created
// it. For report code that accepts free-text tags: before creating, it calls
// mayCreate with the name (under the vocabulary lock, once it is sure no
// such tag exists) and returns its error, if any, having changed nothing.
// Its BAD_USER_INPUT errors (a blank or too long name) have no Field, so
// the caller can set the input path. Recording the creation is the caller's
// (in its mutation's audit entry).
func FindOrCreateTagByName(ctx context.Context, tx *postgres.Tx, name string, mayCreate func(name string) error) (*editorial.Tag, bool, error) {
	name, err := checkName("", "The tag name", name, editorial.MaxTagName)
	if err != nil {
		return nil, false, err
	}
	t, err := postgres.TagByNameCI(ctx, tx, name)
	if !cerr.Is(err, cerr.NotFound) {
		return t, false, err
	}
	// Serialise creators, then look again: another transaction may have
	// created the tag while this one waited.
	if err := postgres.LockTagVocabulary(ctx, tx); err != nil {
		return nil, false, err
	}
	t, err = postgres.TagByNameCI(ctx, tx, name)
	if !cerr.Is(err, cerr.NotFound) {
		return t, false, err
	}
	if err := mayCreate(name); err != nil {
		return nil, false, err
	}
	t = &editorial.Tag{Name: name, LocalizedNames: editorial.LocalizedNames{}}
	if t.Slug, err = freeTagSlug(ctx, tx, name); err != nil {
		return nil, false, err
	}
	if err := postgres.InsertTag(ctx, tx, t); err != nil {
		return nil, false, err
	}
	return t, true, nil
}

// tagNameFree returns CONFLICT on field when a tag other than self has name,
// compared case-insensitively.
func tagNameFree(ctx context.Context, tx *postgres.Tx, field, name string, self int64) error {
	other, err := otherTag(postgres.TagByNameCI(ctx, tx, name))
	if err != nil || other == nil || other.ID == self {
		return err
	}
	return cerr.FieldErrorf(cerr.Conflict, field, "The name %q is already used by the tag %q (slug %q).", name, other.Name, other.Slug)
}

// tagSlugFree returns CONFLICT on input.slug when slug is the slug, or a
// former slug, of a tag other than self.
func tagSlugFree(ctx context.Context, tx *postgres.Tx, slug string, self int64) error {
	other, err := otherTag(postgres.TagBySlug(ctx, tx, slug))
	switch {
	case err != nil || other == nil || other.ID == self:
		return err
	case other.Slug == slug:
		return cerr.FieldErrorf(cerr.Conflict, "input.slug", "The slug %q is already used by the tag %q.", slug, other.Name)
	}
	return cerr.FieldErrorf(cerr.Conflict, "input.slug", "The slug %q used to belong to the tag %q and still leads to it.", slug, other.Name)
}

// otherTag is the result of a tag look-up with NOT_FOUND as a nil tag.
func otherTag(t *editorial.Tag, err error) (*editorial.Tag, error) {
	if cerr.Is(err, cerr.NotFound) {
		return nil, nil
	}
	return t, err
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
