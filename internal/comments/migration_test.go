package comments_test

import (
	"context"
	"slices"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/copydesk/copydesk/internal/migrations"
	"github.com/copydesk/copydesk/internal/pgtest"
)

// TestMigration00015: ranges written before anchors followed edits keep
// their range when it still covers their quote, and are outdated otherwise
// (so is a thread whose attendee already left); the Down step leaves rows
// the old constraints accept.
func TestMigration00015(t *testing.T) {
	db := sqlx.MustConnect("postgres", pgtest.NewEmptyDSN(t))
	defer db.Close()
	ctx := context.Background()
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if _, err := migrations.Up(ctx, db.DB, nil); err != nil {
		t.Fatal(err)
	}
	// Back to before 00015 (and whatever came after it).
	downBefore15 := func() {
		t.Helper()
		for {
			var version int64
			if err := db.GetContext(ctx, &version, `SELECT max(version_id) FROM goose_db_version`); err != nil {
				t.Fatal(err)
			}
			if version < 15 {
				return
			}
			if _, err := migrations.Down(ctx, db.DB, false, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	downBefore15()
	var report int64
	if err := db.GetContext(ctx, &report, `INSERT INTO reports (slug, source_locale, title, body, created_at, updated_at)
		VALUES ('forum', 'en', '论坛在青岛开幕', 'Breaking: The forum opened.', now(), now()) RETURNING id`); err != nil {
		t.Fatal(err)
	}
	insert := `INSERT INTO comments (report_id, body, field, range_start, range_end, quote, created_at, updated_at)
		VALUES ($1, 'x', $2, $3, $4, $5, now(), now()) RETURNING id`
	rows := []struct {
		field      string
		start, end *int
		quote      *string
		keep       bool // the range stays
		outdated   bool
	}{
		{"title", ip(3), ip(5), sp("青岛"), true, false},  // still there: code points
		{"body", ip(0), ip(3), sp("The"), false, true},  // text was prepended
		{"subtitle", ip(0), ip(0), sp(""), true, false}, // a position in the unset subtitle
		{"title", ip(40), ip(40), sp(""), false, true},  // a position past the end
		{"body", nil, nil, nil, false, false},           // the whole field
		{"attendee", nil, nil, nil, false, true},        // the attendee left
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		if err := db.GetContext(ctx, &ids[i], insert, report, r.field, r.start, r.end, r.quote); err != nil {
			t.Fatalf("row %d: %v", i, err)
		}
	}
	if _, err := migrations.Up(ctx, db.DB, nil); err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		var got struct {
			Start    *int    `db:"range_start"`
			Quote    *string `db:"quote"`
			Current  *string `db:"current_quote"`
			Outdated bool    `db:"outdated"`
		}
		if err := db.GetContext(ctx, &got, `SELECT range_start, quote, current_quote, outdated_at IS NOT NULL AS outdated FROM comments WHERE id = $1`, ids[i]); err != nil {
			t.Fatal(err)
		}
		if (got.Start != nil) != r.keep || got.Outdated != r.outdated || !eqPtr(got.Quote, r.quote) || (r.keep && !eqPtr(got.Current, r.quote)) {
			t.Errorf("row %d (%s %s..%s %s): range %s, quote %s, current %s, outdated %v", i, r.field, num(r.start), num(r.end), str(r.quote),
				num(got.Start), str(got.Quote), str(got.Current), got.Outdated)
		}
	}
	// A range that moved and shrank, then Down: the old check (quote is the
	// range's text, and only with a range) holds again.
	exec(`UPDATE comments SET range_start = 3, range_end = 4, current_quote = '青' WHERE id = $1`, ids[0])
	downBefore15()
	var quotes []string
	if err := db.SelectContext(ctx, &quotes, `SELECT coalesce(quote, '<null>') FROM comments ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	if want := []string{"青", "<null>", "", "<null>", "<null>", "<null>"}; !slices.Equal(quotes, want) {
		t.Errorf("quotes after Down: %q, want %q", quotes, want)
	}
	if _, err := migrations.Up(ctx, db.DB, nil); err != nil {
		t.Fatal(err)
	}
}

func ip(v int) *int       { return &v }
func sp(s string) *string { return &s }
