package main

import (
	"context"
	"encoding/json"
	"math/rand/v2"

	"github.com/copydesk/copydesk/internal/postgres"
)

// The systems measured.
const (
	sysCopydesk = "copydesk"
	sysPeer     = "postgraphile"
	sysPgbenchA = "pgbench-a" // the statements copydesk sends, from its statement log
	sysPgbenchB = "pgbench-b" // one json_agg statement returning the same data
)

var systemNames = []string{sysCopydesk, sysPeer, sysPgbenchA, sysPgbenchB}

// The queries measured.
const (
	qSlugEn        = "slug-en"
	qSlugJa        = "slug-ja"
	qListPublic    = "list-public"
	qListNewsroom  = "list-newsroom"
	newsroomPage   = 50
	publicListPage = 20
)

var queryNames = []string{qSlugEn, qSlugJa, qListPublic, qListNewsroom}

// query is one read, as each system asks for it.
type query struct {
	name     string
	anon     bool   // copydesk: sent without a token
	copydesk string // GraphQL document; $slug when bySlug
	peer     string // the equivalent PostGraphile document
	oneSQL   string // pgbench (b): one statement returning the data as copydesk's JSON; $1 = slug when bySlug
	bySlug   bool
	locale   string
}

const copydeskReport = `title subtitle summary body(format: HTML) publishedAt
		event { name parent { name } }
		tags { slug name }
		attendees { role participations person { name } organization { name } }`

const peerReport = `title subtitle summary body publishedAt
		eventByEventId { name eventByParentId { name } }
		reportTagsByReportId(orderBy: POSITION_ASC) { nodes { tagByTagId { slug name } } }
		reportAttendeesByReportId(orderBy: POSITION_ASC) { nodes { role participations
			personByPersonId { name } organizationByOrganizationId { name } } }`

// peerReportJa reads the ja working translation and the attendees'
// translated roles too (PostGraphile sees the working tables); names are
// localized on the client from localizedNames, as copydesk does in Go.
const peerReportJa = `title subtitle summary body publishedAt
		reportTranslationsByReportId(condition: { locale: "ja", status: "APPROVED" }) { nodes { title subtitle summary body } }
		eventByEventId { name localizedNames eventByParentId { name localizedNames } }
		reportTagsByReportId(orderBy: POSITION_ASC) { nodes { tagByTagId { slug name localizedNames } } }
		reportAttendeesByReportId(orderBy: POSITION_ASC) { nodes { role participations
			reportAttendeeTranslationsByAttendeeId(condition: { locale: "ja" }) { nodes { role } }
			personByPersonId { name localizedNames } organizationByOrganizationId { name localizedNames } } }`

// pgbench (b): what each query returns, in one statement over the working
// tables, shaped like copydesk's "data" (the checks read it as such).
const (
	oneSQLReport = `SELECT json_build_object('report', json_build_object(
	'title', r.title, 'subtitle', r.subtitle, 'summary', r.summary, 'body', r.body, 'publishedAt', r.published_at,
	'event', (SELECT json_build_object('name', e.name, 'parent', (SELECT json_build_object('name', pe.name) FROM events pe WHERE pe.id = e.parent_id))
		FROM events e WHERE e.id = r.event_id),
	'tags', COALESCE((SELECT json_agg(json_build_object('slug', t.slug, 'name', t.name) ORDER BY rt.position)
		FROM report_tags rt JOIN tags t ON t.id = rt.tag_id WHERE rt.report_id = r.id), '[]'),
	'attendees', COALESCE((SELECT json_agg(json_build_object('role', a.role, 'participations', a.participations,
			'person', CASE WHEN p.id IS NOT NULL THEN json_build_object('name', p.name) END,
			'organization', CASE WHEN o.id IS NOT NULL THEN json_build_object('name', o.name) END) ORDER BY a.position)
		FROM report_attendees a LEFT JOIN people p ON p.id = a.person_id LEFT JOIN organizations o ON o.id = a.organization_id
		WHERE a.report_id = r.id), '[]')))
FROM reports r WHERE r.slug = $1 AND r.status = 'PUBLISHED'`

	// The ja read takes the approved copies readers get (published_translations).
	oneSQLReportJa = `SELECT json_build_object('report', json_build_object(
	'title', COALESCE(tr.title, r.title), 'subtitle', COALESCE(tr.subtitle, r.subtitle), 'summary', COALESCE(tr.summary, r.summary),
	'body', COALESCE(NULLIF(tr.body, ''), r.body), 'publishedAt', r.published_at,
	'event', (SELECT json_build_object('name', COALESCE(e.localized_names->>'ja', e.name),
			'parent', (SELECT json_build_object('name', COALESCE(pe.localized_names->>'ja', pe.name)) FROM events pe WHERE pe.id = e.parent_id))
		FROM events e WHERE e.id = r.event_id),
	'tags', COALESCE((SELECT json_agg(json_build_object('slug', t.slug, 'name', COALESCE(t.localized_names->>'ja', t.name)) ORDER BY rt.position)
		FROM report_tags rt JOIN tags t ON t.id = rt.tag_id WHERE rt.report_id = r.id), '[]'),
	'attendees', COALESCE((SELECT json_agg(json_build_object('role', COALESCE(pat.role, a.role), 'participations', a.participations,
			'person', CASE WHEN p.id IS NOT NULL THEN json_build_object('name', COALESCE(p.localized_names->>'ja', p.name)) END,
			'organization', CASE WHEN o.id IS NOT NULL THEN json_build_object('name', COALESCE(o.localized_names->>'ja', o.name)) END)
			ORDER BY a.position)
		FROM report_attendees a LEFT JOIN people p ON p.id = a.person_id LEFT JOIN organizations o ON o.id = a.organization_id
		LEFT JOIN published_attendee_translations pat ON pat.report_id = r.id AND pat.locale = 'ja' AND pat.attendee_id = a.id
		WHERE a.report_id = r.id), '[]')))
FROM reports r LEFT JOIN published_translations tr ON tr.report_id = r.id AND tr.locale = 'ja'
WHERE r.slug = $1 AND r.status = 'PUBLISHED'`

	oneSQLListPublic = `WITH page AS (
	SELECT r.id, r.slug, r.title, r.summary, r.published_at, r.event_id FROM reports r
	WHERE r.status = 'PUBLISHED' ORDER BY r.published_at DESC, r.id DESC LIMIT 21)
SELECT json_build_object('reports', json_build_object(
	'pageInfo', json_build_object('hasNextPage', (SELECT count(*) > 20 FROM page)),
	'nodes', (SELECT json_agg(json_build_object('slug', p.slug, 'title', p.title, 'summary', p.summary, 'publishedAt', p.published_at,
			'tags', COALESCE((SELECT json_agg(json_build_object('name', t.name) ORDER BY rt.position)
				FROM report_tags rt JOIN tags t ON t.id = rt.tag_id WHERE rt.report_id = p.id), '[]'),
			'event', (SELECT json_build_object('name', e.name) FROM events e WHERE e.id = p.event_id))
			ORDER BY p.published_at DESC, p.id DESC)
		FROM (SELECT * FROM page ORDER BY published_at DESC, id DESC LIMIT 20) p)))`

	oneSQLListNewsroom = `SELECT json_build_object('reports', json_build_object('nodes', json_agg(json_build_object(
	'id', p.id, 'title', p.title, 'status', p.status, 'version', p.version, 'updatedAt', p.updated_at,
	'tags', COALESCE((SELECT json_agg(json_build_object('name', t.name) ORDER BY rt.position)
		FROM report_tags rt JOIN tags t ON t.id = rt.tag_id WHERE rt.report_id = p.id), '[]'),
	'attendees', COALESCE((SELECT json_agg(json_build_object('role', a.role,
			'person', CASE WHEN pe.id IS NOT NULL THEN json_build_object('name', pe.name) END,
			'organization', CASE WHEN o.id IS NOT NULL THEN json_build_object('name', o.name) END) ORDER BY a.position)
		FROM report_attendees a LEFT JOIN people pe ON pe.id = a.person_id LEFT JOIN organizations o ON o.id = a.organization_id
		WHERE a.report_id = p.id), '[]'))
	ORDER BY p.updated_at DESC, p.id DESC)))
FROM (SELECT r.id, r.title, r.status, r.version, r.updated_at FROM reports r WHERE r.status <> 'ARCHIVED'
	ORDER BY r.updated_at DESC, r.id DESC LIMIT 50) p`
)

var queries = map[string]*query{
	qSlugEn: {name: qSlugEn, anon: true, bySlug: true,
		copydesk: `query Report($slug: String!) { report(slug: $slug) { ` + copydeskReport + ` } }`,
		peer:     `query Report($slug: String!) { reportBySlug(slug: $slug) { ` + peerReport + ` } }`,
		oneSQL:   oneSQLReport},
	qSlugJa: {name: qSlugJa, anon: true, bySlug: true, locale: "ja",
		copydesk: `query Report($slug: String!) { report(slug: $slug, locale: "ja") { ` + copydeskReport + ` } }`,
		peer:     `query Report($slug: String!) { reportBySlug(slug: $slug) { ` + peerReportJa + ` } }`,
		oneSQL:   oneSQLReportJa},
	qListPublic: {name: qListPublic, anon: true,
		copydesk: `query Latest { reports(first: 20) { nodes { slug title summary publishedAt tags { name } event { name } } pageInfo { hasNextPage endCursor } } }`,
		peer: `query Latest { allReports(first: 20, condition: { status: "PUBLISHED" }, orderBy: [PUBLISHED_AT_DESC, ROW_ID_DESC]) {
			nodes { slug title summary publishedAt reportTagsByReportId(orderBy: POSITION_ASC) { nodes { tagByTagId { name } } } eventByEventId { name } }
			pageInfo { hasNextPage endCursor } } }`,
		oneSQL: oneSQLListPublic},
	qListNewsroom: {name: qListNewsroom,
		copydesk: `query Desk { reports(first: 50) { nodes { id title status version updatedAt tags { name } attendees { role person { name } organization { name } } } } }`,
		peer: `query Desk { allReports(first: 50, orderBy: [UPDATED_AT_DESC, ROW_ID_DESC]) { nodes { rowId title status version updatedAt
			reportTagsByReportId(orderBy: POSITION_ASC) { nodes { tagByTagId { name } } }
			reportAttendeesByReportId(orderBy: POSITION_ASC) { nodes { role personByPersonId { name } organizationByOrganizationId { name } } } } } }`,
		oneSQL: oneSQLListNewsroom},
}

// slugPools are the slugs the slug queries draw from: every published
// report, and every published report with a ja translation.
type slugPools struct{ en, ja []string }

func loadPools(ctx context.Context, db *postgres.DB) (*slugPools, error) {
	p := &slugPools{}
	if err := db.SelectContext(ctx, &p.en, `SELECT slug FROM reports WHERE status = 'PUBLISHED' ORDER BY id`); err != nil {
		return nil, err
	}
	err := db.SelectContext(ctx, &p.ja, `SELECT r.slug FROM reports r JOIN published_translations t ON t.report_id = r.id AND t.locale = 'ja'
		WHERE r.status = 'PUBLISHED' ORDER BY r.id`)
	return p, err
}

func (p *slugPools) of(q *query) []string {
	if q.locale == "ja" {
		return p.ja
	}
	return p.en
}

// sample draws n slugs for q with a fixed seed (n distinct ones when the
// pool is large enough).
func (p *slugPools) sample(q *query, n int, stream uint64) []string {
	pool := p.of(q)
	r := rand.New(rand.NewPCG(seed, stream))
	out := make([]string, 0, n)
	for _, i := range r.Perm(len(pool)) {
		if len(out) == n {
			break
		}
		out = append(out, pool[i])
	}
	return out
}

// body is the JSON request body of q for system (copydesk or
// postgraphile), with slug as its variable when q is by slug.
func (q *query) body(system, slug string) []byte {
	doc := q.copydesk
	if system == sysPeer {
		doc = q.peer
	}
	req := map[string]any{"query": doc}
	if q.bySlug {
		req["variables"] = map[string]string{"slug": slug}
	}
	b, _ := json.Marshal(req)
	return b
}
