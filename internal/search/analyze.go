// Package search turns text and queries into what PostgreSQL's full-text
// search indexes and matches, for every script a newsroom writes in.
//
// PostgreSQL's parser splits words at spaces and punctuation, and stems
// them per language (the copydesk_* text search configurations, which also
// fold accents with unaccent). Chinese, Japanese and Korean text has no
// spaces: a whole sentence would be one "word". So before PostgreSQL sees a
// text, Analyze replaces every run of CJK characters with its overlapping
// bigrams ("中国科协" → "中国 国科 科协"), as Lucene's CJK analyzer and
// Elasticsearch's cjk_bigram do. A query is analyzed the same way and its
// bigrams matched as a phrase ('中国' <-> '国科' <-> '科协'), so a two-
// character query ("科协") is one lexeme served by the GIN index, and a
// longer one matches only where its characters stand together.
package search

import (
	"strings"
	"unicode/utf8"
)

// IsCJK reports whether r belongs to a script written without spaces
// between words: Han (the unified ideographs, their extensions and
// compatibility forms), Hiragana, Katakana (with the prolonged sound mark,
// not the middle dot that separates words) and Hangul. The ranges are
// those of copydesk_name_text in migration 00011.
func IsCJK(r rune) bool {
	if r < 0x1100 {
		return false
	}
	for _, rg := range cjkRanges {
		if r < rg[0] {
			return false
		}
		if r <= rg[1] {
			return true
		}
	}
	return false
}

var cjkRanges = [][2]rune{
	{0x1100, 0x11FF}, {0x3040, 0x309F}, {0x30A0, 0x30FA}, {0x30FC, 0x30FF}, {0x3130, 0x318F}, {0x3400, 0x4DBF},
	{0x4E00, 0x9FFF}, {0xA960, 0xA97F}, {0xAC00, 0xD7AF}, {0xD7B0, 0xD7FF}, {0xF900, 0xFAFF}, {0xFF66, 0xFF9F},
	{0x20000, 0x3134F},
}

// Analyze returns text with each run of CJK characters replaced by its
// overlapping bigrams separated by spaces; a run of one character stays as
// it is. Everything else is left for PostgreSQL's parser. The runs keep
// their place among the other words, so positions (and phrase matches
// across scripts, "CAST中国") stay right.
func Analyze(text string) string { return analyze(text, false) }

// AnalyzeNames is Analyze for names (people, organizations, tags, events):
// each CJK character is also kept on its own, so that a name can be found
// by any one of its characters ("军" finds "宋军").
func AnalyzeNames(text string) string { return analyze(text, true) }

func analyze(text string, unigrams bool) string {
	if !hasCJK(text) {
		return text
	}
	var b strings.Builder
	b.Grow(len(text) * 2)
	var run []rune
	flush := func() {
		if len(run) == 0 {
			return
		}
		b.WriteByte(' ')
		writeGrams(&b, run, unigrams)
		b.WriteByte(' ')
		run = run[:0]
	}
	for _, r := range text {
		if IsCJK(r) {
			run = append(run, r)
			continue
		}
		flush()
		b.WriteRune(r)
	}
	flush()
	return b.String()
}

// writeGrams writes run's bigrams (and, with unigrams, its characters)
// separated by spaces.
func writeGrams(b *strings.Builder, run []rune, unigrams bool) {
	if len(run) == 1 {
		b.WriteRune(run[0])
		return
	}
	for i := 0; i+1 < len(run); i++ {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(run[i])
		b.WriteRune(run[i+1])
	}
	if unigrams {
		for _, r := range run {
			b.WriteByte(' ')
			b.WriteRune(r)
		}
	}
}

func hasCJK(s string) bool {
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if IsCJK(r) {
			return true
		}
		i += n
	}
	return false
}

// Config is the PostgreSQL text search configuration that indexes text in
// locale (BCP 47): the stemmer of its language, with accents folded, for
// the languages PostgreSQL has a stemmer for; otherwise copydesk_simple
// (accents folded, no stemming), which serves Chinese, Japanese and Korean
// once Analyze has cut them into bigrams. Migration 00011 creates them.
func Config(locale string) string {
	lang, _, _ := strings.Cut(strings.ToLower(locale), "-")
	if c, ok := configs[lang]; ok {
		return c
	}
	return "copydesk_simple"
}

// Configs lists every configuration Config returns, so that a query can
// be matched against text indexed under any of them.
func Configs() []string {
	return []string{"copydesk_simple", "copydesk_english", "copydesk_french", "copydesk_german", "copydesk_spanish",
		"copydesk_italian", "copydesk_portuguese", "copydesk_dutch", "copydesk_russian"}
}

var configs = map[string]string{
	"en": "copydesk_english", "fr": "copydesk_french", "de": "copydesk_german", "es": "copydesk_spanish",
	"it": "copydesk_italian", "pt": "copydesk_portuguese", "nl": "copydesk_dutch", "ru": "copydesk_russian",
}
