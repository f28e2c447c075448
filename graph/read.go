package graph

import (
	"context"

	"github.com/vikstrous/dataloadgen"

	"github.com/copydesk/copydesk/graph/model"
	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/locale"
	"github.com/copydesk/copydesk/internal/postgres"
	"github.com/copydesk/copydesk/internal/reports"
	"github.com/copydesk/copydesk/internal/richtext"
	"github.com/copydesk/copydesk/internal/textdiff"
	"github.com/copydesk/copydesk/internal/translation"
)

// Helpers behind the resolvers in schema.resolvers.go: following optional
// references, building connections, node(id:) dispatch, mutation payloads.

// ref follows an optional reference with loader l; wrap presents what it
// finds (a chain's wrapper: see localize.go).
func ref[T, W any](ctx context.Context, l *dataloadgen.Loader[int64, *T], id *int64, wrap func(*T) *W) (*W, error) {
	if id == nil {
		return nil, nil
	}
	v, err := load(ctx, l, *id)
	return wrap(v), err
}

// nonNilList turns a missing list into an empty one (lists in the schema are non-null).
func nonNilList[T any](list []T, err error) ([]T, error) {
	if list == nil && err == nil {
		list = []T{}
	}
	return list, err
}

func optGlobalID(typ string, id *int64) *string {
	if id == nil {
		return nil
	}
	s := encodeID(typ, *id)
	return &s
}

// canonicalOr canonicalizes a locale argument, leaving an invalid one as
// it is (it then simply matches nothing).
func canonicalOr(tag string) string {
	if c, err := locale.Canonical(tag); err == nil {
		return c
	}
	return tag
}

// body is the body of obj (a report copy or a translation) in format: for
// HTML, as its public document holds it rendered when it came from one.
func (r *Resolver) body(ctx context.Context, obj any, markdown string, format *model.BodyFormat) string {
	if format != nil && *format == model.BodyFormatHTML {
		if html, ok := r.loaderBox(ctx).rendered.get(obj); ok {
			return html
		}
	}
	return renderBody(markdown, format)
}

func renderBody(markdown string, format *model.BodyFormat) string {
	if format == nil {
		return markdown
	}
	switch *format {
	case model.BodyFormatHTML:
		return richtext.HTML(markdown)
	case model.BodyFormatText:
		return richtext.Text(markdown)
	default:
		return markdown
	}
}

// --- node(id:) ---

func (r *Resolver) node(ctx context.Context, field, gid string) (model.Node, error) {
	typ, id, err := decodeAnyID(field, gid)
	if err != nil {
		return nil, err
	}
	l := r.loaders(ctx)
	switch typ {
	case typeReport:
		return nodeOrNil(r.reportIn(ctx, id, nil)) // for the public: from its documents, in one statement
	case typeRevision:
		return nodeOrNil(load(ctx, l.revisions, id))
	case typeAttendee:
		return nodeOrNil(r.withEntriesOf(ctx)(ref(ctx, l.attendees, &id, asWritten.Attendee)))
	case typeEvent:
		return nodeOrNil(ref(ctx, l.events, &id, asWritten.Event))
	case typeTranslation:
		reportID, loc, err := decodeTranslationID(field, gid)
		if err != nil {
			return nil, err
		}
		list, err := load(ctx, l.reportTranslations, reportID)
		if err != nil {
			return nil, err
		}
		return nodeOrNil(translation.TranslationIn(list, loc), nil)
	case typePerson, typeOrganization, typeTag:
		return r.directoryNode(ctx, typ, id)
	case typeUser, typeDesk, typeToken:
		return r.identityNode(ctx, typ, id)
	case typeComment:
		if !newsroom(ctx) {
			return nil, nil
		}
		return nodeOrNil(load(ctx, l.comments, id))
	case typeNotification:
		return r.notificationNode(ctx, id)
	}
	return nil, nil
}

// directoryNode loads a person, organization or tag, following merges: the
// ID of an entry merged into another resolves to the survivor.
func (r *Resolver) directoryNode(ctx context.Context, typ string, id int64) (model.Node, error) {
	l := r.loaders(ctx)
	get := func(id int64) (model.Node, error) {
		switch typ {
		case typePerson:
			return nodeOrNil(ref(ctx, l.people, &id, asWritten.Person))
		case typeOrganization:
			return nodeOrNil(ref(ctx, l.organizations, &id, asWritten.Organization))
		default:
			return nodeOrNil(ref(ctx, l.tags, &id, asWritten.Tag))
		}
	}
	n, err := get(id)
	if n != nil || err != nil {
		return n, err
	}
	kind := map[string]string{typePerson: postgres.KindPerson, typeOrganization: postgres.KindOrganization, typeTag: postgres.KindTag}[typ]
	survivor, err := r.reader(ctx).ResolveMerged(ctx, kind, id)
	if err != nil || survivor == id {
		return nil, err
	}
	return get(survivor)
}

// nodeOrNil returns a typed nil pointer as an untyped nil, so that a missing
// object is null rather than an empty object.
func nodeOrNil[T any](v *T, err error) (model.Node, error) {
	if v == nil || err != nil {
		return nil, err
	}
	return v, nil
}

func (r *Resolver) nodes(ctx context.Context, ids []string) ([]model.Node, error) {
	out := make([]model.Node, len(ids))
	errs := make([]error, len(ids))
	done := make(chan int, len(ids))
	for i, id := range ids {
		go func() {
			out[i], errs[i] = r.node(ctx, indexPath("ids", i), id)
			done <- i
		}()
	}
	for range ids {
		<-done
	}
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// --- connections ---

// reportIn loads report id read in the wanted locales (see localize.go).
func (r *Resolver) reportIn(ctx context.Context, id int64, wanted []string) (*editorial.Report, error) {
	if rep, public, err := r.publicReport(ctx, id, "", wanted); public {
		return rep, err
	}
	rep, err := load(ctx, r.loaders(ctx).reports, id)
	if err != nil {
		return nil, err
	}
	return r.localize(ctx, rep, wanted)
}

func (r *Resolver) listRevisions(ctx context.Context, rep *editorial.Report, first *int, after *string) (*model.RevisionConnection, error) {
	if err := auth.Check(auth.ViewerFrom(ctx), auth.ReadDrafts, auth.Resource{}); err != nil {
		return nil, err
	}
	n, err := pageSize(first, 20)
	if err != nil {
		return nil, err
	}
	cur, err := decodeCursor(after)
	if err != nil {
		return nil, err
	}
	before := 0
	if cur != nil {
		before = int(cur.ID)
	}
	p, err := load(ctx, r.loaders(ctx).revisionPages, revisionPageKey{rep.ID, n + 1, before})
	if err != nil {
		return nil, err
	}
	if p == nil {
		p = &editorial.RevisionPage{}
	}
	list, total := p.Revisions, p.Total
	list, cursors, info := page(list, n, cur, func(rev *editorial.Revision) editorial.Cursor {
		return editorial.Cursor{Key: "v", ID: int64(rev.Version)}
	})
	return &model.RevisionConnection{Nodes: list, PageInfo: info, TotalCount: total,
		Edges: edges(list, cursors, func(c string, n *editorial.Revision) *model.RevisionEdge {
			return &model.RevisionEdge{Cursor: c, Node: n}
		})}, nil
}

func optionalIDValue(field, typ string, gid *string) (int64, error) {
	if gid == nil {
		return 0, nil
	}
	return decodeID(field, typ, *gid)
}

// --- revision diffs ---

func (r *Resolver) revisionDiff(ctx context.Context, from, to string) (*model.RevisionDiff, error) {
	if err := auth.Check(auth.ViewerFrom(ctx), auth.ReadDrafts, auth.Resource{}); err != nil {
		return nil, err
	}
	fromID, err := decodeID("from", typeRevision, from)
	if err != nil {
		return nil, err
	}
	toID, err := decodeID("to", typeRevision, to)
	if err != nil {
		return nil, err
	}
	l := r.loaders(ctx)
	a, err := load(ctx, l.revisions, fromID)
	if err != nil {
		return nil, err
	}
	b, err := load(ctx, l.revisions, toID)
	if err != nil {
		return nil, err
	}
	if a == nil {
		return nil, cerr.FieldErrorf(cerr.NotFound, "from", "No revision has this ID.")
	}
	if b == nil {
		return nil, cerr.FieldErrorf(cerr.NotFound, "to", "No revision has this ID.")
	}
	if a.ReportID != b.ReportID {
		return nil, cerr.FieldErrorf(cerr.Invalid, "to", "The two revisions belong to different reports; compare revisions of one report.")
	}
	return diffRevisions(a, b), nil
}

// diffRevisions compares two revisions field by field, with word-level
// diffs of the text fields.
func diffRevisions(a, b *editorial.Revision) *model.RevisionDiff {
	d := editorial.Diff(a.Snapshot, b.Snapshot)
	out := &model.RevisionDiff{
		From: a, To: b, ChangedFields: orEmpty(d.ChangedFields),
		TagsAdded: orEmpty(d.TagsAdded), TagsRemoved: orEmpty(d.TagsRemoved), TagsReordered: d.TagsReordered,
		AttendeesAdded: ptrs(d.AttendeesAdded), AttendeesRemoved: ptrs(d.AttendeesRemoved), AttendeesChanged: ptrs(d.AttendeesChanged),
		TextChanges: make([]*model.TextChange, len(d.Text)),
	}
	for i, t := range d.Text {
		segs := textdiff.Diff(deref(t.Before), deref(t.After))
		ins, del := textdiff.Stats(segs)
		out.TextChanges[i] = &model.TextChange{Field: t.Name, Before: t.Before, After: t.After, Inserted: ins, Deleted: del,
			Segments: diffSegments(segs)}
	}
	return out
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func ptrs[T any](list []T) []*T {
	out := make([]*T, len(list))
	for i := range list {
		out[i] = &list[i]
	}
	return out
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// --- mutation payloads ---

// responder builds mutation payloads from a service call's results:
// respond(ctx).report(r.Reports.UpdateReport(ctx, in)).
type responder struct{ ctx context.Context }

func respond(ctx context.Context) responder { return responder{ctx} }

func (rs responder) report(saved *reports.Saved, err error) (*model.UpdateReportPayload, error) {
	if err != nil {
		ue, err := failed(rs.ctx, err)
		return &model.UpdateReportPayload{UserErrors: ue}, err
	}
	forget(rs.ctx)
	return &model.UpdateReportPayload{Report: saved.Report, Revision: saved.Revision, UserErrors: noUserErrors()}, nil
}

func (rs responder) tag(t *editorial.Tag, err error) (*model.TagPayload, error) {
	if err != nil {
		ue, err := failed(rs.ctx, err)
		return &model.TagPayload{UserErrors: ue}, err
	}
	forget(rs.ctx)
	return &model.TagPayload{Tag: asWritten.Tag(t), UserErrors: noUserErrors()}, nil
}

func (rs responder) person(p *editorial.Person, err error) (*model.PersonPayload, error) {
	if err != nil {
		ue, err := failed(rs.ctx, err)
		return &model.PersonPayload{UserErrors: ue}, err
	}
	forget(rs.ctx)
	return &model.PersonPayload{Person: asWritten.Person(p), UserErrors: noUserErrors()}, nil
}

func (rs responder) organization(o *editorial.Organization, err error) (*model.OrganizationPayload, error) {
	if err != nil {
		ue, err := failed(rs.ctx, err)
		return &model.OrganizationPayload{UserErrors: ue}, err
	}
	forget(rs.ctx)
	return &model.OrganizationPayload{Organization: asWritten.Organization(o), UserErrors: noUserErrors()}, nil
}

func (rs responder) event(e *editorial.Event, err error) (*model.EventPayload, error) {
	if err != nil {
		ue, err := failed(rs.ctx, err)
		return &model.EventPayload{UserErrors: ue}, err
	}
	forget(rs.ctx)
	return &model.EventPayload{Event: asWritten.Event(e), UserErrors: noUserErrors()}, nil
}

// edges pairs a page's nodes with their cursors as a connection's edges.
func edges[N, E any](nodes []N, cursors []string, edge func(cursor string, node N) E) []E {
	out := make([]E, len(nodes))
	for i, n := range nodes {
		out[i] = edge(cursors[i], n)
	}
	return out
}
