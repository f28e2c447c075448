package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/editorial"
)

// ReportFilter narrows a list of reports (ReportPage, ListPublicReports).
// Zero fields do not filter. Fields the public may not filter on (desks,
// reviewers, embargo, schedule, changes) are refused above storage; the
// public list ignores them.
type ReportFilter struct {
	Statuses       []editorial.Status // empty: every state but ARCHIVED
	DeskIDs        []int64
	TagSlug        string
	TagIDs         []int64
	AllTags        bool  // every tag of TagIDs, not any
	TagID          int64 // a tag every report must carry (Tag.reports)
	EventID        int64
	EventFrom      *time.Time // events ending at or after
	EventTo        *time.Time // events starting before
	Country        string
	PersonID       int64
	OrganizationID int64
	Modes          []string
	AuthorID       int64
	ReviewerID     int64
	Embargoed      *bool
	Scheduled      *bool
	PublishedFrom  *time.Time
	PublishedTo    *time.Time
	UpdatedFrom    *time.Time
	UpdatedTo      *time.Time
	SourceLocale   string
	// Translations: every report has, in each of these locales, a
	// translation in one of the statuses (newsroom only).
	Translations []TranslationCond
	// Search is the full-text search (nil: none).
	Search *SearchQuery
	// HiddenDeskIDs are desks whose reports the list leaves out, as if they
	// did not exist (private drafts: Reader.For); newsroom only. Set by the
	// Reader, never from a client's filter.
	HiddenDeskIDs []int64
}

// TranslationCond is the state a report's translation into Locale must be
// in: a status of Statuses, or none at all with Missing.
type TranslationCond struct {
	Locale   string
	Statuses []string
	Missing  bool
}

// SearchQuery is a parsed search (internal/search): its terms as
// to_tsquery input, each matched under any configuration of Configs.
type SearchQuery struct {
	Terms   []SearchTerm
	Configs []string

	once     sync.Once
	compiled struct {
		all, any string // the tsqueries, as text (compile)
		probe    string // all's probe (probe.go), "" when it has no phrase
		ok       bool
	}
	err error
}

// compile has PostgreSQL build the search's tsqueries once for all the
// statements of a request: the whole query, and any of its positive terms
// (what a highlighted field holds). The statements then hold them as
// constants, planned with the query itself (for the planner's estimates)
// and without evaluating copydesk_term_query in each place it is used.
func (sq *SearchQuery) compile(ctx context.Context, db sqlx.QueryerContext) error {
	sq.once.Do(func() {
		lq := &listQuery{}
		all, anyTerm := lq.tsquery(sq.Terms, sq.Configs), lq.tsquery(sq.anyTerm(), sq.Configs)
		var freqs []byte
		err := db.QueryRowxContext(ctx, "SELECT c.a, c.b, CASE WHEN strpos(c.a, '<') > 0 THEN "+strings.ReplaceAll(probeFrequencies, "$text", "c.a")+
			" END FROM (SELECT ("+all+")::text AS a, ("+anyTerm+")::text AS b) c", lq.args...).Scan(&sq.compiled.all, &sq.compiled.any, &freqs)
		if err == nil {
			err = sq.probe(freqs)
		}
		sq.compiled.ok, sq.err = err == nil, FormatError(err, "ListReports", "Report")
	})
	return sq.err
}

// probe sets the probe of the compiled query from its lexemes'
// frequencies (a JSON object, or NULL).
func (sq *SearchQuery) probe(freqs []byte) error {
	freq := map[string]float64{}
	if len(freqs) > 0 {
		if err := json.Unmarshal(freqs, &freq); err != nil {
			return fmt.Errorf("lexeme frequencies: %w", err)
		}
	}
	// The probe decides a plan, never a result: a query it cannot read
	// (a tsquery form probe.go does not know) is searched without one.
	probe, changed, err := probeQuery(sq.compiled.all, freq)
	if err == nil && changed {
		sq.compiled.probe = probe
	}
	return nil
}

// SearchTerm is one term of a search (search.Term).
type SearchTerm struct {
	Text    string // as the user wrote it (search.Term.Text), for snippets
	Query   string // to_tsquery input (search.Term.TSQuery)
	Exclude bool   // !term
	Or      bool   // joined to the term before by OR, not AND
}

// Positive returns the texts of the terms a report must hold (not the
// exclusions): what snippets mark.
func (sq *SearchQuery) Positive() []string {
	var out []string
	for _, t := range sq.Terms {
		if !t.Exclude {
			out = append(out, t.Text)
		}
	}
	return out
}

// excludes tells whether the search excludes a term.
func (sq *SearchQuery) excludes() bool {
	return slices.ContainsFunc(sq.Terms, func(t SearchTerm) bool { return t.Exclude })
}

// anyTerm is the query a field must match to be highlighted: any of the
// positive terms.
func (sq *SearchQuery) anyTerm() []SearchTerm {
	var out []SearchTerm
	for _, t := range sq.Terms {
		if !t.Exclude {
			out = append(out, SearchTerm{Query: t.Query, Or: true})
		}
	}
	return out
}

// Order keys of report lists.
const (
	OrderUpdated   = "updated"
	OrderCreated   = "created"
	OrderPublished = "published"
	OrderEvent     = "event"
	OrderTitle     = "title"
	OrderRelevance = "relevance"
)

// ReportOrder is the order of a report list: a key and a direction. Ties
// are broken by ID in the same direction.
type ReportOrder struct {
	Key       string
	Desc      bool
	Locale    string // OrderTitle: the locale whose titles to sort by ("": the source titles)
	Collation string // OrderTitle: a collation of pg_collation, e.g. "ja-x-icu"
}

// ReportPageArgs is one page of a report list: the filter, the order and
// the window, forward (First reports after After) or backward (the Last
// reports before Before).
type ReportPageArgs struct {
	Filter ReportFilter
	Order  ReportOrder
	Limit  int // First or Last; the page functions read one more to tell whether more follow
	After  *editorial.Cursor
	Before *editorial.Cursor
	// Backward: Limit counts from the end (Last).
	Backward bool
}

// listTable names the columns of the table a list reads: reports for the
// newsroom, public_reports for the public.
type listTable struct {
	audience                            string // search_reports.audience
	from                                string
	id, updated, created, published     string
	event, sourceLocale, status         string
	publishedNullable, hasNewsroomState bool
}

var (
	newsroomList = listTable{audience: SearchNewsroom, from: "reports r", id: "r.id", updated: "r.updated_at", created: "r.created_at",
		published: "r.published_at", event: "r.event_id", sourceLocale: "r.source_locale", status: "r.status",
		publishedNullable: true, hasNewsroomState: true}
	publicList = listTable{audience: SearchPublic, from: "public_reports s", id: "s.report_id", updated: "s.published_at",
		created: "s.created_at", published: "s.published_at", event: "s.event_id", sourceLocale: "s.source_locale"}
)

// listQuery builds the statements of one report list.
type listQuery struct {
	t     listTable
	a     ReportPageArgs
	args  []any
	joins []string
	where []string
	key   string // the order key expression
	cast  string // how a cursor key is cast back to the key's type
	// With a search: the SQL of its tsquery, and whether it excludes
	// words (then a row's head holding the query does not make it a hit).
	tsq      string
	probe    string // the SQL of the tsquery's probe (probe.go), or ""
	excludes bool
	match    string // the condition of q.where that a report matches the search
	// rel holds the cursors of a RELEVANCE page (relevance.go), which are
	// conditions of each of its two parts, not of the list.
	rel []relCursor
}

func (q *listQuery) arg(v any) string {
	q.args = append(q.args, v)
	return "$" + strconv.Itoa(len(q.args))
}

// newListQuery builds the joins, conditions and order key of a list.
func newListQuery(t listTable, a ReportPageArgs) (*listQuery, error) {
	if a.Order.Key == "" {
		a.Order = ReportOrder{Key: OrderUpdated, Desc: true}
	}
	q := &listQuery{t: t, a: a}
	f := a.Filter
	needSearch := f.Search != nil || len(f.TagIDs) > 0 || f.TagID != 0 || f.EventID != 0 || f.Country != "" || f.PersonID != 0 ||
		f.OrganizationID != 0 || len(f.Modes) > 0 || f.AuthorID != 0 || a.Order.Key == OrderTitle || a.Order.Key == OrderRelevance
	if needSearch {
		q.joins = append(q.joins, fmt.Sprintf("JOIN search_reports x ON x.audience = '%s' AND x.report_id = %s", t.audience, t.id))
	}
	if f.Search != nil {
		if !f.Search.compiled.ok { // a query without lexemes compiles to ""
			return nil, errors.New("search query used before compile")
		}
		q.tsq = q.arg(f.Search.compiled.all) + "::tsquery"
		if f.Search.compiled.probe != "" {
			q.probe = q.arg(f.Search.compiled.probe) + "::tsquery"
		}
		q.excludes = f.Search.excludes()
		// The query written out, not a column of a joined row: a subquery
		// on such a column becomes a hashed subplan that scans every
		// locale row; this one the planner turns into a semi-join, probing
		// a few reports' locales by key (a narrow filter) or the GIN index
		// (a broad search).
		q.match = fmt.Sprintf("EXISTS (SELECT 1 FROM search_report_locales l WHERE l.audience = '%s' AND l.report_id = x.report_id AND %s)", t.audience, q.holds("l.document"))
		q.where = append(q.where, q.match)
	}
	if a.Order.Key == OrderEvent {
		q.joins = append(q.joins, "LEFT JOIN events e ON e.id = "+t.event)
	}
	q.filters(f)
	if err := q.order(); err != nil {
		return nil, err
	}
	return q, nil
}

// holds is the condition that tsvector col holds the search: through
// its probe when it has one (probe.go).
func (q *listQuery) holds(col string) string {
	if q.probe == "" {
		return col + " @@ " + q.tsq
	}
	return col + " @@ " + q.probe + " AND ts_match_vq(" + col + ", " + q.tsq + ")"
}

// tsquery is the SQL of a query whose terms each match under any of the
// configurations: a term is the union of its query under each, without
// repeats (copydesk_term_query; so a stop word of one language, empty
// there, is still a word in copydesk_simple, and a term may match a German
// stem while the next matches an English one); terms are joined as the
// query says, AND binding tighter than OR, as in to_tsquery. SQL gives &&
// and || the same precedence: the groups are parenthesized (compile
// evaluates it once per request).
func (q *listQuery) tsquery(terms []SearchTerm, configs []string) string {
	var groups []string
	var group []string
	cfgs := "'{" + strings.Join(configs, ",") + "}'::regconfig[]" // configurations come from internal/search, never from a client
	for _, t := range terms {
		term := "copydesk_term_query(" + q.arg(t.Query) + ", " + cfgs + ")"
		if t.Exclude {
			term = "!!" + term
		}
		if t.Or && len(group) > 0 {
			groups = append(groups, "("+strings.Join(group, " && ")+")")
			group = nil
		}
		group = append(group, term)
	}
	if len(group) > 0 {
		groups = append(groups, "("+strings.Join(group, " && ")+")")
	}
	return "(" + strings.Join(groups, " || ") + ")"
}

// filters adds the filter's conditions.
func (q *listQuery) filters(f ReportFilter) {
	t := q.t
	if t.hasNewsroomState {
		if len(f.Statuses) > 0 {
			q.where = append(q.where, t.status+" = ANY("+q.arg(pq.Array(statusStrings(f.Statuses)))+")")
		} else {
			q.where = append(q.where, t.status+" <> 'ARCHIVED'")
		}
		q.newsroomFilters(f)
	}
	if f.TagSlug != "" {
		q.where = append(q.where, t.id+" IN (SELECT rt.report_id FROM report_tags rt JOIN tags t ON t.id = rt.tag_id WHERE t.slug = "+q.arg(f.TagSlug)+")")
		if !t.hasNewsroomState {
			q.where[len(q.where)-1] = "s.tag_slugs @> ARRAY[" + q.arg(f.TagSlug) + "]::text[]"
		}
	}
	var all, anyTag []string
	for _, id := range f.TagIDs {
		anyTag = append(anyTag, RefTag(id))
	}
	if f.AllTags {
		all, anyTag = anyTag, nil
	}
	if f.TagID != 0 {
		all = append(all, RefTag(f.TagID))
	}
	if f.EventID != 0 {
		all = append(all, RefEvent(f.EventID))
	}
	if f.Country != "" {
		all = append(all, "country:"+f.Country)
	}
	if f.PersonID != 0 {
		all = append(all, RefPerson(f.PersonID))
	}
	if f.OrganizationID != 0 {
		all = append(all, RefOrganization(f.OrganizationID))
	}
	if f.AuthorID != 0 {
		all = append(all, "author:"+strconv.FormatInt(f.AuthorID, 10))
	}
	if len(all) > 0 {
		q.where = append(q.where, "x.facets @> "+q.arg(pq.Array(all))+"::text[]")
	}
	if len(anyTag) > 0 {
		q.where = append(q.where, "x.facets && "+q.arg(pq.Array(anyTag))+"::text[]")
	}
	if len(f.Modes) > 0 {
		modes := make([]string, len(f.Modes))
		for i, m := range f.Modes {
			modes[i] = "mode:" + m
		}
		q.where = append(q.where, "x.facets && "+q.arg(pq.Array(modes))+"::text[]")
	}
	if f.EventFrom != nil || f.EventTo != nil { // the events first, then their reports by index
		var cond []string
		if f.EventFrom != nil {
			cond = append(cond, "COALESCE(ev.ends_at, ev.starts_at) >= "+q.arg(*f.EventFrom))
		}
		if f.EventTo != nil {
			cond = append(cond, "ev.starts_at < "+q.arg(*f.EventTo))
		}
		q.where = append(q.where, t.event+" IN (SELECT ev.id FROM events ev WHERE "+strings.Join(cond, " AND ")+")")
	}
	q.timeRange(t.published, f.PublishedFrom, f.PublishedTo)
	if f.SourceLocale != "" {
		q.where = append(q.where, t.sourceLocale+" = "+q.arg(f.SourceLocale))
	}
}

// newsroomFilters adds the conditions on what only the newsroom sees.
func (q *listQuery) newsroomFilters(f ReportFilter) {
	if len(f.HiddenDeskIDs) > 0 {
		q.where = append(q.where, "(r.desk_id IS NULL OR r.desk_id <> ALL("+q.arg(pq.Array(f.HiddenDeskIDs))+"))")
	}
	if len(f.DeskIDs) > 0 {
		q.where = append(q.where, "r.desk_id = ANY("+q.arg(pq.Array(f.DeskIDs))+")")
	}
	if f.ReviewerID != 0 {
		q.where = append(q.where, "EXISTS (SELECT 1 FROM review_assignments ra WHERE ra.report_id = r.id AND ra.user_id = "+q.arg(f.ReviewerID)+")")
	}
	for _, c := range f.Translations {
		var either []string
		if c.Missing {
			loc := q.arg(c.Locale) // a report is not missing its own source locale
			either = append(either, "(r.source_locale <> "+loc+" AND NOT EXISTS (SELECT 1 FROM report_translations tr WHERE tr.report_id = r.id AND tr.locale = "+loc+"))")
		}
		if len(c.Statuses) > 0 {
			either = append(either, "EXISTS (SELECT 1 FROM report_translations tr WHERE tr.report_id = r.id AND tr.locale = "+q.arg(c.Locale)+
				" AND tr.status = ANY("+q.arg(pq.Array(c.Statuses))+"))")
		}
		if len(either) > 0 {
			q.where = append(q.where, "("+strings.Join(either, " OR ")+")")
		}
	}
	if f.Embargoed != nil {
		cond := "r.embargo_until > now()"
		if !*f.Embargoed {
			cond = "(r.embargo_until IS NULL OR r.embargo_until <= now())"
		}
		q.where = append(q.where, cond)
	}
	if f.Scheduled != nil {
		cond := "EXISTS (SELECT 1 FROM publish_jobs pj WHERE pj.report_id = r.id)"
		if !*f.Scheduled {
			cond = "NOT " + cond
		}
		q.where = append(q.where, cond)
	}
	q.timeRange("r.updated_at", f.UpdatedFrom, f.UpdatedTo)
}

func (q *listQuery) timeRange(col string, from, to *time.Time) {
	if from != nil {
		q.where = append(q.where, col+" >= "+q.arg(*from))
	}
	if to != nil {
		q.where = append(q.where, col+" <= "+q.arg(*to))
	}
}

// order sets the order key, and the keyset condition of the cursor.
func (q *listQuery) order() error {
	t, o := q.t, q.a.Order
	nulls := "'-infinity'"
	if !o.Desc {
		nulls = "'infinity'"
	}
	q.cast = "::timestamptz"
	switch o.Key {
	case OrderUpdated, "":
		q.key = t.updated
	case OrderCreated:
		q.key = t.created
	case OrderPublished:
		q.key = t.published
		if t.publishedNullable {
			q.key = "COALESCE(" + t.published + ", " + nulls + ")"
		}
	case OrderEvent:
		q.key = "COALESCE(e.starts_at, " + nulls + ")"
	case OrderTitle:
		title := "x.title"
		if o.Locale != "" {
			q.joins = append(q.joins, "LEFT JOIN search_report_locales tl ON tl.audience = x.audience AND tl.report_id = x.report_id AND tl.locale = "+q.arg(o.Locale))
			title = "COALESCE(tl.title, x.title)"
		}
		q.key = title + " COLLATE " + pq.QuoteIdentifier(o.Collation)
		q.cast = " COLLATE " + pq.QuoteIdentifier(o.Collation)
	case OrderRelevance:
		if q.a.Filter.Search == nil {
			return cerr.FieldErrorf(cerr.Invalid, "orderBy", "RELEVANCE needs a search: give `search`, or choose another order.")
		}
		q.key, q.cast = "h.tier", "::int" // relevance.go
	default:
		return fmt.Errorf("unknown report order %q", o.Key)
	}
	for _, c := range []struct {
		cur    *editorial.Cursor
		before bool
	}{{q.a.After, false}, {q.a.Before, true}} {
		if c.cur == nil {
			continue
		}
		k, ok := strings.CutPrefix(c.cur.Key, o.Key+":")
		if !ok {
			return cerr.FieldErrorf(cerr.Invalid, cursorField(c.before), "The cursor belongs to another order or list: start again from the first page.")
		}
		if o.Key == OrderRelevance {
			q.rel = append(q.rel, relCursor{tier: q.arg(k) + q.cast, id: q.arg(c.cur.ID), before: c.before})
			continue
		}
		op := "<" // after, descending
		if o.Desc == c.before {
			op = ">"
		}
		q.where = append(q.where, fmt.Sprintf("(%s, %s) %s (%s%s, %s)", q.key, t.id, op, q.arg(k), q.cast, q.arg(c.cur.ID)))
	}
	return nil
}

func cursorField(before bool) string {
	if before {
		return "before"
	}
	return "after"
}

// cond is the list's WHERE clause.
func (q *listQuery) cond() string {
	if len(q.where) == 0 {
		return "TRUE"
	}
	return strings.Join(q.where, " AND ")
}

// dir is the direction the page is read in: backward pages are read in
// reverse (and put back in order by trim).
func (q *listQuery) dir() string {
	if q.a.Order.Desc != q.a.Backward {
		return "DESC"
	}
	return "ASC"
}

// page returns the SELECT of the page: columns, with the order key as
// text (sort_key: the cursor's key) and, with value, as it is
// (sort_value: for a query around it to keep the order), the joins, the
// conditions and the order.
func (q *listQuery) page(columns string, value bool) string {
	if q.a.Order.Key == OrderRelevance {
		return q.relevancePage(columns, value)
	}
	if value {
		columns += ", " + q.key + " AS sort_value"
	}
	return fmt.Sprintf(`SELECT %s, '%s:' || (%s)::text AS sort_key FROM %s %s WHERE %s ORDER BY %s LIMIT %s`,
		columns, orderName(q.a.Order.Key), q.key, q.t.from, strings.Join(q.joins, " "), q.cond(), q.orderBy(q.key, q.t.id), q.arg(q.a.Limit+1))
}

// orderBy is the ORDER BY of a page by key and then id, in the direction
// the page is read in.
func (q *listQuery) orderBy(key, id string) string {
	if q.a.Order.Key == OrderRelevance {
		return relevanceOrder(key, id, q.a.Backward)
	}
	dir := q.dir()
	return key + " " + dir + ", " + id + " " + dir
}

// countQuery returns the SELECT count(*) of the list of t and f (every
// page) and its arguments; of a search, up to SearchCountLimit+1.
func countQuery(t listTable, f ReportFilter) (string, []any, error) {
	q, err := newListQuery(t, ReportPageArgs{Filter: f, Order: ReportOrder{Key: OrderUpdated, Desc: true}})
	if err != nil {
		return "", nil, err
	}
	from := fmt.Sprintf(`FROM %s %s WHERE %s`, t.from, strings.Join(q.joins, " "), q.cond())
	if f.Search != nil {
		return fmt.Sprintf(`SELECT count(*) FROM (SELECT 1 %s LIMIT %d) capped`, from, SearchCountLimit+1), q.args, nil
	}
	return `SELECT count(*) ` + from, q.args, nil
}

// SearchCountLimit is how far the Total of a search counts: past it, the
// Total is SearchCountLimit+1 ("more than"). Counting every match of a
// common word read each of them: 91,813 matches of "festivals" took 3 s
// warm and 18 s cold on bench/read's 100,000 reports, where the first
// 1,001 take 34 ms. A newsroom reads "more than 1,000 results" as a cue to
// narrow the search, as on GitHub or in Elasticsearch (total.relation).
const SearchCountLimit = 1000

// CappedTotal is the count to show of a list whose Total counted n, and
// whether it is exact: a search's Total stops at SearchCountLimit+1, which
// means "more than SearchCountLimit".
func CappedTotal(n int, searched bool) (int, bool) {
	if searched && n > SearchCountLimit {
		return SearchCountLimit, false
	}
	return n, true
}

// listTotal is the Total of a list whose page of pageLen rows was read
// with args: none needed when the first page holds every match.
func listTotal(q sqlx.QueryerContext, t listTable, a ReportPageArgs, pageLen int) Total {
	if a.After == nil && a.Before == nil && pageLen <= a.Limit {
		return knownTotal(pageLen)
	}
	return func(ctx context.Context) (int, error) {
		query, args, err := countQuery(t, a.Filter)
		if err != nil {
			return 0, err
		}
		var n int
		err = sqlx.GetContext(ctx, q, &n, query, args...)
		return n, FormatError(err, "ListReports", "Report")
	}
}

// compileSearch compiles the search of f, if any (SearchQuery.compile).
func compileSearch(ctx context.Context, db sqlx.QueryerContext, f ReportFilter) error {
	if f.Search == nil {
		return nil
	}
	return f.Search.compile(ctx, db)
}

// DecodedFunc returns the decoded public documents of report id at
// revision rev (PublicReport.Revision), or nil (ListPublicReports).
type DecodedFunc func(id int64, rev string) *editorial.PublicReport

// ListPage is one page of a report list: its rows in list order, their
// cursors, whether more rows follow in the direction read (after the page
// reading forward, before it reading backward), and the list's Total.
type ListPage[T any] struct {
	Items   []T
	Cursors []editorial.Cursor
	More    bool
	Total   Total
}

// trim cuts the row read ahead off a page of rows read with Limit+1 and
// puts a backward page in list order.
func trim[T any](items []T, keys []string, ids []int64, a ReportPageArgs) ListPage[T] {
	p := ListPage[T]{Items: items}
	if len(items) > a.Limit {
		p.More, p.Items, keys, ids = true, items[:a.Limit], keys[:a.Limit], ids[:a.Limit]
	}
	p.Cursors = make([]editorial.Cursor, len(p.Items))
	for i := range p.Items {
		p.Cursors[i] = editorial.Cursor{Key: keys[i], ID: ids[i]}
	}
	if a.Backward {
		slices.Reverse(p.Items)
		slices.Reverse(p.Cursors)
	}
	return p
}

// ReportPage returns a page of working copies (newsroom), in one
// statement; the Total counts when called.
func ReportPage(ctx context.Context, db sqlx.QueryerContext, a ReportPageArgs) (ListPage[*editorial.Report], error) {
	if err := compileSearch(ctx, db, a.Filter); err != nil {
		return ListPage[*editorial.Report]{}, err
	}
	q, err := newListQuery(newsroomList, a)
	if err != nil {
		return ListPage[*editorial.Report]{}, err
	}
	var rows []struct {
		editorial.Report
		SortKey string `db:"sort_key"`
	}
	if err := sqlx.SelectContext(ctx, db, &rows, q.page(prefixed("r.", reportColumns), false), q.args...); err != nil {
		return ListPage[*editorial.Report]{}, FormatError(badCursor(err, a), "ListReports", "Report")
	}
	items, keys, ids := make([]*editorial.Report, len(rows)), make([]string, len(rows)), make([]int64, len(rows))
	for i := range rows {
		items[i], keys[i], ids[i] = &rows[i].Report, rows[i].SortKey, rows[i].ID
	}
	p := trim(items, keys, ids, a)
	p.Total = listTotal(db, newsroomList, a, len(rows))
	return p, nil
}

// ListPublicReports is ReportPage for the public: published reports from
// their source documents, with the translation documents of locales, in
// one statement. "updated" orders by the last publication.
//
// Decoded, when not nil, returns the documents of report id at revision
// rev already decoded (an instance's cache, internal/published.Cache), or
// nil: decoding a page's documents is most of a public list's CPU.
func ListPublicReports(ctx context.Context, db sqlx.QueryerContext, a ReportPageArgs, locales []string, decoded DecodedFunc) (ListPage[*editorial.PublicReport], error) {
	if len(a.Filter.Statuses) > 0 && !slices.Contains(a.Filter.Statuses, editorial.Published) {
		return ListPage[*editorial.PublicReport]{Items: []*editorial.PublicReport{}, Total: knownTotal(0)}, nil // the public sees no other state
	}
	if err := compileSearch(ctx, db, a.Filter); err != nil {
		return ListPage[*editorial.PublicReport]{}, err
	}
	q, err := newListQuery(publicList, a)
	if err != nil {
		return ListPage[*editorial.PublicReport]{}, err
	}
	query := `SELECT p.report_id, p.revision, p.locales, p.doc, t.docs, t.revs, p.sort_key FROM (` +
		q.page("s.report_id, s.revision, s.locales, s.doc", true) + `) p
		LEFT JOIN LATERAL (
			SELECT json_agg(d.doc ORDER BY d.locale) AS docs, string_agg(d.revision::text, '.' ORDER BY d.locale) AS revs
			FROM public_report_translations d WHERE d.report_id = p.report_id AND d.locale = ANY(` + q.arg(pq.Array(locales)) + `)
		) t ON true
		ORDER BY ` + q.orderBy("p.sort_value", "p.report_id")
	var rows []struct {
		publicRow
		SortKey string `db:"sort_key"`
	}
	if err := sqlx.SelectContext(ctx, db, &rows, query, q.args...); err != nil {
		return ListPage[*editorial.PublicReport]{}, FormatError(badCursor(err, a), "ListReports", "Report")
	}
	items, keys, ids := make([]*editorial.PublicReport, len(rows)), make([]string, len(rows)), make([]int64, len(rows))
	for i := range rows {
		keys[i], ids[i] = rows[i].SortKey, rows[i].ReportID
		if decoded != nil {
			if items[i] = decoded(rows[i].ReportID, rows[i].revision()); items[i] != nil {
				continue
			}
		}
		if items[i], err = rows[i].decode(); err != nil {
			return ListPage[*editorial.PublicReport]{}, err
		}
	}
	p := trim(items, keys, ids, a)
	p.Total = listTotal(db, publicList, a, len(rows))
	return p, nil
}

// prefixed qualifies every column of a column list with prefix.
func prefixed(prefix, columns string) string {
	cols := strings.Split(columns, ",")
	for i, c := range cols {
		cols[i] = prefix + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}

func orderName(key string) string {
	if key == "" {
		return OrderUpdated
	}
	return key
}

// badCursor turns the error of a cursor whose key PostgreSQL could not
// read back (one made up or edited by a client) into BAD_USER_INPUT.
func badCursor(err error, a ReportPageArgs) error {
	var pe *pq.Error
	if errors.As(err, &pe) && pe.Code.Class() == "22" {
		field := "after"
		if a.After == nil {
			field = "before"
		}
		return cerr.FieldErrorf(cerr.Invalid, field, "The cursor is not valid for this list.")
	}
	return err
}

func statusStrings(list []editorial.Status) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = string(s)
	}
	return out
}
