package postgres

import (
	"strings"
	"testing"

	"github.com/copydesk/copydesk/internal/pgtest"
)

// Directory searches are served by their indexes, not by a scan of the
// directory: on 2,000 entries per table, the plans of the exact statement
// and count every directory list sends name the GIN index of the generated
// search column and, for a search of 3 characters or more, the trigram
// index of the name too.
func TestDirectorySearchesUseTheirIndexes(t *testing.T) {
	db := pgtest.NewDB(t)
	db.MustExec(`
		INSERT INTO organizations (name, acronym, localized_names, created_at, updated_at)
		SELECT 'Organization ' || md5(i::text), 'O' || i, jsonb_build_object('zh-Hans', '组织' || i), now(), now() FROM generate_series(1, 2000) i;
		INSERT INTO people (name, localized_names, created_at, updated_at)
		SELECT 'Person ' || md5(i::text), jsonb_build_object('zh-Hans', CASE WHEN i % 1000 = 0 THEN '宋军' ELSE '李' || i END), now(), now() FROM generate_series(1, 2000) i;
		INSERT INTO tags (slug, name, created_at, updated_at)
		SELECT 'tag-' || i, 'Tag ' || md5(i::text), now(), now() FROM generate_series(1, 2000) i;
		INSERT INTO events (name, starts_at, created_at, updated_at)
		SELECT 'Event ' || md5(i::text), now() - i * interval '1 day', now(), now() FROM generate_series(1, 2000) i`)
	db.MustExec(`VACUUM ANALYZE`) // as autovacuum would: GIN pending lists merged, statistics taken
	for _, c := range []struct {
		name    string
		search  NameSearch
		indexes []string // suffixes of the table's index names
	}{
		{"a word", NameSearch{Prefix: "'c4c':*", Text: "c4c"}, []string{"_search_idx", "_name_trgm"}},
		{"two characters", NameSearch{Prefix: "'c4':*", Text: "c4"}, []string{"_search_idx"}},
		{"a CJK name", NameSearch{Prefix: "'宋军'", Text: "宋军"}, []string{"_search_idx"}},
	} {
		type statement struct {
			query string
			args  []any
		}
		page := func(query string, args []any) statement { return statement{query, args} }
		events, args, err := eventPageQuery(c.search, 20, nil)
		if err != nil {
			t.Fatal(err)
		}
		for table, s := range map[string][]statement{
			"people":        {page(peopleTable.pageQuery(c.search, 20, nil)), page(dirCount("people", "", c.search))},
			"organizations": {page(orgTable.pageQuery(c.search, 20, nil)), page(dirCount("organizations", "", c.search))},
			"tags":          {page(tagTable.pageQuery(c.search, 20, nil)), page(dirCount("tags", "", c.search))},
			"events":        {{events, args}, page(dirCount("events", "e.", c.search))},
		} {
			for i, what := range []string{"page", "count"} {
				plan := explain(t, db, s[i].query, s[i].args...)
				for _, index := range c.indexes {
					if !strings.Contains(plan, table+index) {
						t.Errorf("%s in %s: the %s's plan does not use %s%s:\n%s", c.name, table, what, table, index, plan)
					}
				}
			}
		}
	}
}
