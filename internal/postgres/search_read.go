package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// SearchHit is where one report of a page matched a search: its rank,
// each locale with a field that holds one of the terms (and that locale's
// texts of those fields, to cut snippets from), and the directory entries
// it shows whose names hold one.
type SearchHit struct {
	ReportID int64
	Rank     float64
	Locales  []SearchLocaleHit
	Names    []SearchNameHit
}

// SearchLocaleHit is one locale of a hit: which fields matched, and their
// texts (nil for fields that did not match). Body is Markdown.
type SearchLocaleHit struct {
	Locale   string  `json:"locale"`
	InTitle  bool    `json:"inTitle"`
	InText   bool    `json:"inText"`
	InNames  bool    `json:"inNames"`
	InBody   bool    `json:"inBody"`
	Title    *string `json:"title"`
	Subtitle *string `json:"subtitle"`
	Summary  *string `json:"summary"`
	Body     *string `json:"body"`
}

// SearchNameHit is a directory entry shown by a hit whose names hold a
// term: its kind ("person", "author", "organization", "tag", "event") and every name
// it has, separated by " · ".
type SearchNameHit struct {
	Kind  string `json:"kind"`
	Names string `json:"names"`
}

// searchTexts is, per audience, the SQL of the texts of locale row l
// (source or translation) as JSON, each field only when it matched (the
// booleans m_title …); of a body, its first 65,536 characters, which is
// where a snippet is looked for (a page's bodies stay bounded).
var searchTexts = map[string]string{
	SearchNewsroom: `(SELECT CASE WHEN r.source_locale = l.locale
			THEN json_build_object('title', r.title, 'subtitle', r.subtitle, 'summary', r.summary, 'body', CASE WHEN m.body THEN left(r.body, 65536) END)
			ELSE (SELECT json_build_object('title', t.title, 'subtitle', t.subtitle, 'summary', t.summary, 'body', CASE WHEN m.body THEN left(t.body, 65536) END)
				FROM report_translations t WHERE t.report_id = l.report_id AND t.locale = l.locale) END
		FROM reports r WHERE r.id = l.report_id)`,
	SearchPublic: `(SELECT CASE WHEN s.source_locale = l.locale
			THEN (SELECT ` + publicTexts + ` FROM json_to_record(s.doc->'report') AS j("Title" text, "Subtitle" text, "Summary" text, "Body" text))
			ELSE (SELECT ` + publicTexts + ` FROM public_report_translations t,
				json_to_record(t.doc->'translation') AS j("Title" text, "Subtitle" text, "Summary" text, "Body" text)
				WHERE t.report_id = l.report_id AND t.locale = l.locale) END
		FROM public_reports s WHERE s.report_id = l.report_id)`,
}

// publicTexts builds the texts of a public document's fields j (read with
// one parse of the document, json_to_record).
const publicTexts = `json_build_object('title', j."Title", 'subtitle', j."Subtitle", 'summary', j."Summary", 'body', CASE WHEN m.body THEN left(j."Body", 65536) END)`

// searchNames is the SQL of the directory entries of hit x whose names
// match sq.qa.
const searchNames = `(SELECT COALESCE(json_agg(json_build_object('kind', n.kind, 'names', n.names)), '[]') FROM (
		SELECT 'person' AS kind, concat_ws(' · ', p.name, (SELECT string_agg(value, ' · ' ORDER BY key) FROM jsonb_each_text(p.localized_names))) AS names
		FROM people p WHERE p.id IN (SELECT substr(f, 8)::bigint FROM unnest(x.facets) f WHERE f LIKE 'person:%') AND p.search @@ sq.qa
		UNION ALL
		SELECT 'author', concat_ws(' · ', p.name, (SELECT string_agg(value, ' · ' ORDER BY key) FROM jsonb_each_text(p.localized_names)))
		FROM people p WHERE p.id IN (SELECT substr(f, 8)::bigint FROM unnest(x.facets) f WHERE f LIKE 'author:%') AND p.search @@ sq.qa
		UNION ALL
		SELECT 'organization', concat_ws(' · ', o.name, o.acronym, (SELECT string_agg(value, ' · ' ORDER BY key) FROM jsonb_each_text(o.localized_names)))
		FROM organizations o WHERE o.id IN (SELECT substr(f, 14)::bigint FROM unnest(x.facets) f WHERE f LIKE 'organization:%') AND o.search @@ sq.qa
		UNION ALL
		SELECT 'tag', concat_ws(' · ', t.name, (SELECT string_agg(value, ' · ' ORDER BY key) FROM jsonb_each_text(t.localized_names)))
		FROM tags t WHERE t.id IN (SELECT substr(f, 5)::bigint FROM unnest(x.facets) f WHERE f LIKE 'tag:%') AND t.search @@ sq.qa
		UNION ALL
		SELECT 'event', concat_ws(' · ', e.name, (SELECT string_agg(value, ' · ' ORDER BY key) FROM jsonb_each_text(e.localized_names)))
		FROM events e WHERE e.id IN (SELECT substr(f, 7)::bigint FROM unnest(x.facets) f WHERE f LIKE 'event:%') AND e.search @@ sq.qa) n)`

// SearchHits returns where each report of ids (a page of a list searched
// with sq) matched, from audience's search documents: one statement.
func SearchHits(ctx context.Context, db sqlx.QueryerContext, audience string, ids []int64, sq *SearchQuery) (map[int64]*SearchHit, error) {
	if err := sq.compile(ctx, db); err != nil {
		return nil, err
	}
	lq := &listQuery{tsq: "sq.q", excludes: sq.excludes()}
	q, qa := lq.arg(sq.compiled.all)+"::tsquery", lq.arg(sq.compiled.any)+"::tsquery"
	// The directory entries are looked up only for a hit whose names
	// matched in some locale.
	query := fmt.Sprintf(`SELECT x.report_id, `+lq.searchRank()+` AS rank, COALESCE(lh.locales, '[]') AS locales,
			CASE WHEN lh.names THEN %[2]s ELSE '[]' END AS names
		FROM search_reports x CROSS JOIN (SELECT %[3]s AS q, %[4]s AS qa) sq
		CROSS JOIN LATERAL (SELECT json_agg(json_build_object('locale', l.locale, 'inTitle', m.title, 'inText', m.text, 'inNames', m.names, 'inBody', m.body,
				'texts', CASE WHEN m.title OR m.text OR m.body THEN %[1]s END) ORDER BY l.locale) AS locales, bool_or(m.names) AS names
			FROM search_report_locales l
			CROSS JOIN LATERAL (SELECT ts_filter(l.document, '{a}') @@ sq.qa AS title, ts_filter(l.document, '{b}') @@ sq.qa AS text,
				ts_filter(l.document, '{c}') @@ sq.qa AS names, ts_filter(l.document, '{d}') @@ sq.qa AS body) m
			WHERE l.audience = x.audience AND l.report_id = x.report_id AND (m.title OR m.text OR m.names OR m.body)) lh
		WHERE x.audience = %[5]s AND x.report_id = ANY(%[6]s)`,
		searchTexts[audience], searchNames, q, qa, lq.arg(audience), lq.arg(pq.Array(ids)))
	var rows []struct {
		ReportID int64   `db:"report_id"`
		Rank     float64 `db:"rank"`
		Locales  []byte  `db:"locales"`
		Names    []byte  `db:"names"`
	}
	if err := sqlx.SelectContext(ctx, db, &rows, query, lq.args...); err != nil {
		return nil, FormatError(err, "SearchHits", "Report")
	}
	out := make(map[int64]*SearchHit, len(rows))
	for _, row := range rows {
		h := &SearchHit{ReportID: row.ReportID, Rank: row.Rank}
		if err := decodeHit(h, row.Locales, row.Names); err != nil {
			return nil, err
		}
		out[h.ReportID] = h
	}
	return out, nil
}

func decodeHit(h *SearchHit, locales, names []byte) error {
	var ls []struct {
		SearchLocaleHit
		Texts *struct {
			Title, Subtitle, Summary, Body *string
		} `json:"texts"`
	}
	if err := json.Unmarshal(locales, &ls); err != nil {
		return fmt.Errorf("search hit of report %d: %w", h.ReportID, err)
	}
	for _, l := range ls {
		if t := l.Texts; t != nil {
			l.Title, l.Subtitle, l.Summary, l.Body = t.Title, t.Subtitle, t.Summary, t.Body
		}
		h.Locales = append(h.Locales, l.SearchLocaleHit)
	}
	if err := json.Unmarshal(names, &h.Names); err != nil {
		return fmt.Errorf("search hit of report %d: %w", h.ReportID, err)
	}
	return nil
}

// collations caches Collation's answers: which collations a server has
// does not change while it runs.
var collations sync.Map

// collationsKept counts the answers collations keeps, at most
// maxCollations.
var collationsKept atomic.Int64

const maxCollations = 256

// Collation returns the collation that orders text in locale (BCP 47) on
// this server: its ICU collation ("ja-x-icu", "zh-Hans-x-icu", falling
// back to the language's, then to the root "und-x-icu"), or "C" on a
// server built without ICU.
func (db *DB) Collation(ctx context.Context, locale string) (string, error) {
	if c, ok := collations.Load(locale); ok {
		return c.(string), nil
	}
	var cands []string
	if locale != "" {
		cands = append(cands, locale+"-x-icu")
		if lang, _, ok := strings.Cut(locale, "-"); ok {
			cands = append(cands, lang+"-x-icu")
		}
	}
	cands = append(cands, "und-x-icu")
	var found []string
	err := sqlx.SelectContext(ctx, db.readDB(Newsroom), &found, `SELECT collname FROM pg_collation WHERE collname = ANY($1)`, pq.Array(cands))
	if err != nil {
		return "", FormatError(err, "Collation", "Collation")
	}
	c := "C"
	for i := len(cands) - 1; i >= 0; i-- {
		for _, f := range found {
			if f == cands[i] {
				c = f
			}
		}
	}
	if collationsKept.Add(1) <= maxCollations { // any client's locale tag may ask: the cache stays small
		collations.Store(locale, c)
	}
	return c, nil
}
