package postgres

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/editorial"
)

// ResolveMerged returns the ID that id of the given kind (KindPerson,
// KindOrganization, KindTag) now stands for: the survivor of the merge that
// removed it, following chains of merges, or id itself when it was never
// merged. It does not check that the result exists.
func ResolveMerged(ctx context.Context, q sqlx.QueryerContext, kind string, id int64) (int64, error) {
	m, err := ResolveMergedIDs(ctx, q, kind, []int64{id})
	if err != nil {
		return 0, err
	}
	return m[id], nil
}

// ResolveMergedIDs is ResolveMerged for many IDs in one query: the map has
// an entry for every ID in ids.
func ResolveMergedIDs(ctx context.Context, q sqlx.QueryerContext, kind string, ids []int64) (map[int64]int64, error) {
	if _, err := dirTable(kind); err != nil || kind == KindEvent {
		return nil, fmt.Errorf("ResolveMergedIDs: kind %q is never merged", kind)
	}
	rows, err := q.QueryxContext(ctx, `
		WITH RECURSIVE chain (start, id, depth) AS (
			SELECT s, s, 0 FROM unnest($2::bigint[]) AS s
			UNION ALL
			SELECT c.start, m.new_id, c.depth + 1
			FROM chain c JOIN directory_merges m ON m.kind = $1 AND m.old_id = c.id
			WHERE c.depth < 100
		)
		SELECT DISTINCT ON (start) start, id FROM chain ORDER BY start, depth DESC`, kind, pq.Array(ids))
	if err != nil {
		return nil, FormatError(err, "ResolveMergedIDs", "Merge")
	}
	defer rows.Close()
	out := make(map[int64]int64, len(ids))
	for rows.Next() {
		var from, to int64
		if err := rows.Scan(&from, &to); err != nil {
			return nil, FormatError(err, "ResolveMergedIDs", "Merge")
		}
		out[from] = to
	}
	return out, FormatError(rows.Err(), "ResolveMergedIDs", "Merge")
}

// MergeTags merges the source tags into the target tag in tx: reports tagged
// with a source are tagged with the target instead (a report that had
// several of them keeps one entry, at the earliest position); the sources'
// child tags move under the target; the sources' slugs and old slugs
// redirect to the target; localized names the target lacks are copied from
// the sources (the target wins a clash, then the earlier source); old IDs
// resolve to the target (ResolveMerged); and the sources are deleted.
//
// If the target sits below a source, the target takes that source's place in
// the tree (see dirReparent), so no cycle can arise. Every involved row is
// locked first, in ID order. NOT_FOUND if a tag does not exist;
// BAD_USER_INPUT if sourceIDs is empty, repeats an ID or holds the target.
func MergeTags(ctx context.Context, tx *Tx, sourceIDs []int64, targetID int64) error {
	return dirMerge(ctx, tx, tagTable, LockTags, "MergeTags", sourceIDs, targetID, func(target *editorial.Tag) error {
		if err := dirMoveLinks(ctx, tx, dirLinkReportTags, sourceIDs, targetID); err != nil {
			return err
		}
		if err := dirReparent(ctx, tx, "tags", sourceIDs, targetID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE tag_slug_redirects SET tag_id = $2 WHERE tag_id = ANY($1)`, pq.Array(sourceIDs), targetID)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `
			INSERT INTO tag_slug_redirects (slug, tag_id) SELECT slug, $2 FROM tags WHERE id = ANY($1)
			ON CONFLICT (slug) DO UPDATE SET tag_id = EXCLUDED.tag_id`, pq.Array(sourceIDs), targetID)
		if err != nil {
			return err
		}
		// A redirect equal to the target's own slug would be dead weight.
		return DeleteTagSlugRedirect(ctx, tx, target.Slug)
	})
}

// MergePeople merges the source people into the target person in tx: their
// attendances and bylines move to the target (where a report already lists
// the target, the source's entry is dropped and the target's kept; where it
// lists several sources but not the target, the earliest is kept), localized
// names the target lacks are copied from the sources, old IDs resolve to the
// target, and the sources are deleted. Rows are locked first, in ID order.
// NOT_FOUND if a person does not exist.
func MergePeople(ctx context.Context, tx *Tx, sourceIDs []int64, targetID int64) error {
	return dirMerge(ctx, tx, peopleTable, LockPeople, "MergePeople", sourceIDs, targetID, func(*editorial.Person) error {
		// Attendances: keep the target's own row, else the earliest.
		err := dirMoveAttendees(ctx, tx, "person_id", `
			SELECT id, row_number() OVER (PARTITION BY report_id ORDER BY person_id = $2 DESC, position, id) AS n
			FROM report_attendees WHERE person_id = ANY($1) OR person_id = $2`, sourceIDs, targetID)
		if err != nil {
			return err
		}
		return dirMoveLinks(ctx, tx, dirLinkReportAuthors, sourceIDs, targetID)
	})
}

// MergeOrganizations merges the source organizations into the target in tx:
// people affiliated with a source are affiliated with the target, the
// sources' child organizations move under it (the target takes a source's
// place if it sat below one), events they organised list the target once,
// attendee entries naming a source name the target (where that makes two
// entries without a person for the same organization and delegation on one
// report, the target's is kept, else the earliest), localized names the
// target lacks are copied, old IDs resolve to the target, and the sources
// are deleted. Rows are locked first, in ID order. NOT_FOUND if an
// organization does not exist.
func MergeOrganizations(ctx context.Context, tx *Tx, sourceIDs []int64, targetID int64) error {
	return dirMerge(ctx, tx, orgTable, LockOrganizations, "MergeOrganizations", sourceIDs, targetID, func(*editorial.Organization) error {
		_, err := tx.ExecContext(ctx, `
			UPDATE people SET affiliation_id = $2, version = version + 1, updated_at = $3
			WHERE affiliation_id = ANY($1)`, pq.Array(sourceIDs), targetID, tx.Now)
		if err != nil {
			return err
		}
		if err := dirReparent(ctx, tx, "organizations", sourceIDs, targetID); err != nil {
			return err
		}
		if err := dirMoveLinks(ctx, tx, dirLinkEventOrganizers, sourceIDs, targetID); err != nil {
			return err
		}
		// Group entries (no person) are unique per report, organization and
		// delegation (report_attendees_group_key).
		return dirMoveAttendees(ctx, tx, "organization_id", `
			SELECT id, row_number() OVER (PARTITION BY report_id, COALESCE(delegation, '')
				ORDER BY organization_id = $2 DESC, position, id) AS n
			FROM report_attendees WHERE person_id IS NULL AND (organization_id = ANY($1) OR organization_id = $2)`, sourceIDs, targetID)
	})
}

// dirMerge is the frame of every merge: lock the target and the sources
// (lock: in ID order), check them (dirInvolved), move what refers to the
// sources (move, the entity's own step, given the target), give the target
// the localized names it lacks (mergeNames) and retire the sources
// (dirFinishMerge). Errors of move and mergeNames are FormatError's for op.
func dirMerge[R, T any](ctx context.Context, tx *Tx, s dirSpec[R, T], lock func(context.Context, *Tx, []int64) (map[int64]*T, error),
	op string, sourceIDs []int64, targetID int64, move func(target *T) error,
) error {
	locked, err := lock(ctx, tx, append([]int64{targetID}, sourceIDs...))
	if err != nil {
		return err
	}
	target, err := dirInvolved(locked, sourceIDs, targetID, s.what)
	if err != nil {
		return err
	}
	if err := move(target); err != nil {
		return FormatError(err, op, s.what)
	}
	if err := s.mergeNames(ctx, tx, locked, sourceIDs, targetID); err != nil {
		return FormatError(err, op, s.what)
	}
	return dirFinishMerge(ctx, tx, s.kind, sourceIDs, targetID)
}

// dirInvolved checks that a merge names distinct entries, none of them the
// target, that every one was found, and returns the target.
func dirInvolved[T any](locked map[int64]*T, sourceIDs []int64, targetID int64, what string) (*T, error) {
	seen := map[int64]bool{targetID: true}
	for _, id := range sourceIDs {
		if seen[id] {
			return nil, cerr.Errorf(cerr.Invalid, "%s %d is listed twice in the merge.", what, id)
		}
		seen[id] = true
	}
	if len(sourceIDs) == 0 {
		return nil, cerr.Errorf(cerr.Invalid, "Nothing to merge.")
	}
	for _, id := range append([]int64{targetID}, sourceIDs...) {
		if locked[id] == nil {
			return nil, cerr.Errorf(cerr.NotFound, "%s %d not found.", what, id)
		}
	}
	return locked[targetID], nil
}

// mergeNames gives the target the localized names it lacks from the
// sources (earlier sources first), bumping its version.
func (s dirSpec[R, T]) mergeNames(ctx context.Context, tx *Tx, locked map[int64]*T, sourceIDs []int64, targetID int64) error {
	merged := editorial.LocalizedNames{}
	for locale, name := range *s.stamp(locked[targetID]).names {
		merged[locale] = name
	}
	for _, id := range sourceIDs {
		for locale, name := range *s.stamp(locked[id]).names {
			if _, ok := merged[locale]; !ok {
				merged[locale] = name
			}
		}
	}
	_, err := tx.ExecContext(ctx, `UPDATE `+s.table+` SET localized_names = $2, version = version + 1, updated_at = $3 WHERE id = $1`,
		targetID, dirEncodeNames(merged), tx.Now)
	return err
}

// dirFinishMerge records that the sources now resolve to the target (and so
// do entries merged into a source earlier), then deletes the sources.
func dirFinishMerge(ctx context.Context, tx *Tx, kind string, sourceIDs []int64, targetID int64) error {
	table, err := dirTable(kind)
	if err != nil {
		return err
	}
	const op = "dirFinishMerge"
	_, err = tx.ExecContext(ctx, `UPDATE directory_merges SET new_id = $3 WHERE kind = $1 AND new_id = ANY($2)`, kind, pq.Array(sourceIDs), targetID)
	if err != nil {
		return FormatError(err, op, kind)
	}
	_, err = tx.ExecContext(ctx, `
		INSERT INTO directory_merges (kind, old_id, new_id, merged_at) SELECT $1, s, $3, $4 FROM unnest($2::bigint[]) AS s
		ON CONFLICT (kind, old_id) DO UPDATE SET new_id = EXCLUDED.new_id, merged_at = EXCLUDED.merged_at`,
		kind, pq.Array(sourceIDs), targetID, tx.Now)
	if err != nil {
		return FormatError(err, op, kind)
	}
	_, err = tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE id = ANY($1)`, pq.Array(sourceIDs))
	return FormatError(err, op, kind)
}

// dirLink describes an ordered link table whose primary key is (owner, ref)
// and which has a position column: report_tags, report_authors,
// event_organizers.
type dirLink struct{ table, owner, ref string }

var (
	dirLinkReportTags      = dirLink{"report_tags", "report_id", "tag_id"}
	dirLinkReportAuthors   = dirLink{"report_authors", "report_id", "person_id"}
	dirLinkEventOrganizers = dirLink{"event_organizers", "event_id", "organization_id"}
)

// dirMoveLinks points the link rows of the sources at the target. An owner
// that links to several of sources and target keeps one row, at the earliest
// position (the target's row on a tie); the owner's positions are then
// renumbered 0, 1, 2… in their previous order.
func dirMoveLinks(ctx context.Context, tx *Tx, l dirLink, sourceIDs []int64, targetID int64) error {
	var owners []int64
	err := tx.SelectContext(ctx, &owners, fmt.Sprintf(`
		DELETE FROM %[1]s l USING (
			SELECT %[2]s AS owner, %[3]s AS ref,
				row_number() OVER (PARTITION BY %[2]s ORDER BY position, %[3]s = $2 DESC, %[3]s) AS n
			FROM %[1]s WHERE %[3]s = ANY($1) OR %[3]s = $2
		) d
		WHERE l.%[2]s = d.owner AND l.%[3]s = d.ref AND d.n > 1
		RETURNING l.%[2]s`, l.table, l.owner, l.ref), pq.Array(sourceIDs), targetID)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, fmt.Sprintf(`UPDATE %s SET %s = $2 WHERE %[2]s = ANY($1)`, l.table, l.ref), pq.Array(sourceIDs), targetID)
	if err != nil || len(owners) == 0 {
		return err
	}
	_, err = tx.ExecContext(ctx, fmt.Sprintf(`
		UPDATE %[1]s l SET position = r.pos FROM (
			SELECT %[2]s AS owner, %[3]s AS ref, row_number() OVER (PARTITION BY %[2]s ORDER BY position, %[3]s) - 1 AS pos
			FROM %[1]s WHERE %[2]s = ANY($1)
		) r
		WHERE l.%[2]s = r.owner AND l.%[3]s = r.ref AND l.position <> r.pos`, l.table, l.owner, l.ref), pq.Array(owners))
	return err
}

// dirMoveAttendees points the attendee entries of the sources at the target
// in column (person_id or organization_id). First it deletes the entries
// that dupes ranks after the first (see dirDeleteDuplicateAttendees); then it
// renumbers the reports that lost one.
func dirMoveAttendees(ctx context.Context, tx *Tx, column, dupes string, sourceIDs []int64, targetID int64) error {
	reports, err := dirDeleteDuplicateAttendees(ctx, tx, dupes, sourceIDs, targetID)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE report_attendees SET `+column+` = $2 WHERE `+column+` = ANY($1)`, pq.Array(sourceIDs), targetID)
	if err != nil {
		return err
	}
	return dirRenumberAttendees(ctx, tx, reports)
}

// dirDeleteDuplicateAttendees deletes the attendee rows that rank (column n)
// after the first in query, which selects (id, n) from report_attendees with
// $1 the sources and $2 the target, and returns the reports they were on.
func dirDeleteDuplicateAttendees(ctx context.Context, tx *Tx, query string, sourceIDs []int64, targetID int64) ([]int64, error) {
	var reports []int64
	err := tx.SelectContext(ctx, &reports, `
		DELETE FROM report_attendees a USING (`+query+`) d
		WHERE a.id = d.id AND d.n > 1
		RETURNING a.report_id`, pq.Array(sourceIDs), targetID)
	return reports, err
}

// dirRenumberAttendees renumbers the attendee positions of the given reports
// 0, 1, 2… in their previous order, closing gaps left by deleted entries.
func dirRenumberAttendees(ctx context.Context, tx *Tx, reportIDs []int64) error {
	if len(reportIDs) == 0 {
		return nil
	}
	_, err := tx.ExecContext(ctx, `
		UPDATE report_attendees a SET position = r.pos FROM (
			SELECT id, row_number() OVER (PARTITION BY report_id ORDER BY position, id) - 1 AS pos
			FROM report_attendees WHERE report_id = ANY($1)
		) r
		WHERE a.id = r.id AND a.position <> r.pos`, pq.Array(reportIDs))
	return err
}

// dirReparent moves the children of the sources under the target, in table
// tags or organizations, bumping the version of every entry it moves.
//
// Sources are about to disappear from the tree, so each is bypassed: when
// the target or one of its ancestors has a source as parent, it gets the
// nearest ancestor that is not a source instead (for a target directly below
// a source, that is the source's parent). Every other child of a source
// moves under the target. Nothing moved under the target is an ancestor of
// it, so no cycle can arise (and the forbid_parent_cycle trigger would
// refuse one).
func dirReparent(ctx context.Context, tx *Tx, table string, sourceIDs []int64, targetID int64) error {
	kind := KindTag
	if table == "organizations" {
		kind = KindOrganization
	}
	chain, err := AncestorIDs(ctx, tx, kind, targetID)
	if err != nil {
		return err
	}
	isSource := make(map[int64]bool, len(sourceIDs))
	for _, id := range sourceIDs {
		isSource[id] = true
	}
	// nearest returns the first ancestor from chain[i] on that is not a source.
	nearest := func(i int) *int64 {
		for ; i < len(chain); i++ {
			if !isSource[chain[i]] {
				return &chain[i]
			}
		}
		return nil
	}
	// The target is chain's "index -1": its parent is chain[0].
	for i := -1; i+1 < len(chain); i++ {
		child := targetID
		if i >= 0 {
			child = chain[i]
		}
		if isSource[child] || !isSource[chain[i+1]] {
			continue
		}
		// The target's version is bumped once, with its merged names.
		_, err := tx.ExecContext(ctx, `
			UPDATE `+table+` SET parent_id = $2, version = version + CASE WHEN id = $4 THEN 0 ELSE 1 END, updated_at = $3
			WHERE id = $1`, child, nearest(i+1), tx.Now, targetID)
		if err != nil {
			return err
		}
	}
	_, err = tx.ExecContext(ctx, `
		UPDATE `+table+` SET parent_id = $2, version = version + 1, updated_at = $3
		WHERE parent_id = ANY($1) AND NOT (id = ANY($1)) AND id <> $2`, pq.Array(sourceIDs), targetID, tx.Now)
	return err
}
