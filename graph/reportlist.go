package graph

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/copydesk/copydesk/graph/model"
	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/locale"
	"github.com/copydesk/copydesk/internal/postgres"
	"github.com/copydesk/copydesk/internal/search"
)

// Every reports connection (Query.reports, Person.reports, …) is one page
// of the same list: searched, filtered and ordered in storage
// (postgres.ReportPage for the newsroom, ListPublicReports for the
// public), paged with keyset cursors both ways.

// reportArgs are the arguments every reports connection takes.
type reportArgs struct {
	search, after *string
	first, last   *int
	before        *string
	filter        *model.ReportFilter
	orderBy       *model.ReportOrder
	locale        *string
}

// reportScope narrows a reports connection to the reports of one entry
// (a person's, a tag's, …); nil for Query.reports.
type reportScope func(*postgres.ReportFilter) error

func scopeEvent(id int64) reportScope {
	return scopeTo("eventId", "event", id, func(f *postgres.ReportFilter) *int64 { return &f.EventID })
}
func scopePerson(id int64) reportScope {
	return scopeTo("personId", "person", id, func(f *postgres.ReportFilter) *int64 { return &f.PersonID })
}
func scopeOrganization(id int64) reportScope {
	return scopeTo("organizationId", "organization", id, func(f *postgres.ReportFilter) *int64 { return &f.OrganizationID })
}
func scopeTag(id int64) reportScope {
	return func(f *postgres.ReportFilter) error { f.TagID = id; return nil } // tagIds filters beside it
}

// scopeTo is the scope that sets the filter field of dst to id; a filter
// naming another entry there is refused rather than overridden.
func scopeTo(field, what string, id int64, dst func(*postgres.ReportFilter) *int64) reportScope {
	return func(f *postgres.ReportFilter) error {
		if p := dst(f); *p != 0 && *p != id {
			return cerr.FieldErrorf(cerr.Invalid, "filter."+field, "This list holds the reports of one %s: leave out `%s`, or use `Query.reports`.", what, field)
		}
		*dst(f) = id
		return nil
	}
}

// reportsOf reads one page of a reports connection.
func (r *Resolver) reportsOf(ctx context.Context, scope reportScope, a reportArgs) (*model.ReportConnection, error) {
	wanted, err := wantedLocales(ctx, a.locale)
	if err != nil {
		return nil, err
	}
	pa, err := r.pageArgs(ctx, a, wanted)
	if err != nil {
		return nil, err
	}
	if scope != nil {
		if err := scope(&pa.Filter); err != nil {
			return nil, err
		}
	}
	if newsroom(ctx) {
		return r.newsroomReports(ctx, pa, wanted)
	}
	return r.publicReports(ctx, pa, wanted)
}

// pageArgs decodes a connection's arguments into a storage page.
func (r *Resolver) pageArgs(ctx context.Context, a reportArgs, wanted []string) (postgres.ReportPageArgs, error) {
	var pa postgres.ReportPageArgs
	var err error
	if pa.Limit, pa.Backward, err = pageWindow(a.first, a.last); err != nil {
		return pa, err
	}
	if pa.After, err = decodeCursor(a.after); err != nil {
		return pa, err
	}
	if pa.Before, err = decodeCursorOn("before", a.before); err != nil {
		return pa, err
	}
	if pa.Filter, err = reportFilter(a.filter, newsroom(ctx)); err != nil {
		return pa, err
	}
	if pa.Filter.Search, err = r.searchQuery(a.search); err != nil {
		return pa, err
	}
	pa.Order, err = reportOrder(ctx, r, a.orderBy, pa.Filter.Search != nil, wanted)
	return pa, err
}

// pageWindow validates first and last (one of them, 1 to 100; 20 when
// neither is given) and says whether the page is read backward.
func pageWindow(first, last *int) (int, bool, error) {
	if first != nil && last != nil {
		return 0, false, cerr.FieldErrorf(cerr.Invalid, "last", "Give `first` (paging forward) or `last` (paging backward), not both.")
	}
	if last != nil {
		if *last < 1 || *last > 100 {
			return 0, false, cerr.FieldErrorf(cerr.Invalid, "last", "Ask for 1 to 100 items per page (got %d).", *last)
		}
		return *last, true, nil
	}
	n, err := pageSize(first, 20)
	return n, false, err
}

// parseSearch parses a search argument; a query that cannot be searched
// is BAD_USER_INPUT on the field "search".
func parseSearch(s string) (search.Query, error) {
	q, err := search.Parse(s)
	var se *search.Error
	if errors.As(err, &se) {
		return q, cerr.FieldErrorf(cerr.Invalid, "search", "%s", se.Msg)
	}
	return q, err
}

// nameSearch is the search argument of a directory list: a name search as
// you type (postgres.NameSearch).
func nameSearch(s *string) (postgres.NameSearch, error) {
	if s == nil {
		return postgres.NameSearch{}, nil
	}
	q, err := parseSearch(*s)
	return postgres.NameSearch{Prefix: q.Prefix(), Text: *s}, err
}

// searchQuery parses the search argument of a report list (nil: no
// search). Terms are matched under every configuration: a report's locales
// are indexed each under its own language's, and a query does not say
// which language it is in.
func (r *Resolver) searchQuery(s *string) (*postgres.SearchQuery, error) {
	if s == nil {
		return nil, nil
	}
	q, err := parseSearch(*s)
	if err != nil || q.Empty() {
		return nil, err
	}
	sq := &postgres.SearchQuery{Configs: search.Configs()}
	for _, t := range q.Terms {
		sq.Terms = append(sq.Terms, postgres.SearchTerm{Text: t.Text, Query: t.TSQuery(), Exclude: t.Exclude, Or: t.Or})
	}
	return sq, nil
}

// reportOrder is the storage order of orderBy: RELEVANCE by default with a
// search, else UPDATED_DESC; titles in the reading locale's collation.
func reportOrder(ctx context.Context, r *Resolver, orderBy *model.ReportOrder, searching bool, wanted []string) (postgres.ReportOrder, error) {
	o := model.ReportOrderUpdatedDesc
	if searching {
		o = model.ReportOrderRelevance
	}
	if orderBy != nil {
		o = *orderBy
	}
	key, desc := orderKeys[o].key, orderKeys[o].desc
	out := postgres.ReportOrder{Key: key, Desc: desc}
	if key == postgres.OrderTitle {
		if len(wanted) > 0 {
			out.Locale = wanted[0]
		}
		coll, err := r.DB.Collation(ctx, out.Locale)
		if err != nil {
			return out, err
		}
		out.Collation = coll
	}
	return out, nil
}

var orderKeys = map[model.ReportOrder]struct {
	key  string
	desc bool
}{
	model.ReportOrderUpdatedDesc: {postgres.OrderUpdated, true}, model.ReportOrderUpdatedAsc: {postgres.OrderUpdated, false},
	model.ReportOrderCreatedDesc: {postgres.OrderCreated, true}, model.ReportOrderCreatedAsc: {postgres.OrderCreated, false},
	model.ReportOrderPublishedDesc: {postgres.OrderPublished, true}, model.ReportOrderPublishedAsc: {postgres.OrderPublished, false},
	model.ReportOrderEventDateDesc: {postgres.OrderEvent, true}, model.ReportOrderEventDateAsc: {postgres.OrderEvent, false},
	model.ReportOrderTitleAsc: {postgres.OrderTitle, false}, model.ReportOrderTitleDesc: {postgres.OrderTitle, true},
	model.ReportOrderRelevance: {postgres.OrderRelevance, true},
}

// newsroomOnlyFilters name the filter fields the public may not use: they
// would tell what it cannot see (a desk's drafts, who reviews what).
func newsroomOnlyFilters(f *model.ReportFilter) []string {
	var out []string
	for _, field := range []struct {
		name string
		set  bool
	}{
		{"deskIds", f.DeskIds.IsSet()}, {"reviewerId", f.ReviewerID.IsSet()}, {"embargoed", f.Embargoed.IsSet()},
		{"scheduled", f.Scheduled.IsSet()}, {"updated", f.Updated.IsSet()}, {"translations", f.Translations.IsSet()},
	} {
		if field.set {
			out = append(out, field.name)
		}
	}
	return out
}

// reportFilter is the storage filter of a connection's filter.
func reportFilter(filter *model.ReportFilter, newsroom bool) (postgres.ReportFilter, error) {
	var f postgres.ReportFilter
	if filter == nil {
		return f, nil
	}
	if names := newsroomOnlyFilters(filter); !newsroom && len(names) > 0 {
		return f, cerr.FieldErrorf(cerr.Forbidden, "filter."+names[0], "Filtering on `%s` is for the newsroom: sign in with a newsroom token.", strings.Join(names, "`, `"))
	}
	f.Statuses = filter.Status.Value()
	f.TagSlug = value(filter.TagSlug)
	f.AllTags = value(filter.TagsMatch) == model.MatchModeAll
	f.Modes = participationStrings(filter.Participation.Value())
	f.Embargoed, f.Scheduled = filter.Embargoed.Value(), filter.Scheduled.Value()
	if c := value(filter.Country); c != "" {
		f.Country = strings.ToUpper(c)
	}
	if loc := value(filter.SourceLocale); loc != "" {
		f.SourceLocale = canonicalOr(loc)
	}
	if err := translationConds(filter.Translations.Value(), &f); err != nil {
		return f, err
	}
	if err := filterIDs(filter, &f); err != nil {
		return f, err
	}
	return f, filterRanges(filter, &f)
}

// maxTranslationConds bounds ReportFilter.translations.
const maxTranslationConds = 10

// translationConds is the storage form of ReportFilter.translations.
func translationConds(list []*model.ReportTranslationFilter, f *postgres.ReportFilter) error {
	if len(list) > maxTranslationConds {
		return cerr.FieldErrorf(cerr.Invalid, "filter.translations", "Filter on at most %d locales (got %d).", maxTranslationConds, len(list))
	}
	for i, c := range list {
		field := fmt.Sprintf("filter.translations.%d", i)
		loc, err := locale.Canonical(c.Locale)
		if err != nil {
			return cerr.FieldErrorf(cerr.Invalid, field+".locale", "%q is not a BCP 47 locale (e.g. zh-Hans).", c.Locale)
		}
		if len(c.Status) == 0 {
			return cerr.FieldErrorf(cerr.Invalid, field+".status", "Name at least one state the %s translation may be in.", loc)
		}
		cond := postgres.TranslationCond{Locale: loc}
		for _, st := range c.Status {
			if st == editorial.TranslationMissing {
				cond.Missing = true
			} else if !slices.Contains(cond.Statuses, string(st)) {
				cond.Statuses = append(cond.Statuses, string(st))
			}
		}
		f.Translations = append(f.Translations, cond)
	}
	return nil
}

// filterIDs decodes the filter's global IDs.
func filterIDs(filter *model.ReportFilter, f *postgres.ReportFilter) error {
	var err error
	if f.DeskIDs, err = decodeIDs("filter.deskIds", typeDesk, filter.DeskIds.Value()); err != nil {
		return err
	}
	if f.TagIDs, err = decodeIDs("filter.tagIds", typeTag, filter.TagIds.Value()); err != nil {
		return err
	}
	for _, id := range []struct {
		field, typ string
		gid        *string
		to         *int64
	}{
		{"filter.eventId", typeEvent, filter.EventID.Value(), &f.EventID},
		{"filter.personId", typePerson, filter.PersonID.Value(), &f.PersonID},
		{"filter.organizationId", typeOrganization, filter.OrganizationID.Value(), &f.OrganizationID},
		{"filter.authorId", typePerson, filter.AuthorID.Value(), &f.AuthorID},
		{"filter.reviewerId", typeUser, filter.ReviewerID.Value(), &f.ReviewerID},
	} {
		if *id.to, err = optionalIDValue(id.field, id.typ, id.gid); err != nil {
			return err
		}
	}
	return nil
}

// filterRanges parses the filter's time and date ranges.
func filterRanges(filter *model.ReportFilter, f *postgres.ReportFilter) error {
	var err error
	if r := filter.Published.Value(); r != nil {
		if f.PublishedFrom, f.PublishedTo, err = timeRange("filter.published", r); err != nil {
			return err
		}
	}
	if r := filter.Updated.Value(); r != nil {
		if f.UpdatedFrom, f.UpdatedTo, err = timeRange("filter.updated", r); err != nil {
			return err
		}
	}
	if r := filter.EventDate.Value(); r != nil {
		if f.EventFrom, err = day("filter.eventDate.from", r.From.Value(), 0); err != nil {
			return err
		}
		if f.EventTo, err = day("filter.eventDate.to", r.To.Value(), 1); err != nil { // up to the end of that day
			return err
		}
	}
	return nil
}

func timeRange(field string, r *model.TimeRange) (from, to *time.Time, err error) {
	parse := func(name string, s *string) (*time.Time, error) {
		if s == nil {
			return nil, nil
		}
		t, err := time.Parse(time.RFC3339, *s)
		if err != nil {
			return nil, cerr.FieldErrorf(cerr.Invalid, field+"."+name, "%q is not an RFC 3339 time, e.g. 2026-05-01T00:00:00Z.", *s)
		}
		return &t, nil
	}
	if from, err = parse("from", r.From.Value()); err != nil {
		return nil, nil, err
	}
	to, err = parse("to", r.To.Value())
	return from, to, err
}

// day parses a YYYY-MM-DD day as the instant it starts in UTC, plus
// addDays.
func day(field string, s *string, addDays int) (*time.Time, error) {
	if s == nil {
		return nil, nil
	}
	t, err := time.Parse(time.DateOnly, *s)
	if err != nil {
		return nil, cerr.FieldErrorf(cerr.Invalid, field, "%q is not a day as YYYY-MM-DD.", *s)
	}
	t = t.AddDate(0, 0, addDays)
	return &t, nil
}

func participationStrings(ps []editorial.Participation) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = string(p)
	}
	return out
}

// pageInfo is the page information, cursors and edges of a page.
func pageInfo(pa postgres.ReportPageArgs, more bool, cursors []string) *model.PageInfo {
	info := &model.PageInfo{HasNextPage: more, HasPreviousPage: pa.After != nil}
	if pa.Backward {
		info = &model.PageInfo{HasPreviousPage: more, HasNextPage: pa.Before != nil}
	} else if pa.Before != nil {
		info.HasNextPage = true
	}
	if len(cursors) > 0 {
		info.StartCursor, info.EndCursor = &cursors[0], &cursors[len(cursors)-1]
	}
	return info
}

// reportConnection assembles a page of reports.
func reportConnection(pa postgres.ReportPageArgs, list []*editorial.Report, cursors []editorial.Cursor, more bool, total postgres.Total, hits model.Hits) *model.ReportConnection {
	enc := make([]string, len(cursors))
	for i, c := range cursors {
		enc[i] = encodeCursor(c)
	}
	return &model.ReportConnection{Nodes: list, PageInfo: pageInfo(pa, more, enc), Total: model.Total(total).Once(), Searched: pa.Filter.Search != nil,
		Edges: edges(list, enc, func(c string, n *editorial.Report) *model.ReportEdge {
			return &model.ReportEdge{Cursor: c, Node: n, Hits: hits}
		})}
}

// reportTotal is a reports connection's totalCount and whether it is
// exact (postgres.CappedTotal).
func reportTotal(ctx context.Context, c *model.ReportConnection) (int, bool, error) {
	n, err := c.Total.Of(ctx, c.TotalCount)
	if err != nil {
		return 0, false, err
	}
	n, exact := postgres.CappedTotal(n, c.Searched)
	return n, exact, nil
}

// newsroomReports is a reports connection for the newsroom: working
// copies, read in the wanted locales, with what the selection asks of
// every report prefetched (prefetch.go).
func (r *Resolver) newsroomReports(ctx context.Context, pa postgres.ReportPageArgs, wanted []string) (*model.ReportConnection, error) {
	p, err := r.reader(ctx).ReportPage(ctx, pa)
	if err != nil {
		return nil, err
	}
	if err := r.prefetchReports(ctx, p.Items, wanted); err != nil {
		return nil, err
	}
	return reportConnection(pa, p.Items, p.Cursors, p.More, p.Total, r.hitsOf(pa.Filter.Search, p.Items)), nil
}

// publicReports is a reports connection for the public: published copies,
// from their public documents (one statement for the page, one more for
// totalCount when selected), read in the wanted locales, every report's
// relations primed from its documents (public.go).
func (r *Resolver) publicReports(ctx context.Context, pa postgres.ReportPageArgs, wanted []string) (*model.ReportConnection, error) {
	r.loaderBox(ctx).docs.listed()
	locales := r.publicCandidates(wanted)
	// Documents the instance's cache holds at the listed revision are not
	// decoded again; those decoded are cached for the next page or read.
	var decoded postgres.DecodedFunc
	cached := map[*editorial.PublicReport]bool{}
	if c := r.PublicCache; c != nil {
		decoded = func(id int64, rev string) *editorial.PublicReport {
			d := c.GetAt(id, locales, rev)
			if d != nil {
				cached[d] = true
			}
			return d
		}
	}
	p, err := r.reader(ctx).ListPublicReports(ctx, pa, locales, decoded)
	if err != nil {
		return nil, err
	}
	list := make([]*editorial.Report, len(p.Items))
	for i, d := range p.Items {
		if c := r.PublicCache; c != nil && !cached[d] {
			c.Put(d, "", locales)
		}
		list[i] = r.fromDocuments(ctx, d, wanted, locales)
	}
	return reportConnection(pa, list, p.Cursors, p.More, p.Total, r.hitsOf(pa.Filter.Search, list)), nil
}
