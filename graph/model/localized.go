package model

import (
	"github.com/copydesk/copydesk/internal/comments"
	"github.com/copydesk/copydesk/internal/editorial"
)

// The objects whose directory names depend on where a response shows them
// (see graph/localize.go): each is the domain object and the Chain its
// names, and the names of the objects below it, are read in. gqlgen.yml
// binds the schema's types to these, so the chain travels with the object
// from the localized report (or translation) it was reached from.

// Chain is the locale chain directory names are read in, best first; nil
// reads them as the newsroom writes them.
type Chain []string

// Name is a directory entry's name read in c: in the first locale of c it
// has a name in, else name (as the newsroom writes it).
func (c Chain) Name(names editorial.LocalizedNames, name string) string { return names.In(c, name) }

// NameLocale is the locale of the name Name returns: the first locale of c
// the entry has a name in; nil when Name returns the name as the newsroom
// writes it (whose locale the directory does not record).
func (c Chain) NameLocale(names editorial.LocalizedNames) *string {
	if _, l := names.Pick(c); l != "" {
		return &l
	}
	return nil
}

// Person is a directory person read in Chain.
type Person struct {
	*editorial.Person
	Chain Chain
}

// Organization is a directory organization read in Chain.
type Organization struct {
	*editorial.Organization
	Chain Chain
}

// Tag is a tag read in Chain.
type Tag struct {
	*editorial.Tag
	Chain Chain
}

// Event is an event read in Chain.
type Event struct {
	*editorial.Event
	Chain Chain
}

// Attendee is a report's attendee whose person and organization are read
// in Chain.
type Attendee struct {
	*editorial.Attendee
	Chain Chain
	// The person and organization, read in Chain, resolved by whoever
	// returns the attendee (graph's withEntries, in one batch for a whole
	// list), so that the fields are bound: gqlgen runs no goroutine and no
	// resolver per attendee for them.
	person       *Person
	organization *Organization
}

// Person is the attendee's person, as resolved by WithEntries.
func (a *Attendee) Person() *Person { return a.person }

// Organization is the attendee's organization, as resolved by WithEntries.
func (a *Attendee) Organization() *Organization { return a.organization }

// WithEntries sets the attendee's person and organization (nil: none, or
// not found), read in its Chain.
func (a *Attendee) WithEntries(p *editorial.Person, o *editorial.Organization) *Attendee {
	a.person, a.organization = a.Chain.Person(p), a.Chain.Organization(o)
	return a
}

// CommentThread is a comment thread whose anchored attendee is read in
// Chain.
type CommentThread struct {
	*comments.Thread
	Chain Chain
}

// The schema's id and name fields of these objects are bound to the
// methods below (gqlgen.yml): they only compute a value from the object,
// so gqlgen resolves them in line rather than as field resolvers (which it
// schedules as concurrent work, and which cost a resolver value per call).

// GlobalID is the person's global ID.
func (p *Person) GlobalID() string { return GlobalID("Person", p.ID) }

// NameInChain is the person's name read in its chain.
func (p *Person) NameInChain() string { return p.Chain.Name(p.LocalizedNames, p.Name) }

// NameLocaleInChain is the locale of NameInChain; nil for the name as the
// newsroom writes it.
func (p *Person) NameLocaleInChain() *string { return p.Chain.NameLocale(p.LocalizedNames) }

// GlobalID is the organization's global ID.
func (o *Organization) GlobalID() string { return GlobalID("Organization", o.ID) }

// NameInChain is the organization's name read in its chain.
func (o *Organization) NameInChain() string { return o.Chain.Name(o.LocalizedNames, o.Name) }

// NameLocaleInChain is the locale of NameInChain; nil for the name as the
// newsroom writes it.
func (o *Organization) NameLocaleInChain() *string { return o.Chain.NameLocale(o.LocalizedNames) }

// GlobalID is the tag's global ID.
func (t *Tag) GlobalID() string { return GlobalID("Tag", t.ID) }

// NameInChain is the tag's name read in its chain.
func (t *Tag) NameInChain() string { return t.Chain.Name(t.LocalizedNames, t.Name) }

// NameLocaleInChain is the locale of NameInChain; nil for the name as the
// newsroom writes it.
func (t *Tag) NameLocaleInChain() *string { return t.Chain.NameLocale(t.LocalizedNames) }

// GlobalID is the event's global ID.
func (e *Event) GlobalID() string { return GlobalID("Event", e.ID) }

// NameInChain is the event's name read in its chain.
func (e *Event) NameInChain() string { return e.Chain.Name(e.LocalizedNames, e.Name) }

// NameLocaleInChain is the locale of NameInChain; nil for the name as the
// newsroom writes it.
func (e *Event) NameLocaleInChain() *string { return e.Chain.NameLocale(e.LocalizedNames) }

// GlobalID is the attendee's global ID.
func (a *Attendee) GlobalID() string { return GlobalID("Attendee", a.ID) }

// The constructors below return the object read in c, and nil for a nil
// object (a missing object stays null).

// Person returns p read in c.
func (c Chain) Person(p *editorial.Person) *Person { return orNil(p, &Person{Person: p, Chain: c}) }

// Organization returns o read in c.
func (c Chain) Organization(o *editorial.Organization) *Organization {
	return orNil(o, &Organization{Organization: o, Chain: c})
}

// Tag returns t read in c.
func (c Chain) Tag(t *editorial.Tag) *Tag { return orNil(t, &Tag{Tag: t, Chain: c}) }

// Event returns e read in c.
func (c Chain) Event(e *editorial.Event) *Event { return orNil(e, &Event{Event: e, Chain: c}) }

// Attendee returns a read in c.
func (c Chain) Attendee(a *editorial.Attendee) *Attendee {
	return orNil(a, &Attendee{Attendee: a, Chain: c})
}

// Thread returns t with its anchor read in c.
func (c Chain) Thread(t *comments.Thread) *CommentThread {
	return orNil(t, &CommentThread{Thread: t, Chain: c})
}

// orNil returns w, the wrapper of v, or nil when v is nil.
func orNil[T, W any](v *T, w *W) *W {
	if v == nil {
		return nil
	}
	return w
}
