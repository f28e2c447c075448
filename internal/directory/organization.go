package directory

import (
	"context"
	"maps"

	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/postgres"
)

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

var orgEntity = entity[editorial.Organization]{
	kind:   "Organization",
	head:   func(o *editorial.Organization) (int64, string, int) { return o.ID, o.Name, o.Version },
	lock:   postgres.LockOrganization,
	insert: postgres.InsertOrganization,
	same:   sameOrganization,
	write:  writeRow(postgres.UpdateOrganization),
	ref:    postgres.RefOrganization,
}

func checkOrgName(name string) (string, error) {
	return checkName("input.name", "The name", name, editorial.MaxOrgName)
}

func checkOrgNames(names editorial.LocalizedNames) (editorial.LocalizedNames, error) {
	return localizedNames("input.localizedNames", names, editorial.MaxOrgName)
}

func checkAcronym(a *string) (*string, error) {
	return optionalLine("input.acronym", "The acronym", a, editorial.MaxAcronym)
}

// CreateOrganization adds an organization to the directory and returns it.
// BAD_USER_INPUT for a missing or too long name or acronym, an unknown
// country code or bad localized names; NOT_FOUND (input.parentId) for an
// unknown parent. A merged organization's ID as parent means its survivor.
func (s *Service) CreateOrganization(ctx context.Context, in CreateOrganizationInput) (*editorial.Organization, error) {
	return create(ctx, s, orgEntity, in.check)
}

func (in CreateOrganizationInput) check() (*editorial.Organization, completeStep[editorial.Organization], error) {
	o := &editorial.Organization{}
	err := firstError(
		into(&o.Name, checkOrgName, in.Name),
		into(&o.LocalizedNames, checkOrgNames, in.LocalizedNames),
		into(&o.Acronym, checkAcronym, in.Acronym),
		into(&o.Country, checkCountry, in.Country),
	)
	return o, in.complete, err
}

func (in CreateOrganizationInput) complete(ctx context.Context, tx *postgres.Tx, o *editorial.Organization) error {
	var err error
	o.ParentID, err = resolveParent(ctx, tx, postgres.KindOrganization, "input.parentId", 0, o.Name, in.ParentID)
	return err
}

// UpdateOrganization changes organization in.ID and returns it; with nothing
// to change it returns it as it is. NOT_FOUND (input.id) for an unknown
// organization; CONFLICT (input.expectedVersion, Details["currentVersion"])
// for a stale version; BAD_USER_INPUT (input.parentId) when the new parent
// is the organization itself or below it; otherwise the errors of
// CreateOrganization.
func (s *Service) UpdateOrganization(ctx context.Context, in UpdateOrganizationInput) (*editorial.Organization, error) {
	return update(ctx, s, orgEntity, in.ID, in.ExpectedVersion, in.check)
}

func (in UpdateOrganizationInput) check() (applyStep[editorial.Organization], error) {
	err := firstError(
		checkSet(&in.Name, checkOrgName),
		checkSet(&in.LocalizedNames, checkOrgNames),
		checkSet(&in.Acronym, checkAcronym),
		checkSet(&in.Country, checkCountry),
	)
	return in.apply, err
}

func (in UpdateOrganizationInput) apply(ctx context.Context, tx *postgres.Tx, cur, next *editorial.Organization) error {
	put(&next.Name, in.Name)
	put(&next.LocalizedNames, in.LocalizedNames)
	put(&next.Acronym, in.Acronym)
	put(&next.Country, in.Country)
	return setParent(ctx, tx, postgres.KindOrganization, cur.ID, next.Name, &next.ParentID, in.ParentID)
}

func sameOrganization(a, b *editorial.Organization) bool {
	return a.Name == b.Name && editorial.Same(a.Acronym, b.Acronym) && editorial.Same(a.Country, b.Country) &&
		editorial.Same(a.ParentID, b.ParentID) && maps.Equal(a.LocalizedNames, b.LocalizedNames)
}

// MergeOrganizations merges the organizations in.SourceIDs into organization
// in.TargetID and returns the target. Affiliations, sub-organizations, event
// organizers and attendee entries move to the target (duplicates that would
// result are dropped, keeping the target's entry); localized names fill the
// target's gaps; the sources' IDs resolve to the target. If the target sits
// below a source, it takes that source's place in the tree. Errors as for
// MergeTags.
func (s *Service) MergeOrganizations(ctx context.Context, in MergeInput) (*editorial.Organization, error) {
	return merge(ctx, s, in, postgres.KindOrganization, postgres.LockOrganizations, postgres.MergeOrganizations, postgres.LockOrganization)
}
