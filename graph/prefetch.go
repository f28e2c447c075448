package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vikstrous/dataloadgen"

	"github.com/copydesk/copydesk/internal/editorial"
)

// Prefetching a page of reports. The resolvers below a list ask the
// dataloaders for one key each, from goroutines gqlgen starts per item and
// per field; a loader fetches whatever keys arrived within its wait, so on
// a busy machine one relation can take several batches (one more SQL
// statement each), and with a short wait many. Before gqlgen fans out, the
// list resolver knows every report on the page; prefetchReports reads,
// for the relations the query selects, everything those resolvers will ask
// for, one statement per relation, and primes the loaders with it, so that
// their loads are answered from the loaders' caches and the SQL a request
// costs depends on its selection only.
//
// It calls the readers' batch functions itself rather than LoadAll:
// dataloadgen adds LoadAll's keys to the batch one by one while the batch's
// timer runs, so even a single LoadAll can split when the wait is short.

// reportWants is what a selection of Report fields will load.
type reportWants struct {
	tags, authors, event, translations bool
	attendees                          bool
	// locale { fields } or locale { complete }: the attendees' roles and
	// notes, when the reports are localized
	localeFields bool
	// people and organizations of the attendees
	people, organizations bool
}

// wantsOfConnection reads what the current field, which returns a
// ReportConnection, selects of its reports (under nodes and edges.node,
// through fragments; @skip and @include applied).
func wantsOfConnection(ctx context.Context) reportWants {
	oc := graphql.GetOperationContext(ctx)
	var w reportWants
	for _, f := range graphql.CollectFieldsCtx(ctx, reportConnectionImplementors) {
		switch f.Name {
		case "nodes":
			w.add(oc, f.Selections)
		case "edges":
			for _, e := range graphql.CollectFields(oc, f.Selections, reportEdgeImplementors) {
				if e.Name == "node" {
					w.add(oc, e.Selections)
				}
			}
		}
	}
	return w
}

// add records what sel, a selection of Report fields, will load.
func (w *reportWants) add(oc *graphql.OperationContext, sel ast.SelectionSet) {
	for _, f := range graphql.CollectFields(oc, sel, reportImplementors) {
		switch f.Name {
		case "tags":
			w.tags = true
		case "authors":
			w.authors = true
		case "event":
			w.event = true
		case "translations", "translation":
			w.translations = true
		case "attendees":
			w.attendees = true
			people, orgs := attendeeWants(oc, f.Selections)
			w.people, w.organizations = w.people || people, w.organizations || orgs
		case "locale":
			for _, g := range graphql.CollectFields(oc, f.Selections, reportLocaleImplementors) {
				w.localeFields = w.localeFields || g.Name == "fields" || g.Name == "complete"
			}
		}
	}
}

// prefetchReports localizes reps in place into the wanted locales (as
// localizeAll does) and primes the request's loaders with what the current
// field's selection will load of them: their translations, tags, bylines,
// attendees and events, and one level further the attendees' and authors'
// people and the attendees' organizations.
func (r *Resolver) prefetchReports(ctx context.Context, reps []*editorial.Report, wanted []string) error {
	if len(reps) == 0 {
		return nil
	}
	w := wantsOfConnection(ctx)
	l, rd := r.loaders(ctx), r.reader(ctx)
	ids := make([]int64, len(reps))
	localizing := false
	for i, rep := range reps {
		ids[i] = rep.ID
		localizing = localizing || needsLocalizing(rep, wanted)
	}
	if w.translations || localizing {
		if _, err := prime(ctx, l.reportTranslations, ids, rd.TranslationsByReportIDs); err != nil {
			return err
		}
	}
	if err := r.localizeAll(ctx, reps, wanted); err != nil {
		return err
	}
	var people, orgs, events keySet
	if w.tags {
		if err := r.prefetchTags(ctx, ids); err != nil {
			return err
		}
	}
	if w.authors {
		byline, err := prime(ctx, l.reportAuthorIDs, ids, rd.AuthorIDsByReportIDs)
		if err != nil {
			return err
		}
		for _, list := range byline {
			people.add(list...)
		}
	}
	if w.attendees || w.localeFields && localizing {
		if err := r.prefetchAttendees(ctx, reps, w, &people, &orgs); err != nil {
			return err
		}
	}
	events.add(w.eventsOf(reps)...)
	if _, err := prime(ctx, l.people, people.keys, rd.PeopleByIDs); err != nil {
		return err
	}
	if _, err := prime(ctx, l.organizations, orgs.keys, rd.OrganizationsByIDs); err != nil {
		return err
	}
	_, err := prime(ctx, l.events, events.keys, rd.EventsByIDs)
	return err
}

// eventsOf returns the events of reps, if the selection asks for them.
func (w reportWants) eventsOf(reps []*editorial.Report) []int64 {
	var ids []int64
	for _, rep := range reps {
		if w.event && rep.EventID != nil {
			ids = append(ids, *rep.EventID)
		}
	}
	return ids
}

// prefetchTags primes the reports' tag lists and the tags on them, read in
// one statement (Reader.ReportTags).
func (r *Resolver) prefetchTags(ctx context.Context, ids []int64) error {
	l := r.loaders(ctx)
	byReport, err := r.reader(ctx).ReportTags(ctx, ids)
	if err != nil {
		return err
	}
	for _, id := range ids {
		tags := byReport[id]
		tagIDs := make([]int64, len(tags))
		for i, t := range tags {
			tagIDs[i] = t.ID
			l.tags.Prime(t.ID, t)
		}
		l.reportTagIDs.Prime(id, tagIDs)
	}
	return nil
}

// prefetchAttendees primes the reports' attendee lists (and, for localized
// reports, the attendees' translations along each report's chain) and adds
// the people and organizations the selection asks for to people and orgs.
func (r *Resolver) prefetchAttendees(ctx context.Context, reps []*editorial.Report, w reportWants, people, orgs *keySet) error {
	l, rd, box := r.loaders(ctx), r.reader(ctx), r.loaderBox(ctx)
	ids := make([]int64, len(reps))
	var translated []editorial.TranslationKey
	for i, rep := range reps {
		ids[i] = rep.ID
		if loc := box.localized.get(rep); loc != nil {
			for _, in := range loc.chain[:len(loc.chain)-1] { // the source locale ends the chain
				translated = append(translated, editorial.TranslationKey{ReportID: rep.ID, Locale: in})
			}
		}
	}
	byReport, err := prime(ctx, l.reportAttendees, ids, rd.AttendeesByReportIDs)
	if err != nil {
		return err
	}
	if _, err := prime(ctx, l.attendeeTrans, translated, rd.AttendeeTranslationsByKeys); err != nil {
		return err
	}
	for _, list := range byReport {
		for _, a := range list {
			if w.people && a.PersonID != nil {
				people.add(*a.PersonID)
			}
			if w.organizations && a.OrganizationID != nil {
				orgs.add(*a.OrganizationID)
			}
		}
	}
	return nil
}

// prime reads keys with fetch, the loader's own batch function, in one
// call, and primes l with every key's value: the zero value for the keys
// fetch found nothing for, as load reads a key its batch did not return.
// It returns what fetch found; no keys, no call.
func prime[K comparable, V any](ctx context.Context, l *dataloadgen.Loader[K, V], keys []K, fetch func(context.Context, []K) (map[K]V, error)) (map[K]V, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	found, err := fetch(ctx, keys)
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		l.Prime(k, found[k])
	}
	return found, nil
}

// keySet collects IDs once each, in the order first added.
type keySet struct {
	keys []int64
	seen map[int64]bool
}

func (s *keySet) add(ids ...int64) {
	if s.seen == nil {
		s.seen = map[int64]bool{}
	}
	for _, id := range ids {
		if !s.seen[id] {
			s.seen[id] = true
			s.keys = append(s.keys, id)
		}
	}
}
