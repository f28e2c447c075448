package directory_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/directory"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/postgres"
	"github.com/copydesk/copydesk/internal/search"
	"github.com/copydesk/copydesk/internal/testkit"
)

// --- helpers ---

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
	m := testkit.Of(postgres.TagsByIDs(context.Background(), db, []int64{id})).OK(t)
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
	ctx := testkit.AsSystem(t)
	svc, db := testkit.NewServices(t)
	economy := testkit.Of(svc.CreateTag(ctx, directory.CreateTagInput{Name: "Economy"})).OK(t)
	trade := testkit.Of(svc.CreateTag(ctx, directory.CreateTagInput{Name: "Trade", Slug: testkit.Ptr("trade-old")})).OK(t)
	testkit.Of(svc.UpdateTag(ctx, directory.UpdateTagInput{ID: trade.ID, ExpectedVersion: 1, Slug: testkit.Set("trade")})).OK(t)

	t.Run("OK", func(t *testing.T) {
		got := testkit.Of(svc.CreateTag(ctx, directory.CreateTagInput{
			Name:           "  Belt and Road  ",
			Description:    testkit.Ptr("  "),
			ParentID:       &economy.ID,
			LocalizedNames: editorial.LocalizedNames{"zh-hans": " 一带一路 ", "EN": "Belt and Road"},
		})).OK(t)
		want := editorial.LocalizedNames{"zh-Hans": "一带一路", "en": "Belt and Road"}
		if got.Name != "Belt and Road" || got.Slug != "belt-and-road" || got.Description != nil || parentOf(got.ParentID) != economy.ID ||
			got.Version != 1 {
			t.Errorf("CreateTag = %+v", got)
		}
		testkit.Diff(t, "CreateTag localized names", want, got.LocalizedNames)
		stored := tagByID(t, db, got.ID)
		if stored.Name != got.Name || !stored.CreatedAt.Equal(got.CreatedAt) {
			t.Errorf("stored %+v, returned %+v", stored, got)
		}
		testkit.Diff(t, "stored localized names", want, stored.LocalizedNames)
	})
	t.Run("OKSlugSuffixed", func(t *testing.T) {
		got := testkit.Of(svc.CreateTag(ctx, directory.CreateTagInput{Name: "Economy!"})).OK(t)
		if got.Slug != "economy-2" {
			t.Errorf("slug = %q, want economy-2", got.Slug)
		}
	})
	t.Run("OKUnicodeKept", func(t *testing.T) {
		name := "Cafe\u0301 \u00e9t\u00e9" // decomposed and precomposed accents, kept as sent
		got := testkit.Of(svc.CreateTag(ctx, directory.CreateTagInput{Name: name, Slug: testkit.Ptr("cafe-ete")})).OK(t)
		if tagByID(t, db, got.ID).Name != name {
			t.Errorf("name changed: %q", got.Name)
		}
	})
	t.Run("OKNoTransliteration", func(t *testing.T) {
		got := testkit.Of(svc.CreateTag(ctx, directory.CreateTagInput{Name: "🔥"})).OK(t)
		if got.Slug != "tag" {
			t.Errorf("slug = %q, want tag", got.Slug)
		}
	})

	create := func(in directory.CreateTagInput) func() error {
		return func() error { _, err := svc.CreateTag(ctx, in); return err }
	}
	testkit.RunFailCases(t, db, testkit.Dump, []testkit.FailCase{
		{Name: "ErrNameRequired", Call: create(directory.CreateTagInput{Name: " \t "}), Code: cerr.Invalid, Field: "input.name"},
		{Name: "ErrNameTooLong", Call: create(directory.CreateTagInput{Name: strings.Repeat("é", editorial.MaxTagName+1)}), Code: cerr.Invalid, Field: "input.name"},
		{Name: "ErrNameNotText", Call: create(directory.CreateTagInput{Name: "a\x00b"}), Code: cerr.Invalid, Field: "input.name"},
		{Name: "ErrNameTaken", Call: create(directory.CreateTagInput{Name: "ECONOMY"}), Code: cerr.Conflict, Field: "input.name", Msg: `"Economy"`},
		{Name: "ErrSlugInvalid", Call: create(directory.CreateTagInput{Name: "New", Slug: testkit.Ptr("Not A Slug")}), Code: cerr.Invalid, Field: "input.slug"},
		{Name: "ErrSlugTaken", Call: create(directory.CreateTagInput{Name: "New", Slug: testkit.Ptr("economy")}), Code: cerr.Conflict, Field: "input.slug", Msg: `"Economy"`},
		{Name: "ErrSlugIsRedirect", Call: create(directory.CreateTagInput{Name: "New", Slug: testkit.Ptr("trade-old")}), Code: cerr.Conflict, Field: "input.slug", Msg: `"Trade"`},
		{Name: "ErrDescriptionTooLong", Call: create(directory.CreateTagInput{Name: "New", Description: testkit.Ptr(strings.Repeat("x", editorial.MaxTagDesc+1))}), Code: cerr.Invalid, Field: "input.description"},
		{Name: "ErrLocaleInvalid", Call: create(directory.CreateTagInput{Name: "New", LocalizedNames: editorial.LocalizedNames{"en": "New", "zz_bad": "x"}}), Code: cerr.Invalid, Field: "input.localizedNames.1.locale"},
		{Name: "ErrLocaleDuplicate", Call: create(directory.CreateTagInput{Name: "New", LocalizedNames: editorial.LocalizedNames{"en-US": "a", "en-us": "b"}}), Code: cerr.Invalid, Field: "input.localizedNames.1.locale"},
		{Name: "ErrLocalizedNameEmpty", Call: create(directory.CreateTagInput{Name: "New", LocalizedNames: editorial.LocalizedNames{"fr": "  "}}), Code: cerr.Invalid, Field: "input.localizedNames.0.name"},
		{Name: "ErrUnknownParent", Call: create(directory.CreateTagInput{Name: "New", ParentID: testkit.Ptr(int64(999999))}), Code: cerr.NotFound, Field: "input.parentId"},
	})
}

func TestUpdateTag(t *testing.T) {
	t.Parallel()
	ctx := testkit.AsSystem(t)
	svc, db := testkit.NewServices(t)
	world := testkit.Of(svc.CreateTag(ctx, directory.CreateTagInput{Name: "World"})).OK(t)
	asia := testkit.Of(svc.CreateTag(ctx, directory.CreateTagInput{Name: "Asia", ParentID: &world.ID})).OK(t)
	china := testkit.Of(svc.CreateTag(ctx, directory.CreateTagInput{Name: "China", ParentID: &asia.ID})).OK(t)
	trade := testkit.Of(svc.CreateTag(ctx, directory.CreateTagInput{Name: "Trade"})).OK(t)

	t.Run("OK", func(t *testing.T) {
		got := testkit.Of(svc.UpdateTag(ctx, directory.UpdateTagInput{ID: trade.ID, ExpectedVersion: 1,
			Name: testkit.Set(" Commerce "), Slug: testkit.Set("commerce"), Description: testkit.Set(testkit.Ptr("Buying and selling.")), ParentID: testkit.Set(&world.ID)})).OK(t)
		if got.Name != "Commerce" || got.Slug != "commerce" || *got.Description != "Buying and selling." || *got.ParentID != world.ID || got.Version != 2 {
			t.Errorf("UpdateTag = %+v", got)
		}
		old := testkit.Of(postgres.TagBySlug(ctx, db, "trade")).OK(t)
		if old.ID != trade.ID || old.Slug != "commerce" {
			t.Errorf("old slug leads to %+v", old)
		}
	})
	t.Run("OKNothingChanged", func(t *testing.T) {
		before := testkit.Dump(t, db)
		got := testkit.Of(svc.UpdateTag(ctx, directory.UpdateTagInput{ID: trade.ID, ExpectedVersion: 2})).OK(t)
		same := testkit.Of(svc.UpdateTag(ctx, directory.UpdateTagInput{ID: trade.ID, ExpectedVersion: 2, Name: testkit.Set("Commerce"), ParentID: testkit.Set(&world.ID)})).OK(t)
		if got.Version != 2 || same.Version != 2 || testkit.Dump(t, db) != before {
			t.Errorf("a no-op update wrote: versions %d, %d", got.Version, same.Version)
		}
	})
	t.Run("OKTakeBackOldSlug", func(t *testing.T) {
		got := testkit.Of(svc.UpdateTag(ctx, directory.UpdateTagInput{ID: trade.ID, ExpectedVersion: 2, Slug: testkit.Set("trade"), ParentID: testkit.Set[*int64](nil)})).OK(t)
		if got.Slug != "trade" || got.ParentID != nil || got.Version != 3 {
			t.Errorf("UpdateTag = %+v", got)
		}
		var redirects []string
		if err := db.SelectContext(ctx, &redirects, `SELECT slug FROM tag_slug_redirects ORDER BY slug`); err != nil {
			t.Fatal(err)
		}
		testkit.Diff(t, "redirects", []string{"commerce"}, redirects)
	})
	t.Run("OKNameCase", func(t *testing.T) {
		got := testkit.Of(svc.UpdateTag(ctx, directory.UpdateTagInput{ID: trade.ID, ExpectedVersion: 3, Name: testkit.Set("COMMERCE")})).OK(t)
		if got.Name != "COMMERCE" {
			t.Errorf("name = %q", got.Name)
		}
	})

	update := func(in directory.UpdateTagInput) func() error {
		return func() error { _, err := svc.UpdateTag(ctx, in); return err }
	}
	testkit.RunFailCases(t, db, testkit.Dump, []testkit.FailCase{
		{Name: "ErrStaleVersion", Call: update(directory.UpdateTagInput{ID: trade.ID, ExpectedVersion: 1, Name: testkit.Set("Stale")}), Code: cerr.Conflict, Field: "input.expectedVersion"},
		{Name: "ErrUnknownTag", Call: update(directory.UpdateTagInput{ID: 999999, ExpectedVersion: 1, Name: testkit.Set("X")}), Code: cerr.NotFound, Field: "input.id"},
		{Name: "ErrNameRequired", Call: update(directory.UpdateTagInput{ID: asia.ID, ExpectedVersion: 1, Name: testkit.Set("")}), Code: cerr.Invalid, Field: "input.name"},
		{Name: "ErrNameTaken", Call: update(directory.UpdateTagInput{ID: asia.ID, ExpectedVersion: 1, Name: testkit.Set("world")}), Code: cerr.Conflict, Field: "input.name"},
		{Name: "ErrSlugInvalid", Call: update(directory.UpdateTagInput{ID: asia.ID, ExpectedVersion: 1, Slug: testkit.Set("")}), Code: cerr.Invalid, Field: "input.slug"},
		{Name: "ErrSlugIsRedirect", Call: update(directory.UpdateTagInput{ID: asia.ID, ExpectedVersion: 1, Slug: testkit.Set("commerce")}), Code: cerr.Conflict, Field: "input.slug"},
		{Name: "ErrParentCycle", Call: update(directory.UpdateTagInput{ID: world.ID, ExpectedVersion: 1, ParentID: testkit.Set(&china.ID)}), Code: cerr.Invalid, Field: "input.parentId", Msg: `would make "World" its own ancestor`},
		{Name: "ErrParentSelf", Call: update(directory.UpdateTagInput{ID: asia.ID, ExpectedVersion: 1, ParentID: testkit.Set(&asia.ID)}), Code: cerr.Invalid, Field: "input.parentId"},
		{Name: "ErrUnknownParent", Call: update(directory.UpdateTagInput{ID: asia.ID, ExpectedVersion: 1, ParentID: testkit.Set(testkit.Ptr(int64(999999)))}), Code: cerr.NotFound, Field: "input.parentId"},
		{Name: "ErrLocaleInvalid", Call: update(directory.UpdateTagInput{ID: asia.ID, ExpectedVersion: 1, LocalizedNames: testkit.Set(editorial.LocalizedNames{"und": "x"})}), Code: cerr.Invalid, Field: "input.localizedNames.0.locale"},
	})

	t.Run("ErrStaleVersionDetails", func(t *testing.T) {
		_, err := svc.UpdateTag(ctx, directory.UpdateTagInput{ID: trade.ID, ExpectedVersion: 1, Name: testkit.Set("Stale")})
		if e := cerr.As(err); e == nil || e.Details["currentVersion"] != 4 {
			t.Errorf("err = %#v, want Details currentVersion 4", e)
		}
	})
	t.Run("DatabaseBacksCycleCheck", func(t *testing.T) {
		err := db.InTx(ctx, func(tx *postgres.Tx) error {
			w := testkit.Of(postgres.LockTag(ctx, tx, world.ID)).OK(t)
			w.ParentID = &china.ID
			return postgres.UpdateTag(ctx, tx, w)
		})
		testkit.WantErr(t, err, cerr.Invalid, "")
	})
}

func TestFindOrCreateTagByName(t *testing.T) {
	t.Parallel()
	ctx := testkit.AsSystem(t)
	svc, db := testkit.NewServices(t)
	economy := testkit.Of(svc.CreateTag(ctx, directory.CreateTagInput{Name: "Economy"})).OK(t)
	find := func(name string) (*editorial.Tag, error) {
		var got *editorial.Tag
		err := db.InTx(ctx, func(tx *postgres.Tx) error {
			var err error
			got, _, err = directory.FindOrCreateTagByName(ctx, tx, name, func(string) error { return nil })
			return err
		})
		return got, err
	}
	t.Run("OKExisting", func(t *testing.T) {
		if got := testkit.Of(find(" economy ")).OK(t); got.ID != economy.ID {
			t.Errorf("got tag %d, want %d", got.ID, economy.ID)
		}
	})
	t.Run("OKCreated", func(t *testing.T) {
		got := testkit.Of(find("Economy?")).OK(t)
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
		testkit.WantErr(t, err, cerr.Invalid, "")
	})
}

func TestMergeTags(t *testing.T) {
	t.Parallel()
	ctx := testkit.AsSystem(t)
	svc, db := testkit.NewServices(t)
	tag := func(in directory.CreateTagInput) *editorial.Tag { return testkit.Of(svc.CreateTag(ctx, in)).OK(t) }
	parent := tag(directory.CreateTagInput{Name: "Topics"})
	target := tag(directory.CreateTagInput{Name: "Economy", ParentID: &parent.ID, LocalizedNames: editorial.LocalizedNames{"en": "Economy"}})
	s1 := tag(directory.CreateTagInput{Name: "Economics", Slug: testkit.Ptr("economics-old"), LocalizedNames: editorial.LocalizedNames{"en": "Economics", "fr": "Économie"}})
	testkit.Of(svc.UpdateTag(ctx, directory.UpdateTagInput{ID: s1.ID, ExpectedVersion: 1, Slug: testkit.Set("economics")})).OK(t)
	s2 := tag(directory.CreateTagInput{Name: "Finance", LocalizedNames: editorial.LocalizedNames{"fr": "Finances", "de": "Finanzen"}})
	s0 := tag(directory.CreateTagInput{Name: "Macroeconomics"})
	child := tag(directory.CreateTagInput{Name: "Banking", ParentID: &s2.ID})
	other := tag(directory.CreateTagInput{Name: "Trade"})
	// An earlier merge: s0 into s1. Merging s1 must repoint it.
	testkit.Of(svc.MergeTags(ctx, directory.MergeInput{SourceIDs: []int64{s0.ID}, TargetID: s1.ID})).OK(t)

	r1, r2, r3 := insertReport(t, db, "r1"), insertReport(t, db, "r2"), insertReport(t, db, "r3")
	testkit.Exec(t, db, `INSERT INTO report_tags (report_id, tag_id, position) VALUES
		($1, $4, 0), ($1, $6, 1), ($1, $5, 2),
		($2, $6, 0), ($2, $7, 1),
		($3, $7, 0), ($3, $4, 1)`, r1, r2, r3, s1.ID, target.ID, other.ID, s2.ID)

	merge := func(in directory.MergeInput) func() error {
		return func() error { _, err := svc.MergeTags(ctx, in); return err }
	}
	testkit.RunFailCases(t, db, testkit.Dump, []testkit.FailCase{
		{Name: "ErrNoSources", Call: merge(directory.MergeInput{TargetID: target.ID}), Code: cerr.Invalid, Field: "input.sourceIds"},
		{Name: "ErrTooMany", Call: merge(directory.MergeInput{SourceIDs: make([]int64, editorial.MaxMerge+1), TargetID: target.ID}), Code: cerr.Invalid, Field: "input.sourceIds"},
		{Name: "ErrTargetInSources", Call: merge(directory.MergeInput{SourceIDs: []int64{s1.ID, target.ID}, TargetID: target.ID}), Code: cerr.Invalid, Field: "input.sourceIds.1"},
		{Name: "ErrDuplicateSource", Call: merge(directory.MergeInput{SourceIDs: []int64{s1.ID, s2.ID, s1.ID}, TargetID: target.ID}), Code: cerr.Invalid, Field: "input.sourceIds.2"},
		{Name: "ErrUnknownSource", Call: merge(directory.MergeInput{SourceIDs: []int64{s1.ID, 999999}, TargetID: target.ID}), Code: cerr.NotFound, Field: "input.sourceIds.1"},
		{Name: "ErrMergedSource", Call: merge(directory.MergeInput{SourceIDs: []int64{s0.ID}, TargetID: target.ID}), Code: cerr.NotFound, Field: "input.sourceIds.0"},
		{Name: "ErrUnknownTarget", Call: merge(directory.MergeInput{SourceIDs: []int64{s1.ID}, TargetID: 999999}), Code: cerr.NotFound, Field: "input.targetId"},
	})

	t.Run("OK", func(t *testing.T) {
		got := testkit.Of(svc.MergeTags(ctx, directory.MergeInput{SourceIDs: []int64{s1.ID, s2.ID}, TargetID: target.ID})).OK(t)
		wantNames := editorial.LocalizedNames{"en": "Economy", "fr": "Économie", "de": "Finanzen"}
		if got.ID != target.ID || got.Version != 2 || parentOf(got.ParentID) != parent.ID {
			t.Errorf("MergeTags = %+v", got)
		}
		testkit.Diff(t, "MergeTags localized names", wantNames, got.LocalizedNames)
		tags := `SELECT tag_id || '@' || position FROM report_tags WHERE report_id = $1 ORDER BY position`
		for _, c := range []struct {
			report int64
			want   []string
		}{
			{r1, []string{idAt(target.ID, 0), idAt(other.ID, 1)}}, // source first, target later: one row, at the source's place
			{r2, []string{idAt(other.ID, 0), idAt(target.ID, 1)}}, // only a source
			{r3, []string{idAt(target.ID, 0)}},                    // two sources
		} {
			testkit.Diff(t, fmt.Sprintf("report %d tags", c.report), c.want, links(t, db, tags, c.report))
		}
		if p := tagByID(t, db, child.ID).ParentID; parentOf(p) != target.ID {
			t.Errorf("child's parent = %v, want the target", p)
		}
		for _, slug := range []string{"economics", "economics-old", "finance", "economy"} {
			if got := testkit.Of(postgres.TagBySlug(ctx, db, slug)).OK(t); got.ID != target.ID {
				t.Errorf("TagBySlug(%q) = tag %d, want the target", slug, got.ID)
			}
		}
		for _, id := range []int64{s0.ID, s1.ID, s2.ID} {
			wantResolved(t, db, postgres.KindTag, id, target.ID)
		}
		wantResolved(t, db, postgres.KindTag, other.ID, other.ID)
		if m := testkit.Of(postgres.TagsByIDs(ctx, db, []int64{s1.ID, s2.ID})).OK(t); len(m) != 0 {
			t.Errorf("sources still exist: %v", m)
		}
		counts := testkit.Of(postgres.ReportCountsByTagIDs(ctx, db, postgres.Newsroom, []int64{target.ID, other.ID, s1.ID})).OK(t)
		testkit.Diff(t, "ReportCountsByTagIDs", map[int64]int{target.ID: 3, other.ID: 2, s1.ID: 0}, counts)
		var n int
		if err := db.GetContext(ctx, &n, `SELECT count(*) FROM directory_merges WHERE kind = 'TAG' AND new_id = $1`, target.ID); err != nil || n != 3 {
			t.Errorf("directory_merges into the target: %d, %v; want 3", n, err)
		}
	})
	t.Run("OKParentReferenceToMergedTag", func(t *testing.T) {
		got := testkit.Of(svc.CreateTag(ctx, directory.CreateTagInput{Name: "Growth", ParentID: &s1.ID})).OK(t)
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
	ctx := testkit.AsSystem(t)
	svc, db := testkit.NewServices(t)
	tag := func(name string, parent *editorial.Tag) *editorial.Tag {
		in := directory.CreateTagInput{Name: name}
		if parent != nil {
			in.ParentID = &parent.ID
		}
		return testkit.Of(svc.CreateTag(ctx, in)).OK(t)
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
		testkit.Of(svc.MergeTags(ctx, directory.MergeInput{SourceIDs: []int64{src.ID}, TargetID: target.ID})).OK(t)
		if p := tagByID(t, db, target.ID).ParentID; parentOf(p) != root.ID {
			t.Errorf("target's parent = %v, want the source's parent %d", p, root.ID)
		}
		if p := tagByID(t, db, sibling.ID).ParentID; parentOf(p) != target.ID {
			t.Errorf("sibling's parent = %v, want the target", p)
		}
	})
	t.Run("OKDeepWithTwoSources", func(t *testing.T) {
		// Sources a and b are both above deep; mid (not a source) stays above deep.
		testkit.Of(svc.MergeTags(ctx, directory.MergeInput{SourceIDs: []int64{a.ID, b.ID}, TargetID: deep.ID})).OK(t)
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
	ctx := testkit.AsSystem(t)
	svc, db := testkit.NewServices(t)
	org := testkit.Of(svc.CreateOrganization(ctx, directory.CreateOrganizationInput{Name: "Xinhua"})).OK(t)
	oldOrg := testkit.Of(svc.CreateOrganization(ctx, directory.CreateOrganizationInput{Name: "Xinhua News Agency"})).OK(t)
	testkit.Of(svc.MergeOrganizations(ctx, directory.MergeInput{SourceIDs: []int64{oldOrg.ID}, TargetID: org.ID})).OK(t)

	var p *editorial.Person
	t.Run("OKCreate", func(t *testing.T) {
		p = testkit.Of(svc.CreatePerson(ctx, directory.CreatePersonInput{Name: " Li Wei ", AffiliationID: &oldOrg.ID,
			LocalizedNames: editorial.LocalizedNames{"zh-cn": "李伟"}})).OK(t)
		if p.Name != "Li Wei" || parentOf(p.AffiliationID) != org.ID || p.LocalizedNames["zh-CN"] != "李伟" || p.Version != 1 {
			t.Errorf("CreatePerson = %+v", p)
		}
	})
	t.Run("OKUpdate", func(t *testing.T) {
		got := testkit.Of(svc.UpdatePerson(ctx, directory.UpdatePersonInput{ID: p.ID, ExpectedVersion: 1, Name: testkit.Set("Li Wei (Dr.)"), AffiliationID: testkit.Set[*int64](nil)})).OK(t)
		if got.Name != "Li Wei (Dr.)" || got.AffiliationID != nil || got.Version != 2 {
			t.Errorf("UpdatePerson = %+v", got)
		}
	})
	t.Run("OKNothingChanged", func(t *testing.T) {
		got := testkit.Of(svc.UpdatePerson(ctx, directory.UpdatePersonInput{ID: p.ID, ExpectedVersion: 2})).OK(t)
		if got.Version != 2 {
			t.Errorf("version = %d, want 2", got.Version)
		}
	})
	createP := func(in directory.CreatePersonInput) func() error {
		return func() error { _, err := svc.CreatePerson(ctx, in); return err }
	}
	updateP := func(in directory.UpdatePersonInput) func() error {
		return func() error { _, err := svc.UpdatePerson(ctx, in); return err }
	}
	testkit.RunFailCases(t, db, testkit.Dump, []testkit.FailCase{
		{Name: "ErrNameRequired", Call: createP(directory.CreatePersonInput{Name: ""}), Code: cerr.Invalid, Field: "input.name"},
		{Name: "ErrNameTooLong", Call: createP(directory.CreatePersonInput{Name: strings.Repeat("李", editorial.MaxPersonName+1)}), Code: cerr.Invalid, Field: "input.name"},
		{Name: "ErrLocaleInvalid", Call: createP(directory.CreatePersonInput{Name: "A", LocalizedNames: editorial.LocalizedNames{"chinese": "李"}}), Code: cerr.Invalid, Field: "input.localizedNames.0.locale"},
		{Name: "ErrUnknownAffiliation", Call: createP(directory.CreatePersonInput{Name: "A", AffiliationID: testkit.Ptr(int64(999999))}), Code: cerr.NotFound, Field: "input.affiliationId"},
		{Name: "ErrStaleVersion", Call: updateP(directory.UpdatePersonInput{ID: p.ID, ExpectedVersion: 1, Name: testkit.Set("B")}), Code: cerr.Conflict, Field: "input.expectedVersion"},
		{Name: "ErrUnknownPerson", Call: updateP(directory.UpdatePersonInput{ID: 999999, ExpectedVersion: 1, Name: testkit.Set("B")}), Code: cerr.NotFound, Field: "input.id"},
		{Name: "ErrLocalizedNameTooLong", Call: updateP(directory.UpdatePersonInput{ID: p.ID, ExpectedVersion: 2, LocalizedNames: testkit.Set(editorial.LocalizedNames{"en": strings.Repeat("x", editorial.MaxPersonName+1)})}), Code: cerr.Invalid, Field: "input.localizedNames.0.name"},
	})
}

func TestMergePeople(t *testing.T) {
	t.Parallel()
	ctx := testkit.AsSystem(t)
	svc, db := testkit.NewServices(t)
	person := func(name string, names editorial.LocalizedNames) *editorial.Person {
		return testkit.Of(svc.CreatePerson(ctx, directory.CreatePersonInput{Name: name, LocalizedNames: names})).OK(t)
	}
	target := person("Wang Fang", editorial.LocalizedNames{"zh-CN": "王芳"})
	src := person("Fang Wang", editorial.LocalizedNames{"zh-CN": "王 芳", "en": "Fang Wang"})
	x := person("Someone Else", nil)
	r1, r2 := insertReport(t, db, "r1"), insertReport(t, db, "r2")
	testkit.Exec(t, db, `INSERT INTO report_attendees (report_id, position, person_id, role, participations) VALUES
		($1, 0, $3, 'Source role', '{SPEECH}'), ($1, 1, $5, NULL, '{ATTENDED}'), ($1, 2, $4, 'Target role', '{ATTENDED}'),
		($2, 0, $3, NULL, '{ATTENDED}')`, r1, r2, src.ID, target.ID, x.ID)
	testkit.Exec(t, db, `INSERT INTO report_authors (report_id, person_id, position) VALUES ($1, $3, 0), ($1, $4, 1), ($2, $5, 0), ($2, $3, 1)`,
		r1, r2, src.ID, target.ID, x.ID)

	testkit.RunFailCases(t, db, testkit.Dump, []testkit.FailCase{
		{Name: "ErrTargetInSources", Call: func() error {
			_, err := svc.MergePeople(ctx, directory.MergeInput{SourceIDs: []int64{target.ID}, TargetID: target.ID})
			return err
		}, Code: cerr.Invalid, Field: "input.sourceIds.0"},
		{Name: "ErrUnknownTarget", Call: func() error {
			_, err := svc.MergePeople(ctx, directory.MergeInput{SourceIDs: []int64{src.ID}, TargetID: 999999})
			return err
		}, Code: cerr.NotFound, Field: "input.targetId"},
	})

	t.Run("OK", func(t *testing.T) {
		got := testkit.Of(svc.MergePeople(ctx, directory.MergeInput{SourceIDs: []int64{src.ID}, TargetID: target.ID})).OK(t)
		if got.Version != 2 {
			t.Errorf("MergePeople = %+v", got)
		}
		testkit.Diff(t, "MergePeople localized names", editorial.LocalizedNames{"zh-CN": "王芳", "en": "Fang Wang"}, got.LocalizedNames)
		attendees := `SELECT person_id || '@' || position || ':' || COALESCE(role, '') FROM report_attendees WHERE report_id = $1 ORDER BY position`
		testkit.Diff(t, "r1 attendees (the target's row kept)", []string{idAt(x.ID, 0) + ":", idAt(target.ID, 1) + ":Target role"}, links(t, db, attendees, r1))
		testkit.Diff(t, "r2 attendees", []string{idAt(target.ID, 0) + ":"}, links(t, db, attendees, r2))
		authors := `SELECT person_id || '@' || position FROM report_authors WHERE report_id = $1 ORDER BY position`
		testkit.Diff(t, "r1 authors", []string{idAt(target.ID, 0)}, links(t, db, authors, r1))
		testkit.Diff(t, "r2 authors", []string{idAt(x.ID, 0), idAt(target.ID, 1)}, links(t, db, authors, r2))
		wantResolved(t, db, postgres.KindPerson, src.ID, target.ID)
		if m := testkit.Of(postgres.PeopleByIDs(ctx, db, []int64{src.ID})).OK(t); len(m) != 0 {
			t.Errorf("source still exists")
		}
	})
}

// --- organizations ---

func TestOrganizations(t *testing.T) {
	t.Parallel()
	ctx := testkit.AsSystem(t)
	svc, db := testkit.NewServices(t)
	var parent, child *editorial.Organization
	t.Run("OKCreate", func(t *testing.T) {
		parent = testkit.Of(svc.CreateOrganization(ctx, directory.CreateOrganizationInput{Name: "United Nations", Acronym: testkit.Ptr(" UN "), Country: testkit.Ptr("us")})).OK(t)
		if *parent.Acronym != "UN" || *parent.Country != "US" || parent.Version != 1 {
			t.Errorf("CreateOrganization = %+v", parent)
		}
		child = testkit.Of(svc.CreateOrganization(ctx, directory.CreateOrganizationInput{Name: "UNESCO", ParentID: &parent.ID, Country: testkit.Ptr(" ")})).OK(t)
		if parentOf(child.ParentID) != parent.ID || child.Country != nil {
			t.Errorf("CreateOrganization = %+v", child)
		}
	})
	t.Run("OKUpdate", func(t *testing.T) {
		got := testkit.Of(svc.UpdateOrganization(ctx, directory.UpdateOrganizationInput{ID: child.ID, ExpectedVersion: 1,
			Acronym: testkit.Set(testkit.Ptr("UNESCO")), Country: testkit.Set(testkit.Ptr("fr")), LocalizedNames: testkit.Set(editorial.LocalizedNames{"fr": "Organisation des Nations unies pour l'éducation"})})).OK(t)
		if *got.Acronym != "UNESCO" || *got.Country != "FR" || got.Version != 2 || parentOf(got.ParentID) != parent.ID {
			t.Errorf("UpdateOrganization = %+v", got)
		}
	})
	createO := func(in directory.CreateOrganizationInput) func() error {
		return func() error { _, err := svc.CreateOrganization(ctx, in); return err }
	}
	updateO := func(in directory.UpdateOrganizationInput) func() error {
		return func() error { _, err := svc.UpdateOrganization(ctx, in); return err }
	}
	testkit.RunFailCases(t, db, testkit.Dump, []testkit.FailCase{
		{Name: "ErrNameRequired", Call: createO(directory.CreateOrganizationInput{Name: "\n"}), Code: cerr.Invalid, Field: "input.name"},
		{Name: "ErrNameTooLong", Call: createO(directory.CreateOrganizationInput{Name: strings.Repeat("x", editorial.MaxOrgName+1)}), Code: cerr.Invalid, Field: "input.name"},
		{Name: "ErrAcronymTooLong", Call: createO(directory.CreateOrganizationInput{Name: "X", Acronym: testkit.Ptr(strings.Repeat("X", editorial.MaxAcronym+1))}), Code: cerr.Invalid, Field: "input.acronym"},
		{Name: "ErrCountryInvalid", Call: createO(directory.CreateOrganizationInput{Name: "X", Country: testkit.Ptr("XX")}), Code: cerr.Invalid, Field: "input.country"},
		{Name: "ErrUnknownParent", Call: createO(directory.CreateOrganizationInput{Name: "X", ParentID: testkit.Ptr(int64(999999))}), Code: cerr.NotFound, Field: "input.parentId"},
		{Name: "ErrParentCycle", Call: updateO(directory.UpdateOrganizationInput{ID: parent.ID, ExpectedVersion: 1, ParentID: testkit.Set(&child.ID)}), Code: cerr.Invalid, Field: "input.parentId", Msg: "its own ancestor"},
		{Name: "ErrStaleVersion", Call: updateO(directory.UpdateOrganizationInput{ID: child.ID, ExpectedVersion: 1, Name: testkit.Set("Y")}), Code: cerr.Conflict, Field: "input.expectedVersion"},
		{Name: "ErrCountryInvalidOnUpdate", Call: updateO(directory.UpdateOrganizationInput{ID: child.ID, ExpectedVersion: 2, Country: testkit.Set(testkit.Ptr("EU"))}), Code: cerr.Invalid, Field: "input.country"},
	})
}

func TestMergeOrganizations(t *testing.T) {
	t.Parallel()
	ctx := testkit.AsSystem(t)
	svc, db := testkit.NewServices(t)
	org := func(name string, parent *editorial.Organization) *editorial.Organization {
		in := directory.CreateOrganizationInput{Name: name}
		if parent != nil {
			in.ParentID = &parent.ID
		}
		return testkit.Of(svc.CreateOrganization(ctx, in)).OK(t)
	}
	top := org("Ministry", nil)
	src := org("Ministry of Commerce", top)
	target := org("MOFCOM", src) // the target sits below the source
	srcChild := org("Trade Bureau", src)
	other := org("Chamber of Commerce", nil)
	person := testkit.Of(svc.CreatePerson(ctx, directory.CreatePersonInput{Name: "Zhang San", AffiliationID: &src.ID})).OK(t)
	attendee := testkit.Of(svc.CreatePerson(ctx, directory.CreatePersonInput{Name: "Li Si"})).OK(t)
	e1 := testkit.Of(svc.CreateEvent(ctx, directory.CreateEventInput{Name: "Forum", OrganizerIDs: []int64{src.ID, other.ID, target.ID}})).OK(t)
	e2 := testkit.Of(svc.CreateEvent(ctx, directory.CreateEventInput{Name: "Expo", OrganizerIDs: []int64{other.ID, src.ID}})).OK(t)
	r := insertReport(t, db, "r")
	testkit.Exec(t, db, `INSERT INTO report_attendees (report_id, position, person_id, organization_id, delegation, participations) VALUES
		($1, 0, NULL, $2, NULL, '{ATTENDED}'),
		($1, 1, $4, $2, NULL, '{SPEECH}'),
		($1, 2, NULL, $3, NULL, '{HOSTED}'),
		($1, 3, NULL, $2, 'Trade delegation', '{ATTENDED}')`, r, src.ID, target.ID, attendee.ID)

	t.Run("OK", func(t *testing.T) {
		got := testkit.Of(svc.MergeOrganizations(ctx, directory.MergeInput{SourceIDs: []int64{src.ID}, TargetID: target.ID})).OK(t)
		if parentOf(got.ParentID) != top.ID {
			t.Errorf("target's parent = %v, want the source's parent", got.ParentID)
		}
		orgs := testkit.Of(postgres.OrganizationsByIDs(ctx, db, []int64{srcChild.ID, src.ID})).OK(t)
		if len(orgs) != 1 || parentOf(orgs[srcChild.ID].ParentID) != target.ID {
			t.Errorf("after merge: %v", orgs)
		}
		if p := testkit.Of(postgres.PeopleByIDs(ctx, db, []int64{person.ID})).OK(t)[person.ID]; parentOf(p.AffiliationID) != target.ID || p.Version != 2 {
			t.Errorf("affiliation = %v (version %d), want the target", p.AffiliationID, p.Version)
		}
		events := testkit.Of(postgres.EventsByIDs(ctx, db, []int64{e1.ID, e2.ID})).OK(t)
		testkit.Diff(t, "e1 organizers", []int64{target.ID, other.ID}, events[e1.ID].OrganizerIDs)
		testkit.Diff(t, "e2 organizers", []int64{other.ID, target.ID}, events[e2.ID].OrganizerIDs)
		attendees := `SELECT COALESCE(person_id, 0) || ':' || organization_id || '@' || position || ':' || participations[1] FROM report_attendees WHERE report_id = $1 ORDER BY position`
		want := []string{
			itoa(attendee.ID) + ":" + idAt(target.ID, 0) + ":SPEECH",
			"0:" + idAt(target.ID, 1) + ":HOSTED", // the target's group entry kept, the source's dropped
			"0:" + idAt(target.ID, 2) + ":ATTENDED",
		}
		testkit.Diff(t, "attendees", want, links(t, db, attendees, r))
		wantResolved(t, db, postgres.KindOrganization, src.ID, target.ID)
	})
}

// --- events ---

func TestCreateEvent(t *testing.T) {
	t.Parallel()
	ctx := testkit.AsSystem(t)
	svc, db := testkit.NewServices(t)
	o1 := testkit.Of(svc.CreateOrganization(ctx, directory.CreateOrganizationInput{Name: "CCPIT"})).OK(t)
	o2 := testkit.Of(svc.CreateOrganization(ctx, directory.CreateOrganizationInput{Name: "Qingdao Municipal Government"})).OK(t)
	start := time.Date(2025, 9, 12, 9, 30, 0, 123456789, time.FixedZone("CST", 8*3600))
	end := start.Add(8 * time.Hour)

	t.Run("OK", func(t *testing.T) {
		got := testkit.Of(svc.CreateEvent(ctx, directory.CreateEventInput{
			Name: "Qingdao Tech Trade Forum", LocalizedNames: editorial.LocalizedNames{"zh-Hans": "青岛科技贸易论坛"},
			StartsAt: &start, EndsAt: &end, TimeZone: "Asia/Shanghai", Venue: testkit.Ptr(" Qingdao International Convention Center "),
			City: testkit.Ptr("Qingdao"), Country: testkit.Ptr("cn"), Format: testkit.Ptr(editorial.EventFormat("HYBRID")),
			OrganizerIDs: []int64{o2.ID, o1.ID},
			Figures: []editorial.Figure{
				{Metric: "PARTICIPANTS", Value: 200, Approximation: "MORE_THAN", Label: " 200+ participants ", Countries: []string{"cn", "de"}},
				{Metric: "VIEWERS", Value: 1500000, Label: "1.5 million online viewers", Channels: []string{"Weibo", "Douyin"}},
			},
		})).OK(t)
		stored := testkit.Of(postgres.EventsByIDs(ctx, db, []int64{got.ID})).OK(t)[got.ID]
		for _, e := range []*editorial.Event{got, stored} {
			if e.Name != "Qingdao Tech Trade Forum" || *e.Venue != "Qingdao International Convention Center" || *e.Country != "CN" ||
				e.TimeZone != "Asia/Shanghai" || !e.StartsAt.Equal(start.Truncate(time.Microsecond)) || !e.EndsAt.Equal(end.Truncate(time.Microsecond)) ||
				e.Version != 1 {
				t.Errorf("event = %+v", e)
			}
			testkit.Diff(t, "organizers", []int64{o2.ID, o1.ID}, e.OrganizerIDs)
			want := []editorial.Figure{
				{Metric: "PARTICIPANTS", Value: 200, Approximation: "MORE_THAN", Label: "200+ participants", Channels: []string{}, Countries: []string{"CN", "DE"}},
				{Metric: "VIEWERS", Value: 1500000, Approximation: "EXACT", Label: "1.5 million online viewers", Channels: []string{"Weibo", "Douyin"}, Countries: []string{}},
			}
			testkit.Diff(t, "figures", want, e.Figures)
		}
	})
	t.Run("OKDefaults", func(t *testing.T) {
		got := testkit.Of(svc.CreateEvent(ctx, directory.CreateEventInput{Name: "Undated"})).OK(t)
		stored := testkit.Of(postgres.EventsByIDs(ctx, db, []int64{got.ID})).OK(t)[got.ID]
		if stored.TimeZone != "UTC" || stored.OrganizerIDs == nil || stored.Figures == nil || len(stored.LocalizedNames) != 0 || stored.StartsAt != nil {
			t.Errorf("event = %+v", stored)
		}
	})

	create := func(in directory.CreateEventInput) func() error {
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
	testkit.RunFailCases(t, db, testkit.Dump, []testkit.FailCase{
		{Name: "ErrNameRequired", Call: create(directory.CreateEventInput{Name: " "}), Code: cerr.Invalid, Field: "input.name"},
		{Name: "ErrNameTooLong", Call: create(directory.CreateEventInput{Name: strings.Repeat("x", editorial.MaxEventName+1)}), Code: cerr.Invalid, Field: "input.name"},
		{Name: "ErrLocaleInvalid", Call: create(directory.CreateEventInput{Name: "E", LocalizedNames: editorial.LocalizedNames{"en": "E", "zh_CN": "E"}}), Code: cerr.Invalid, Field: "input.localizedNames.1.locale"},
		{Name: "ErrTimeZoneLocal", Call: create(directory.CreateEventInput{Name: "E", TimeZone: "Local"}), Code: cerr.Invalid, Field: "input.timeZone"},
		{Name: "ErrTimeZoneUnknown", Call: create(directory.CreateEventInput{Name: "E", TimeZone: "Mars/Olympus"}), Code: cerr.Invalid, Field: "input.timeZone"},
		{Name: "ErrEndsBeforeStart", Call: create(directory.CreateEventInput{Name: "E", StartsAt: &end, EndsAt: &start}), Code: cerr.Invalid, Field: "input.endsAt"},
		{Name: "ErrCountryInvalid", Call: create(directory.CreateEventInput{Name: "E", Country: testkit.Ptr("CHN")}), Code: cerr.Invalid, Field: "input.country"},
		{Name: "ErrFormatInvalid", Call: create(directory.CreateEventInput{Name: "E", Format: testkit.Ptr(editorial.EventFormat("VIRTUAL"))}), Code: cerr.Invalid, Field: "input.format"},
		{Name: "ErrVenueTooLong", Call: create(directory.CreateEventInput{Name: "E", Venue: testkit.Ptr(strings.Repeat("v", editorial.MaxPlace+1))}), Code: cerr.Invalid, Field: "input.venue"},
		{Name: "ErrUnknownParent", Call: create(directory.CreateEventInput{Name: "E", ParentID: testkit.Ptr(int64(999999))}), Code: cerr.NotFound, Field: "input.parentId"},
		{Name: "ErrUnknownOrganizer", Call: create(directory.CreateEventInput{Name: "E", OrganizerIDs: []int64{o1.ID, 999999}}), Code: cerr.NotFound, Field: "input.organizerIds.1"},
		{Name: "ErrDuplicateOrganizer", Call: create(directory.CreateEventInput{Name: "E", OrganizerIDs: []int64{o1.ID, o1.ID}}), Code: cerr.Invalid, Field: "input.organizerIds.1"},
		{Name: "ErrFigureNegative", Call: create(directory.CreateEventInput{Name: "E", Figures: fig(editorial.Figure{Value: -1})}), Code: cerr.Invalid, Field: "input.figures.1.value"},
		{Name: "ErrFigureAboveDoublePrecision", Call: create(directory.CreateEventInput{Name: "E", Figures: fig(editorial.Figure{Value: 1 << 53})}), Code: cerr.Invalid, Field: "input.figures.1.value"},
		{Name: "ErrFigureMetric", Call: create(directory.CreateEventInput{Name: "E", Figures: fig(editorial.Figure{Metric: "GUESTS"})}), Code: cerr.Invalid, Field: "input.figures.1.metric"},
		{Name: "ErrFigureApproximation", Call: create(directory.CreateEventInput{Name: "E", Figures: fig(editorial.Figure{Approximation: "ROUGHLY"})}), Code: cerr.Invalid, Field: "input.figures.1.approximation"},
		{Name: "ErrFigureLabelRequired", Call: create(directory.CreateEventInput{Name: "E", Figures: []editorial.Figure{{Metric: "OTHER", Label: " "}}}), Code: cerr.Invalid, Field: "input.figures.0.label"},
		{Name: "ErrFigureCountry", Call: create(directory.CreateEventInput{Name: "E", Figures: fig(editorial.Figure{Countries: []string{"CN", "jp", "XX"}})}), Code: cerr.Invalid, Field: "input.figures.1.countries.2"},
		{Name: "ErrFigureChannelEmpty", Call: create(directory.CreateEventInput{Name: "E", Figures: fig(editorial.Figure{Channels: []string{"Weibo", ""}})}), Code: cerr.Invalid, Field: "input.figures.1.channels.1"},
		{Name: "ErrTooManyFigures", Call: create(directory.CreateEventInput{Name: "E", Figures: make([]editorial.Figure, editorial.MaxFigures+1)}), Code: cerr.Invalid, Field: "input.figures"},
	})
}

func TestUpdateEvent(t *testing.T) {
	t.Parallel()
	ctx := testkit.AsSystem(t)
	svc, db := testkit.NewServices(t)
	o1 := testkit.Of(svc.CreateOrganization(ctx, directory.CreateOrganizationInput{Name: "CCPIT"})).OK(t)
	o2 := testkit.Of(svc.CreateOrganization(ctx, directory.CreateOrganizationInput{Name: "MOFCOM"})).OK(t)
	start := time.Date(2025, 9, 12, 1, 30, 0, 0, time.UTC)
	end := start.Add(48 * time.Hour)
	parent := testkit.Of(svc.CreateEvent(ctx, directory.CreateEventInput{Name: "Expo 2025", StartsAt: &start, EndsAt: &end, OrganizerIDs: []int64{o1.ID}})).OK(t)
	child := testkit.Of(svc.CreateEvent(ctx, directory.CreateEventInput{Name: "Opening", ParentID: &parent.ID, StartsAt: &start,
		Figures: []editorial.Figure{{Metric: "SPEAKERS", Value: 5, Label: "five speakers"}}})).OK(t)

	t.Run("OK", func(t *testing.T) {
		got := testkit.Of(svc.UpdateEvent(ctx, directory.UpdateEventInput{ID: parent.ID, ExpectedVersion: 1,
			OrganizerIDs: testkit.Set([]int64{o2.ID, o1.ID}), TimeZone: testkit.Set("Asia/Shanghai"), AllDay: testkit.Set(true),
			Figures: testkit.Set([]editorial.Figure{{Metric: "COUNTRIES", Value: 40, Approximation: "ABOUT", Label: "about 40 countries"}})})).OK(t)
		stored := testkit.Of(postgres.EventsByIDs(ctx, db, []int64{parent.ID})).OK(t)[parent.ID]
		for _, e := range []*editorial.Event{got, stored} {
			if e.Version != 2 || e.TimeZone != "Asia/Shanghai" || !e.AllDay ||
				len(e.Figures) != 1 || e.Figures[0].Value != 40 || e.Name != "Expo 2025" {
				t.Errorf("event = %+v", e)
			}
			testkit.Diff(t, "organizers", []int64{o2.ID, o1.ID}, e.OrganizerIDs)
		}
	})
	t.Run("OKNothingChanged", func(t *testing.T) {
		before := testkit.Dump(t, db)
		got := testkit.Of(svc.UpdateEvent(ctx, directory.UpdateEventInput{ID: parent.ID, ExpectedVersion: 2,
			OrganizerIDs: testkit.Set([]int64{o2.ID, o1.ID}), StartsAt: testkit.Set(testkit.Ptr(start.In(time.FixedZone("X", 3600))))})).OK(t)
		if got.Version != 2 || testkit.Dump(t, db) != before {
			t.Errorf("a no-op update wrote (version %d)", got.Version)
		}
	})
	t.Run("OKChildren", func(t *testing.T) {
		kids := testkit.Of(postgres.EventChildren(ctx, db, []int64{parent.ID, child.ID})).OK(t)
		if len(kids) != 1 || len(kids[parent.ID]) != 1 || kids[parent.ID][0].ID != child.ID || kids[parent.ID][0].Figures[0].Label != "five speakers" {
			t.Errorf("EventChildren = %v", kids)
		}
	})

	update := func(in directory.UpdateEventInput) func() error {
		return func() error { _, err := svc.UpdateEvent(ctx, in); return err }
	}
	testkit.RunFailCases(t, db, testkit.Dump, []testkit.FailCase{
		{Name: "ErrStaleVersion", Call: update(directory.UpdateEventInput{ID: parent.ID, ExpectedVersion: 1, Name: testkit.Set("X")}), Code: cerr.Conflict, Field: "input.expectedVersion"},
		{Name: "ErrUnknownEvent", Call: update(directory.UpdateEventInput{ID: 999999, ExpectedVersion: 1, Name: testkit.Set("X")}), Code: cerr.NotFound, Field: "input.id"},
		{Name: "ErrParentCycle", Call: update(directory.UpdateEventInput{ID: parent.ID, ExpectedVersion: 2, ParentID: testkit.Set(&child.ID)}), Code: cerr.Invalid, Field: "input.parentId", Msg: `would make "Expo 2025" its own ancestor`},
		{Name: "ErrStartsAfterEnd", Call: update(directory.UpdateEventInput{ID: parent.ID, ExpectedVersion: 2, StartsAt: testkit.Set(testkit.Ptr(end.Add(time.Hour)))}), Code: cerr.Invalid, Field: "input.startsAt"},
		{Name: "ErrTimeZoneEmpty", Call: update(directory.UpdateEventInput{ID: parent.ID, ExpectedVersion: 2, TimeZone: testkit.Set("")}), Code: cerr.Invalid, Field: "input.timeZone"},
		{Name: "ErrUnknownOrganizer", Call: update(directory.UpdateEventInput{ID: parent.ID, ExpectedVersion: 2, OrganizerIDs: testkit.Set([]int64{999999})}), Code: cerr.NotFound, Field: "input.organizerIds.0"},
		{Name: "ErrFigureCountry", Call: update(directory.UpdateEventInput{ID: parent.ID, ExpectedVersion: 2, Figures: testkit.Set([]editorial.Figure{{Metric: "OTHER", Label: "x", Countries: []string{"UK"}}})}), Code: cerr.Invalid, Field: "input.figures.0.countries.0"},
	})
}

// --- reads: lists, cursors, batches ---

func TestLists(t *testing.T) {
	t.Parallel()
	ctx := testkit.AsSystem(t)
	svc, db := testkit.NewServices(t)
	for _, name := range []string{"beta", "Alpha", "alphabet", "Gamma", "100% Pure", "1000 Pure", "under_score", "underscore"} {
		testkit.Of(svc.CreateTag(ctx, directory.CreateTagInput{Name: name})).OK(t)
	}
	testkit.Of(svc.CreateTag(ctx, directory.CreateTagInput{Name: "Economy", LocalizedNames: editorial.LocalizedNames{"zh-Hans": "经济"}})).OK(t)
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
			{"ALPHA", []string{"Alpha", "alphabet"}},           // any case, a prefix
			{"alp", []string{"Alpha", "alphabet"}},             // as you type
			{"lpha", []string{"Alpha", "alphabet"}},            // inside the name, from 3 characters
			{"lp", []string{}},                                 // shorter: from the start of a word
			{"100%", []string{"100% Pure", "1000 Pure"}},       // punctuation is not searched
			{"pure 100", []string{"100% Pure", "1000 Pure"}},   // every term, in any order
			{"score", []string{"under_score", "underscore"}},   // a word, or inside the name
			{"under_", []string{"under_score", "underscore"}},  // _ separates words
			{"conom", []string{"Economy"}},                     // inside the primary name
			{"济", []string{"Economy"}},                         // every CJK character of a name
			{"经济", []string{"Economy"}},                        // localized names, CJK bigrams
			{"Gam beta", []string{}},                           // both must match one tag
			{`alpha' & !(:* "`, []string{"Alpha", "alphabet"}}, // tsquery syntax is text
			{"nothing", []string{}},
		} {
			q, err := search.Parse(c.search)
			if err != nil {
				t.Fatal(err)
			}
			list, count := testkit.Of2(postgres.TagPage(ctx, db, postgres.NameSearch{Prefix: q.Prefix(), Text: c.search}, 10, nil)).OK(t)
			testkit.Diff(t, fmt.Sprintf("TagPage(%q)", c.search), c.want, names(list))
			if total := testkit.Of(count(ctx)).OK(t); total != len(c.want) {
				t.Errorf("TagPage(%q) total %d, want %d", c.search, total, len(c.want))
			}
		}
	})
	t.Run("TagPages", func(t *testing.T) {
		var all []string
		var after *editorial.Cursor
		for page := 0; ; page++ {
			list, count := testkit.Of2(postgres.TagPage(ctx, db, postgres.NameSearch{}, 3, after)).OK(t)
			if total := testkit.Of(count(ctx)).OK(t); total != 9 {
				t.Fatalf("total = %d, want 9", total)
			}
			if len(list) == 0 {
				break
			}
			all = append(all, names(list)...)
			last := list[len(list)-1]
			after = testkit.Ptr(postgres.NameCursor(last.Name, last.ID))
		}
		want := []string{"1000 Pure", "100% Pure", "Alpha", "alphabet", "beta", "Economy", "Gamma", "under_score", "underscore"}
		if len(all) != len(want) {
			t.Errorf("pages = %v, want %v", all, want)
		}
	})
	t.Run("OrganizationAcronym", func(t *testing.T) {
		testkit.Of(svc.CreateOrganization(ctx, directory.CreateOrganizationInput{Name: "China Council for the Promotion of International Trade", Acronym: testkit.Ptr("CCPIT")})).OK(t)
		list, count := testkit.Of2(postgres.OrganizationPage(ctx, db, postgres.NameSearch{Prefix: "'ccpit':*"}, 10, nil)).OK(t)
		if total := testkit.Of(count(ctx)).OK(t); len(list) != 1 || total != 1 {
			t.Errorf("OrganizationPage = %d, total %d", len(list), total)
		}
	})
	t.Run("EventPages", func(t *testing.T) {
		day := func(d int) *time.Time { return testkit.Ptr(time.Date(2025, 1, d, 0, 0, 0, 0, time.UTC)) }
		var want []int64
		for _, in := range []directory.CreateEventInput{
			{Name: "undated 1"}, {Name: "jan 3", StartsAt: day(3)}, {Name: "jan 5", StartsAt: day(5)},
			{Name: "undated 2"}, {Name: "jan 3 again", StartsAt: day(3)},
		} {
			want = append(want, testkit.Of(svc.CreateEvent(ctx, in)).OK(t).ID)
		}
		// latest first, ties by ID descending, undated last
		want = []int64{want[2], want[4], want[1], want[3], want[0]}
		var got []int64
		var after *editorial.Cursor
		for {
			list, count := testkit.Of2(postgres.EventPage(ctx, db, postgres.NameSearch{}, 2, after)).OK(t)
			if total := testkit.Of(count(ctx)).OK(t); total != 5 {
				t.Fatalf("total = %d", total)
			}
			if len(list) == 0 {
				break
			}
			for _, e := range list {
				got = append(got, e.ID)
			}
			after = testkit.Ptr(postgres.EventCursor(list[len(list)-1]))
		}
		testkit.Diff(t, "event order", want, got)
		_, _, err := postgres.EventPage(ctx, db, postgres.NameSearch{}, 2, &editorial.Cursor{Key: "yesterday"})
		testkit.WantErr(t, err, cerr.Invalid, "after")
	})
	t.Run("TagChildren", func(t *testing.T) {
		p := testkit.Of(svc.CreateTag(ctx, directory.CreateTagInput{Name: "Parent"})).OK(t)
		for _, n := range []string{"Zeta", "eta"} {
			testkit.Of(svc.CreateTag(ctx, directory.CreateTagInput{Name: n, ParentID: &p.ID})).OK(t)
		}
		kids := testkit.Of(postgres.TagChildren(ctx, db, []int64{p.ID})).OK(t)
		testkit.Diff(t, "TagChildren", []string{"eta", "Zeta"}, names(kids[p.ID]))
	})
}

// TestNotFoundIsCoded checks that storage lookups of missing rows are NOT_FOUND.
func TestNotFoundIsCoded(t *testing.T) {
	t.Parallel()
	ctx := testkit.AsSystem(t)
	_, db := testkit.NewServices(t)
	_, err := postgres.TagBySlug(ctx, db, "missing")
	if !cerr.Is(err, cerr.NotFound) {
		t.Errorf("TagBySlug = %v, want NOT_FOUND", err)
	}
	err = db.InTx(ctx, func(tx *postgres.Tx) error { _, err := postgres.LockEvent(ctx, tx, 1); return err })
	if !cerr.Is(err, cerr.NotFound) {
		t.Errorf("LockEvent = %v, want NOT_FOUND", err)
	}
}
