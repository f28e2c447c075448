package directory

import (
	"context"
	"maps"

	"github.com/copydesk/copydesk/internal/audit"
	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/postgres"
)

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

func checkPersonName(name string) (string, error) {
	return checkName("input.name", "The name", name, editorial.MaxPersonName)
}

// CreatePerson adds a person to the directory and returns them. An
// resolveAffiliation with a merged organization's ID is given the survivor's.
// BAD_USER_INPUT for a missing or too long name or bad localized names;
// NOT_FOUND (input.affiliationId) for an unknown organization. Names are not
// unique: two people may share one.
func (s *Service) CreatePerson(ctx context.Context, in CreatePersonInput) (*editorial.Person, error) {
	if err := auth.Check(auth.ViewerFrom(ctx), auth.EditDirectory, auth.Resource{}); err != nil {
		return nil, err
	}
	name, err := checkPersonName(in.Name)
	if err != nil {
		return nil, err
	}
	names, err := localizedNames("input.localizedNames", in.LocalizedNames, editorial.MaxPersonName)
	if err != nil {
		return nil, err
	}
	var out *editorial.Person
	err = audit.Write(ctx, s.DB, func(tx *postgres.Tx) error {
		p := &editorial.Person{Name: name, LocalizedNames: names}
		var err error
		if p.AffiliationID, err = resolveAffiliation(ctx, tx, in.AffiliationID); err != nil {
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
		if name, err = checkPersonName(in.Name.Value); err != nil {
			return nil, err
		}
	}
	if in.LocalizedNames.Set {
		if names, err = localizedNames("input.localizedNames", in.LocalizedNames.Value, editorial.MaxPersonName); err != nil {
			return nil, err
		}
	}
	var out *editorial.Person
	err = audit.Write(ctx, s.DB, func(tx *postgres.Tx) error {
		cur, err := postgres.LockPerson(ctx, tx, in.ID)
		if err != nil {
			return withField(err, "input.id")
		}
		if cur.Version != in.ExpectedVersion {
			return stale("The person", cur.Name, cur.Version)
		}
		next := *cur
		if in.Name.Set {
			next.Name = name
		}
		if in.LocalizedNames.Set {
			next.LocalizedNames = names
		}
		if in.AffiliationID.Set {
			if next.AffiliationID, err = resolveAffiliation(ctx, tx, in.AffiliationID.Value); err != nil {
				return err
			}
		}
		if next.Name == cur.Name && editorial.Same(next.AffiliationID, cur.AffiliationID) && maps.Equal(next.LocalizedNames, cur.LocalizedNames) {
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

func resolveAffiliation(ctx context.Context, tx *postgres.Tx, id *int64) (*int64, error) {
	if id == nil {
		return nil, nil
	}
	ids, err := resolveRefs(ctx, tx, postgres.KindOrganization, "input.affiliationId", []int64{*id}, true)
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
	return merge(ctx, s, in, postgres.KindPerson, postgres.LockPeople, postgres.MergePeople, postgres.LockPerson)
}
