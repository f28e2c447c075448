package comments

import (
	"context"
	"slices"
	"unicode"
	"unicode/utf8"

	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/postgres"
	"github.com/copydesk/copydesk/internal/textdiff"
)

// Anchors follow edits. When a report's text field changes, every thread
// anchored to a range of it (open or resolved: a resolved thread can be
// reopened, and is listed with its range) gets that range mapped from the
// old text to the new one along the diff of the two (package textdiff, on
// code points, word-aligned):
//
//   - Text inserted or deleted before the range moves it; text changed
//     after it leaves it alone. Text inserted exactly at either end of the
//     range stays outside it: the range still covers the same words.
//   - An edit inside the range, or one that overlaps an end of it, makes
//     the range grow or shrink to cover the text that replaced what was
//     edited, and the range's text (CurrentQuote) becomes the new text;
//     Quote keeps the text the comment was made on.
//   - The quoted words must stay recognisable: at least half of the
//     quote's characters are kept unchanged, and they make up at least half
//     of what the range covers afterwards (white space does not count, unless
//     the quote is nothing but white space). Otherwise, and always when the
//     quoted text is deleted or replaced wholesale, the thread is outdated:
//     it has no range any more, keeps Quote, and OutdatedAt says when. An
//     empty range (a position) moves with the text and is outdated when the
//     text around it is deleted or rewritten.
//
// So "the quick brown fox" commented at 4–15 ("quick brown"): prepending
// "Today " moves it to 10–21; "quick brown" → "quick red" keeps it at 4–13
// (quoting "quick red"); "quick brown" → "slow" outdates it.
//
// A thread anchored to a whole field is not affected by edits; one anchored
// to an attendee is outdated when the attendee leaves the report. Only the
// report's source texts carry anchors (translations have none), and a
// thread once outdated stays so.

// Range is a range of a text, in code points: [Start, End).
type Range struct{ Start, End int }

// region is one changed part of an edit: old[a:b] became new[c:d].
type region struct{ a, b, c, d int }

// Edit is the change from one text to another, diffed once, to map any
// number of ranges of the old text onto the new one.
type Edit struct {
	old, new []rune
	regions  []region // in order, separated by unchanged text
}

// NewEdit diffs old and new (textdiff.Diff).
func NewEdit(old, new string) *Edit {
	e := &Edit{old: []rune(old), new: []rune(new)}
	var o, n int
	open := false
	for _, s := range textdiff.Diff(old, new) {
		k := utf8.RuneCountInString(s.Text)
		if s.Op == textdiff.Equal {
			o, n, open = o+k, n+k, false
			continue
		}
		if !open {
			e.regions = append(e.regions, region{a: o, b: o, c: n, d: n})
			open = true
		}
		r := &e.regions[len(e.regions)-1]
		if s.Op == textdiff.Delete {
			o += k
			r.b = o
		} else {
			n += k
			r.d = n
		}
	}
	return e
}

// FollowRange maps range r of old onto new (see the package's rule above);
// ok is false when the quoted text is gone and the thread is outdated.
func FollowRange(old, new string, r Range) (Range, bool) {
	return NewEdit(old, new).Map(r)
}

// Map maps range r of the old text onto the new text; ok is false when the
// range is outdated, or does not lie within the old text.
func (e *Edit) Map(r Range) (_ Range, ok bool) {
	s, t := r.Start, r.End
	if s < 0 || s > t || t > len(e.old) {
		return Range{}, false
	}
	// shift maps an unchanged position p of the old text: it moves by what
	// the regions before it added or removed. A region ending at p counts
	// (text inserted at the start goes before the range) unless
	// endSide and the region is an insertion right at p (text inserted at
	// the end goes after it).
	shift := func(p int, endSide bool) int {
		q := p
		for _, g := range e.regions {
			if g.b > p || (endSide && g.a == p) {
				break
			}
			q += (g.d - g.c) - (g.b - g.a)
		}
		return q
	}
	// The regions that touch the range: their old text overlaps it, or, for
	// an insertion, they are strictly inside it.
	var touched []region
	for _, g := range e.regions {
		if g.a < t && g.b > s {
			touched = append(touched, g)
		}
	}
	if s == t { // a position
		if len(touched) > 0 {
			return Range{}, false
		}
		p := shift(s, false)
		return Range{p, p}, true
	}
	out := Range{shift(s, false), shift(t, true)}
	if len(touched) > 0 {
		if first := touched[0]; first.a < s {
			out.Start = first.c
		}
		if last := touched[len(touched)-1]; last.b > t {
			out.End = last.d
		}
	}
	// What is kept of the quote is what no touched region changed.
	quote := e.old[s:t]
	keep := make([]bool, len(quote))
	for i := range keep {
		keep[i] = true
	}
	for _, g := range touched {
		for p := max(g.a, s); p < min(g.b, t); p++ {
			keep[p-s] = false
		}
	}
	ws := !slices.ContainsFunc(quote, counts) // a quote of white space: count it all
	weight := func(r rune) int {
		if ws || counts(r) {
			return 1
		}
		return 0
	}
	var kept, was, now int
	for i, r := range quote {
		w := weight(r)
		was += w
		if keep[i] {
			kept += w
		}
	}
	for _, r := range e.new[out.Start:out.End] {
		now += weight(r)
	}
	if 2*kept < was || 2*kept < now {
		return Range{}, false
	}
	return out, true
}

// counts says whether r counts towards recognising a quote.
func counts(r rune) bool { return !unicode.IsSpace(r) }

// Followed is what an edit did to the threads anchored to what it changed,
// by thread ID, ascending.
type Followed struct {
	// Moved are the threads whose range moved or whose quoted text changed.
	Moved []int64
	// Outdated are the threads that became outdated.
	Outdated []int64
}

// FollowEdit makes the threads anchored to report before's text fields
// follow the edit that turns them into after's (see the rule above), and
// outdates the threads anchored to an attendee who left the report when
// attendeesLeft says some did. It runs in tx, the edit's transaction, which
// holds the report locked (so no thread is anchored meanwhile to the text
// being replaced). It costs no statement when no anchored field changed,
// one read when no thread is anchored to the changed fields, and one batched
// update more for the threads that moved. It records no audit entry of its
// own: the edit's entry says what it did.
func FollowEdit(ctx context.Context, tx *postgres.Tx, before, after *editorial.Report, attendeesLeft bool) (Followed, error) {
	var fields []string
	for _, f := range textFields {
		if fieldText(before, f) != fieldText(after, f) {
			fields = append(fields, f)
		}
	}
	var out Followed
	if len(fields) == 0 && !attendeesLeft {
		return out, nil
	}
	rows, err := postgres.AnchorsToFollow(ctx, tx, after.ID, fields, attendeesLeft)
	if err != nil || len(rows) == 0 {
		return out, err
	}
	edits := map[string]*Edit{}
	var moves []postgres.AnchorMove
	for _, row := range rows {
		if row.RangeStart == nil { // an attendee's thread
			moves = append(moves, postgres.AnchorMove{ID: row.ID, Outdated: true})
			out.Outdated = append(out.Outdated, row.ID)
			continue
		}
		e := edits[row.Field]
		if e == nil {
			e = NewEdit(fieldText(before, row.Field), fieldText(after, row.Field))
			edits[row.Field] = e
		}
		was := Range{*row.RangeStart, *row.RangeEnd}
		r, ok := e.Map(was)
		// A range whose text is not what it quotes (it cannot be, short of a
		// write that bypassed this) is not guessed at either.
		ok = ok && row.CurrentQuote != nil && string(e.old[was.Start:was.End]) == *row.CurrentQuote
		switch {
		case !ok:
			moves = append(moves, postgres.AnchorMove{ID: row.ID, Outdated: true})
			out.Outdated = append(out.Outdated, row.ID)
		case r != was || string(e.new[r.Start:r.End]) != *row.CurrentQuote:
			moves = append(moves, postgres.AnchorMove{ID: row.ID, Start: r.Start, End: r.End, Quote: string(e.new[r.Start:r.End])})
			out.Moved = append(out.Moved, row.ID)
		}
	}
	return out, postgres.MoveAnchors(ctx, tx, moves) // no statement when nothing moved
}
