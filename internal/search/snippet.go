package search

import (
	"cmp"
	"html"
	"slices"
	"strings"
	"sync"
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
	m := newMatcher(terms)
	// Only the first match decides where the snippet is; then only the
	// snippet's own text is searched for the spans to mark, so a long body
	// costs a scan up to its first match.
	start, found := 0, false
	if first := m.find(text, true); len(first) > 0 {
		start, found = snippetStart(text, first[0].start), true
	}
	end := snippetEnd(text, start)
	var spans []span
	if found {
		for _, sp := range m.find(text[start:wordEnd(text, end)], false) {
			spans = append(spans, span{start + sp.start, start + sp.end})
		}
	}
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
	return Snippet{Text: oneLine(plain.String()), HTML: oneLine(h.String())}, found
}

// wordEnd is the end of the word at i of text (i itself between words).
func wordEnd(text string, i int) int {
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		if notWordRune(r) || IsCJK(r) {
			break
		}
		i += size
	}
	return i
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

// matcher finds the places a text holds one of a query's terms: CJK parts
// where they stand, other words by stem (folded).
type matcher struct {
	cjk, words []string
}

func newMatcher(terms []string) matcher {
	var m matcher
	for _, t := range terms {
		for _, p := range splitScripts(t) {
			if p.cjk {
				m.cjk = append(m.cjk, p.text)
				continue
			}
			for _, w := range strings.FieldsFunc(p.text, notWordRune) {
				m.words = append(m.words, fold(w))
			}
		}
	}
	return m
}

// find returns the places text holds a term, in order, not overlapping;
// with first, only the first of them.
func (m matcher) find(text string, first bool) []span {
	var out []span
	for _, c := range m.cjk {
		for i := 0; ; {
			j := strings.Index(text[i:], c)
			if j < 0 {
				break
			}
			out = append(out, span{i + j, i + j + len(c)})
			if first {
				break
			}
			i += j + len(c)
		}
	}
	limit := len(text)
	if first && len(out) > 0 { // a word match counts only before the first CJK one
		limit = slices.MinFunc(out, func(a, b span) int { return cmp.Compare(a.start, b.start) }).end
	}
	out = append(out, wordMatches(text[:wordEnd(text, limit)], m.words, first)...)
	out = ordered(out)
	if first && len(out) > 1 {
		out = out[:1]
	}
	return out
}

// wordMatches returns the words of text that share a stem with one of
// words (folded); with first, only the first such word.
func wordMatches(text string, words []string, first bool) []span {
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
		j := wordEnd(text, i)
		w := fold(text[i:j])
		for _, q := range words {
			if sameStem(w, q) {
				out = append(out, span{i, j})
				break
			}
		}
		if first && len(out) > 0 {
			break
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
	if isASCII(a) && isASCII(b) { // most words: bytes are letters, nothing to allocate
		return stemOf([]byte(a), []byte(b))
	}
	return stemOf([]rune(a), []rune(b))
}

func stemOf[E byte | rune](a, b []E) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	if len(a) < 3 || len(b)-len(a) > 3 {
		return false
	}
	common := 0
	for common < len(a) && a[common] == b[common] {
		common++
	}
	return common == len(a) || (len(a) >= 4 && common >= len(a)-1)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
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
	if isASCII(s) { // no accents to remove
		return strings.ToLower(s)
	}
	// A chain keeps state: each call takes one of its own from the pool.
	t := folders.Get().(transform.Transformer)
	defer folders.Put(t)
	out, _, err := transform.String(t, strings.ToLower(s))
	if err != nil {
		return strings.ToLower(s)
	}
	return out
}

var folders = sync.Pool{New: func() any {
	return transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
}}

// oneLine replaces line breaks with spaces.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
