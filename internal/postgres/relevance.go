package postgres

import (
	"fmt"
	"strings"
)

// Relevance is two tiers, each newest first (ID descending): first the
// reports whose title, subtitle or summary (a locale's head) holds the
// whole query — what the report is about — then the other matches (in
// the body, the names, or the query spread over several fields). Within a
// tier a newer report ranks first: a newsroom looks for recent work, and
// this is what an index can return in order (WordPress orders its search
// the same way: the title first, then the rest, newest first).
//
// Ranking every match by ts_rank instead cost seconds for a common word:
// "festivals" matches 81,807 of 100,000 reports, each read and ranked
// before the first page. Here each tier is read in ID order and stops at
// the page's length: for a common word, the newest reports match at once;
// for a rare one, the GIN indexes (document, head) find the few matches,
// which are then sorted. RUM, an index that returns rows in rank order,
// was rejected: its WAL does not replay (migration 00012).
//
// A cursor holds the tier ("relevance:1"), so a tier a cursor has left
// behind is cut off before it runs (its condition is a constant).

// relCursor is the cursor of a RELEVANCE page: the SQL of its tier and ID
// arguments, and which side of it the page reads.
type relCursor struct {
	tier, id string
	before   bool
}

// hitRow is the condition under which locale row l (of the list's
// audience) holds the query in its head: the upper tier. With an excluded
// word, its whole document must match as well (the word may be in the
// body).
func (q *listQuery) hitRow(l string) string {
	cond := q.holds(l + ".head")
	if q.excludes {
		cond += " AND " + q.holds(l+".document")
	}
	return cond
}

// headHit is the condition that some locale of report id is a head hit.
func (q *listQuery) headHit(id string) string {
	return fmt.Sprintf("EXISTS (SELECT 1 FROM search_report_locales o WHERE o.audience = '%s' AND o.report_id = %s AND %s)", q.t.audience, id, q.hitRow("o"))
}

// relevanceOrder is the ORDER BY of a RELEVANCE page on tier and id, in
// the direction it is read in.
func relevanceOrder(tier, id string, backward bool) string {
	if backward {
		return tier + " ASC, " + id + " ASC"
	}
	return tier + " DESC, " + id + " DESC"
}

// relevancePage is the SELECT of a RELEVANCE page: columns of the list's
// table, sort_key and, with value, sort_value (the tier).
func (q *listQuery) relevancePage(columns string, value bool) string {
	t := q.t
	limit := q.arg(q.a.Limit + 1)
	joins := strings.Join(q.joins, " ")
	idDir := "DESC"
	if q.a.Backward {
		idDir = "ASC"
	}
	// The upper tier: a head hit implies the document match.
	var upper []string
	for _, w := range q.where {
		if w != q.match {
			upper = append(upper, w)
		}
	}
	upper = append(upper, q.headHit(t.id))
	lower := append(append([]string{}, q.where...), "NOT "+q.headHit(t.id))
	for _, c := range q.rel {
		upper, lower = append(upper, tierCursor(1, c, t.id)), append(lower, tierCursor(0, c, t.id))
	}
	part := func(tier int, cond []string) string {
		return fmt.Sprintf(`(SELECT %s AS report_id, %d AS tier FROM %s %s WHERE %s ORDER BY %s %s LIMIT %s)`,
			t.id, tier, t.from, joins, strings.Join(cond, " AND "), t.id, idDir, limit)
	}
	if value {
		columns += ", h.tier AS sort_value"
	}
	return fmt.Sprintf(`SELECT %s, 'relevance:' || h.tier::text AS sort_key FROM (%s UNION ALL %s) h JOIN %s ON %s = h.report_id ORDER BY %s LIMIT %s`,
		columns, part(1, upper), part(0, lower), t.from, t.id, relevanceOrder("h.tier", t.id, q.a.Backward), limit)
}

// tierCursor is the condition cursor c puts on the reports of tier (ID
// id): reading forward (tier and ID descending), those after the cursor.
// Apart from ID, it is a constant, so a whole tier on the other side of
// the cursor is cut off before it is read.
func tierCursor(tier int, c relCursor, id string) string {
	op, idOp := "<", "<"
	if c.before {
		op, idOp = ">", ">"
	}
	return fmt.Sprintf("(%[1]d %[2]s %[3]s OR (%[1]d = %[3]s AND %[4]s %[5]s %[6]s))", tier, op, c.tier, id, idOp, c.id)
}

// searchRank is the tier of search hit x (see above): 1 when a head of it
// holds the query, else 0.
func (q *listQuery) searchRank() string {
	return fmt.Sprintf(`CASE WHEN EXISTS (SELECT 1 FROM search_report_locales l
		WHERE l.audience = x.audience AND l.report_id = x.report_id AND %s) THEN 1 ELSE 0 END`, q.hitRow("l"))
}
