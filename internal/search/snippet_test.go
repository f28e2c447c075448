package search_test

import (
	"strings"
	"testing"

	"github.com/copydesk/copydesk/internal/search"
)

// A snippet shows where a field matched: the terms marked, accents, case
// and endings aside, the text around the first match, HTML escaped.
func TestMakeSnippet(t *testing.T) {
	long := strings.Repeat("filler words here ", 30)
	for _, c := range []struct {
		name, text string
		terms      []string
		html       string
		ok         bool
	}{
		{"a word", "The forum opened.", []string{"forum"}, "The <mark>forum</mark> opened.", true},
		{"another form", "Three forums opened.", []string{"forum"}, "Three <mark>forums</mark> opened.", true},
		{"y to ies", "Two studies.", []string{"study"}, "Two <mark>studies</mark>.", true},
		{"accents and case", "Delegates from São Paulo.", []string{"sao"}, "Delegates from <mark>São</mark> Paulo.", true},
		{"a CJK run inside a sentence", "中国科协主席出席", []string{"科协"}, "中国<mark>科协</mark>主席出席", true},
		{"every match", "科协与科协", []string{"科协"}, "<mark>科协</mark>与<mark>科协</mark>", true},
		{"a phrase across scripts", "By CAST中国 today", []string{"CAST中国"}, "By <mark>CAST</mark><mark>中国</mark> today", true},
		{"HTML is escaped", "<b>forum</b> & co", []string{"forum"}, "&lt;b&gt;<mark>forum</mark>&lt;/b&gt; &amp; co", true},
		{"no match: the start", "Nothing here.", []string{"forum"}, "Nothing here.", false},
		{"short words need the exact word", "an ant", []string{"an"}, "<mark>an</mark> ant", true},
		{"line breaks", "one\ntwo forum", []string{"forum"}, "one two <mark>forum</mark>", true},
	} {
		s, ok := search.MakeSnippet(c.text, c.terms)
		if s.HTML != c.html || ok != c.ok {
			t.Errorf("%s: MakeSnippet(%q, %q) = %q, %v; want %q, %v", c.name, c.text, c.terms, s.HTML, ok, c.html, c.ok)
		}
	}
	s, _ := search.MakeSnippet(long+"the forum met. "+long, []string{"forum"})
	if !strings.HasPrefix(s.Text, "…") || !strings.HasSuffix(s.Text, "…") || !strings.Contains(s.HTML, "<mark>forum</mark>") || len([]rune(s.Text)) > search.SnippetLength+50 {
		t.Errorf("a long text: the snippet is cut around its match, got %q", s.Text)
	}
}

// A term that occurs everywhere in a long text (100,000 matches) still
// gives its snippet at once: the matches are sorted, not compared pairwise.
func TestMakeSnippetOfAManyMatchText(t *testing.T) {
	text := strings.Repeat("科 a ", 50_000)
	s, ok := search.MakeSnippet(text, []string{"科", "a"})
	if !ok || !strings.HasPrefix(s.HTML, "<mark>科</mark> <mark>a</mark>") {
		t.Errorf("got %q", s.HTML[:min(80, len(s.HTML))])
	}
}
