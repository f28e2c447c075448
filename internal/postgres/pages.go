package postgres

import (
	"context"

	"github.com/jmoiron/sqlx"

	"github.com/copydesk/copydesk/internal/editorial"
)

// Total counts the rows a list matches, when called. The Page functions
// return one with their page instead of counting at once, so that a request
// that does not ask how many there are costs no count(*) (the API calls it
// from the connection's totalCount field only). Call it while the
// QueryerContext the page was read with is usable: for the pool, any time.
type Total func(context.Context) (int, error)

// knownTotal is the Total of a list whose size is known without a query.
func knownTotal(n int) Total { return func(context.Context) (int, error) { return n, nil } }

// pageTotal is the Total of a list whose page of pageLen rows was read
// with first and after: query, a SELECT count(*), with args (errors are
// FormatError's for op and what), or no query at all when the first page
// already holds every match.
func pageTotal(q sqlx.QueryerContext, pageLen, first int, after *editorial.Cursor, op, what, query string, args ...any) Total {
	if after == nil && pageLen < first {
		return knownTotal(pageLen)
	}
	return func(ctx context.Context) (int, error) {
		var n int
		err := sqlx.GetContext(ctx, q, &n, query, args...)
		return n, FormatError(err, op, what)
	}
}

// --- the Reader's pages and the relations a page of reports prefetches ---

// ReportPage returns a page of working copies (see the package function
// ReportPage); newsroom only: the public lists public documents
// (ListPublicReports).
func (r Reader) ReportPage(ctx context.Context, a ReportPageArgs) (ListPage[*editorial.Report], error) {
	if r.aud != Newsroom {
		return ListPage[*editorial.Report]{Items: []*editorial.Report{}, Total: knownTotal(0)}, nil
	}
	hidden, err := r.HiddenDesks(ctx)
	if err != nil {
		return ListPage[*editorial.Report]{}, err
	}
	a.Filter.HiddenDeskIDs = hidden
	return ReportPage(ctx, r.db, a)
}

// TagPage lists tags by name (see the package function TagPage); the
// public lists only the tags it may see (PublicTagPage).
func (r Reader) TagPage(ctx context.Context, search NameSearch, first int, after *editorial.Cursor) ([]*editorial.Tag, Total, error) {
	if r.aud == Public {
		return PublicTagPage(ctx, r.db, search, first, after)
	}
	return TagPage(ctx, r.db, search, first, after)
}

// PersonPage lists people by name (see the package function PersonPage).
func (r Reader) PersonPage(ctx context.Context, search NameSearch, first int, after *editorial.Cursor) ([]*editorial.Person, Total, error) {
	return PersonPage(ctx, r.db, search, first, after)
}

// OrganizationPage lists organizations by name (see the package function
// OrganizationPage).
func (r Reader) OrganizationPage(ctx context.Context, search NameSearch, first int, after *editorial.Cursor) ([]*editorial.Organization, Total, error) {
	return OrganizationPage(ctx, r.db, search, first, after)
}

// EventPage lists events, latest first (see the package function EventPage).
func (r Reader) EventPage(ctx context.Context, search NameSearch, first int, after *editorial.Cursor) ([]*editorial.Event, Total, error) {
	return EventPage(ctx, r.db, search, first, after)
}

// ReportTags returns, per report, its tags in order, in one query
// (TagsByReportIDs: what TagIDsByReportIDs and TagsByIDs read in two);
// newsroom only, for the list prefetch (the public's tags come with their
// documents).
func (r Reader) ReportTags(ctx context.Context, ids []int64) (map[int64][]*editorial.Tag, error) {
	return newsroomOnly(ctx, r, ids, TagsByReportIDs)
}
