package directory

import (
	"context"
	"maps"

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

var personEntity = entity[editorial.Person]{
	kind:   "Person",
	head:   func(p *editorial.Person) (int64, string, int) { return p.ID, p.Name, p.Version },
	lock:   postgres.LockPerson,
	insert: postgres.InsertPerson,
	same:   samePerson,
	write:  writeRow(postgres.UpdatePerson),
	ref:    postgres.RefPerson,
}

func checkPersonName(name string) (string, error) {
	return checkName("input.name", "The name", name, editorial.MaxPersonName)
}

func checkPersonNames(names editorial.LocalizedNames) (editorial.LocalizedNames, error) {
	return localizedNames("input.localizedNames", names, editorial.MaxPersonName)
}

// CreatePerson adds a person to the directory and returns them. An
// affiliation with a merged organization's ID is given the survivor's.
// BAD_USER_INPUT for a missing or too long name or bad localized names;
// NOT_FOUND (input.affiliationId) for an unknown organization. Names are not
// unique: two people may share one.
func (s *Service) CreatePerson(ctx context.Context, in CreatePersonInput) (*editorial.Person, error) {
	return create(ctx, s, personEntity, in.check)
}

func (in CreatePersonInput) check() (*editorial.Person, completeStep[editorial.Person], error) {
	p := &editorial.Person{}
	err := firstError(
		into(&p.Name, checkPersonName, in.Name),
		into(&p.LocalizedNames, checkPersonNames, in.LocalizedNames),
	)
	return p, in.complete, err
}

func (in CreatePersonInput) complete(ctx context.Context, tx *postgres.Tx, p *editorial.Person) error {
	var err error
	p.AffiliationID, err = resolveAffiliation(ctx, tx, in.AffiliationID)
	return err
}

// UpdatePerson changes person in.ID and returns them; with nothing to change
// it returns them as they are. NOT_FOUND (input.id) for an unknown person;
// CONFLICT (input.expectedVersion, Details["currentVersion"]) for a stale
// version; otherwise the errors of CreatePerson.
func (s *Service) UpdatePerson(ctx context.Context, in UpdatePersonInput) (*editorial.Person, error) {
	return update(ctx, s, personEntity, in.ID, in.ExpectedVersion, in.check)
}

func (in UpdatePersonInput) check() (applyStep[editorial.Person], error) {
	err := firstError(
		checkSet(&in.Name, checkPersonName),
		checkSet(&in.LocalizedNames, checkPersonNames),
	)
	return in.apply, err
}

func (in UpdatePersonInput) apply(ctx context.Context, tx *postgres.Tx, _, next *editorial.Person) error {
	put(&next.Name, in.Name)
	put(&next.LocalizedNames, in.LocalizedNames)
	if !in.AffiliationID.Set {
		return nil
	}
	var err error
	next.AffiliationID, err = resolveAffiliation(ctx, tx, in.AffiliationID.Value)
	return err
}

func samePerson(a, b *editorial.Person) bool {
	return a.Name == b.Name && editorial.Same(a.AffiliationID, b.AffiliationID) && maps.Equal(a.LocalizedNames, b.LocalizedNames)
}

// resolveAffiliation resolves the organization id names (resolveRefs): a
// merged organization's survivor, NOT_FOUND on input.affiliationId for none.
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
