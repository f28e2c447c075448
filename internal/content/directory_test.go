package content_test

import (
	"context"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/content"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/pgtest"
	"github.com/copydesk/copydesk/internal/postgres"
)

// --- helpers ---

func newService(t *testing.T) (*content.Service, *postgres.DB) {
	t.Helper()
	db := postgres.Wrap(pgtest.NewDB(t))
	return content.New(db), db
}

func ptr[T any](v T) *T { return &v }

func set[T any](v T) editorial.Field[T] { return editorial.SetTo(v) }

// dump returns every directory, event and report-link row as JSON, so a test
// can check that a failed call changed nothing.
func dump(t *testing.T, db *postgres.DB) string {
	t.Helper()
	var s string
	err := db.GetContext(context.Background(), &s, `SELECT concat_ws(E'\n',
		(SELECT json_agg(x ORDER BY id)::text FROM tags x),
		(SELECT json_agg(x ORDER BY slug)::text FROM tag_slug_redirects x),
		(SELECT json_agg(x ORDER BY id)::text FROM people x),
		(SELECT json_agg(x ORDER BY id)::text FROM organizations x),
		(SELECT json_agg(x ORDER BY kind, old_id)::text FROM directory_merges x),
		(SELECT json_agg(x ORDER BY id)::text FROM events x),
		(SELECT json_agg(x ORDER BY event_id, position)::text FROM event_organizers x),
		(SELECT json_agg(x ORDER BY event_id, position)::text FROM event_figures x),
		(SELECT json_agg(x ORDER BY report_id, position)::text FROM report_tags x),
		(SELECT json_agg(x ORDER BY report_id, position)::text FROM report_authors x),
		(SELECT json_agg(x ORDER BY id)::text FROM report_attendees x))`)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// wantErr fails unless err is a *cerr.Error with code and field.
func wantErr(t *testing.T, err error, code, field string) *cerr.Error {
	t.Helper()
	e := cerr.As(err)
	if e == nil {
		t.Fatalf("err = %v, want %s on %q", err, code, field)
	}
	if e.Code != code || e.Field != field {
		t.Fatalf("err = %v (code %s, field %q), want code %s, field %q", err, e.Code, e.Field, code, field)
	}
	return e
}

// failCase is one failing call: it must return code on field and leave the
// database as it was.
type failCase struct {
	name  string
	call  func() error
	code  string
	field string
	msg   string // a substring the message must contain, if set
}

func runFailCases(t *testing.T, db *postgres.DB, cases []failCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := dump(t, db)
			e := wantErr(t, tc.call(), tc.code, tc.field)
			if tc.msg != "" && !strings.Contains(e.Message, tc.msg) {
				t.Errorf("message %q does not contain %q", e.Message, tc.msg)
			}
			if after := dump(t, db); after != before {
				t.Errorf("a failed call changed the database:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}

// got holds a call's results until ok checks its error: of(f()).ok(t).
type got[T any] struct {
	v   T
	err error
}

func of[T any](v T, err error) got[T] { return got[T]{v, err} }

func (g got[T]) ok(t *testing.T) T {
	t.Helper()
	if g.err != nil {
		t.Fatal(g.err)
	}
	return g.v
}

// got2 is got for calls with two results and an error (the List functions).
type got2[A, B any] struct {
	a   A
	b   B
	err error
}

func of2[A, B any](a A, b B, err error) got2[A, B] { return got2[A, B]{a, b, err} }

func (g got2[A, B]) ok(t *testing.T) (A, B) {
	t.Helper()
	if g.err != nil {
		t.Fatal(g.err)
	}
	return g.a, g.b
}

func insertReport(t *testing.T, db *postgres.DB, slug string) int64 {
	t.Helper()
	var id int64
	err := db.GetContext(context.Background(), &id, `
		INSERT INTO reports (slug, source_locale, title, created_at, updated_at) VALUES ($1, 'en', $1, now(), now()) RETURNING id`, slug)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func exec(t *testing.T, db *postgres.DB, query string, args ...any) {
	t.Helper()
	if _, err := db.ExecContext(context.Background(), query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// links returns a report's rows of a link table as "ref@position" strings in position order.
func links(t *testing.T, db *postgres.DB, query string, reportID int64) []string {
	t.Helper()
	var out []string
	if err := db.SelectContext(context.Background(), &out, query, reportID); err != nil {
		t.Fatal(err)
	}
	return out
}

func wantResolved(t *testing.T, db *postgres.DB, kind string, from, to int64) {
	t.Helper()
	got, err := postgres.ResolveMerged(context.Background(), db, kind, from)
	if err != nil || got != to {
		t.Errorf("ResolveMerged(%s, %d) = %d, %v; want %d", kind, from, got, err, to)
	}
}

func tagByID(t *testing.T, db *postgres.DB, id int64) *editorial.Tag {
	t.Helper()
	m := of(postgres.TagsByIDs(context.Background(), db, []int64{id})).ok(t)
	if m[id] == nil {
		t.Fatalf("tag %d does not exist", id)
	}
	return m[id]
}

func parentOf(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// --- tags ---

func TestCreateTag(t *testing.T) {
	t.Parallel()
	ctx := asSystem(t)
	svc, db := newService(t)
	economy := of(svc.CreateTag(ctx, content.CreateTagInput{Name: "Economy"})).ok(t)
	trade := of(svc.CreateTag(ctx, content.CreateTagInput{Name: "Trade", Slug: ptr("trade-old")})).ok(t)
	of(svc.UpdateTag(ctx, content.UpdateTagInput{ID: trade.ID, ExpectedVersion: 1, Slug: set("trade")})).ok(t)

	t.Run("OK", func(t *testing.T) {
		got := of(svc.CreateTag(ctx, content.CreateTagInput{
			Name:           "  Belt and Road  ",
			Description:    ptr("  "),
			ParentID:       &economy.ID,
			LocalizedNames: editorial.LocalizedNames{"zh-hans": " 一带一路 ", "EN": "Belt and Road"},
		})).ok(t)
		want := editorial.LocalizedNames{"zh-Hans": "一带一路", "en": "Belt and Road"}
		if got.Name != "Belt and Road" || got.Slug != "belt-and-road" || got.Description != nil || parentOf(got.ParentID) != economy.ID ||
			got.Version != 1 || !reflect.DeepEqual(got.LocalizedNames, want) {
			t.Errorf("CreateTag = %+v", got)
		}
		stored := tagByID(t, db, got.ID)
		if !reflect.DeepEqual(stored.LocalizedNames, want) || stored.Name != got.Name || !stored.CreatedAt.Equal(got.CreatedAt) {
			t.Errorf("stored %+v, returned %+v", stored, got)
		}
	})
	t.Run("OKSlugSuffixed", func(t *testing.T) {
		got := of(svc.CreateTag(ctx, content.CreateTagInput{Name: "Economy!"})).ok(t)
		if got.Slug != "economy-2" {
			t.Errorf("slug = %q, want economy-2", got.Slug)
		}
	})
	t.Run("OKUnicodeKept", func(t *testing.T) {
		name := "Cafe\u0301 \u00e9t\u00e9" // decomposed and precomposed accents, kept as sent
		got := of(svc.CreateTag(ctx, content.CreateTagInput{Name: name, Slug: ptr("cafe-ete")})).ok(t)
		if tagByID(t, db, got.ID).Name != name {
			t.Errorf("name changed: %q", got.Name)
		}
	})
	t.Run("OKNoTransliteration", func(t *testing.T) {
		got := of(svc.CreateTag(ctx, content.CreateTagInput{Name: "🔥"})).ok(t)
		if got.Slug != "tag" {
			t.Errorf("slug = %q, want tag", got.Slug)
		}
	})

	create := func(in content.CreateTagInput) func() error {
		return func() error { _, err := svc.CreateTag(ctx, in); return err }
	}
	runFailCases(t, db, []failCase{
		{name: "ErrNameRequired", call: create(content.CreateTagInput{Name: " \t "}), code: cerr.Invalid, field: "input.name"},
		{name: "ErrNameTooLong", call: create(content.CreateTagInput{Name: strings.Repeat("é", editorial.MaxTagName+1)}), code: cerr.Invalid, field: "input.name"},
		{name: "ErrNameNotText", call: create(content.CreateTagInput{Name: "a\x00b"}), code: cerr.Invalid, field: "input.name"},
		{name: "ErrNameTaken", call: create(content.CreateTagInput{Name: "ECONOMY"}), code: cerr.Conflict, field: "input.name", msg: `"Economy"`},
		{name: "ErrSlugInvalid", call: create(content.CreateTagInput{Name: "New", Slug: ptr("Not A Slug")}), code: cerr.Invalid, field: "input.slug"},
		{name: "ErrSlugTaken", call: create(content.CreateTagInput{Name: "New", Slug: ptr("economy")}), code: cerr.Conflict, field: "input.slug", msg: `"Economy"`},
		{name: "ErrSlugIsRedirect", call: create(content.CreateTagInput{Name: "New", Slug: ptr("trade-old")}), code: cerr.Conflict, field: "input.slug", msg: `"Trade"`},
		{name: "ErrDescriptionTooLong", call: create(content.CreateTagInput{Name: "New", Description: ptr(strings.Repeat("x", editorial.MaxTagDesc+1))}), code: cerr.Invalid, field: "input.description"},
		{name: "ErrLocaleInvalid", call: create(content.CreateTagInput{Name: "New", LocalizedNames: editorial.LocalizedNames{"en": "New", "zz_bad": "x"}}), code: cerr.Invalid, field: "input.localizedNames.1.locale"},
		{name: "ErrLocaleDuplicate", call: create(content.CreateTagInput{Name: "New", LocalizedNames: editorial.LocalizedNames{"en-US": "a", "en-us": "b"}}), code: cerr.Invalid, field: "input.localizedNames.1.locale"},
		{name: "ErrLocalizedNameEmpty", call: create(content.CreateTagInput{Name: "New", LocalizedNames: editorial.LocalizedNames{"fr": "  "}}), code: cerr.Invalid, field: "input.localizedNames.0.name"},
		{name: "ErrUnknownParent", call: create(content.CreateTagInput{Name: "New", ParentID: ptr(int64(999999))}), code: cerr.NotFound, field: "input.parentId"},
	})
}

func TestUpdateTag(t *testing.T) {
	t.Parallel()
	ctx := asSystem(t)
	svc, db := newService(t)
	world := of(svc.CreateTag(ctx, content.CreateTagInput{Name: "World"})).ok(t)
	asia := of(svc.CreateTag(ctx, content.CreateTagInput{Name: "Asia", ParentID: &world.ID})).ok(t)
	china := of(svc.CreateTag(ctx, content.CreateTagInput{Name: "China", ParentID: &asia.ID})).ok(t)
	trade := of(svc.CreateTag(ctx, content.CreateTagInput{Name: "Trade"})).ok(t)

	t.Run("OK", func(t *testing.T) {
		got := of(svc.UpdateTag(ctx, content.UpdateTagInput{ID: trade.ID, ExpectedVersion: 1,
			Name: set(" Commerce "), Slug: set("commerce"), Description: set(ptr("Buying and selling.")), ParentID: set(&world.ID)})).ok(t)
		if got.Name != "Commerce" || got.Slug != "commerce" || *got.Description != "Buying and selling." || *got.ParentID != world.ID || got.Version != 2 {
			t.Errorf("UpdateTag = %+v", got)
		}
		old := of(postgres.TagBySlug(ctx, db, "trade")).ok(t)
		if old.ID != trade.ID || old.Slug != "commerce" {
			t.Errorf("old slug leads to %+v", old)
		}
	})
	t.Run("OKNothingChanged", func(t *testing.T) {
		before := dump(t, db)
		got := of(svc.UpdateTag(ctx, content.UpdateTagInput{ID: trade.ID, ExpectedVersion: 2})).ok(t)
		same := of(svc.UpdateTag(ctx, content.UpdateTagInput{ID: trade.ID, ExpectedVersion: 2, Name: set("Commerce"), ParentID: set(&world.ID)})).ok(t)
		if got.Version != 2 || same.Version != 2 || dump(t, db) != before {
			t.Errorf("a no-op update wrote: versions %d, %d", got.Version, same.Version)
		}
	})
	t.Run("OKTakeBackOldSlug", func(t *testing.T) {
		got := of(svc.UpdateTag(ctx, content.UpdateTagInput{ID: trade.ID, ExpectedVersion: 2, Slug: set("trade"), ParentID: set[*int64](nil)})).ok(t)
		if got.Slug != "trade" || got.ParentID != nil || got.Version != 3 {
			t.Errorf("UpdateTag = %+v", got)
		}
		var redirects []string
		if err := db.SelectContext(ctx, &redirects, `SELECT slug FROM tag_slug_redirects ORDER BY slug`); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(redirects, []string{"commerce"}) {
			t.Errorf("redirects = %v, want [commerce]", redirects)
		}
	})
	t.Run("OKNameCase", func(t *testing.T) {
		got := of(svc.UpdateTag(ctx, content.UpdateTagInput{ID: trade.ID, ExpectedVersion: 3, Name: set("COMMERCE")})).ok(t)
		if got.Name != "COMMERCE" {
			t.Errorf("name = %q", got.Name)
		}
	})

	update := func(in content.UpdateTagInput) func() error {
		return func() error { _, err := svc.UpdateTag(ctx, in); return err }
	}
	runFailCases(t, db, []failCase{
		{name: "ErrStaleVersion", call: update(content.UpdateTagInput{ID: trade.ID, ExpectedVersion: 1, Name: set("Stale")}), code: cerr.Conflict, field: "input.expectedVersion"},
		{name: "ErrUnknownTag", call: update(content.UpdateTagInput{ID: 999999, ExpectedVersion: 1, Name: set("X")}), code: cerr.NotFound, field: "input.id"},
		{name: "ErrNameRequired", call: update(content.UpdateTagInput{ID: asia.ID, ExpectedVersion: 1, Name: set("")}), code: cerr.Invalid, field: "input.name"},
		{name: "ErrNameTaken", call: update(content.UpdateTagInput{ID: asia.ID, ExpectedVersion: 1, Name: set("world")}), code: cerr.Conflict, field: "input.name"},
		{name: "ErrSlugInvalid", call: update(content.UpdateTagInput{ID: asia.ID, ExpectedVersion: 1, Slug: set("")}), code: cerr.Invalid, field: "input.slug"},
		{name: "ErrSlugIsRedirect", call: update(content.UpdateTagInput{ID: asia.ID, ExpectedVersion: 1, Slug: set("commerce")}), code: cerr.Conflict, field: "input.slug"},
		{name: "ErrParentCycle", call: update(content.UpdateTagInput{ID: world.ID, ExpectedVersion: 1, ParentID: set(&china.ID)}), code: cerr.Invalid, field: "input.parentId", msg: `would make "World" its own ancestor`},
		{name: "ErrParentSelf", call: update(content.UpdateTagInput{ID: asia.ID, ExpectedVersion: 1, ParentID: set(&asia.ID)}), code: cerr.Invalid, field: "input.parentId"},
		{name: "ErrUnknownParent", call: update(content.UpdateTagInput{ID: asia.ID, ExpectedVersion: 1, ParentID: set(ptr(int64(999999)))}), code: cerr.NotFound, field: "input.parentId"},
		{name: "ErrLocaleInvalid", call: update(content.UpdateTagInput{ID: asia.ID, ExpectedVersion: 1, LocalizedNames: set(editorial.LocalizedNames{"und": "x"})}), code: cerr.Invalid, field: "input.localizedNames.0.locale"},
	})

	t.Run("ErrStaleVersionDetails", func(t *testing.T) {
		_, err := svc.UpdateTag(ctx, content.UpdateTagInput{ID: trade.ID, ExpectedVersion: 1, Name: set("Stale")})
		if e := cerr.As(err); e == nil || e.Details["currentVersion"] != 4 {
			t.Errorf("err = %#v, want Details currentVersion 4", e)
		}
	})
	t.Run("DatabaseBacksCycleCheck", func(t *testing.T) {
		err := db.InTx(ctx, func(tx *postgres.Tx) error {
			w := of(postgres.LockTag(ctx, tx, world.ID)).ok(t)
			w.ParentID = &china.ID
			return postgres.UpdateTag(ctx, tx, w)
		})
		wantErr(t, err, cerr.Invalid, "")
	})
}

func TestFindOrCreateTagByName(t *testing.T) {
	t.Parallel()
	ctx := asSystem(t)
	svc, db := newService(t)
	economy := of(svc.CreateTag(ctx, content.CreateTagInput{Name: "Economy"})).ok(t)
	find := func(name string) (*editorial.Tag, error) {
		var got *editorial.Tag
		err := db.InTx(ctx, func(tx *postgres.Tx) error {
			var err error
			got, err = svc.FindOrCreateTagByName(ctx, tx, name)
			return err
		})
		return got, err
	}
	t.Run("OKExisting", func(t *testing.T) {
		if got := of(find(" economy ")).ok(t); got.ID != economy.ID {
			t.Errorf("got tag %d, want %d", got.ID, economy.ID)
		}
	})
	t.Run("OKCreated", func(t *testing.T) {
		got := of(find("Economy?")).ok(t)
		if got.ID == economy.ID || got.Slug != "economy-2" || got.Name != "Economy?" || got.Version != 1 {
			t.Errorf("got %+v", got)
		}
	})
	t.Run("OKConcurrent", func(t *testing.T) {
		ids := make([]int64, 4)
		var wg sync.WaitGroup
		for i := range ids {
			wg.Go(func() {
				if got, err := find("Qingdao Forum"); err != nil {
					t.Error(err)
				} else {
					ids[i] = got.ID
				}
			})
		}
		wg.Wait()
		for _, id := range ids {
			if id != ids[0] {
				t.Errorf("concurrent creators got different tags: %v", ids)
			}
		}
	})
	t.Run("ErrNameRequired", func(t *testing.T) {
		_, err := find("  ")
		wantErr(t, err, cerr.Invalid, "")
	})
}

func TestMergeTags(t *testing.T) {
	t.Parallel()
	ctx := asSystem(t)
	svc, db := newService(t)
	tag := func(in content.CreateTagInput) *editorial.Tag { return of(svc.CreateTag(ctx, in)).ok(t) }
	parent := tag(content.CreateTagInput{Name: "Topics"})
	target := tag(content.CreateTagInput{Name: "Economy", ParentID: &parent.ID, LocalizedNames: editorial.LocalizedNames{"en": "Economy"}})
	s1 := tag(content.CreateTagInput{Name: "Economics", Slug: ptr("economics-old"), LocalizedNames: editorial.LocalizedNames{"en": "Economics", "fr": "Économie"}})
	of(svc.UpdateTag(ctx, content.UpdateTagInput{ID: s1.ID, ExpectedVersion: 1, Slug: set("economics")})).ok(t)
	s2 := tag(content.CreateTagInput{Name: "Finance", LocalizedNames: editorial.LocalizedNames{"fr": "Finances", "de": "Finanzen"}})
	s0 := tag(content.CreateTagInput{Name: "Macroeconomics"})
	child := tag(content.CreateTagInput{Name: "Banking", ParentID: &s2.ID})
	other := tag(content.CreateTagInput{Name: "Trade"})
	// An earlier merge: s0 into s1. Merging s1 must repoint it.
	of(svc.MergeTags(ctx, content.MergeInput{SourceIDs: []int64{s0.ID}, TargetID: s1.ID})).ok(t)

	r1, r2, r3 := insertReport(t, db, "r1"), insertReport(t, db, "r2"), insertReport(t, db, "r3")
	exec(t, db, `INSERT INTO report_tags (report_id, tag_id, position) VALUES
		($1, $4, 0), ($1, $6, 1), ($1, $5, 2),
		($2, $6, 0), ($2, $7, 1),
		($3, $7, 0), ($3, $4, 1)`, r1, r2, r3, s1.ID, target.ID, other.ID, s2.ID)

	merge := func(in content.MergeInput) func() error {
		return func() error { _, err := svc.MergeTags(ctx, in); return err }
	}
	runFailCases(t, db, []failCase{
		{name: "ErrNoSources", call: merge(content.MergeInput{TargetID: target.ID}), code: cerr.Invalid, field: "input.sourceIds"},
		{name: "ErrTooMany", call: merge(content.MergeInput{SourceIDs: make([]int64, editorial.MaxMerge+1), TargetID: target.ID}), code: cerr.Invalid, field: "input.sourceIds"},
		{name: "ErrTargetInSources", call: merge(content.MergeInput{SourceIDs: []int64{s1.ID, target.ID}, TargetID: target.ID}), code: cerr.Invalid, field: "input.sourceIds.1"},
		{name: "ErrDuplicateSource", call: merge(content.MergeInput{SourceIDs: []int64{s1.ID, s2.ID, s1.ID}, TargetID: target.ID}), code: cerr.Invalid, field: "input.sourceIds.2"},
		{name: "ErrUnknownSource", call: merge(content.MergeInput{SourceIDs: []int64{s1.ID, 999999}, TargetID: target.ID}), code: cerr.NotFound, field: "input.sourceIds.1"},
		{name: "ErrMergedSource", call: merge(content.MergeInput{SourceIDs: []int64{s0.ID}, TargetID: target.ID}), code: cerr.NotFound, field: "input.sourceIds.0"},
		{name: "ErrUnknownTarget", call: merge(content.MergeInput{SourceIDs: []int64{s1.ID}, TargetID: 999999}), code: cerr.NotFound, field: "input.targetId"},
	})

	t.Run("OK", func(t *testing.T) {
		got := of(svc.MergeTags(ctx, content.MergeInput{SourceIDs: []int64{s1.ID, s2.ID}, TargetID: target.ID})).ok(t)
		wantNames := editorial.LocalizedNames{"en": "Economy", "fr": "Économie", "de": "Finanzen"}
		if got.ID != target.ID || got.Version != 2 || !reflect.DeepEqual(got.LocalizedNames, wantNames) || parentOf(got.ParentID) != parent.ID {
			t.Errorf("MergeTags = %+v", got)
		}
		tags := `SELECT tag_id || '@' || position FROM report_tags WHERE report_id = $1 ORDER BY position`
		for _, c := range []struct {
			report int64
			want   []string
		}{
			{r1, []string{idAt(target.ID, 0), idAt(other.ID, 1)}}, // source first, target later: one row, at the source's place
			{r2, []string{idAt(other.ID, 0), idAt(target.ID, 1)}}, // only a source
			{r3, []string{idAt(target.ID, 0)}},                    // two sources
		} {
			if got := links(t, db, tags, c.report); !reflect.DeepEqual(got, c.want) {
				t.Errorf("report %d tags = %v, want %v", c.report, got, c.want)
			}
		}
		if p := tagByID(t, db, child.ID).ParentID; parentOf(p) != target.ID {
			t.Errorf("child's parent = %v, want the target", p)
		}
		for _, slug := range []string{"economics", "economics-old", "finance", "economy"} {
			if got := of(postgres.TagBySlug(ctx, db, slug)).ok(t); got.ID != target.ID {
				t.Errorf("TagBySlug(%q) = tag %d, want the target", slug, got.ID)
			}
		}
		for _, id := range []int64{s0.ID, s1.ID, s2.ID} {
			wantResolved(t, db, postgres.KindTag, id, target.ID)
		}
		wantResolved(t, db, postgres.KindTag, other.ID, other.ID)
		if m := of(postgres.TagsByIDs(ctx, db, []int64{s1.ID, s2.ID})).ok(t); len(m) != 0 {
			t.Errorf("sources still exist: %v", m)
		}
		counts := of(postgres.ReportCountsByTagIDs(ctx, db, postgres.Newsroom, []int64{target.ID, other.ID, s1.ID})).ok(t)
		if !reflect.DeepEqual(counts, map[int64]int{target.ID: 3, other.ID: 2, s1.ID: 0}) {
			t.Errorf("ReportCountsByTagIDs = %v", counts)
		}
		var n int
		if err := db.GetContext(ctx, &n, `SELECT count(*) FROM directory_merges WHERE kind = 'TAG' AND new_id = $1`, target.ID); err != nil || n != 3 {
			t.Errorf("directory_merges into the target: %d, %v; want 3", n, err)
		}
	})
	t.Run("OKParentReferenceToMergedTag", func(t *testing.T) {
		got := of(svc.CreateTag(ctx, content.CreateTagInput{Name: "Growth", ParentID: &s1.ID})).ok(t)
		if parentOf(got.ParentID) != target.ID {
			t.Errorf("parent = %v, want the survivor %d", got.ParentID, target.ID)
		}
	})
}

// idAt formats a link row as the tests' queries do: "id@position".
func idAt(id int64, pos int) string { return itoa(id) + "@" + strconv.Itoa(pos) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestMergeTagsIntoDescendant merges tags into one below them: the target
// takes their place and no cycle arises.
func TestMergeTagsIntoDescendant(t *testing.T) {
	t.Parallel()
	ctx := asSystem(t)
	svc, db := newService(t)
	tag := func(name string, parent *editorial.Tag) *editorial.Tag {
		in := content.CreateTagInput{Name: name}
		if parent != nil {
			in.ParentID = &parent.ID
		}
		return of(svc.CreateTag(ctx, in)).ok(t)
	}
	// root → src → target, src → sibling; root → a → mid → b → deep(target2), a → x
	root := tag("Root", nil)
	src := tag("Source", root)
	target := tag("Target", src)
	sibling := tag("Sibling", src)
	a := tag("A", root)
	mid := tag("Mid", a)
	b := tag("B", mid)
	deep := tag("Deep", b)
	x := tag("X", a)

	t.Run("OKDirectChild", func(t *testing.T) {
		of(svc.MergeTags(ctx, content.MergeInput{SourceIDs: []int64{src.ID}, TargetID: target.ID})).ok(t)
		if p := tagByID(t, db, target.ID).ParentID; parentOf(p) != root.ID {
			t.Errorf("target's parent = %v, want the source's parent %d", p, root.ID)
		}
		if p := tagByID(t, db, sibling.ID).ParentID; parentOf(p) != target.ID {
			t.Errorf("sibling's parent = %v, want the target", p)
		}
	})
	t.Run("OKDeepWithTwoSources", func(t *testing.T) {
		// Sources a and b are both above deep; mid (not a source) stays above deep.
		of(svc.MergeTags(ctx, content.MergeInput{SourceIDs: []int64{a.ID, b.ID}, TargetID: deep.ID})).ok(t)
		want := map[int64]int64{mid.ID: root.ID, deep.ID: mid.ID, x.ID: deep.ID}
		for id, parent := range want {
			if p := tagByID(t, db, id).ParentID; parentOf(p) != parent {
				t.Errorf("parent of %d = %v, want %d", id, p, parent)
			}
		}
	})
}

// --- people ---

func TestPeople(t *testing.T) {
	t.Parallel()
	ctx := asSystem(t)
	svc, db := newService(t)
	org := of(svc.CreateOrganization(ctx, content.CreateOrganizationInput{Name: "Xinhua"})).ok(t)
	oldOrg := of(svc.CreateOrganization(ctx, content.CreateOrganizationInput{Name: "Xinhua News Agency"})).ok(t)
	of(svc.MergeOrganizations(ctx, content.MergeInput{SourceIDs: []int64{oldOrg.ID}, TargetID: org.ID})).ok(t)

	var p *editorial.Person
	t.Run("OKCreate", func(t *testing.T) {
		p = of(svc.CreatePerson(ctx, content.CreatePersonInput{Name: " Li Wei ", AffiliationID: &oldOrg.ID,
			LocalizedNames: editorial.LocalizedNames{"zh-cn": "李伟"}})).ok(t)
		if p.Name != "Li Wei" || parentOf(p.AffiliationID) != org.ID || p.LocalizedNames["zh-CN"] != "李伟" || p.Version != 1 {
			t.Errorf("CreatePerson = %+v", p)
		}
	})
	t.Run("OKUpdate", func(t *testing.T) {
		got := of(svc.UpdatePerson(ctx, content.UpdatePersonInput{ID: p.ID, ExpectedVersion: 1, Name: set("Li Wei (Dr.)"), AffiliationID: set[*int64](nil)})).ok(t)
		if got.Name != "Li Wei (Dr.)" || got.AffiliationID != nil || got.Version != 2 {
			t.Errorf("UpdatePerson = %+v", got)
		}
	})
	t.Run("OKNothingChanged", func(t *testing.T) {
		got := of(svc.UpdatePerson(ctx, content.UpdatePersonInput{ID: p.ID, ExpectedVersion: 2})).ok(t)
		if got.Version != 2 {
			t.Errorf("version = %d, want 2", got.Version)
		}
	})
	createP := func(in content.CreatePersonInput) func() error {
		return func() error { _, err := svc.CreatePerson(ctx, in); return err }
	}
	updateP := func(in content.UpdatePersonInput) func() error {
		return func() error { _, err := svc.UpdatePerson(ctx, in); return err }
	}
	runFailCases(t, db, []failCase{
		{name: "ErrNameRequired", call: createP(content.CreatePersonInput{Name: ""}), code: cerr.Invalid, field: "input.name"},
		{name: "ErrNameTooLong", call: createP(content.CreatePersonInput{Name: strings.Repeat("李", editorial.MaxPersonName+1)}), code: cerr.Invalid, field: "input.name"},
		{name: "ErrLocaleInvalid", call: createP(content.CreatePersonInput{Name: "A", LocalizedNames: editorial.LocalizedNames{"chinese": "李"}}), code: cerr.Invalid, field: "input.localizedNames.0.locale"},
		{name: "ErrUnknownAffiliation", call: createP(content.CreatePersonInput{Name: "A", AffiliationID: ptr(int64(999999))}), code: cerr.NotFound, field: "input.affiliationId"},
		{name: "ErrStaleVersion", call: updateP(content.UpdatePersonInput{ID: p.ID, ExpectedVersion: 1, Name: set("B")}), code: cerr.Conflict, field: "input.expectedVersion"},
		{name: "ErrUnknownPerson", call: updateP(content.UpdatePersonInput{ID: 999999, ExpectedVersion: 1, Name: set("B")}), code: cerr.NotFound, field: "input.id"},
		{name: "ErrLocalizedNameTooLong", call: updateP(content.UpdatePersonInput{ID: p.ID, ExpectedVersion: 2, LocalizedNames: set(editorial.LocalizedNames{"en": strings.Repeat("x", editorial.MaxPersonName+1)})}), code: cerr.Invalid, field: "input.localizedNames.0.name"},
	})
}

func TestMergePeople(t *testing.T) {
	t.Parallel()
	ctx := asSystem(t)
	svc, db := newService(t)
	person := func(name string, names editorial.LocalizedNames) *editorial.Person {
		return of(svc.CreatePerson(ctx, content.CreatePersonInput{Name: name, LocalizedNames: names})).ok(t)
	}
	target := person("Wang Fang", editorial.LocalizedNames{"zh-CN": "王芳"})
	src := person("Fang Wang", editorial.LocalizedNames{"zh-CN": "王 芳", "en": "Fang Wang"})
	x := person("Someone Else", nil)
	r1, r2 := insertReport(t, db, "r1"), insertReport(t, db, "r2")
	exec(t, db, `INSERT INTO report_attendees (report_id, position, person_id, role, participations) VALUES
		($1, 0, $3, 'Source role', '{SPEECH}'), ($1, 1, $5, NULL, '{ATTENDED}'), ($1, 2, $4, 'Target role', '{ATTENDED}'),
		($2, 0, $3, NULL, '{ATTENDED}')`, r1, r2, src.ID, target.ID, x.ID)
	exec(t, db, `INSERT INTO report_authors (report_id, person_id, position) VALUES ($1, $3, 0), ($1, $4, 1), ($2, $5, 0), ($2, $3, 1)`,
		r1, r2, src.ID, target.ID, x.ID)

	runFailCases(t, db, []failCase{
		{name: "ErrTargetInSources", call: func() error {
			_, err := svc.MergePeople(ctx, content.MergeInput{SourceIDs: []int64{target.ID}, TargetID: target.ID})
			return err
		}, code: cerr.Invalid, field: "input.sourceIds.0"},
		{name: "ErrUnknownTarget", call: func() error {
			_, err := svc.MergePeople(ctx, content.MergeInput{SourceIDs: []int64{src.ID}, TargetID: 999999})
			return err
		}, code: cerr.NotFound, field: "input.targetId"},
	})

	t.Run("OK", func(t *testing.T) {
		got := of(svc.MergePeople(ctx, content.MergeInput{SourceIDs: []int64{src.ID}, TargetID: target.ID})).ok(t)
		if !reflect.DeepEqual(got.LocalizedNames, editorial.LocalizedNames{"zh-CN": "王芳", "en": "Fang Wang"}) || got.Version != 2 {
			t.Errorf("MergePeople = %+v", got)
		}
		attendees := `SELECT person_id || '@' || position || ':' || COALESCE(role, '') FROM report_attendees WHERE report_id = $1 ORDER BY position`
		if got, want := links(t, db, attendees, r1), []string{idAt(x.ID, 0) + ":", idAt(target.ID, 1) + ":Target role"}; !reflect.DeepEqual(got, want) {
			t.Errorf("r1 attendees = %v, want %v (the target's row kept)", got, want)
		}
		if got, want := links(t, db, attendees, r2), []string{idAt(target.ID, 0) + ":"}; !reflect.DeepEqual(got, want) {
			t.Errorf("r2 attendees = %v, want %v", got, want)
		}
		authors := `SELECT person_id || '@' || position FROM report_authors WHERE report_id = $1 ORDER BY position`
		if got, want := links(t, db, authors, r1), []string{idAt(target.ID, 0)}; !reflect.DeepEqual(got, want) {
			t.Errorf("r1 authors = %v, want %v", got, want)
		}
		if got, want := links(t, db, authors, r2), []string{idAt(x.ID, 0), idAt(target.ID, 1)}; !reflect.DeepEqual(got, want) {
			t.Errorf("r2 authors = %v, want %v", got, want)
		}
		wantResolved(t, db, postgres.KindPerson, src.ID, target.ID)
		if m := of(postgres.PeopleByIDs(ctx, db, []int64{src.ID})).ok(t); len(m) != 0 {
			t.Errorf("source still exists")
		}
	})
}

// --- organizations ---

func TestOrganizations(t *testing.T) {
	t.Parallel()
	ctx := asSystem(t)
	svc, db := newService(t)
	var parent, child *editorial.Organization
	t.Run("OKCreate", func(t *testing.T) {
		parent = of(svc.CreateOrganization(ctx, content.CreateOrganizationInput{Name: "United Nations", Acronym: ptr(" UN "), Country: ptr("us")})).ok(t)
		if *parent.Acronym != "UN" || *parent.Country != "US" || parent.Version != 1 {
			t.Errorf("CreateOrganization = %+v", parent)
		}
		child = of(svc.CreateOrganization(ctx, content.CreateOrganizationInput{Name: "UNESCO", ParentID: &parent.ID, Country: ptr(" ")})).ok(t)
		if parentOf(child.ParentID) != parent.ID || child.Country != nil {
			t.Errorf("CreateOrganization = %+v", child)
		}
	})
	t.Run("OKUpdate", func(t *testing.T) {
		got := of(svc.UpdateOrganization(ctx, content.UpdateOrganizationInput{ID: child.ID, ExpectedVersion: 1,
			Acronym: set(ptr("UNESCO")), Country: set(ptr("fr")), LocalizedNames: set(editorial.LocalizedNames{"fr": "Organisation des Nations unies pour l'éducation"})})).ok(t)
		if *got.Acronym != "UNESCO" || *got.Country != "FR" || got.Version != 2 || parentOf(got.ParentID) != parent.ID {
			t.Errorf("UpdateOrganization = %+v", got)
		}
	})
	createO := func(in content.CreateOrganizationInput) func() error {
		return func() error { _, err := svc.CreateOrganization(ctx, in); return err }
	}
	updateO := func(in content.UpdateOrganizationInput) func() error {
		return func() error { _, err := svc.UpdateOrganization(ctx, in); return err }
	}
	runFailCases(t, db, []failCase{
		{name: "ErrNameRequired", call: createO(content.CreateOrganizationInput{Name: "\n"}), code: cerr.Invalid, field: "input.name"},
		{name: "ErrNameTooLong", call: createO(content.CreateOrganizationInput{Name: strings.Repeat("x", editorial.MaxOrgName+1)}), code: cerr.Invalid, field: "input.name"},
		{name: "ErrAcronymTooLong", call: createO(content.CreateOrganizationInput{Name: "X", Acronym: ptr(strings.Repeat("X", editorial.MaxAcronym+1))}), code: cerr.Invalid, field: "input.acronym"},
		{name: "ErrCountryInvalid", call: createO(content.CreateOrganizationInput{Name: "X", Country: ptr("XX")}), code: cerr.Invalid, field: "input.country"},
		{name: "ErrUnknownParent", call: createO(content.CreateOrganizationInput{Name: "X", ParentID: ptr(int64(999999))}), code: cerr.NotFound, field: "input.parentId"},
		{name: "ErrParentCycle", call: updateO(content.UpdateOrganizationInput{ID: parent.ID, ExpectedVersion: 1, ParentID: set(&child.ID)}), code: cerr.Invalid, field: "input.parentId", msg: "its own ancestor"},
		{name: "ErrStaleVersion", call: updateO(content.UpdateOrganizationInput{ID: child.ID, ExpectedVersion: 1, Name: set("Y")}), code: cerr.Conflict, field: "input.expectedVersion"},
		{name: "ErrCountryInvalidOnUpdate", call: updateO(content.UpdateOrganizationInput{ID: child.ID, ExpectedVersion: 2, Country: set(ptr("EU"))}), code: cerr.Invalid, field: "input.country"},
	})
}

func TestMergeOrganizations(t *testing.T) {
	t.Parallel()
	ctx := asSystem(t)
	svc, db := newService(t)
	org := func(name string, parent *editorial.Organization) *editorial.Organization {
		in := content.CreateOrganizationInput{Name: name}
		if parent != nil {
			in.ParentID = &parent.ID
		}
		return of(svc.CreateOrganization(ctx, in)).ok(t)
	}
	top := org("Ministry", nil)
	src := org("Ministry of Commerce", top)
	target := org("MOFCOM", src) // the target sits below the source
	srcChild := org("Trade Bureau", src)
	other := org("Chamber of Commerce", nil)
	person := of(svc.CreatePerson(ctx, content.CreatePersonInput{Name: "Zhang San", AffiliationID: &src.ID})).ok(t)
	attendee := of(svc.CreatePerson(ctx, content.CreatePersonInput{Name: "Li Si"})).ok(t)
	e1 := of(svc.CreateEvent(ctx, content.CreateEventInput{Name: "Forum", OrganizerIDs: []int64{src.ID, other.ID, target.ID}})).ok(t)
	e2 := of(svc.CreateEvent(ctx, content.CreateEventInput{Name: "Expo", OrganizerIDs: []int64{other.ID, src.ID}})).ok(t)
	r := insertReport(t, db, "r")
	exec(t, db, `INSERT INTO report_attendees (report_id, position, person_id, organization_id, delegation, participations) VALUES
		($1, 0, NULL, $2, NULL, '{ATTENDED}'),
		($1, 1, $4, $2, NULL, '{SPEECH}'),
		($1, 2, NULL, $3, NULL, '{HOSTED}'),
		($1, 3, NULL, $2, 'Trade delegation', '{ATTENDED}')`, r, src.ID, target.ID, attendee.ID)

	t.Run("OK", func(t *testing.T) {
		got := of(svc.MergeOrganizations(ctx, content.MergeInput{SourceIDs: []int64{src.ID}, TargetID: target.ID})).ok(t)
		if parentOf(got.ParentID) != top.ID {
			t.Errorf("target's parent = %v, want the source's parent", got.ParentID)
		}
		orgs := of(postgres.OrganizationsByIDs(ctx, db, []int64{srcChild.ID, src.ID})).ok(t)
		if len(orgs) != 1 || parentOf(orgs[srcChild.ID].ParentID) != target.ID {
			t.Errorf("after merge: %v", orgs)
		}
		if p := of(postgres.PeopleByIDs(ctx, db, []int64{person.ID})).ok(t)[person.ID]; parentOf(p.AffiliationID) != target.ID || p.Version != 2 {
			t.Errorf("affiliation = %v (version %d), want the target", p.AffiliationID, p.Version)
		}
		events := of(postgres.EventsByIDs(ctx, db, []int64{e1.ID, e2.ID})).ok(t)
		if got, want := events[e1.ID].OrganizerIDs, []int64{target.ID, other.ID}; !reflect.DeepEqual(got, want) {
			t.Errorf("e1 organizers = %v, want %v", got, want)
		}
		if got, want := events[e2.ID].OrganizerIDs, []int64{other.ID, target.ID}; !reflect.DeepEqual(got, want) {
			t.Errorf("e2 organizers = %v, want %v", got, want)
		}
		attendees := `SELECT COALESCE(person_id, 0) || ':' || organization_id || '@' || position || ':' || participations[1] FROM report_attendees WHERE report_id = $1 ORDER BY position`
		want := []string{
			itoa(attendee.ID) + ":" + idAt(target.ID, 0) + ":SPEECH",
			"0:" + idAt(target.ID, 1) + ":HOSTED", // the target's group entry kept, the source's dropped
			"0:" + idAt(target.ID, 2) + ":ATTENDED",
		}
		if got := links(t, db, attendees, r); !reflect.DeepEqual(got, want) {
			t.Errorf("attendees = %v, want %v", got, want)
		}
		wantResolved(t, db, postgres.KindOrganization, src.ID, target.ID)
	})
}

// --- events ---

func TestCreateEvent(t *testing.T) {
	t.Parallel()
	ctx := asSystem(t)
	svc, db := newService(t)
	o1 := of(svc.CreateOrganization(ctx, content.CreateOrganizationInput{Name: "CCPIT"})).ok(t)
	o2 := of(svc.CreateOrganization(ctx, content.CreateOrganizationInput{Name: "Qingdao Municipal Government"})).ok(t)
	start := time.Date(2025, 9, 12, 9, 30, 0, 123456789, time.FixedZone("CST", 8*3600))
	end := start.Add(8 * time.Hour)

	t.Run("OK", func(t *testing.T) {
		got := of(svc.CreateEvent(ctx, content.CreateEventInput{
			Name: "Qingdao Tech Trade Forum", LocalizedNames: editorial.LocalizedNames{"zh-Hans": "青岛科技贸易论坛"},
			StartsAt: &start, EndsAt: &end, TimeZone: "Asia/Shanghai", Venue: ptr(" Qingdao International Convention Center "),
			City: ptr("Qingdao"), Country: ptr("cn"), Format: ptr(editorial.EventFormat("HYBRID")),
			OrganizerIDs: []int64{o2.ID, o1.ID},
			Figures: []editorial.Figure{
				{Metric: "PARTICIPANTS", Value: 200, Approximation: "MORE_THAN", Label: " 200+ participants ", Countries: []string{"cn", "de"}},
				{Metric: "VIEWERS", Value: 1500000, Label: "1.5 million online viewers", Channels: []string{"Weibo", "Douyin"}},
			},
		})).ok(t)
		stored := of(postgres.EventsByIDs(ctx, db, []int64{got.ID})).ok(t)[got.ID]
		for _, e := range []*editorial.Event{got, stored} {
			if e.Name != "Qingdao Tech Trade Forum" || *e.Venue != "Qingdao International Convention Center" || *e.Country != "CN" ||
				e.TimeZone != "Asia/Shanghai" || !e.StartsAt.Equal(start.Truncate(time.Microsecond)) || !e.EndsAt.Equal(end.Truncate(time.Microsecond)) ||
				!reflect.DeepEqual(e.OrganizerIDs, []int64{o2.ID, o1.ID}) || e.Version != 1 {
				t.Errorf("event = %+v", e)
			}
			want := []editorial.Figure{
				{Metric: "PARTICIPANTS", Value: 200, Approximation: "MORE_THAN", Label: "200+ participants", Channels: []string{}, Countries: []string{"CN", "DE"}},
				{Metric: "VIEWERS", Value: 1500000, Approximation: "EXACT", Label: "1.5 million online viewers", Channels: []string{"Weibo", "Douyin"}, Countries: []string{}},
			}
			if !reflect.DeepEqual(e.Figures, want) {
				t.Errorf("figures = %+v, want %+v", e.Figures, want)
			}
		}
	})
	t.Run("OKDefaults", func(t *testing.T) {
		got := of(svc.CreateEvent(ctx, content.CreateEventInput{Name: "Undated"})).ok(t)
		stored := of(postgres.EventsByIDs(ctx, db, []int64{got.ID})).ok(t)[got.ID]
		if stored.TimeZone != "UTC" || stored.OrganizerIDs == nil || stored.Figures == nil || len(stored.LocalizedNames) != 0 || stored.StartsAt != nil {
			t.Errorf("event = %+v", stored)
		}
	})

	create := func(in content.CreateEventInput) func() error {
		return func() error { _, err := svc.CreateEvent(ctx, in); return err }
	}
	fig := func(f editorial.Figure) []editorial.Figure {
		if f.Metric == "" {
			f.Metric = "PARTICIPANTS"
		}
		if f.Label == "" {
			f.Label = "participants"
		}
		return []editorial.Figure{{Metric: "SPEAKERS", Value: 3, Label: "speakers"}, f}
	}
	runFailCases(t, db, []failCase{
		{name: "ErrNameRequired", call: create(content.CreateEventInput{Name: " "}), code: cerr.Invalid, field: "input.name"},
		{name: "ErrNameTooLong", call: create(content.CreateEventInput{Name: strings.Repeat("x", editorial.MaxEventName+1)}), code: cerr.Invalid, field: "input.name"},
		{name: "ErrLocaleInvalid", call: create(content.CreateEventInput{Name: "E", LocalizedNames: editorial.LocalizedNames{"en": "E", "zh_CN": "E"}}), code: cerr.Invalid, field: "input.localizedNames.1.locale"},
		{name: "ErrTimeZoneLocal", call: create(content.CreateEventInput{Name: "E", TimeZone: "Local"}), code: cerr.Invalid, field: "input.timeZone"},
		{name: "ErrTimeZoneUnknown", call: create(content.CreateEventInput{Name: "E", TimeZone: "Mars/Olympus"}), code: cerr.Invalid, field: "input.timeZone"},
		{name: "ErrEndsBeforeStart", call: create(content.CreateEventInput{Name: "E", StartsAt: &end, EndsAt: &start}), code: cerr.Invalid, field: "input.endsAt"},
		{name: "ErrCountryInvalid", call: create(content.CreateEventInput{Name: "E", Country: ptr("CHN")}), code: cerr.Invalid, field: "input.country"},
		{name: "ErrFormatInvalid", call: create(content.CreateEventInput{Name: "E", Format: ptr(editorial.EventFormat("VIRTUAL"))}), code: cerr.Invalid, field: "input.format"},
		{name: "ErrVenueTooLong", call: create(content.CreateEventInput{Name: "E", Venue: ptr(strings.Repeat("v", editorial.MaxPlace+1))}), code: cerr.Invalid, field: "input.venue"},
		{name: "ErrUnknownParent", call: create(content.CreateEventInput{Name: "E", ParentID: ptr(int64(999999))}), code: cerr.NotFound, field: "input.parentId"},
		{name: "ErrUnknownOrganizer", call: create(content.CreateEventInput{Name: "E", OrganizerIDs: []int64{o1.ID, 999999}}), code: cerr.NotFound, field: "input.organizerIds.1"},
		{name: "ErrDuplicateOrganizer", call: create(content.CreateEventInput{Name: "E", OrganizerIDs: []int64{o1.ID, o1.ID}}), code: cerr.Invalid, field: "input.organizerIds.1"},
		{name: "ErrFigureNegative", call: create(content.CreateEventInput{Name: "E", Figures: fig(editorial.Figure{Value: -1})}), code: cerr.Invalid, field: "input.figures.1.value"},
		{name: "ErrFigureMetric", call: create(content.CreateEventInput{Name: "E", Figures: fig(editorial.Figure{Metric: "GUESTS"})}), code: cerr.Invalid, field: "input.figures.1.metric"},
		{name: "ErrFigureApproximation", call: create(content.CreateEventInput{Name: "E", Figures: fig(editorial.Figure{Approximation: "ROUGHLY"})}), code: cerr.Invalid, field: "input.figures.1.approximation"},
		{name: "ErrFigureLabelRequired", call: create(content.CreateEventInput{Name: "E", Figures: []editorial.Figure{{Metric: "OTHER", Label: " "}}}), code: cerr.Invalid, field: "input.figures.0.label"},
		{name: "ErrFigureCountry", call: create(content.CreateEventInput{Name: "E", Figures: fig(editorial.Figure{Countries: []string{"CN", "jp", "XX"}})}), code: cerr.Invalid, field: "input.figures.1.countries.2"},
		{name: "ErrFigureChannelEmpty", call: create(content.CreateEventInput{Name: "E", Figures: fig(editorial.Figure{Channels: []string{"Weibo", ""}})}), code: cerr.Invalid, field: "input.figures.1.channels.1"},
		{name: "ErrTooManyFigures", call: create(content.CreateEventInput{Name: "E", Figures: make([]editorial.Figure, editorial.MaxFigures+1)}), code: cerr.Invalid, field: "input.figures"},
	})
}

func TestUpdateEvent(t *testing.T) {
	t.Parallel()
	ctx := asSystem(t)
	svc, db := newService(t)
	o1 := of(svc.CreateOrganization(ctx, content.CreateOrganizationInput{Name: "CCPIT"})).ok(t)
	o2 := of(svc.CreateOrganization(ctx, content.CreateOrganizationInput{Name: "MOFCOM"})).ok(t)
	start := time.Date(2025, 9, 12, 1, 30, 0, 0, time.UTC)
	end := start.Add(48 * time.Hour)
	parent := of(svc.CreateEvent(ctx, content.CreateEventInput{Name: "Expo 2025", StartsAt: &start, EndsAt: &end, OrganizerIDs: []int64{o1.ID}})).ok(t)
	child := of(svc.CreateEvent(ctx, content.CreateEventInput{Name: "Opening", ParentID: &parent.ID, StartsAt: &start,
		Figures: []editorial.Figure{{Metric: "SPEAKERS", Value: 5, Label: "five speakers"}}})).ok(t)

	t.Run("OK", func(t *testing.T) {
		got := of(svc.UpdateEvent(ctx, content.UpdateEventInput{ID: parent.ID, ExpectedVersion: 1,
			OrganizerIDs: set([]int64{o2.ID, o1.ID}), TimeZone: set("Asia/Shanghai"), AllDay: set(true),
			Figures: set([]editorial.Figure{{Metric: "COUNTRIES", Value: 40, Approximation: "ABOUT", Label: "about 40 countries"}})})).ok(t)
		stored := of(postgres.EventsByIDs(ctx, db, []int64{parent.ID})).ok(t)[parent.ID]
		for _, e := range []*editorial.Event{got, stored} {
			if e.Version != 2 || !reflect.DeepEqual(e.OrganizerIDs, []int64{o2.ID, o1.ID}) || e.TimeZone != "Asia/Shanghai" || !e.AllDay ||
				len(e.Figures) != 1 || e.Figures[0].Value != 40 || e.Name != "Expo 2025" {
				t.Errorf("event = %+v", e)
			}
		}
	})
	t.Run("OKNothingChanged", func(t *testing.T) {
		before := dump(t, db)
		got := of(svc.UpdateEvent(ctx, content.UpdateEventInput{ID: parent.ID, ExpectedVersion: 2,
			OrganizerIDs: set([]int64{o2.ID, o1.ID}), StartsAt: set(ptr(start.In(time.FixedZone("X", 3600))))})).ok(t)
		if got.Version != 2 || dump(t, db) != before {
			t.Errorf("a no-op update wrote (version %d)", got.Version)
		}
	})
	t.Run("OKChildren", func(t *testing.T) {
		kids := of(postgres.EventChildren(ctx, db, []int64{parent.ID, child.ID})).ok(t)
		if len(kids) != 1 || len(kids[parent.ID]) != 1 || kids[parent.ID][0].ID != child.ID || kids[parent.ID][0].Figures[0].Label != "five speakers" {
			t.Errorf("EventChildren = %v", kids)
		}
	})

	update := func(in content.UpdateEventInput) func() error {
		return func() error { _, err := svc.UpdateEvent(ctx, in); return err }
	}
	runFailCases(t, db, []failCase{
		{name: "ErrStaleVersion", call: update(content.UpdateEventInput{ID: parent.ID, ExpectedVersion: 1, Name: set("X")}), code: cerr.Conflict, field: "input.expectedVersion"},
		{name: "ErrUnknownEvent", call: update(content.UpdateEventInput{ID: 999999, ExpectedVersion: 1, Name: set("X")}), code: cerr.NotFound, field: "input.id"},
		{name: "ErrParentCycle", call: update(content.UpdateEventInput{ID: parent.ID, ExpectedVersion: 2, ParentID: set(&child.ID)}), code: cerr.Invalid, field: "input.parentId", msg: `would make "Expo 2025" its own ancestor`},
		{name: "ErrStartsAfterEnd", call: update(content.UpdateEventInput{ID: parent.ID, ExpectedVersion: 2, StartsAt: set(ptr(end.Add(time.Hour)))}), code: cerr.Invalid, field: "input.startsAt"},
		{name: "ErrTimeZoneEmpty", call: update(content.UpdateEventInput{ID: parent.ID, ExpectedVersion: 2, TimeZone: set("")}), code: cerr.Invalid, field: "input.timeZone"},
		{name: "ErrUnknownOrganizer", call: update(content.UpdateEventInput{ID: parent.ID, ExpectedVersion: 2, OrganizerIDs: set([]int64{999999})}), code: cerr.NotFound, field: "input.organizerIds.0"},
		{name: "ErrFigureCountry", call: update(content.UpdateEventInput{ID: parent.ID, ExpectedVersion: 2, Figures: set([]editorial.Figure{{Metric: "OTHER", Label: "x", Countries: []string{"UK"}}})}), code: cerr.Invalid, field: "input.figures.0.countries.0"},
	})
}

// --- reads: lists, cursors, batches ---

func TestLists(t *testing.T) {
	t.Parallel()
	ctx := asSystem(t)
	svc, db := newService(t)
	for _, name := range []string{"beta", "Alpha", "alphabet", "Gamma", "100% Pure", "1000 Pure", "under_score", "underscore"} {
		of(svc.CreateTag(ctx, content.CreateTagInput{Name: name})).ok(t)
	}
	of(svc.CreateTag(ctx, content.CreateTagInput{Name: "Economy", LocalizedNames: editorial.LocalizedNames{"zh-Hans": "经济"}})).ok(t)
	names := func(list []*editorial.Tag) []string {
		out := []string{}
		for _, t := range list {
			out = append(out, t.Name)
		}
		return out
	}
	t.Run("Tags", func(t *testing.T) {
		for _, c := range []struct {
			search string
			want   []string
		}{
			{"ALPHA", []string{"Alpha", "alphabet"}},
			{"100%", []string{"100% Pure"}},
			{"under_", []string{"under_score"}},
			{"经济", []string{"Economy"}},
			{"nothing", []string{}},
		} {
			list, total := of2(postgres.ListTags(ctx, db, c.search, 10, nil)).ok(t)
			if got := names(list); !reflect.DeepEqual(got, c.want) || total != len(c.want) {
				t.Errorf("ListTags(%q) = %v (total %d), want %v", c.search, got, total, c.want)
			}
		}
	})
	t.Run("TagPages", func(t *testing.T) {
		var all []string
		var after *postgres.Cursor
		for page := 0; ; page++ {
			list, total := of2(postgres.ListTags(ctx, db, "", 3, after)).ok(t)
			if total != 9 {
				t.Fatalf("total = %d, want 9", total)
			}
			if len(list) == 0 {
				break
			}
			all = append(all, names(list)...)
			last := list[len(list)-1]
			after = ptr(postgres.NameCursor(last.Name, last.ID))
		}
		want := []string{"1000 Pure", "100% Pure", "Alpha", "alphabet", "beta", "Economy", "Gamma", "under_score", "underscore"}
		if len(all) != len(want) {
			t.Errorf("pages = %v, want %v", all, want)
		}
	})
	t.Run("OrganizationAcronym", func(t *testing.T) {
		of(svc.CreateOrganization(ctx, content.CreateOrganizationInput{Name: "China Council for the Promotion of International Trade", Acronym: ptr("CCPIT")})).ok(t)
		list, total := of2(postgres.ListOrganizations(ctx, db, "ccpit", 10, nil)).ok(t)
		if len(list) != 1 || total != 1 {
			t.Errorf("ListOrganizations = %d, total %d", len(list), total)
		}
	})
	t.Run("EventPages", func(t *testing.T) {
		day := func(d int) *time.Time { return ptr(time.Date(2025, 1, d, 0, 0, 0, 0, time.UTC)) }
		var want []int64
		for _, in := range []content.CreateEventInput{
			{Name: "undated 1"}, {Name: "jan 3", StartsAt: day(3)}, {Name: "jan 5", StartsAt: day(5)},
			{Name: "undated 2"}, {Name: "jan 3 again", StartsAt: day(3)},
		} {
			want = append(want, of(svc.CreateEvent(ctx, in)).ok(t).ID)
		}
		// latest first, ties by ID descending, undated last
		want = []int64{want[2], want[4], want[1], want[3], want[0]}
		var got []int64
		var after *postgres.Cursor
		for {
			list, total := of2(postgres.ListEvents(ctx, db, "", 2, after)).ok(t)
			if total != 5 {
				t.Fatalf("total = %d", total)
			}
			if len(list) == 0 {
				break
			}
			for _, e := range list {
				got = append(got, e.ID)
			}
			after = ptr(postgres.EventCursor(list[len(list)-1]))
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("event order = %v, want %v", got, want)
		}
		_, _, err := postgres.ListEvents(ctx, db, "", 2, &postgres.Cursor{Key: "yesterday"})
		wantErr(t, err, cerr.Invalid, "after")
	})
	t.Run("TagChildren", func(t *testing.T) {
		p := of(svc.CreateTag(ctx, content.CreateTagInput{Name: "Parent"})).ok(t)
		for _, n := range []string{"Zeta", "eta"} {
			of(svc.CreateTag(ctx, content.CreateTagInput{Name: n, ParentID: &p.ID})).ok(t)
		}
		kids := of(postgres.TagChildren(ctx, db, []int64{p.ID})).ok(t)
		if got := names(kids[p.ID]); !reflect.DeepEqual(got, []string{"eta", "Zeta"}) {
			t.Errorf("TagChildren = %v", got)
		}
	})
}

// TestNotFoundIsCoded checks that storage lookups of missing rows are NOT_FOUND.
func TestNotFoundIsCoded(t *testing.T) {
	t.Parallel()
	ctx := asSystem(t)
	_, db := newService(t)
	_, err := postgres.TagBySlug(ctx, db, "missing")
	if !cerr.Is(err, cerr.NotFound) {
		t.Errorf("TagBySlug = %v, want NOT_FOUND", err)
	}
	err = db.InTx(ctx, func(tx *postgres.Tx) error { _, err := postgres.LockEvent(ctx, tx, 1); return err })
	if !cerr.Is(err, cerr.NotFound) {
		t.Errorf("LockEvent = %v, want NOT_FOUND", err)
	}
}
