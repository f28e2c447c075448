package graph

import (
	"context"

	"github.com/copydesk/copydesk/graph/model"
)

// reportArgs are the arguments every reports connection takes
// (Query.reports, Person.reports, …).
type reportArgs struct {
	search, after *string
	first         *int
	last          *int
	before        *string
	filter        *model.ReportFilter
	orderBy       *model.ReportOrder
	locale        *string
}

// reportScope narrows a reports connection to the reports of one entry
// (a person's, a tag's, …); nil for Query.reports.
type reportScope func(*model.ReportFilter)

func scopeEvent(id int64) reportScope        { return func(f *model.ReportFilter) {} }
func scopePerson(id int64) reportScope       { return func(f *model.ReportFilter) {} }
func scopeOrganization(id int64) reportScope { return func(f *model.ReportFilter) {} }
func scopeTag(id int64) reportScope          { return func(f *model.ReportFilter) {} }

// reportsOf reads one page of a reports connection.
func (r *Resolver) reportsOf(ctx context.Context, scope reportScope, a reportArgs) (*model.ReportConnection, error) {
	if newsroom(ctx) {
		return r.newsroomReports(ctx, a.first, a.after, a.filter, a.orderBy, a.locale)
	}
	return r.publicReports(ctx, a.first, a.after, a.filter, a.orderBy, a.locale)
}
