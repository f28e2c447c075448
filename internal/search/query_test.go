package search_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/copydesk/copydesk/internal/pgtest"
	"github.com/copydesk/copydesk/internal/search"
)

// What a query means: the syntax of web search engines, CJK runs as
// phrases of their bigrams, the name search as you type.
func TestParse(t *testing.T) {
	for _, c := range []struct {
		in, tsquery, prefix string
	}{
		{"", "", ""},
		{"   ", "", ""},
		{"forum", `'forum'`, `'forum':*`},
		{"Georgia Tech", `'Georgia' & 'Tech'`, `'Georgia':* & 'Tech':*`}, // every word as you type
		{`"Georgia Tech"`, `'Georgia Tech'`, `'Georgia Tech':*`},
		{`"Georgia Tech`, `'Georgia Tech'`, `'Georgia Tech':*`}, // an unclosed quote runs to the end
		{"trade -tariff", `'trade' & !'tariff'`, `'trade':*`},
		{"trade OR tariff", `'trade' | 'tariff'`, `'trade':* & 'tariff':*`},
		{"OR trade", `'trade'`, `'trade':*`}, // OR with nothing before it is a word to skip
		{"科协", `'科协'`, `'科协'`},
		{"中国科协", `('中国' <-> '国科' <-> '科协')`, `('中国' <-> '国科' <-> '科协')`},
		{"forum -中国科协", `'forum' & !('中国' <-> '国科' <-> '科协')`, `'forum':*`},
		{"宋", `'宋':*`, `'宋':*`}, // alone, or the first of a bigram ("宋军", not "北宋")
		{"技術貿易", `('技術' <-> '術貿' <-> '貿易')`, `('技術' <-> '術貿' <-> '貿易')`},
		{"과학기술", `('과학' <-> '학기' <-> '기술')`, `('과학' <-> '학기' <-> '기술')`},
		{"CAST中国", `('CAST' <-> '中国')`, `('CAST' <-> '中国')`},
		{"it's", `'it''s'`, `'it''s':*`},
		{`back\slash`, `'back\\slash'`, `'back\\slash':*`},
		{"& | ! ( ) :* <->", "", ""}, // operators alone are nothing to look for
	} {
		q, err := search.Parse(c.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.in, err)
			continue
		}
		if got := q.TSQuery(); got != c.tsquery {
			t.Errorf("Parse(%q).TSQuery() = %s, want %s", c.in, got, c.tsquery)
		}
		if got := q.Prefix(); got != c.prefix {
			t.Errorf("Parse(%q).Prefix() = %s, want %s", c.in, got, c.prefix)
		}
	}
}

// A query that cannot be searched says why.
func TestParseRefuses(t *testing.T) {
	for _, c := range []struct{ in, msg string }{
		{"-tariff", "only excludes"},
		{"-tariff -duty", "only excludes"},
		{"a\x00b", "NUL"},
		{"\xff", "invalid UTF-8"},
		{strings.Repeat("x", search.MaxQueryLength+1), "at most 500"},
		{strings.Repeat("x ", search.MaxTerms+1), "more than 32 terms"},
	} {
		_, err := search.Parse(c.in)
		var se *search.Error
		if !errors.As(err, &se) || !strings.Contains(se.Msg, c.msg) {
			t.Errorf("Parse(%.20q) = %v, want an *Error saying %q", c.in, err, c.msg)
		}
	}
}

// Whatever a user types, Parse either refuses it with an *Error or gives
// queries PostgreSQL accepts under every configuration: no input can turn
// into a tsquery syntax error (an INTERNAL error in a search).
func FuzzParse(f *testing.F) {
	for _, s := range []string{"forum", `"Georgia Tech" -tariff OR 科协`, "it's", `\`, "'", "a:*", "!(", "<->", "中国科协 CAST中国",
		"é", "ǅ", "x&y|z", "-", `"`, "OR OR", "1.5", "a-b", "foo@bar.com", "https://example.com/a?b=c"} {
		f.Add(s)
	}
	db := pgtest.NewDB(f)
	f.Fuzz(func(t *testing.T, s string) {
		q, err := search.Parse(s)
		if err != nil {
			var se *search.Error
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q): %v is not a *search.Error", s, err)
			}
			return
		}
		if q.Empty() {
			return
		}
		tsqs := []string{q.TSQuery(), q.Prefix()}
		for _, t := range q.Terms {
			tsqs = append(tsqs, t.TSQuery())
		}
		for _, tsq := range tsqs {
			for _, config := range []string{"copydesk_simple", "copydesk_english"} {
				var out string
				if err := db.Get(&out, `SELECT to_tsquery($1::regconfig, $2)::text`, config, tsq); err != nil {
					t.Fatalf("Parse(%q): to_tsquery(%s, %s): %v", s, config, tsq, err)
				}
			}
		}
	})
}
