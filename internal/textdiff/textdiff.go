// Package textdiff compares two revisions of a text and reports the
// differences as a list of equal, inserted and deleted segments, suitable for
// showing an editor what changed between revisions.
//
// The diff is computed on Unicode code points (runes), never on bytes, so a
// segment never splits a multi-byte character; it works the same for English,
// Chinese, Japanese, Korean or any other script.
package textdiff

import (
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// Op says what a Segment does to the old text.
type Op string

// The three kinds of segment.
const (
	// Equal marks text present, unchanged, in both the old and the new text.
	Equal Op = "EQUAL"
	// Insert marks text present only in the new text.
	Insert Op = "INSERT"
	// Delete marks text present only in the old text.
	Delete Op = "DELETE"
)

// Segment is one run of text and what happened to it.
type Segment struct {
	Op   Op
	Text string
}

const (
	// lineModeThreshold is the size, in runes, above which Diff first diffs
	// line by line and only then refines changed blocks character by character.
	lineModeThreshold = 10000
	// maxLineModeLines bounds the number of lines for line mode: go-diff
	// encodes each distinct line as one rune and cannot encode much more
	// than a million of them.
	maxLineModeLines = 500000
	// timeout bounds the time spent looking for a minimal diff; when it
	// runs out the result is still correct, only coarser.
	timeout = 2 * time.Second
)

// Diff returns the segments that turn a into b, in order.
//
// Concatenating the Text of the Equal and Delete segments gives a;
// concatenating the Equal and Insert segments gives b. Within a changed region
// a Delete segment comes before an Insert segment. No segment is empty, no two
// adjacent segments have the same Op, and every segment is valid UTF-8.
// Diff(a, a) is a single Equal segment, or nil when a is "".
//
// The raw character diff is passed through a semantic cleanup (go-diff's
// DiffCleanupSemantic, plus a Unicode-aware pass that slides each edit to a
// word or sentence boundary) so that changes line up with words and sentences
// rather than scattered coincidental characters, and each change is then
// widened to whole words (CJK characters count as words; see wordAlign). When either text is longer
// than 10,000 runes the texts are first diffed line by line for speed, and
// each block of replaced lines is then refined character by character. The
// search for a minimal diff is limited to about two seconds; past that the
// result stays correct but becomes coarser (whole blocks replaced).
//
// Diff never fails. Invalid UTF-8 bytes in a or b are each replaced by U+FFFD
// before diffing, so the reconstruction guarantee above holds only for valid
// UTF-8 input.
func Diff(a, b string) []Segment {
	if a == b {
		if a == "" {
			return nil
		}
		return []Segment{{Op: Equal, Text: string([]rune(a))}}
	}
	ra, rb := []rune(a), []rune(b)

	dmp := diffmatchpatch.New()
	dmp.DiffTimeout = timeout
	deadline := time.Now().Add(timeout)

	var raw []diffmatchpatch.Diff
	if (len(ra) > lineModeThreshold || len(rb) > lineModeThreshold) &&
		strings.Count(a, "\n")+strings.Count(b, "\n") < maxLineModeLines {
		raw = lineDiff(dmp, string(ra), string(rb), deadline)
	} else {
		raw = dmp.DiffMainRunes(ra, rb, false)
	}
	raw = dmp.DiffCleanupMerge(raw)
	return wordAlign(toSegments(cleanup(dmp, raw)))
}

// lineDiff diffs a and b line by line, then re-diffs each block of replaced
// lines character by character while time remains before deadline.
func lineDiff(dmp *diffmatchpatch.DiffMatchPatch, a, b string, deadline time.Time) []diffmatchpatch.Diff {
	la, lb, lines := dmp.DiffLinesToRunes(a, b)
	diffs := dmp.DiffCharsToLines(dmp.DiffMainRunes(la, lb, false), lines)
	diffs = dmp.DiffCleanupMerge(diffs)

	out := make([]diffmatchpatch.Diff, 0, len(diffs))
	for i := 0; i < len(diffs); i++ {
		d := diffs[i]
		// A DiffTimeout of 0 would mean "no limit", so only positive
		// remaining time allows a refinement.
		if remaining := time.Until(deadline); remaining > 0 && d.Type == diffmatchpatch.DiffDelete &&
			i+1 < len(diffs) && diffs[i+1].Type == diffmatchpatch.DiffInsert {
			dmp.DiffTimeout = remaining
			out = append(out, dmp.DiffMainRunes([]rune(d.Text), []rune(diffs[i+1].Text), false)...)
			i++
			continue
		}
		out = append(out, d)
	}
	return out
}

// cleanup makes diffs read well: go-diff's semantic cleanup removes
// coincidental short equalities, then semanticLossless slides each remaining
// edit to the nicest word or sentence boundary.
//
// go-diff's DiffCleanupSemantic mixes rune counts and byte offsets in its
// boundary-sliding pass and judges boundaries with an ASCII-only notion of
// letters, so after it each step is checked: a result that is not valid UTF-8
// or no longer describes the same two texts is discarded. A bug there can
// therefore only cost readability, never correctness.
func cleanup(dmp *diffmatchpatch.DiffMatchPatch, diffs []diffmatchpatch.Diff) []diffmatchpatch.Diff {
	a, b := dmp.DiffText1(diffs), dmp.DiffText2(diffs)
	faithful := func(ds []diffmatchpatch.Diff) bool {
		for _, d := range ds {
			if !utf8.ValidString(d.Text) {
				return false
			}
		}
		return dmp.DiffText1(ds) == a && dmp.DiffText2(ds) == b
	}

	cleaned := dmp.DiffCleanupSemantic(slices.Clone(diffs))
	if !faithful(cleaned) {
		cleaned = slices.Clone(diffs)
	}
	cleaned = dmp.DiffCleanupMerge(semanticLossless(cleaned))
	if !faithful(cleaned) {
		return diffs
	}
	return cleaned
}

// semanticLossless is a rune-safe, Unicode-aware version of go-diff's
// DiffCleanupSemanticLossless: each single edit surrounded by two equalities
// is slid sideways, one rune at a time and without changing either text, to
// the position where it lines up best with word and sentence boundaries.
// E.g. "The c<ins>at c</ins>ame." becomes "The <ins>cat </ins>came.".
func semanticLossless(diffs []diffmatchpatch.Diff) []diffmatchpatch.Diff {
	for i := 1; i < len(diffs)-1; i++ {
		if diffs[i-1].Type != diffmatchpatch.DiffEqual || diffs[i+1].Type != diffmatchpatch.DiffEqual ||
			diffs[i].Text == "" {
			continue
		}
		// The edit is a window of n bytes at offset w of full; sliding it
		// keeps eq1+edit+eq2 == full, so both texts stay the same.
		full := diffs[i-1].Text + diffs[i].Text + diffs[i+1].Text
		n, w := len(diffs[i].Text), len(diffs[i-1].Text)

		// Slide as far left as possible: while the rune before the window
		// equals the last rune in it.
		for w > 0 {
			r1, s1 := utf8.DecodeLastRuneInString(full[:w])
			r2, s2 := utf8.DecodeLastRuneInString(full[:w+n])
			if r1 != r2 || s1 != s2 {
				break
			}
			w -= s1
		}

		// Then step right one rune at a time, keeping the best position.
		// ">=" prefers the rightmost of equally good positions, which puts
		// whitespace at the end of an edit rather than at its start.
		best := w
		bestScore := boundaryScore(full[:w], full[w:w+n]) + boundaryScore(full[w:w+n], full[w+n:])
		for w+n < len(full) {
			r1, s1 := utf8.DecodeRuneInString(full[w:])
			r2, s2 := utf8.DecodeRuneInString(full[w+n:])
			if r1 != r2 || s1 != s2 {
				break
			}
			w += s1
			if sc := boundaryScore(full[:w], full[w:w+n]) + boundaryScore(full[w:w+n], full[w+n:]); sc >= bestScore {
				best, bestScore = w, sc
			}
		}

		if best == len(diffs[i-1].Text) {
			continue // no improvement
		}
		eq1, edit, eq2 := full[:best], full[best:best+n], full[best+n:]
		diffs[i].Text = edit
		if eq2 != "" {
			diffs[i+1].Text = eq2
		} else {
			diffs = slices.Delete(diffs, i+1, i+2)
		}
		if eq1 != "" {
			diffs[i-1].Text = eq1
		} else {
			diffs = slices.Delete(diffs, i-1, i)
			i--
		}
	}
	return diffs
}

// boundaryScore rates the boundary between one and two, from 6 (best) to 0
// (worst), like go-diff's diffCleanupSemanticScore but with Unicode letter,
// digit and space classes, CJK sentence punctuation, and a weak boundary where
// the script changes (e.g. between kanji and kana).
func boundaryScore(one, two string) int {
	if one == "" || two == "" {
		return 6 // edges are the best
	}
	r1, _ := utf8.DecodeLastRuneInString(one)
	r2, _ := utf8.DecodeRuneInString(two)

	word1, word2 := isWordRune(r1), isWordRune(r2)
	space1, space2 := !word1 && unicode.IsSpace(r1), !word2 && unicode.IsSpace(r2)
	break1, break2 := space1 && (r1 == '\n' || r1 == '\r'), space2 && (r2 == '\n' || r2 == '\r')
	blank1 := break1 && (strings.HasSuffix(one, "\n\n") || strings.HasSuffix(one, "\n\r\n"))
	blank2 := break2 && (strings.HasPrefix(two, "\n\n") || strings.HasPrefix(two, "\n\r\n") ||
		strings.HasPrefix(two, "\r\n\n") || strings.HasPrefix(two, "\r\n\r\n"))

	switch {
	case blank1 || blank2:
		return 5 // blank lines
	case break1 || break2:
		return 4 // line breaks
	case !word1 && !space1 && space2, strings.ContainsRune("。！？｡", r1):
		return 3 // end of a sentence
	case space1 || space2:
		return 2 // whitespace
	case !word1 || !word2:
		return 1 // punctuation
	case scriptOf(r1) != scriptOf(r2):
		return 1 // script change, e.g. kanji to kana or Latin to Han
	}
	return 0
}

// isWordRune reports whether r can be part of a word.
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

// scripts are the scripts boundaryScore tells apart.
var scripts = []*unicode.RangeTable{
	unicode.Latin, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul,
	unicode.Cyrillic, unicode.Greek, unicode.Arabic, unicode.Hebrew, unicode.Thai,
	unicode.Devanagari,
}

// scriptOf returns an index into scripts for r, or -1.
func scriptOf(r rune) int {
	for i, t := range scripts {
		if unicode.Is(t, r) {
			return i
		}
	}
	return -1
}

// toSegments converts go-diff's diffs, dropping empty ones and merging
// neighbours with the same operation.
func toSegments(diffs []diffmatchpatch.Diff) []Segment {
	segs := make([]Segment, 0, len(diffs))
	for _, d := range diffs {
		if d.Text == "" {
			continue
		}
		var op Op
		switch d.Type {
		case diffmatchpatch.DiffInsert:
			op = Insert
		case diffmatchpatch.DiffDelete:
			op = Delete
		default:
			op = Equal
		}
		if n := len(segs); n > 0 && segs[n-1].Op == op {
			segs[n-1].Text += d.Text
			continue
		}
		segs = append(segs, Segment{Op: op, Text: d.Text})
	}
	if len(segs) == 0 {
		return nil
	}
	return segs
}

// Stats returns the number of runes (Unicode code points) in the Insert
// segments and in the Delete segments of segs. Equal segments are not
// counted. It never fails.
func Stats(segs []Segment) (inserted, deleted int) {
	for _, s := range segs {
		switch s.Op {
		case Insert:
			inserted += utf8.RuneCountInString(s.Text)
		case Delete:
			deleted += utf8.RuneCountInString(s.Text)
		}
	}
	return inserted, deleted
}

// wordAlign widens each changed region to whole words, so that "opened" →
// "closed" reads as one replaced word rather than "open" → "clos" plus a
// kept "ed", which is how editors read a change. Words are runs of letters,
// digits and marks; Han characters and kana are words of their own (those
// scripts are written without spaces), so CJK diffs stay character-precise.
func wordAlign(segs []Segment) []Segment {
	segs = slices.Clone(segs)
	var out []Segment
	for i := 0; i < len(segs); {
		if segs[i].Op == Equal {
			out = append(out, segs[i])
			i++
			continue
		}
		var del, ins string
		j := i
		for ; j < len(segs) && segs[j].Op != Equal; j++ {
			if segs[j].Op == Delete {
				del += segs[j].Text
			} else {
				ins += segs[j].Text
			}
		}
		if k := len(out) - 1; k >= 0 && out[k].Op == Equal && endsInWord(out[k].Text) && (startsWithWord(del) || startsWithWord(ins)) {
			w := trailingWord(out[k].Text)
			out[k].Text = out[k].Text[:len(out[k].Text)-len(w)]
			del, ins = w+del, w+ins
		}
		if j < len(segs) && startsWithWord(segs[j].Text) && (endsInWord(del) || endsInWord(ins)) {
			w := leadingWord(segs[j].Text)
			segs[j].Text = segs[j].Text[len(w):]
			del, ins = del+w, ins+w
		}
		out = append(out, Segment{Op: Delete, Text: del}, Segment{Op: Insert, Text: ins})
		i = j
	}
	return normalize(out)
}

// normalize drops empty segments and merges neighbours: equal runs join, and
// the changes between two equal runs become one Delete then one Insert.
func normalize(segs []Segment) []Segment {
	var out []Segment
	var del, ins string
	flush := func() {
		if del != "" {
			out = append(out, Segment{Op: Delete, Text: del})
		}
		if ins != "" {
			out = append(out, Segment{Op: Insert, Text: ins})
		}
		del, ins = "", ""
	}
	for _, s := range segs {
		switch {
		case s.Text == "":
		case s.Op == Delete:
			del += s.Text
		case s.Op == Insert:
			ins += s.Text
		default:
			flush()
			if n := len(out); n > 0 && out[n-1].Op == Equal {
				out[n-1].Text += s.Text
			} else {
				out = append(out, s)
			}
		}
	}
	flush()
	return out
}

// inWord reports whether r belongs to a space-separated word.
func inWord(r rune) bool {
	return isWordRune(r) && !unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Thai)
}

func startsWithWord(s string) bool {
	r, n := utf8.DecodeRuneInString(s)
	return n > 0 && inWord(r)
}

func endsInWord(s string) bool {
	r, n := utf8.DecodeLastRuneInString(s)
	return n > 0 && inWord(r)
}

func leadingWord(s string) string {
	end := len(s)
	for i, r := range s {
		if !inWord(r) {
			end = i
			break
		}
	}
	return s[:end]
}

func trailingWord(s string) string {
	start := len(s)
	for start > 0 {
		r, n := utf8.DecodeLastRuneInString(s[:start])
		if !inWord(r) {
			break
		}
		start -= n
	}
	return s[start:]
}
