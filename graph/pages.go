package graph

import (
	"context"

	"github.com/copydesk/copydesk/graph/model"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/postgres"
)

// The lists whose totals are counted only when a query asks for them: each
// reads one page and hands the page's postgres.Total to the connection
// (model.Total), which the totalCount resolver calls. The newsroom's list
// of reports also prefetches what the selection asks of every report on
// the page (prefetch.go), so its SQL does not depend on how the resolvers
// below it are scheduled.

// newsroomReports is Query.reports for the newsroom: working copies, read
// in the wanted locales.
func (r *Resolver) newsroomReports(ctx context.Context, first *int, after *string, filter *model.ReportFilter, orderBy *model.ReportOrder, loc *string) (*model.ReportConnection, error) {
	wanted, n, cur, f, err := reportListArgs(ctx, first, after, filter, orderBy, loc)
	if err != nil {
		return nil, err
	}
	list, total, err := r.reader(ctx).ReportPage(ctx, f, n+1, cur)
	if err != nil {
		return nil, err
	}
	list, cursors, info := page(list, n, cur, func(rep *editorial.Report) editorial.Cursor { return postgres.ReportCursor(rep, f.OrderBy) })
	if err := r.prefetchReports(ctx, list, wanted); err != nil {
		return nil, err
	}
	return &model.ReportConnection{Nodes: list, PageInfo: info, Total: model.Total(total),
		Edges: edges(list, cursors, func(c string, n *editorial.Report) *model.ReportEdge { return &model.ReportEdge{Cursor: c, Node: n} })}, nil
}

// publicReports is Query.reports for the public: published copies, from
// their public documents (one statement for the page, one more for
// totalCount when selected), read in the wanted locales, every report's
// relations primed from its documents (public.go).
func (r *Resolver) publicReports(ctx context.Context, first *int, after *string, filter *model.ReportFilter, orderBy *model.ReportOrder, loc *string) (*model.ReportConnection, error) {
	wanted, n, cur, f, err := reportListArgs(ctx, first, after, filter, orderBy, loc)
	if err != nil {
		return nil, err
	}
	r.loaderBox(ctx).docs.listed()
	locales := r.publicCandidates(wanted)
	docs, total, err := r.reader(ctx).ListPublicReports(ctx, f, n+1, cur, locales)
	if err != nil {
		return nil, err
	}
	docs, cursors, info := page(docs, n, cur, func(d *editorial.PublicReport) editorial.Cursor {
		return postgres.ReportCursor(d.Source.Report, f.OrderBy)
	})
	list := make([]*editorial.Report, len(docs))
	for i, d := range docs { // the page only: the one read ahead to tell hasNextPage is not prepared
		list[i] = r.fromDocuments(ctx, d, wanted, locales)
	}
	return &model.ReportConnection{Nodes: list, PageInfo: info, Total: model.Total(total),
		Edges: edges(list, cursors, func(c string, n *editorial.Report) *model.ReportEdge { return &model.ReportEdge{Cursor: c, Node: n} })}, nil
}

// reportListArgs decodes the arguments of Query.reports: the wanted
// locales, the page size, the cursor and the storage filter.
func reportListArgs(ctx context.Context, first *int, after *string, filter *model.ReportFilter, orderBy *model.ReportOrder, loc *string) ([]string, int, *editorial.Cursor, postgres.ReportFilter, error) {
	var f postgres.ReportFilter
	wanted, err := wantedLocales(ctx, loc)
	if err != nil {
		return nil, 0, nil, f, err
	}
	n, err := pageSize(first, 20)
	if err != nil {
		return nil, 0, nil, f, err
	}
	cur, err := decodeCursor(after)
	if err != nil {
		return nil, 0, nil, f, err
	}
	f, err = reportFilter(filter, orderBy)
	return wanted, n, cur, f, err
}

// reportFilter is the storage filter of Query.reports' filter and orderBy.
func reportFilter(filter *model.ReportFilter, orderBy *model.ReportOrder) (postgres.ReportFilter, error) {
	f := postgres.ReportFilter{OrderBy: "updated"}
	if orderBy != nil && *orderBy == model.ReportOrderCreatedDesc {
		f.OrderBy = "created"
	}
	if filter == nil {
		return f, nil
	}
	f.Statuses = filter.Status.Value()
	f.TagSlug = value(filter.TagSlug)
	if loc := value(filter.SourceLocale); loc != "" {
		f.SourceLocale = canonicalOr(loc)
	}
	var err error
	f.EventID, err = optionalIDValue("filter.eventId", typeEvent, filter.EventID.Value())
	return f, err
}

// dirPage is one page of a directory list (tags, people, organizations,
// events): its entries presented by wrap (with a nil chain: see
// localize.go), their cursors, where the page sits and the list's Total.
type dirPage[W any] struct {
	items   []*W
	cursors []string
	info    *model.PageInfo
	total   model.Total
}

// directoryPage reads one page of a directory list with list, the request
// reader's Page method.
func directoryPage[T, W any](ctx context.Context, first *int, after, search *string,
	list func(context.Context, string, int, *editorial.Cursor) ([]*T, postgres.Total, error),
	cursor func(*T) editorial.Cursor, wrap func(*T) *W,
) (*dirPage[W], error) {
	n, err := pageSize(first, 50)
	if err != nil {
		return nil, err
	}
	cur, err := decodeCursor(after)
	if err != nil {
		return nil, err
	}
	items, total, err := list(ctx, deref(search), n+1, cur)
	if err != nil {
		return nil, err
	}
	items, cursors, info := page(items, n, cur, cursor)
	return &dirPage[W]{items: each(items, wrap), cursors: cursors, info: info, total: model.Total(total)}, nil
}

func (r *Resolver) tagPage(ctx context.Context, first *int, after, search *string) (*model.TagConnection, error) {
	p, err := directoryPage(ctx, first, after, search, r.reader(ctx).TagPage, func(t *editorial.Tag) editorial.Cursor { return postgres.NameCursor(t.Name, t.ID) }, asWritten.Tag)
	if err != nil {
		return nil, err
	}
	return &model.TagConnection{Nodes: p.items, PageInfo: p.info, Total: p.total,
		Edges: edges(p.items, p.cursors, func(c string, n *model.Tag) *model.TagEdge { return &model.TagEdge{Cursor: c, Node: n} })}, nil
}

func (r *Resolver) personPage(ctx context.Context, first *int, after, search *string) (*model.PersonConnection, error) {
	p, err := directoryPage(ctx, first, after, search, r.reader(ctx).PersonPage, func(p *editorial.Person) editorial.Cursor { return postgres.NameCursor(p.Name, p.ID) }, asWritten.Person)
	if err != nil {
		return nil, err
	}
	return &model.PersonConnection{Nodes: p.items, PageInfo: p.info, Total: p.total,
		Edges: edges(p.items, p.cursors, func(c string, n *model.Person) *model.PersonEdge { return &model.PersonEdge{Cursor: c, Node: n} })}, nil
}

func (r *Resolver) organizationPage(ctx context.Context, first *int, after, search *string) (*model.OrganizationConnection, error) {
	p, err := directoryPage(ctx, first, after, search, r.reader(ctx).OrganizationPage, func(o *editorial.Organization) editorial.Cursor { return postgres.NameCursor(o.Name, o.ID) }, asWritten.Organization)
	if err != nil {
		return nil, err
	}
	return &model.OrganizationConnection{Nodes: p.items, PageInfo: p.info, Total: p.total,
		Edges: edges(p.items, p.cursors, func(c string, n *model.Organization) *model.OrganizationEdge {
			return &model.OrganizationEdge{Cursor: c, Node: n}
		})}, nil
}

func (r *Resolver) eventPage(ctx context.Context, first *int, after, search *string) (*model.EventConnection, error) {
	p, err := directoryPage(ctx, first, after, search, r.reader(ctx).EventPage, postgres.EventCursor, asWritten.Event)
	if err != nil {
		return nil, err
	}
	return &model.EventConnection{Nodes: p.items, PageInfo: p.info, Total: p.total,
		Edges: edges(p.items, p.cursors, func(c string, n *model.Event) *model.EventEdge { return &model.EventEdge{Cursor: c, Node: n} })}, nil
}
