package search

import (
	"cmp"
	"html"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// SnippetLength is about how many characters a snippet holds.
const SnippetLength = 200

// Snippet is a piece of a text around the first place it holds one of a
// query's terms, as plain text and as HTML with each match in <mark>.
type Snippet struct {
	Text, HTML string
}

// span is a match in a text, as byte offsets.
type span struct{ start, end int }

// MakeSnippet cuts the snippet of text for the terms (Query.Positive):
// CJK parts of a term match where they stand in the text; other words
// match words of the text that share their stem, accents and case aside
// ("conferences" marks "conference", "Sao" marks "São"). PostgreSQL
// decided that the field matched; this only shows where. ok is false when
// no term is found in text (a match through a stem this cannot see).
func MakeSnippet(text string, terms []string) (s Snippet, ok bool) {
	spans := matches(text, terms)
	start := 0
	if len(spans) > 0 {
		start = snippetStart(text, spans[0].start)
	}
	end := snippetEnd(text, start)
	var plain, h strings.Builder
	if start > 0 {
		plain.WriteString("…")
		h.WriteString("…")
	}
	at := start
	for _, sp := range spans {
		if sp.start < at || sp.end > end {
			continue
		}
		plain.WriteString(text[at:sp.end])
		h.WriteString(html.EscapeString(text[at:sp.start]) + "<mark>" + html.EscapeString(text[sp.start:sp.end]) + "</mark>")
		at = sp.end
	}
	plain.WriteString(text[at:end])
	h.WriteString(html.EscapeString(text[at:end]))
	if end < len(text) {
		plain.WriteString("…")
		h.WriteString("…")
	}
	return Snippet{Text: oneLine(plain.String()), HTML: oneLine(h.String())}, len(spans) > 0
}

// snippetStart backs off from the first match by a third of a snippet, to
// the start of a word.
func snippetStart(text string, match int) int {
	start := match
	for n := 0; start > 0 && n < SnippetLength/3; n++ {
		_, size := utf8.DecodeLastRuneInString(text[:start])
		start -= size
	}
	if start == 0 {
		return 0
	}
	if i := strings.IndexFunc(text[start:match], unicode.IsSpace); i >= 0 {
		return start + i + 1
	}
	return start
}

// snippetEnd is SnippetLength characters after start, at the end of a
// word where there is one near.
func snippetEnd(text string, start int) int {
	end := start
	for n := 0; end < len(text) && n < SnippetLength; n++ {
		_, size := utf8.DecodeRuneInString(text[end:])
		end += size
	}
	if end >= len(text) {
		return len(text)
	}
	if i := strings.LastIndexFunc(text[start:end], unicode.IsSpace); i > (end-start)/2 {
		return start + i
	}
	return end
}

// matches returns the places text holds a term, in order, not overlapping.
func matches(text string, terms []string) []span {
	var cjk, words []string
	for _, t := range terms {
		for _, p := range splitScripts(t) {
			if p.cjk {
				cjk = append(cjk, p.text)
				continue
			}
			for _, w := range strings.FieldsFunc(p.text, notWordRune) {
				words = append(words, fold(w))
			}
		}
	}
	var out []span
	for _, c := range cjk {
		for i := 0; ; {
			j := strings.Index(text[i:], c)
			if j < 0 {
				break
			}
			out = append(out, span{i + j, i + j + len(c)})
			i += j + len(c)
		}
	}
	out = append(out, wordMatches(text, words)...)
	return ordered(out)
}

// wordMatches returns the words of text that share a stem with one of
// words (folded).
func wordMatches(text string, words []string) []span {
	if len(words) == 0 {
		return nil
	}
	var out []span
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if notWordRune(r) || IsCJK(r) {
			i += size
			continue
		}
		j := i
		for j < len(text) {
			r, size := utf8.DecodeRuneInString(text[j:])
			if notWordRune(r) || IsCJK(r) {
				break
			}
			j += size
		}
		w := fold(text[i:j])
		for _, q := range words {
			if sameStem(w, q) {
				out = append(out, span{i, j})
				break
			}
		}
		i = j
	}
	return out
}

// sameStem guesses whether a and b are forms of one word: equal, one a
// prefix of the other with at most three letters more, or sharing all
// but the last letter of the shorter ("study", "studies").
func sameStem(a, b string) bool {
	if a == b {
		return true
	}
	ra, rb := []rune(a), []rune(b)
	if len(ra) > len(rb) {
		ra, rb = rb, ra
	}
	if len(ra) < 3 || len(rb)-len(ra) > 3 {
		return false
	}
	common := 0
	for common < len(ra) && ra[common] == rb[common] {
		common++
	}
	return common == len(ra) || (len(ra) >= 4 && common >= len(ra)-1)
}

// ordered sorts spans by start and drops those overlapping an earlier one.
func ordered(spans []span) []span {
	slices.SortStableFunc(spans, func(a, b span) int { return cmp.Compare(a.start, b.start) })
	out := spans[:0]
	for _, s := range spans {
		if len(out) > 0 && s.start < out[len(out)-1].end {
			continue
		}
		out = append(out, s)
	}
	return out
}

func notWordRune(r rune) bool {
	return !unicode.IsLetter(r) && !unicode.IsNumber(r) && !unicode.Is(unicode.Mn, r)
}

// fold lower-cases s and removes its accents, as unaccent does.
func fold(s string) string {
	// A chain keeps state: one per call, so that calls may run concurrently.
	out, _, err := transform.String(transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC), strings.ToLower(s))
	if err != nil {
		return strings.ToLower(s)
	}
	return out
}

// oneLine replaces line breaks with spaces.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
