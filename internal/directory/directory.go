package directory

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"github.com/copydesk/copydesk/internal/audit"
	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/locale"
	"github.com/copydesk/copydesk/internal/postgres"
	"github.com/copydesk/copydesk/internal/slugs"
)

// The directory: the managed tag vocabulary, people and organizations. Every
// method runs one transaction; a failed call changes nothing. Errors are
// *cerr.Error values whose Field is the GraphQL input path ("input.name",
// "input.localizedNames.1.locale", "input.sourceIds.2").
//
// Localized names arrive as a map, so an error about one of them names the
// entry by its index among the map's keys in sorted order.

// MergeInput names entries to merge (SourceIDs) and the one they merge into.
type MergeInput struct {
	SourceIDs []int64
	TargetID  int64
}

// --- tags ---

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

// dirTagFields is the validated, storable part of a tag input.
type dirTagFields struct {
	name, slug  string
	description *string
	names       editorial.LocalizedNames
}

func dirCheckTagName(name string) (string, error) {
	return dirName("input.name", "The tag name", name, editorial.MaxTagName)
}

func dirCheckTagSlug(slug string) (string, error) {
	slug = strings.TrimSpace(slug)
	if err := slugs.Validate(slug); err != nil {
		return "", cerr.FieldErrorf(cerr.Invalid, "input.slug", "%s", dirSentence(err))
	}
	return slug, nil
}

func dirCheckTagDescription(d *string) (*string, error) {
	return dirOptional("input.description", "The description", d, editorial.MaxTagDesc)
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
	var f dirTagFields
	var err error
	if f.name, err = dirCheckTagName(in.Name); err != nil {
		return nil, err
	}
	if in.Slug != nil && strings.TrimSpace(*in.Slug) != "" {
		if f.slug, err = dirCheckTagSlug(*in.Slug); err != nil {
			return nil, err
		}
	}
	if f.description, err = dirCheckTagDescription(in.Description); err != nil {
		return nil, err
	}
	if f.names, err = dirNames("input.localizedNames", in.LocalizedNames, editorial.MaxTagName); err != nil {
		return nil, err
	}
	var out *editorial.Tag
	err = audit.Write(ctx, s.DB, func(tx *postgres.Tx) error {
		t := &editorial.Tag{Name: f.name, Slug: f.slug, Description: f.description, LocalizedNames: f.names}
		var err error
		if t.ParentID, err = dirParent(ctx, tx, postgres.KindTag, "input.parentId", 0, t.Name, in.ParentID); err != nil {
			return err
		}
		if err := postgres.LockTagVocabulary(ctx, tx); err != nil {
			return err
		}
		if err := dirTagNameFree(ctx, tx, "input.name", t.Name, 0); err != nil {
			return err
		}
		if t.Slug == "" {
			if t.Slug, err = dirFreeTagSlug(ctx, tx, t.Name); err != nil {
				return err
			}
		} else if err := dirTagSlugFree(ctx, tx, t.Slug, 0); err != nil {
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
	var f dirTagFields
	var err error
	if in.Name.Set {
		if f.name, err = dirCheckTagName(in.Name.Value); err != nil {
			return nil, err
		}
	}
	if in.Slug.Set {
		if f.slug, err = dirCheckTagSlug(in.Slug.Value); err != nil {
			return nil, err
		}
	}
	if in.Description.Set {
		if f.description, err = dirCheckTagDescription(in.Description.Value); err != nil {
			return nil, err
		}
	}
	if in.LocalizedNames.Set {
		if f.names, err = dirNames("input.localizedNames", in.LocalizedNames.Value, editorial.MaxTagName); err != nil {
			return nil, err
		}
	}
	var out *editorial.Tag
	err = audit.Write(ctx, s.DB, func(tx *postgres.Tx) error {
		cur, err := postgres.LockTag(ctx, tx, in.ID)
		if err != nil {
			return dirWithField(err, "input.id")
		}
		if cur.Version != in.ExpectedVersion {
			return dirStale("The tag", cur.Name, cur.Version)
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
			if next.ParentID, err = dirParent(ctx, tx, postgres.KindTag, "input.parentId", cur.ID, next.Name, in.ParentID.Value); err != nil {
				return err
			}
		}
		if next.Name == cur.Name && next.Slug == cur.Slug && dirSameString(next.Description, cur.Description) &&
			dirSameID(next.ParentID, cur.ParentID) && maps.Equal(next.LocalizedNames, cur.LocalizedNames) {
			out = cur
			return nil
		}
		if next.Name != cur.Name || next.Slug != cur.Slug {
			if err := postgres.LockTagVocabulary(ctx, tx); err != nil {
				return err
			}
		}
		if next.Name != cur.Name {
			if err := dirTagNameFree(ctx, tx, "input.name", next.Name, cur.ID); err != nil {
				return err
			}
		}
		if next.Slug != cur.Slug {
			if err := dirTagSlugFree(ctx, tx, next.Slug, cur.ID); err != nil {
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
	return dirMerge(ctx, s, in, postgres.KindTag, postgres.LockTags, postgres.MergeTags, postgres.LockTag)
}

// FindOrCreateTagByName returns the tag named name (compared
// case-insensitively), creating it in tx if there is none, with a slug made
// from the name ("-2", "-3"… appended while taken). For report code that
// accepts free-text tags: its BAD_USER_INPUT errors (a blank or too long
// name) have no Field, so the caller can set the input path.
func FindOrCreateTagByName(ctx context.Context, tx *postgres.Tx, name string) (*editorial.Tag, error) {
	name, err := dirName("", "The tag name", name, editorial.MaxTagName)
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
	if t.Slug, err = dirFreeTagSlug(ctx, tx, name); err != nil {
		return nil, err
	}
	if err := postgres.InsertTag(ctx, tx, t); err != nil {
		return nil, err
	}
	return t, nil
}

// dirTagNameFree returns CONFLICT on field when a tag other than self has name,
// compared case-insensitively.
func dirTagNameFree(ctx context.Context, tx *postgres.Tx, field, name string, self int64) error {
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

// dirTagSlugFree returns CONFLICT on input.slug when slug is the slug, or a
// former slug, of a tag other than self.
func dirTagSlugFree(ctx context.Context, tx *postgres.Tx, slug string, self int64) error {
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

// dirFreeTagSlug returns a slug for a tag named name that no tag has or had:
// slugs.FromTitle(name), else with "-2", "-3"… appended.
func dirFreeTagSlug(ctx context.Context, tx *postgres.Tx, name string) (string, error) {
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

// --- people ---

// CreatePersonInput is a new person in the directory.
type CreatePersonInput struct {
	Name           string
	LocalizedNames editorial.LocalizedNames
	AffiliationID  *int64
}

// UpdatePersonInput changes the fields that are Set of person ID, which must
// be at ExpectedVersion.
type UpdatePersonInput struct {
	ID              int64
	ExpectedVersion int
	Name            editorial.Field[string]
	LocalizedNames  editorial.Field[editorial.LocalizedNames]
	AffiliationID   editorial.Field[*int64]
}

func dirCheckPersonName(name string) (string, error) {
	return dirName("input.name", "The name", name, editorial.MaxPersonName)
}

// CreatePerson adds a person to the directory and returns them. An
// dirAffiliation with a merged organization's ID is given the survivor's.
// BAD_USER_INPUT for a missing or too long name or bad localized names;
// NOT_FOUND (input.affiliationId) for an unknown organization. Names are not
// unique: two people may share one.
func (s *Service) CreatePerson(ctx context.Context, in CreatePersonInput) (*editorial.Person, error) {
	if err := auth.Check(auth.ViewerFrom(ctx), auth.EditDirectory, auth.Resource{}); err != nil {
		return nil, err
	}
	name, err := dirCheckPersonName(in.Name)
	if err != nil {
		return nil, err
	}
	names, err := dirNames("input.localizedNames", in.LocalizedNames, editorial.MaxPersonName)
	if err != nil {
		return nil, err
	}
	var out *editorial.Person
	err = audit.Write(ctx, s.DB, func(tx *postgres.Tx) error {
		p := &editorial.Person{Name: name, LocalizedNames: names}
		var err error
		if p.AffiliationID, err = dirAffiliation(ctx, tx, in.AffiliationID); err != nil {
			return err
		}
		if err := postgres.InsertPerson(ctx, tx, p); err != nil {
			return err
		}
		out = p
		return nil
	}, func() *audit.Entry {
		return &audit.Entry{Action: "person.create", SubjectType: "Person", SubjectID: out.ID, After: out}
	})
	return out, err
}

// UpdatePerson changes person in.ID and returns them; with nothing to change
// it returns them as they are. NOT_FOUND (input.id) for an unknown person;
// CONFLICT (input.expectedVersion, Details["currentVersion"]) for a stale
// version; otherwise the errors of CreatePerson.
func (s *Service) UpdatePerson(ctx context.Context, in UpdatePersonInput) (*editorial.Person, error) {
	if err := auth.Check(auth.ViewerFrom(ctx), auth.EditDirectory, auth.Resource{}); err != nil {
		return nil, err
	}
	var name string
	var names editorial.LocalizedNames
	var err error
	if in.Name.Set {
		if name, err = dirCheckPersonName(in.Name.Value); err != nil {
			return nil, err
		}
	}
	if in.LocalizedNames.Set {
		if names, err = dirNames("input.localizedNames", in.LocalizedNames.Value, editorial.MaxPersonName); err != nil {
			return nil, err
		}
	}
	var out *editorial.Person
	err = audit.Write(ctx, s.DB, func(tx *postgres.Tx) error {
		cur, err := postgres.LockPerson(ctx, tx, in.ID)
		if err != nil {
			return dirWithField(err, "input.id")
		}
		if cur.Version != in.ExpectedVersion {
			return dirStale("The person", cur.Name, cur.Version)
		}
		next := *cur
		if in.Name.Set {
			next.Name = name
		}
		if in.LocalizedNames.Set {
			next.LocalizedNames = names
		}
		if in.AffiliationID.Set {
			if next.AffiliationID, err = dirAffiliation(ctx, tx, in.AffiliationID.Value); err != nil {
				return err
			}
		}
		if next.Name == cur.Name && dirSameID(next.AffiliationID, cur.AffiliationID) && maps.Equal(next.LocalizedNames, cur.LocalizedNames) {
			out = cur
			return nil
		}
		if err := postgres.UpdatePerson(ctx, tx, &next); err != nil {
			return err
		}
		out = &next
		return nil
	}, func() *audit.Entry {
		return audit.IfChanged(out.Version, in.ExpectedVersion, audit.Entry{Action: "person.update", SubjectType: "Person", SubjectID: out.ID, After: out})
	})
	return out, err
}

func dirAffiliation(ctx context.Context, tx *postgres.Tx, id *int64) (*int64, error) {
	if id == nil {
		return nil, nil
	}
	ids, err := dirRefs(ctx, tx, postgres.KindOrganization, "input.affiliationId", []int64{*id}, true)
	if err != nil {
		return nil, err
	}
	return &ids[0], nil
}

// MergePeople merges the people in.SourceIDs into person in.TargetID and
// returns the target. Their attendances and bylines move to the target: on a
// report that already lists the target, the source's entry is dropped and the
// target's kept. Localized names fill the target's gaps, and the sources' IDs
// resolve to the target. Errors as for MergeTags.
func (s *Service) MergePeople(ctx context.Context, in MergeInput) (*editorial.Person, error) {
	return dirMerge(ctx, s, in, postgres.KindPerson, postgres.LockPeople, postgres.MergePeople, postgres.LockPerson)
}

// --- organizations ---

// CreateOrganizationInput is a new organization in the directory.
type CreateOrganizationInput struct {
	Name           string
	LocalizedNames editorial.LocalizedNames
	Acronym        *string
	Country        *string
	ParentID       *int64
}

// UpdateOrganizationInput changes the fields that are Set of organization
// ID, which must be at ExpectedVersion.
type UpdateOrganizationInput struct {
	ID              int64
	ExpectedVersion int
	Name            editorial.Field[string]
	LocalizedNames  editorial.Field[editorial.LocalizedNames]
	Acronym         editorial.Field[*string]
	Country         editorial.Field[*string]
	ParentID        editorial.Field[*int64]
}

func dirCheckOrgName(name string) (string, error) {
	return dirName("input.name", "The name", name, editorial.MaxOrgName)
}

func dirCheckAcronym(a *string) (*string, error) {
	return dirOptionalLine("input.acronym", "The acronym", a, editorial.MaxAcronym)
}

// CreateOrganization adds an organization to the directory and returns it.
// BAD_USER_INPUT for a missing or too long name or acronym, an unknown
// country code or bad localized names; NOT_FOUND (input.parentId) for an
// unknown parent. A merged organization's ID as parent means its survivor.
func (s *Service) CreateOrganization(ctx context.Context, in CreateOrganizationInput) (*editorial.Organization, error) {
	if err := auth.Check(auth.ViewerFrom(ctx), auth.EditDirectory, auth.Resource{}); err != nil {
		return nil, err
	}
	o := editorial.Organization{}
	var err error
	if o.Name, err = dirCheckOrgName(in.Name); err != nil {
		return nil, err
	}
	if o.LocalizedNames, err = dirNames("input.localizedNames", in.LocalizedNames, editorial.MaxOrgName); err != nil {
		return nil, err
	}
	if o.Acronym, err = dirCheckAcronym(in.Acronym); err != nil {
		return nil, err
	}
	if o.Country, err = dirCountry("input.country", in.Country); err != nil {
		return nil, err
	}
	var out *editorial.Organization
	err = audit.Write(ctx, s.DB, func(tx *postgres.Tx) error {
		o := o
		var err error
		if o.ParentID, err = dirParent(ctx, tx, postgres.KindOrganization, "input.parentId", 0, o.Name, in.ParentID); err != nil {
			return err
		}
		if err := postgres.InsertOrganization(ctx, tx, &o); err != nil {
			return err
		}
		out = &o
		return nil
	}, func() *audit.Entry {
		return &audit.Entry{Action: "organization.create", SubjectType: "Organization", SubjectID: out.ID, After: out}
	})
	return out, err
}

// UpdateOrganization changes organization in.ID and returns it; with nothing
// to change it returns it as it is. NOT_FOUND (input.id) for an unknown
// organization; CONFLICT (input.expectedVersion, Details["currentVersion"])
// for a stale version; BAD_USER_INPUT (input.parentId) when the new parent
// is the organization itself or below it; otherwise the errors of
// CreateOrganization.
func (s *Service) UpdateOrganization(ctx context.Context, in UpdateOrganizationInput) (*editorial.Organization, error) {
	if err := auth.Check(auth.ViewerFrom(ctx), auth.EditDirectory, auth.Resource{}); err != nil {
		return nil, err
	}
	var f editorial.Organization
	var err error
	if in.Name.Set {
		if f.Name, err = dirCheckOrgName(in.Name.Value); err != nil {
			return nil, err
		}
	}
	if in.LocalizedNames.Set {
		if f.LocalizedNames, err = dirNames("input.localizedNames", in.LocalizedNames.Value, editorial.MaxOrgName); err != nil {
			return nil, err
		}
	}
	if in.Acronym.Set {
		if f.Acronym, err = dirCheckAcronym(in.Acronym.Value); err != nil {
			return nil, err
		}
	}
	if in.Country.Set {
		if f.Country, err = dirCountry("input.country", in.Country.Value); err != nil {
			return nil, err
		}
	}
	var out *editorial.Organization
	err = audit.Write(ctx, s.DB, func(tx *postgres.Tx) error {
		cur, err := postgres.LockOrganization(ctx, tx, in.ID)
		if err != nil {
			return dirWithField(err, "input.id")
		}
		if cur.Version != in.ExpectedVersion {
			return dirStale("The organization", cur.Name, cur.Version)
		}
		next := *cur
		if in.Name.Set {
			next.Name = f.Name
		}
		if in.LocalizedNames.Set {
			next.LocalizedNames = f.LocalizedNames
		}
		if in.Acronym.Set {
			next.Acronym = f.Acronym
		}
		if in.Country.Set {
			next.Country = f.Country
		}
		if in.ParentID.Set {
			if next.ParentID, err = dirParent(ctx, tx, postgres.KindOrganization, "input.parentId", cur.ID, next.Name, in.ParentID.Value); err != nil {
				return err
			}
		}
		if next.Name == cur.Name && dirSameString(next.Acronym, cur.Acronym) && dirSameString(next.Country, cur.Country) &&
			dirSameID(next.ParentID, cur.ParentID) && maps.Equal(next.LocalizedNames, cur.LocalizedNames) {
			out = cur
			return nil
		}
		if err := postgres.UpdateOrganization(ctx, tx, &next); err != nil {
			return err
		}
		out = &next
		return nil
	}, func() *audit.Entry {
		return audit.IfChanged(out.Version, in.ExpectedVersion, audit.Entry{Action: "organization.update", SubjectType: "Organization", SubjectID: out.ID, After: out})
	})
	return out, err
}

// MergeOrganizations merges the organizations in.SourceIDs into organization
// in.TargetID and returns the target. Affiliations, sub-organizations, event
// organizers and attendee entries move to the target (duplicates that would
// result are dropped, keeping the target's entry); localized names fill the
// target's gaps; the sources' IDs resolve to the target. If the target sits
// below a source, it takes that source's place in the tree. Errors as for
// MergeTags.
func (s *Service) MergeOrganizations(ctx context.Context, in MergeInput) (*editorial.Organization, error) {
	return dirMerge(ctx, s, in, postgres.KindOrganization, postgres.LockOrganizations, postgres.MergeOrganizations, postgres.LockOrganization)
}

// dirMerge is the shape of every merge: check the caller may merge, lock
// the target and the sources, check they all exist, merge, and return the
// target as it is now.
func dirMerge[T any](ctx context.Context, s *Service, in MergeInput, kind string,
	lock func(context.Context, *postgres.Tx, []int64) (map[int64]*T, error),
	merge func(context.Context, *postgres.Tx, []int64, int64) error,
	reload func(context.Context, *postgres.Tx, int64) (*T, error),
) (*T, error) {
	if err := auth.Check(auth.ViewerFrom(ctx), auth.MergeDirectory, auth.Resource{}); err != nil {
		return nil, err
	}
	if err := dirCheckMerge(in); err != nil {
		return nil, err
	}
	var out *T
	err := audit.Write(ctx, s.DB, func(tx *postgres.Tx) error {
		locked, err := lock(ctx, tx, append([]int64{in.TargetID}, in.SourceIDs...))
		if err != nil {
			return err
		}
		if err := dirCheckMergeFound(in, kind, func(id int64) bool { return locked[id] != nil }); err != nil {
			return err
		}
		if err := merge(ctx, tx, in.SourceIDs, in.TargetID); err != nil {
			return err
		}
		out, err = reload(ctx, tx, in.TargetID)
		return err
	}, func() *audit.Entry {
		return &audit.Entry{Action: strings.ToLower(kind) + ".merge", SubjectType: kind, SubjectID: in.TargetID, Detail: map[string]any{"mergedIds": in.SourceIDs}}
	})
	return out, err
}

// --- validators shared by the directory and events ---

// Validators shared by the directory (tags, people, organizations) and
// events. Each returns the normalised value, or a BAD_USER_INPUT *cerr.Error
// naming the input field.

// dirName returns name without surrounding white space, or BAD_USER_INPUT on
// field when it is empty, longer than maxLen characters, not UTF-8 or holds
// control characters. Otherwise the text is kept byte for byte (no Unicode
// normalisation). what starts the message: "The tag name".
func dirName(field, what, name string, maxLen int) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", cerr.FieldErrorf(cerr.Invalid, field, "%s is required.", what)
	}
	if err := dirText(field, what, name, maxLen); err != nil {
		return "", err
	}
	if strings.IndexFunc(name, unicode.IsControl) >= 0 {
		return "", cerr.FieldErrorf(cerr.Invalid, field, "%s must be on one line, without control characters.", what)
	}
	return name, nil
}

// dirOptional returns s trimmed, nil when s is nil or blank, or
// BAD_USER_INPUT when it is too long or not storable text.
func dirOptional(field, what string, s *string, maxLen int) (*string, error) {
	if s == nil {
		return nil, nil
	}
	v := strings.TrimSpace(*s)
	if v == "" {
		return nil, nil
	}
	if err := dirText(field, what, v, maxLen); err != nil {
		return nil, err
	}
	return &v, nil
}

// dirOptionalLine is dirOptional for single-line values (acronyms, places).
func dirOptionalLine(field, what string, s *string, maxLen int) (*string, error) {
	v, err := dirOptional(field, what, s, maxLen)
	if err == nil && v != nil && strings.IndexFunc(*v, unicode.IsControl) >= 0 {
		return nil, cerr.FieldErrorf(cerr.Invalid, field, "%s must be on one line, without control characters.", what)
	}
	return v, err
}

// dirText checks that s is UTF-8 that PostgreSQL can store, within maxLen
// characters (code points, as char_length counts them).
func dirText(field, what, s string, maxLen int) error {
	if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
		return cerr.FieldErrorf(cerr.Invalid, field, "%s is not valid UTF-8 text.", what)
	}
	if n := utf8.RuneCountInString(s); n > maxLen {
		return cerr.FieldErrorf(cerr.Invalid, field, "%s must be at most %d characters long (it has %d).", what, maxLen, n)
	}
	return nil
}

// dirNames checks localized names and returns them keyed by canonical locale
// ("zh-hans" → "zh-Hans") with trimmed values. Entries are checked in the
// order of their sorted keys, and errors name an entry by that index:
// field.N.locale or field.N.name. Two keys with one canonical form are
// BAD_USER_INPUT. A nil or empty map gives an empty map.
func dirNames(field string, names editorial.LocalizedNames, maxLen int) (editorial.LocalizedNames, error) {
	out := make(editorial.LocalizedNames, len(names))
	keys := make([]string, 0, len(names))
	for k := range names {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	seen := make(map[string]string, len(names))
	for i, key := range keys {
		at := fmt.Sprintf("%s.%d", field, i)
		tag, err := locale.Canonical(strings.TrimSpace(key))
		if err != nil {
			return nil, cerr.FieldErrorf(cerr.Invalid, at+".locale", "%s", dirSentence(err))
		}
		if prev, dup := seen[tag]; dup {
			return nil, cerr.FieldErrorf(cerr.Invalid, at+".locale", "%q and %q are the same locale (%s); give one name per locale.", prev, key, tag)
		}
		seen[tag] = key
		name, err := dirName(at+".name", "The "+tag+" name", names[key], maxLen)
		if err != nil {
			return nil, err
		}
		out[tag] = name
	}
	return out, nil
}

// dirCountry returns the canonical ISO 3166-1 alpha-2 code for code, nil for
// nil or blank, or BAD_USER_INPUT on field.
func dirCountry(field string, code *string) (*string, error) {
	if code == nil || strings.TrimSpace(*code) == "" {
		return nil, nil
	}
	c, err := locale.Country(strings.TrimSpace(*code))
	if err != nil {
		return nil, cerr.FieldErrorf(cerr.Invalid, field, "%s", dirSentence(err))
	}
	return &c, nil
}

// dirSentence turns a helper package's error into a message: capitalised,
// ending with a full stop.
func dirSentence(err error) string {
	s := err.Error()
	r, n := utf8.DecodeRuneInString(s)
	s = string(unicode.ToUpper(r)) + s[n:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

// dirStale is the CONFLICT for an update made against an old version.
func dirStale(what, name string, current int) error {
	e := cerr.FieldErrorf(cerr.Conflict, "input.expectedVersion",
		"%s %q was changed by someone else and is now at version %d. Reload it and apply your change again.", what, name, current)
	return e.WithDetail("currentVersion", current)
}

// dirWithField sets the field of a coded error that has none (a copy: err
// may be shared), so a storage NOT_FOUND names the input that caused it.
func dirWithField(err error, field string) error {
	e := cerr.As(err)
	if e == nil || e.Field != "" {
		return err
	}
	c := *e
	c.Field = field
	return &c
}

// dirNoun is how messages name an entry of a directory kind.
func dirNoun(kind string) string {
	switch kind {
	case postgres.KindPerson:
		return "person"
	case postgres.KindOrganization:
		return "organization"
	case postgres.KindTag:
		return "tag"
	}
	return "event"
}

// dirNamesByID returns the names of the entries of kind with the given IDs
// that exist, in one query.
func dirNamesByID(ctx context.Context, q sqlx.QueryerContext, kind string, ids []int64) (map[int64]string, error) {
	out := make(map[int64]string, len(ids))
	switch kind {
	case postgres.KindTag:
		m, err := postgres.TagsByIDs(ctx, q, ids)
		for id, t := range m {
			out[id] = t.Name
		}
		return out, err
	case postgres.KindPerson:
		m, err := postgres.PeopleByIDs(ctx, q, ids)
		for id, p := range m {
			out[id] = p.Name
		}
		return out, err
	case postgres.KindOrganization:
		m, err := postgres.OrganizationsByIDs(ctx, q, ids)
		for id, o := range m {
			out[id] = o.Name
		}
		return out, err
	case postgres.KindEvent:
		m, err := postgres.EventsByIDs(ctx, q, ids)
		for id, e := range m {
			out[id] = e.Name
		}
		return out, err
	}
	return nil, fmt.Errorf("dirNamesByID: unknown kind %q", kind)
}

// dirRefs resolves references to entries of kind: IDs of merged entries
// become their survivors' (events are never merged), and an ID that matches
// nothing is NOT_FOUND on field.N (or on field itself when single is set).
// Resolved duplicates are dropped, keeping the first.
func dirRefs(ctx context.Context, q sqlx.QueryerContext, kind, field string, ids []int64, single bool) ([]int64, error) {
	if len(ids) == 0 {
		return []int64{}, nil
	}
	resolved := slices.Clone(ids)
	if kind != postgres.KindEvent {
		m, err := postgres.ResolveMergedIDs(ctx, q, kind, ids)
		if err != nil {
			return nil, err
		}
		for i, id := range ids {
			resolved[i] = m[id]
		}
	}
	found, err := dirNamesByID(ctx, q, kind, resolved)
	if err != nil {
		return nil, err
	}
	out := make([]int64, 0, len(ids))
	for i, id := range resolved {
		if _, ok := found[id]; !ok {
			at := field
			if !single {
				at = fmt.Sprintf("%s.%d", field, i)
			}
			return nil, cerr.FieldErrorf(cerr.NotFound, at, "No %s has this ID.", dirNoun(kind))
		}
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out, nil
}

// dirParent resolves and checks the new parent of entry id (0 for a new
// entry) named name: NOT_FOUND on field if it does not exist, BAD_USER_INPUT
// if it would put the entry below itself. nil stays nil.
func dirParent(ctx context.Context, q sqlx.QueryerContext, kind, field string, id int64, name string, parentID *int64) (*int64, error) {
	if parentID == nil {
		return nil, nil
	}
	ids, err := dirRefs(ctx, q, kind, field, []int64{*parentID}, true)
	if err != nil {
		return nil, err
	}
	parent := ids[0]
	if id == 0 {
		return &parent, nil
	}
	cycle := parent == id
	if !cycle {
		up, err := postgres.AncestorIDs(ctx, q, kind, parent)
		if err != nil {
			return nil, err
		}
		cycle = slices.Contains(up, id)
	}
	if cycle {
		names, err := dirNamesByID(ctx, q, kind, []int64{parent})
		if err != nil {
			return nil, err
		}
		return nil, cerr.FieldErrorf(cerr.Invalid, field, "Putting %q under %q would make %q its own ancestor.", name, names[parent], name)
	}
	return &parent, nil
}

// dirCheckMerge checks the shape of a merge request: at least one and at
// most editorial.MaxMerge sources, each listed once, none the target.
func dirCheckMerge(in MergeInput) error {
	switch {
	case len(in.SourceIDs) == 0:
		return cerr.FieldErrorf(cerr.Invalid, "input.sourceIds", "Choose at least one entry to merge into the target.")
	case len(in.SourceIDs) > editorial.MaxMerge:
		return cerr.FieldErrorf(cerr.Invalid, "input.sourceIds", "At most %d entries can be merged at once (got %d).", editorial.MaxMerge, len(in.SourceIDs))
	}
	for i, id := range in.SourceIDs {
		field := fmt.Sprintf("input.sourceIds.%d", i)
		if id == in.TargetID {
			return cerr.FieldErrorf(cerr.Invalid, field, "The target cannot also be one of the entries merged into it.")
		}
		if slices.Index(in.SourceIDs, id) < i {
			return cerr.FieldErrorf(cerr.Invalid, field, "This entry is listed twice.")
		}
	}
	return nil
}

// dirCheckMergeFound returns NOT_FOUND naming the first entry of in that
// exists returns false for (the target, then the sources in order).
func dirCheckMergeFound(in MergeInput, kind string, exists func(int64) bool) error {
	if !exists(in.TargetID) {
		return cerr.FieldErrorf(cerr.NotFound, "input.targetId", "No %s has this ID.", dirNoun(kind))
	}
	for i, id := range in.SourceIDs {
		if !exists(id) {
			return cerr.FieldErrorf(cerr.NotFound, fmt.Sprintf("input.sourceIds.%d", i), "No %s has this ID.", dirNoun(kind))
		}
	}
	return nil
}

// dirSameString reports whether two optional strings hold the same value.
func dirSameString(a, b *string) bool {
	return (a == nil) == (b == nil) && (a == nil || *a == *b)
}

// dirSameID reports whether two optional IDs hold the same value.
func dirSameID(a, b *int64) bool {
	return (a == nil) == (b == nil) && (a == nil || *a == *b)
}
