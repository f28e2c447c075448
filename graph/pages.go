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
	list func(context.Context, postgres.NameSearch, int, *editorial.Cursor) ([]*T, postgres.Total, error),
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
	ns, err := nameSearch(search)
	if err != nil {
		return nil, err
	}
	items, total, err := list(ctx, ns, n+1, cur)
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
