package comments_test

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/copydesk/copydesk/internal/comments"
)

// The rule on plain texts: where a range of the old text lands in the new
// one, or that it is outdated.
func TestFollowRange(t *testing.T) {
	const fox = "the quick brown fox jumps"
	cases := []struct {
		name     string
		old, new string
		r        comments.Range
		want     *comments.Range // nil: outdated
	}{
		{"unchanged", fox, fox, comments.Range{Start: 4, End: 15}, &comments.Range{Start: 4, End: 15}},
		{"text prepended moves it", fox, "Today the quick brown fox jumps", comments.Range{Start: 4, End: 15}, &comments.Range{Start: 10, End: 21}},
		{"text deleted before moves it", fox, "quick brown fox jumps", comments.Range{Start: 4, End: 15}, &comments.Range{Start: 0, End: 11}},
		{"text appended after leaves it", fox, fox + " over the dog", comments.Range{Start: 4, End: 15}, &comments.Range{Start: 4, End: 15}},
		{"a word changed after leaves it", fox, "the quick brown fox sleeps", comments.Range{Start: 4, End: 15}, &comments.Range{Start: 4, End: 15}},
		{"inserted right before stays outside", "quick brown", "very quick brown", comments.Range{Start: 0, End: 5}, &comments.Range{Start: 5, End: 10}},
		{"inserted right after stays outside", fox, "the quick brown, fox jumps", comments.Range{Start: 4, End: 15}, &comments.Range{Start: 4, End: 15}},
		{"a word of it rewritten: it covers the new word", fox, "the quick red fox jumps", comments.Range{Start: 4, End: 15}, &comments.Range{Start: 4, End: 13}},
		{"a word inserted inside: it grows", fox, "the quick little brown fox jumps", comments.Range{Start: 4, End: 15}, &comments.Range{Start: 4, End: 22}},
		{"an edit over its start: it covers the new word", fox, "the quack brown fox jumps", comments.Range{Start: 6, End: 15}, &comments.Range{Start: 4, End: 15}},
		{"an edit over its end: it covers the new word", fox, "the quick brown fax jumps", comments.Range{Start: 10, End: 18}, &comments.Range{Start: 10, End: 19}},
		{"the quoted words deleted", fox, "the fox jumps", comments.Range{Start: 4, End: 15}, nil},
		{"the quoted words rewritten", fox, "the slow fox jumps", comments.Range{Start: 4, End: 15}, nil},
		{"the one quoted word corrected", "teh fox", "the fox", comments.Range{Start: 0, End: 3}, nil},
		{"the whole field replaced", fox, "Something else entirely", comments.Range{Start: 4, End: 15}, nil},
		{"the field emptied", fox, "", comments.Range{Start: 4, End: 15}, nil},
		{"mostly new words inside", "the fox", "the quick brown lazy fox", comments.Range{Start: 0, End: 7}, nil},
		{"CJK prepended: code points, not bytes", "第二十二届中国科协年会在青岛开幕", "今天第二十二届中国科协年会在青岛开幕", comments.Range{Start: 5, End: 9}, &comments.Range{Start: 7, End: 11}},
		{"CJK edited after", "第二十二届中国科协年会在青岛开幕", "第二十二届中国科协年会在北京开幕", comments.Range{Start: 5, End: 9}, &comments.Range{Start: 5, End: 9}},
		{"CJK quoted characters deleted", "第二十二届中国科协年会在青岛开幕", "第二十二届中国科协年会开幕", comments.Range{Start: 11, End: 14}, nil},
		{"CJK one character of four changed", "第二十二届中国科协年会在青岛开幕", "第二十二届中国科技年会在青岛开幕", comments.Range{Start: 5, End: 9}, &comments.Range{Start: 5, End: 9}},
		{"outside the BMP: one code point each", "开幕式🎉在青岛举行🇨🇳。", "🎉🎉开幕式🎉在青岛举行🇨🇳。", comments.Range{Start: 5, End: 7}, &comments.Range{Start: 7, End: 9}},
		{"a position moves with the text", fox, "Today the quick brown fox jumps", comments.Range{Start: 9, End: 9}, &comments.Range{Start: 15, End: 15}},
		{"a position inside deleted text", fox, "the fox jumps", comments.Range{Start: 9, End: 9}, nil},
		{"a range past the old text", fox, fox, comments.Range{Start: 4, End: 99}, nil},
		{"a backwards range", fox, fox, comments.Range{Start: 9, End: 4}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := comments.FollowRange(c.old, c.new, c.r)
			switch {
			case c.want == nil && ok:
				t.Fatalf("%q → %q: %v moved to %v (%q), want outdated", c.old, c.new, c.r, got, runes(c.new, got))
			case c.want != nil && !ok:
				t.Fatalf("%q → %q: %v outdated, want %v (%q)", c.old, c.new, c.r, *c.want, runes(c.new, *c.want))
			case c.want != nil && got != *c.want:
				t.Fatalf("%q → %q: %v moved to %v (%q), want %v (%q)", c.old, c.new, c.r, got, runes(c.new, got), *c.want, runes(c.new, *c.want))
			}
		})
	}
}

func runes(s string, r comments.Range) string {
	rs := []rune(s)
	if r.Start < 0 || r.End > len(rs) || r.Start > r.End {
		return "<out of range>"
	}
	return string(rs[r.Start:r.End])
}

// FuzzFollowRange edits a text at one place and maps a range of it. The
// mapped range always lies within the new text; an empty range stays
// empty; a text left as it is leaves the range as it is; and a range that
// is not outdated covers mostly the quoted text: the longest common
// subsequence of the old quote and the new one is at least half of each
// (white space not counted, unless the quote is all white space). So a
// range never ends up on mostly other words.
func FuzzFollowRange(f *testing.F) {
	f.Add("the quick brown fox jumps", 4, 15, 0, 0, "Today ")
	f.Add("the quick brown fox jumps", 4, 15, 10, 5, "red")
	f.Add("the quick brown fox jumps", 4, 15, 4, 11, "slow")
	f.Add("the quick brown fox jumps", 6, 15, 4, 5, "quack")
	f.Add("the quick brown fox jumps", 9, 9, 9, 1, "")
	f.Add("第二十二届中国科协年会在青岛开幕", 5, 9, 0, 0, "今天")
	f.Add("第二十二届中国科协年会在青岛开幕", 5, 9, 7, 1, "学技术")
	f.Add("开幕式🎉在青岛举行🇨🇳。", 3, 11, 9, 2, "🇯🇵")
	f.Add("a   b", 1, 4, 2, 1, "")
	f.Add("", 0, 0, 0, 0, "new")
	f.Add("the quick brown", 0, 13, 10, 5, "browns")
	f.Add("the fox", 0, 7, 4, 0, "quick brown lazy ")
	f.Add("the quick brown fox jumps", 15, 4, 0, 0, "x")
	f.Add("the quick brown fox jumps", 20, 99, 0, 0, "x")
	f.Fuzz(func(t *testing.T, old string, start, end, at, del int, ins string) {
		if !utf8.ValidString(old) || !utf8.ValidString(ins) || utf8.RuneCountInString(old) > 300 || utf8.RuneCountInString(ins) > 100 {
			t.Skip()
		}
		o := []rune(old)
		at, del = clamp(at, len(o)), clamp(del, 300)
		del = min(del, len(o)-at)
		new := string(o[:at]) + ins + string(o[at+del:])
		r := comments.Range{Start: start, End: end}
		got, ok := comments.FollowRange(old, new, r)
		valid := 0 <= start && start <= end && end <= len(o)
		if !valid {
			if ok {
				t.Fatalf("range %v of a text of %d code points mapped to %v", r, len(o), got)
			}
			return
		}
		if old == new && (!ok || got != r) {
			t.Fatalf("unchanged %q: %v mapped to %v, %v", old, r, got, ok)
		}
		if !ok {
			return
		}
		n := []rune(new)
		if got.Start < 0 || got.Start > got.End || got.End > len(n) {
			t.Fatalf("%q → %q: %v mapped to %v, outside the new text (%d code points)", old, new, r, got, len(n))
		}
		if start == end {
			if got.Start != got.End {
				t.Fatalf("%q → %q: position %v became range %v", old, new, r, got)
			}
			return
		}
		was, now := o[start:end], n[got.Start:got.End]
		if strings.ContainsFunc(string(was), notSpace) {
			was, now = dropSpace(was), dropSpace(now)
		}
		if common := lcs(was, now); 2*common < len(was) || 2*common < len(now) {
			t.Fatalf("%q → %q: %v (%q) mapped to %v (%q), which shares only %d characters with it",
				old, new, r, string(o[start:end]), got, string(n[got.Start:got.End]), common)
		}
	})
}

func clamp(v, n int) int {
	if v < 0 {
		v = -v
	}
	if v < 0 { // the smallest int
		v = 0
	}
	return v % (n + 1)
}

func notSpace(r rune) bool { return !unicode.IsSpace(r) }

func dropSpace(rs []rune) []rune {
	var out []rune
	for _, r := range rs {
		if notSpace(r) {
			out = append(out, r)
		}
	}
	return out
}

// lcs is the length of the longest common subsequence of a and b.
func lcs(a, b []rune) int {
	prev, cur := make([]int, len(b)+1), make([]int, len(b)+1)
	for i := range a {
		for j := range b {
			if a[i] == b[j] {
				cur[j+1] = prev[j] + 1
			} else {
				cur[j+1] = max(prev[j+1], cur[j])
			}
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
