package search_test

import (
	"testing"

	"github.com/lib/pq"

	"github.com/copydesk/copydesk/internal/pgtest"
	"github.com/copydesk/copydesk/internal/search"
)

func TestAnalyze(t *testing.T) {
	for _, c := range []struct{ in, text, names string }{
		{"Georgia Tech", "Georgia Tech", "Georgia Tech"},
		{"中国科协", " 中国 国科 科协 ", " 中国 国科 科协 中 国 科 协 "},
		{"宋", " 宋 ", " 宋 "},
		{"CAST中国", "CAST 中国 ", "CAST 中国 中 国 "},
		{"技術貿易・研究", " 技術 術貿 貿易 ・ 研究 ", " 技術 術貿 貿易 技 術 貿 易 ・ 研究 研 究 "}, // ・ separates Japanese words
		{"과학기술 협회", " 과학 학기 기술   협회 ", " 과학 학기 기술 과 학 기 술   협회 협 회 "},
	} {
		if got := search.Analyze(c.in); got != c.text {
			t.Errorf("Analyze(%q) = %q, want %q", c.in, got, c.text)
		}
		if got := search.AnalyzeNames(c.in); got != c.names {
			t.Errorf("AnalyzeNames(%q) = %q, want %q", c.in, got, c.names)
		}
	}
}

// Directory names are indexed by SQL (copydesk_name_text, in a generated
// column, so that COPY and every write path index them) and queried
// through Go (search.Query.Prefix, the report documents built from
// AnalyzeNames): both must write the same text, down to the edges of the
// CJK ranges.
func TestNamesAreCutAlikeInGoAndSQL(t *testing.T) {
	db := pgtest.NewDB(t)
	texts := []string{"Georgia Tech", "中国科协", "宋军", "宋", "CAST中国 Tech", "技術貿易・研究", "과학기술 협회", "São Paulo", "𠀀𠀁 ㄱㄴ ｦｧ"}
	var edges []rune
	for _, r := range []rune{0x1100, 0x11FF, 0x3040, 0x309F, 0x30A0, 0x30FA, 0x30FB, 0x30FC, 0x30FF, 0x3130, 0x318F, 0x3400, 0x4DBF,
		0x4E00, 0x9FFF, 0xA960, 0xA97F, 0xAC00, 0xD7AF, 0xD7B0, 0xD7FF, 0xF900, 0xFAFF, 0xFF66, 0xFF9F, 0x20000, 0x3134F} {
		edges = append(edges, r-1, r, r+1)
	}
	for _, r := range edges {
		texts = append(texts, "a"+string(r)+string(r)+"b") // a run of two, if r is CJK
	}
	var got []string
	if err := db.Select(&got, `SELECT copydesk_name_text(t) FROM unnest($1::text[]) WITH ORDINALITY u(t, n) ORDER BY n`, pq.Array(texts)); err != nil {
		t.Fatal(err)
	}
	for i, s := range texts {
		if want := search.AnalyzeNames(s); got[i] != want {
			t.Errorf("%q (%U): SQL writes %q, Go %q", s, []rune(s), got[i], want)
		}
	}
}
