package graph

import (
	"context"

	"net/http"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/copydesk/copydesk/graph/model"
	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/locale"
	"github.com/copydesk/copydesk/internal/translation"
)

// Reading a report in another locale. report(locale:) (or Accept-Language)
// returns a copy of the report whose texts come from its translations,
// tried along the deployment's fallback chain, and remembers in the
// request's localizations (keyed by the copy) where each value came from
// and the chain: Report.locale reports it, and Report.attendees gives the
// attendees their roles and notes along it.
//
// Directory names are read along a chain too: below a localized report,
// its chain; below a translation, the chain of the translation's locale
// (Fallbacks.Chain); anywhere else, as the newsroom writes them. The chain
// travels down the response as data, in the objects themselves: gqlgen.yml
// binds Person, Organization, Tag, Event, Attendee and CommentThread to the
// graph/model wrappers that pair the domain object with a model.Chain.
//
//   - The resolvers that start a subtree choose the chain: Report.authors,
//     tags, event, attendees and comments take chainOf(report) (asWritten
//     for a report that was not localized, including any report below a
//     localized one); AttendeeTranslation.attendee takes chainIn(locale).
//   - Every resolver below passes its object's Chain on to the objects it
//     returns (Attendee.person, Person.affiliation, Organization.parent,
//     Tag.parent/children, Event.parent/children/organizers,
//     CommentThread.anchor's attendee), and the name fields read
//     obj.Chain.Name.
//   - Objects reached in any other way (lists, node(id:), mutation
//     payloads) start asWritten.
//
// Nothing is read for it: the wrappers are made from what the loaders
// return, so a request costs the same SQL round trips. Each name field has
// its provenance beside it (nameLocale, obj.Chain.NameLocale): the locale
// of the chain the name was found in, null for the name as written.
// Report.locale lists where the report's texts and its attendees' roles and
// notes came from; for the attendees it reads the same loaders as
// Report.attendees, which public documents and list prefetching prime.

// localization records how one report copy was localized.
type localization struct {
	requested string
	chain     []string // locales tried, best first, ending with the source locale
	from      []*model.FieldLocale
}

// localizations maps the localized copies made in one request to how they
// were made; it lives in the request's loader box.
type localizations struct {
	mu   sync.Mutex
	byID map[*editorial.Report]*localization
}

func (l *localizations) get(r *editorial.Report) *localization {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.byID[r]
}

func (l *localizations) put(r *editorial.Report, loc *localization) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.byID == nil {
		l.byID = map[*editorial.Report]*localization{}
	}
	l.byID[r] = loc
}

type acceptLanguageKey struct{}

// withAcceptLanguage keeps the request's Accept-Language preferences.
func withAcceptLanguage(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h := r.Header.Get("Accept-Language"); h != "" {
			r = r.WithContext(context.WithValue(r.Context(), acceptLanguageKey{}, locale.FromAcceptLanguage(h)))
		}
		next.ServeHTTP(w, r)
	})
}

// wantedLocales returns the locales a read asks for: the argument, else
// the Accept-Language preferences.
func wantedLocales(ctx context.Context, arg *string) ([]string, error) {
	if arg != nil {
		c, err := locale.Canonical(*arg)
		if err != nil {
			return nil, cerr.FieldErrorf(cerr.Invalid, "locale", "%s", err.Error())
		}
		return []string{c}, nil
	}
	prefs, _ := ctx.Value(acceptLanguageKey{}).([]string)
	return prefs, nil
}

// localize returns rep read in the wanted locales: rep itself when that is
// its source locale (or nothing is wanted), else a copy with its texts
// taken from the translations the viewer may see.
func (r *Resolver) localize(ctx context.Context, rep *editorial.Report, wanted []string) (*editorial.Report, error) {
	if !needsLocalizing(rep, wanted) {
		return rep, nil
	}
	list, err := load(ctx, r.loaders(ctx).reportTranslations, rep.ID)
	if err != nil {
		return nil, err
	}
	return r.localizeWith(ctx, rep, list, wanted), nil
}

// localizeAll localizes the reports of a list in place, fetching their
// translations in one batch.
func (r *Resolver) localizeAll(ctx context.Context, reps []*editorial.Report, wanted []string) error {
	var ids []int64
	for _, rep := range reps {
		if needsLocalizing(rep, wanted) {
			ids = append(ids, rep.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	lists, err := loadEach(ctx, r.loaders(ctx).reportTranslations, ids)
	if err != nil {
		return err
	}
	byID := make(map[int64][]*editorial.Translation, len(ids))
	for i, id := range ids {
		byID[id] = lists[i]
	}
	for i, rep := range reps {
		if needsLocalizing(rep, wanted) {
			reps[i] = r.localizeWith(ctx, rep, byID[rep.ID], wanted)
		}
	}
	return nil
}

func needsLocalizing(rep *editorial.Report, wanted []string) bool {
	return rep != nil && len(wanted) > 0 && wanted[0] != rep.SourceLocale
}

// localizeWith makes the localized copy of rep from its translations
// (translation.Localize) and remembers how, for Report.locale and the fields
// below it.
func (r *Resolver) localizeWith(ctx context.Context, rep *editorial.Report, list []*editorial.Translation, wanted []string) *editorial.Report {
	chain := r.Fallbacks.For(wanted, rep.SourceLocale)
	cp, from := translation.Localize(rep, list, chain)
	loc := &localization{requested: wanted[0], chain: chain, from: fieldLocales(from)}
	r.loaderBox(ctx).localized.put(cp, loc)
	return cp
}

// localizedAttendees returns rep's attendees read in its chain: for a
// localized report, with their roles and notes along the chain
// (translation.LocalizeAttendees), the translations of every locale of the
// chain fetched in one batch.
func (r *Resolver) localizedAttendees(ctx context.Context, rep *editorial.Report, list []*editorial.Attendee) ([]*model.Attendee, error) {
	loc := r.loaderBox(ctx).localized.get(rep)
	if loc == nil {
		return r.withEntries(ctx, each(list, asWritten.Attendee))
	}
	localized, _, err := r.attendeesAlong(ctx, rep, loc, list)
	if err != nil {
		return nil, err
	}
	return r.withEntries(ctx, each(localized, model.Chain(loc.chain).Attendee))
}

// attendeesAlong localizes list, the attendees of rep, along loc's chain,
// and says where each role and note came from.
func (r *Resolver) attendeesAlong(ctx context.Context, rep *editorial.Report, loc *localization, list []*editorial.Attendee) ([]*editorial.Attendee, []translation.FieldSource, error) {
	translated := loc.chain[:len(loc.chain)-1] // the source locale ends the chain
	keys := make([]editorial.TranslationKey, len(translated))
	for i, l := range translated {
		keys[i] = editorial.TranslationKey{ReportID: rep.ID, Locale: l}
	}
	lists, err := loadEach(ctx, r.loaders(ctx).attendeeTrans, keys)
	if err != nil {
		return nil, nil, err
	}
	byLocale := make(map[string][]*editorial.AttendeeTranslation, len(translated))
	for i, l := range translated {
		byLocale[l] = lists[i]
	}
	localized, from := translation.LocalizeAttendees(list, byLocale, loc.chain)
	return localized, from, nil
}

// withEntries resolves the people and organizations of attendees that the
// current field's selection (of Attendee fields) asks for, with one batch
// per loader for the whole list (model.Attendee.WithEntries).
func (r *Resolver) withEntries(ctx context.Context, list []*model.Attendee) ([]*model.Attendee, error) {
	people, orgs := true, true // outside a GraphQL field (a test calling a resolver): resolve both
	if fc := graphql.GetFieldContext(ctx); fc != nil {
		people, orgs = attendeeWants(graphql.GetOperationContext(ctx), fc.Field.Selections)
	}
	return r.resolveEntries(ctx, list, people, orgs)
}

// withEntriesOf is withEntries for one attendee, as a function of a
// load's results (nil stays nil): r.withEntriesOf(ctx)(ref(…)).
func (r *Resolver) withEntriesOf(ctx context.Context) func(*model.Attendee, error) (*model.Attendee, error) {
	return func(a *model.Attendee, err error) (*model.Attendee, error) {
		if a == nil || err != nil {
			return a, err
		}
		list, err := r.withEntries(ctx, []*model.Attendee{a})
		if err != nil {
			return nil, err
		}
		return list[0], nil
	}
}

// attendeeWants says whether sel, a selection of Attendee fields (through
// fragments), asks for the person and for the organization.
func attendeeWants(oc *graphql.OperationContext, sel ast.SelectionSet) (people, orgs bool) {
	for _, f := range graphql.CollectFields(oc, sel, attendeeImplementors) {
		people, orgs = people || f.Name == "person", orgs || f.Name == "organization"
	}
	return people, orgs
}

// resolveEntries resolves the people (when wantPeople) and organizations
// (when wantOrgs) of attendees, one batch per loader.
func (r *Resolver) resolveEntries(ctx context.Context, list []*model.Attendee, wantPeople, wantOrgs bool) ([]*model.Attendee, error) {
	var people, orgs []int64
	for _, a := range list {
		if a.PersonID != nil && wantPeople {
			people = append(people, *a.PersonID)
		}
		if a.OrganizationID != nil && wantOrgs {
			orgs = append(orgs, *a.OrganizationID)
		}
	}
	l := r.loaders(ctx)
	ps, err := loadEach(ctx, l.people, people)
	if err != nil {
		return nil, err
	}
	os, err := loadEach(ctx, l.organizations, orgs)
	if err != nil {
		return nil, err
	}
	for _, a := range list {
		var p *editorial.Person
		var o *editorial.Organization
		if a.PersonID != nil && wantPeople {
			p, ps = ps[0], ps[1:]
		}
		if a.OrganizationID != nil && wantOrgs {
			o, os = os[0], os[1:]
		}
		a.WithEntries(p, o)
	}
	return list, nil
}

// anchoredAttendee is the attendee a comment thread's anchor names, read
// in chain, with what the anchor's selection asks of it; nil when the
// selection does not ask for the attendee at all (nothing is loaded).
func (r *Resolver) anchoredAttendee(ctx context.Context, id int64, chain model.Chain) (*model.Attendee, error) {
	oc := graphql.GetOperationContext(ctx)
	for _, f := range graphql.CollectFieldsCtx(ctx, commentAnchorImplementors) {
		if f.Name != "attendee" {
			continue
		}
		att, err := load(ctx, r.loaders(ctx).attendees, id)
		if err != nil || att == nil {
			return nil, err
		}
		people, orgs := attendeeWants(oc, f.Selections)
		list, err := r.resolveEntries(ctx, []*model.Attendee{chain.Attendee(att)}, people, orgs)
		if err != nil {
			return nil, err
		}
		return list[0], nil
	}
	return nil, nil
}

// asWritten is the chain of the objects that are below no localized report
// and no translation: their names are read as the newsroom writes them.
var asWritten model.Chain

// chainOf is the chain of the objects below rep: its localization's, or
// asWritten.
func (r *Resolver) chainOf(ctx context.Context, rep *editorial.Report) model.Chain {
	if loc := r.loaderBox(ctx).localized.get(rep); loc != nil {
		return loc.chain
	}
	return asWritten
}

// chainIn is the chain of the objects below a translation into loc.
func (r *Resolver) chainIn(loc string) model.Chain { return r.Fallbacks.Chain(loc) }

// each wraps every object of list (never nil: lists in the schema are non-null).
func each[T, W any](list []*T, wrap func(*T) *W) []*W {
	out := make([]*W, len(list))
	for i, v := range list {
		out[i] = wrap(v)
	}
	return out
}

// reportLocale says how rep was localized: the requested locale, the
// chain, and where each text came from, its attendees' roles and notes
// included. Those are read, when the selection asks for fields or
// complete, through the same loaders as Report.attendees (primed by public
// documents and by list prefetching), so they cost no statement there.
func (r *Resolver) reportLocale(ctx context.Context, rep *editorial.Report) (*model.ReportLocale, error) {
	loc := r.loaderBox(ctx).localized.get(rep)
	if loc == nil {
		return &model.ReportLocale{Chain: []string{rep.SourceLocale}, Fields: []*model.FieldLocale{}, Complete: true}, nil
	}
	fields := loc.from
	if wantsFieldLocales(ctx) {
		list, err := load(ctx, r.loaders(ctx).reportAttendees, rep.ID)
		if err != nil {
			return nil, err
		}
		_, from, err := r.attendeesAlong(ctx, rep, loc, list)
		if err != nil {
			return nil, err
		}
		fields = append(fields[:len(fields):len(fields)], fieldLocales(from)...)
	}
	complete := true
	for _, f := range fields {
		if f.Locale != loc.requested {
			complete = false
		}
	}
	req := loc.requested
	return &model.ReportLocale{Requested: &req, Chain: loc.chain, Fields: fields, Complete: complete}, nil
}

// wantsFieldLocales says whether the current field, a ReportLocale, selects
// what depends on the attendees (fields or complete); true outside a
// GraphQL field.
func wantsFieldLocales(ctx context.Context) bool {
	if graphql.GetFieldContext(ctx) == nil {
		return true
	}
	for _, f := range graphql.CollectFieldsCtx(ctx, reportLocaleImplementors) {
		if f.Name == "fields" || f.Name == "complete" {
			return true
		}
	}
	return false
}

func fieldLocales(from []translation.FieldSource) []*model.FieldLocale {
	out := make([]*model.FieldLocale, len(from))
	for i, f := range from {
		out[i] = &model.FieldLocale{Field: f.Field, Locale: f.Locale}
	}
	return out
}
