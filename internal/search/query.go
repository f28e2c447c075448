package search

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits of a query, so that no request can make a tsquery of unbounded
// size.
const (
	MaxQueryLength = 500 // characters
	MaxTerms       = 32
)

// Term is one thing a query looks for: a word, a run of CJK characters,
// or a quoted phrase of several.
type Term struct {
	Text    string // as the user typed it (a phrase without its quotes)
	Exclude bool   // -term: reports containing it are left out
	Or      bool   // joined to the term before it by OR instead of AND
}

// Query is a parsed search: terms in the syntax web search engines use
// and PostgreSQL's websearch_to_tsquery reads — words are all required,
// "quoted words" must stand together, -word excludes, OR between two
// terms accepts either.
type Query struct {
	Terms []Term
}

// Error is a query that cannot be searched; its message tells the user
// why.
type Error struct{ Msg string }

func (e *Error) Error() string { return e.Msg }

// Parse reads a query. Blank input gives an empty Query (no search); a
// query of only exclusions or operators, one too long or with a NUL
// character, an *Error.
func Parse(s string) (Query, error) {
	if strings.ContainsRune(s, 0) || !utf8.ValidString(s) {
		return Query{}, &Error{"The search contains a NUL character or invalid UTF-8."}
	}
	if n := utf8.RuneCountInString(s); n > MaxQueryLength {
		return Query{}, &Error{fmt.Sprintf("The search is %d characters long; at most %d are allowed.", n, MaxQueryLength)}
	}
	var q Query
	or := false
	for rest := strings.TrimSpace(s); rest != ""; rest = strings.TrimLeftFunc(rest, unicode.IsSpace) {
		exclude := false
		if rest[0] == '-' {
			exclude, rest = true, rest[1:]
		}
		var text string
		if rest != "" && rest[0] == '"' {
			end := strings.IndexByte(rest[1:], '"')
			if end < 0 {
				text, rest = rest[1:], ""
			} else {
				text, rest = rest[1:1+end], rest[2+end:]
			}
		} else {
			end := strings.IndexFunc(rest, unicode.IsSpace)
			if end < 0 {
				end = len(rest)
			}
			text, rest = rest[:end], rest[end:]
			if text == "OR" && !exclude {
				or = len(q.Terms) > 0
				continue
			}
		}
		if !searchable(text) {
			continue
		}
		q.Terms = append(q.Terms, Term{Text: text, Exclude: exclude, Or: or && !exclude})
		or = false
		if len(q.Terms) > MaxTerms {
			return Query{}, &Error{fmt.Sprintf("The search has more than %d terms.", MaxTerms)}
		}
	}
	if len(q.Terms) > 0 && len(q.Positive()) == 0 {
		return Query{}, &Error{"The search only excludes terms; add one to look for."}
	}
	return q, nil
}

// searchable reports whether s holds a letter or digit.
func searchable(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) }) >= 0
}

// Empty reports whether there is nothing to search for.
func (q Query) Empty() bool { return len(q.Terms) == 0 }

// Positive returns the terms the query looks for (not the exclusions).
func (q Query) Positive() []string {
	var out []string
	for _, t := range q.Terms {
		if !t.Exclude {
			out = append(out, t.Text)
		}
	}
	return out
}

// TSQuery returns the query as to_tsquery input: each term quoted (so the
// configuration parses and stems it: a quoted text of several words is a
// phrase), CJK runs as phrases of their bigrams, & between terms, | for
// OR, ! for exclusions.
func (q Query) TSQuery() string {
	var b strings.Builder
	for i, t := range q.Terms {
		if i > 0 {
			if t.Or {
				b.WriteString(" | ")
			} else {
				b.WriteString(" & ")
			}
		}
		if t.Exclude {
			b.WriteByte('!')
		}
		b.WriteString(termQuery(t.Text, false))
	}
	return b.String()
}

// TSQuery returns the term alone as to_tsquery input (see Query.TSQuery),
// without its exclusion or OR: what storage matches under each
// configuration before joining the terms.
func (t Term) TSQuery() string { return termQuery(t.Text, false) }

// Prefix returns a to_tsquery input for a name search as you type: every
// term required, its last word (or CJK character run) matched as a prefix
// ("Geo" finds "Georgia", "宋" finds "宋军"). Exclusions and OR are
// ignored.
func (q Query) Prefix() string {
	var parts []string
	for _, t := range q.Positive() {
		parts = append(parts, termQuery(t, true))
	}
	return strings.Join(parts, " & ")
}

// termQuery renders one term: its Latin parts quoted for the
// configuration to parse, its CJK runs as bigram phrases (a single CJK
// character as a prefix: it is indexed alone or as the first half of a
// bigram), all joined as a phrase (<->) in the order they appear. With
// prefix, the last part matches as a prefix.
func termQuery(text string, prefix bool) string {
	parts := splitScripts(text)
	out := make([]string, 0, len(parts))
	for i, p := range parts {
		last := prefix && i == len(parts)-1
		if !p.cjk {
			s := quote(p.text)
			if last {
				s += ":*"
			}
			out = append(out, s)
			continue
		}
		runes := []rune(p.text)
		if len(runes) == 1 { // alone, or the first of a bigram
			out = append(out, quote(p.text)+":*")
			continue
		}
		grams := make([]string, 0, len(runes)-1)
		for j := 0; j+1 < len(runes); j++ {
			grams = append(grams, quote(string(runes[j:j+2])))
		}
		if len(grams) == 1 {
			out = append(out, grams[0])
		} else { // parenthesized: ! binds tighter than <->
			out = append(out, "("+strings.Join(grams, " <-> ")+")")
		}
	}
	if len(out) == 1 {
		return out[0]
	}
	return "(" + strings.Join(out, " <-> ") + ")"
}

type scriptPart struct {
	text string
	cjk  bool
}

// splitScripts cuts text into alternating CJK and other parts, dropping
// other parts with nothing searchable in them.
func splitScripts(text string) []scriptPart {
	var parts []scriptPart
	start, cur := 0, false
	emit := func(end int) {
		if s := text[start:end]; s != "" && (cur || searchable(s)) {
			parts = append(parts, scriptPart{s, cur})
		}
	}
	for i, r := range text {
		if c := IsCJK(r); c != cur {
			emit(i)
			start, cur = i, c
		}
	}
	emit(len(text))
	return parts
}

// quote quotes s as a tsquery literal.
func quote(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
