package directory

import (
	"context"
	"maps"

	"github.com/copydesk/copydesk/internal/audit"
	"github.com/copydesk/copydesk/internal/auth"
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

func checkOrgName(name string) (string, error) {
	return checkName("input.name", "The name", name, editorial.MaxOrgName)
}

func checkAcronym(a *string) (*string, error) {
	return optionalLine("input.acronym", "The acronym", a, editorial.MaxAcronym)
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
	if o.Name, err = checkOrgName(in.Name); err != nil {
		return nil, err
	}
	if o.LocalizedNames, err = localizedNames("input.localizedNames", in.LocalizedNames, editorial.MaxOrgName); err != nil {
		return nil, err
	}
	if o.Acronym, err = checkAcronym(in.Acronym); err != nil {
		return nil, err
	}
	if o.Country, err = checkCountry("input.country", in.Country); err != nil {
		return nil, err
	}
	var out *editorial.Organization
	err = audit.Write(ctx, s.DB, func(tx *postgres.Tx) error {
		o := o
		var err error
		if o.ParentID, err = resolveParent(ctx, tx, postgres.KindOrganization, "input.parentId", 0, o.Name, in.ParentID); err != nil {
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
		if f.Name, err = checkOrgName(in.Name.Value); err != nil {
			return nil, err
		}
	}
	if in.LocalizedNames.Set {
		if f.LocalizedNames, err = localizedNames("input.localizedNames", in.LocalizedNames.Value, editorial.MaxOrgName); err != nil {
			return nil, err
		}
	}
	if in.Acronym.Set {
		if f.Acronym, err = checkAcronym(in.Acronym.Value); err != nil {
			return nil, err
		}
	}
	if in.Country.Set {
		if f.Country, err = checkCountry("input.country", in.Country.Value); err != nil {
			return nil, err
		}
	}
	var out *editorial.Organization
	err = audit.Write(ctx, s.DB, func(tx *postgres.Tx) error {
		cur, err := postgres.LockOrganization(ctx, tx, in.ID)
		if err != nil {
			return withField(err, "input.id")
		}
		if cur.Version != in.ExpectedVersion {
			return stale("The organization", cur.Name, cur.Version)
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
			if next.ParentID, err = resolveParent(ctx, tx, postgres.KindOrganization, "input.parentId", cur.ID, next.Name, in.ParentID.Value); err != nil {
				return err
			}
		}
		if next.Name == cur.Name && editorial.Same(next.Acronym, cur.Acronym) && editorial.Same(next.Country, cur.Country) &&
			editorial.Same(next.ParentID, cur.ParentID) && maps.Equal(next.LocalizedNames, cur.LocalizedNames) {
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
	return merge(ctx, s, in, postgres.KindOrganization, postgres.LockOrganizations, postgres.MergeOrganizations, postgres.LockOrganization)
}
