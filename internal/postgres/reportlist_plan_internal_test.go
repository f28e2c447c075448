package postgres

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/pgtest"
)

// The statements a search sends are served by the search indexes, not by
// a scan of every document: the plans of the exact statements ReportPage
// and ListPublicReports send, on 5,000 reports in two locales, name the
// GIN index of the audience's locale documents (or of their facets), and
// for a rare word of a title, the index of the locale heads (relevance's
// upper tier). A phrase is found through its rarest word (probe.go): a
// common one reads the reports newest first, a rare one the index.
func TestSearchStatementsUseTheSearchIndexes(t *testing.T) {
	db := pgtest.NewDB(t)
	db.MustExec(`
		INSERT INTO reports (slug, source_locale, title, status, created_at, updated_at, published_at)
		SELECT 'r-' || i, 'en', 'Report ' || i, CASE WHEN i % 10 = 0 THEN 'DRAFT' ELSE 'PUBLISHED' END, now(), now(), now()
		FROM generate_series(1, 5000) i;
		INSERT INTO public_reports (report_id, revision, format, source_locale, tag_slugs, tag_ids, refs, locales,
			first_published_at, published_at, created_at, doc)
		SELECT id, 1, 1, 'en', '{}', '{}', '{}', '{en}', now(), now(), now(), '{}' FROM reports WHERE status = 'PUBLISHED';
		INSERT INTO search_reports (audience, report_id, format, title, facets)
		SELECT a, id, 1, title, ARRAY['tag:' || (id % 500)]
		FROM reports, unnest(ARRAY['newsroom', 'public']) a WHERE a = 'newsroom' OR status = 'PUBLISHED';
		INSERT INTO search_report_locales (audience, report_id, locale, title, head, document)
		SELECT audience, report_id, l, title, to_tsvector('copydesk_simple', title),
			to_tsvector('copydesk_simple', title) || to_tsvector('copydesk_simple', 'common words word' || report_id || l || ' 中国 国科 科协')
				|| CASE WHEN report_id % 1000 = 0 THEN to_tsvector('copydesk_simple', '技术 术贸 贸易') ELSE '' END
		FROM search_reports, unnest(ARRAY['en', 'ja']) l`)
	db.MustExec(`VACUUM ANALYZE`) // as autovacuum would: GIN pending lists merged, statistics taken
	search := &SearchQuery{Terms: []SearchTerm{{Query: "'word42en'"}, {Query: "'common'"}}, Configs: []string{"copydesk_simple", "copydesk_english"}}
	title := &SearchQuery{Terms: []SearchTerm{{Query: "'4242'"}}, Configs: search.Configs}
	phrase := &SearchQuery{Terms: []SearchTerm{{Query: "'中国' <-> '国科' <-> '科协'"}}, Configs: search.Configs}
	rare := &SearchQuery{Terms: []SearchTerm{{Query: "'技术' <-> '术贸' <-> '贸易'"}}, Configs: search.Configs}
	// The probe is the rarer word, by the statistics VACUUM ANALYZE took.
	mixed := &SearchQuery{Terms: []SearchTerm{{Query: "'中国' <-> '贸易'"}}, Configs: search.Configs}
	if err := mixed.compile(context.Background(), db); err != nil || mixed.compiled.probe != "'贸易'" {
		t.Errorf("the probe of %s is %q, %v; want '贸易', in 10 of 10,000 documents, not 中国, in every one", mixed.compiled.all, mixed.compiled.probe, err)
	}
	for _, c := range []struct {
		name  string
		table listTable
		args  ReportPageArgs
		index string
		count string // the index of the count's plan, when not index
	}{
		{"a public search for a rare title word", publicList, ReportPageArgs{Filter: ReportFilter{Search: title}, Limit: 20}, "search_report_locales_public_head_idx", "search_report_locales_public_idx"},
		{"a newsroom search for a rare title word", newsroomList, ReportPageArgs{Filter: ReportFilter{Search: title}, Limit: 20}, "search_report_locales_newsroom_head_idx", "search_report_locales_newsroom_idx"},
		{"a public search", publicList, ReportPageArgs{Filter: ReportFilter{Search: search}, Limit: 20}, "search_report_locales_public_idx", ""},
		{"a public search by date", publicList, ReportPageArgs{Filter: ReportFilter{Search: search}, Order: ReportOrder{Key: OrderUpdated, Desc: true}, Limit: 20}, "search_report_locales_public_idx", ""},
		{"a newsroom search", newsroomList, ReportPageArgs{Filter: ReportFilter{Search: search}, Limit: 20}, "search_report_locales_newsroom_idx", ""},
		{"a newsroom search with a status", newsroomList, ReportPageArgs{Filter: ReportFilter{Search: search, Statuses: []editorial.Status{editorial.Published}}, Limit: 20}, "search_report_locales_newsroom_idx", ""},
		{"a newsroom search for a phrase in every report: newest first", newsroomList, ReportPageArgs{Filter: ReportFilter{Search: phrase}, Limit: 20}, "Backward", "-"},
		{"a public search for a phrase in every report: newest first", publicList, ReportPageArgs{Filter: ReportFilter{Search: phrase}, Limit: 20}, "Backward", "-"},
		{"a newsroom search for a rare phrase", newsroomList, ReportPageArgs{Filter: ReportFilter{Search: rare}, Limit: 20}, "search_report_locales_newsroom_idx", ""},
		{"a public search for a rare phrase", publicList, ReportPageArgs{Filter: ReportFilter{Search: rare}, Limit: 20}, "search_report_locales_public_idx", ""},
		{"a public tag filter", publicList, ReportPageArgs{Filter: ReportFilter{TagIDs: []int64{7}}, Order: ReportOrder{Key: OrderUpdated, Desc: true}, Limit: 20}, "search_reports_public_facets_idx", ""},
	} {
		if c.args.Order.Key == "" {
			c.args.Order = ReportOrder{Key: OrderRelevance, Desc: true}
		}
		if err := compileSearch(context.Background(), db, c.args.Filter); err != nil {
			t.Fatal(err)
		}
		q, err := newListQuery(c.table, c.args)
		if err != nil {
			t.Fatal(err)
		}
		plan := explain(t, db, q.page("1", false), q.args...)
		if !strings.Contains(plan, c.index) {
			t.Errorf("%s: the plan does not use %s:\n%s", c.name, c.index, plan)
		}
		if c.count == "" {
			c.count = c.index
		}
		count, args, _ := countQuery(c.table, c.args.Filter)
		countPlan := explain(t, db, count, args...)
		if c.count != "-" && !strings.Contains(countPlan, c.count) {
			t.Errorf("%s: the count's plan does not use %s:\n%s", c.name, c.count, countPlan)
		}
		for _, p := range []string{plan, countPlan} {
			if phraseCond.MatchString(p) {
				t.Errorf("%s: a phrase is an index condition (it is checked on its rarest word's candidates, probe.go):\n%s", c.name, p)
			}
		}
	}
}

// A search counts its matches up to SearchCountLimit+1, which the API
// shows as "1,000, not exact"; a list without a search counts every row.
func TestSearchCountsStopPastTheLimit(t *testing.T) {
	db := pgtest.NewDB(t)
	db.MustExec(`
		INSERT INTO reports (slug, source_locale, title, status, created_at, updated_at)
		SELECT 'r-' || i, 'en', 'Report ' || i, 'DRAFT', now(), now() FROM generate_series(1, 1500) i;
		INSERT INTO search_reports (audience, report_id, format, title, facets) SELECT 'newsroom', id, 1, title, '{}' FROM reports;
		INSERT INTO search_report_locales (audience, report_id, locale, title, head, document)
		SELECT 'newsroom', id, 'en', title, to_tsvector('copydesk_simple', title), to_tsvector('copydesk_simple', title || ' common') FROM reports`)
	common := &SearchQuery{Terms: []SearchTerm{{Query: "'common'"}}, Configs: []string{"copydesk_simple"}}
	for _, c := range []struct {
		name string
		f    ReportFilter
		want int
	}{
		{"a search matching 1,500 reports", ReportFilter{Search: common}, SearchCountLimit + 1},
		{"the same list without the search", ReportFilter{}, 1500},
	} {
		ctx := context.Background()
		if err := compileSearch(ctx, db, c.f); err != nil {
			t.Fatal(err)
		}
		a := ReportPageArgs{Filter: c.f, Order: ReportOrder{Key: OrderUpdated, Desc: true}, Limit: 20}
		n, err := listTotal(db, newsroomList, a, a.Limit+1)(ctx)
		if err != nil || n != c.want {
			t.Errorf("%s: total %d, %v; want %d", c.name, n, err, c.want)
		}
	}
}

// phraseCond finds a phrase in a plan's index condition.
var phraseCond = regexp.MustCompile(`Cond: .*<(-|[0-9]+)>`)

func explain(t *testing.T, db *sqlx.DB, query string, args ...any) string {
	t.Helper()
	var lines []string
	if err := db.Select(&lines, "EXPLAIN "+query, args...); err != nil {
		t.Fatalf("%v\n%s", err, query)
	}
	return strings.Join(lines, "\n")
}
