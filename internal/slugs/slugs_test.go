package slugs

import (
	"math"
	"strings"
	"testing"
)

const qingdaoTitle = "International Technology Trade Conference and China-Japan-Korea Technology Trade Forum held in Eastern China's Qingdao"

func TestFromTitle(t *testing.T) {
	tests := []struct {
		name  string
		title string
		want  string
	}{
		{"English", "Qingdao Hosts Tech Trade Forum", "qingdao-hosts-tech-trade-forum"},
		{
			"English Qingdao title, cut at a word boundary",
			qingdaoTitle,
			"international-technology-trade-conference-and-china-japan-korea-technology-trade-forum-held-in",
		},
		{"Chinese", "国际技术贸易大会在青岛举行", "guo-ji-ji-zhu-mao-yi-da-hui-zai-qing-dao-ju-xing"},
		{"Japanese kanji and kana", "東京で国際会議が開かれた", "dong-jing-de-guo-ji-hui-yi-ga-kai-kareta"},
		{"Japanese kana", "ひらがな カタカナ", "hiragana-katakana"},
		{"half-width katakana", "ﾊﾝｶｸ", "hankaku"},
		{"Korean", "서울에서 국제 기술 박람회 개최", "seouleseo-gugje-gisul-bagramhoe-gaecoe"},
		{"Cyrillic", "Привет мир", "privet-mir"},
		{"Greek", "Ελληνικά", "ellenika"},
		{"accents", "Zürich Crème Brûlée", "zurich-creme-brulee"},
		{"combining accents", "e\u0301te\u0301", "ete"},
		{"full-width Latin", "Ａｂｃ １２３", "abc-123"},
		{"Latin next to Han", "iPhone很好", "iphone-hen-hao"},
		{"digits and Han", "2024年10月", "2024-nian-10-yue"},
		{"ampersand", "S&P 500 & Dow", "s-and-p-500-and-dow"},
		{"at sign", "desk@example.com", "desk-at-example-com"},
		{"apostrophes", "China's and China’s", "chinas-and-chinas"},
		{"underscores and punctuation", "snake_case -- C++ / C#!", "snake-case-c-c"},
		{"surrounding space and hyphens", "  --Hello--  ", "hello"},
		{"emoji only", "🎉🚀🇨🇳", "report"},
		{"punctuation only", "!!! ??? ...", "report"},
		{"empty", "", "report"},
		{"whitespace", " \t\n", "report"},
		{"control characters", "a\x00b\x1fc", "a-b-c"},
		{"invalid UTF-8 is dropped", "ab\xffcd", "abcd"},
		{"emoji inside", "Launch 🚀 day", "launch-day"},
		{
			"long single word is cut hard",
			strings.Repeat("a", 150),
			strings.Repeat("a", MaxLen),
		},
		{
			"cut exactly between words",
			strings.Repeat("a", MaxLen) + " tail",
			strings.Repeat("a", MaxLen),
		},
		{
			"hyphen too early is not used",
			"ab " + strings.Repeat("c", 150),
			"ab-" + strings.Repeat("c", MaxLen-3),
		},
		{
			"long Chinese title",
			strings.Repeat("国际技术贸易大会在青岛举行", 5),
			"guo-ji-ji-zhu-mao-yi-da-hui-zai-qing-dao-ju-xing-guo-ji-ji-zhu-mao-yi-da-hui-zai-qing-dao-ju-xing",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := FromTitle(tt.title)
			if got != tt.want {
				t.Errorf("FromTitle(%q) = %q, want %q", tt.title, got, tt.want)
			}
			if err := Validate(got); err != nil {
				t.Errorf("Validate(FromTitle(%q) = %q) = %v", tt.title, got, err)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	good := []string{
		"a",
		"report",
		"qingdao-forum-2024",
		"0",
		"a-b-c",
		strings.Repeat("x", MaxLen),
		strings.Repeat("ab-", 33) + "a",
	}
	for _, s := range good {
		if err := Validate(s); err != nil {
			t.Errorf("Validate(%q) = %v, want nil", s, err)
		}
	}
	bad := []struct {
		s, msg string
	}{
		{"", "slug must not be empty"},
		{strings.Repeat("x", MaxLen+1), "slug must be at most 100 characters long (it has 101)"},
		{"Qingdao", "slug may contain only lowercase letters a-z, digits and single hyphens"},
		{"qing dao", "slug may contain only lowercase letters a-z, digits and single hyphens"},
		{"qing_dao", "slug may contain only lowercase letters a-z, digits and single hyphens"},
		{"青岛", "slug may contain only lowercase letters a-z, digits and single hyphens"},
		{"zürich", "slug may contain only lowercase letters a-z, digits and single hyphens"},
		{"a/b", "slug may contain only lowercase letters a-z, digits and single hyphens"},
		{"-a", "slug must not start or end with a hyphen"},
		{"a-", "slug must not start or end with a hyphen"},
		{"-", "slug must not start or end with a hyphen"},
		{"a--b", "slug may contain only lowercase letters a-z, digits and single hyphens (no double hyphens)"},
	}
	for _, tt := range bad {
		err := Validate(tt.s)
		if err == nil {
			t.Errorf("Validate(%q) = nil, want error", tt.s)
			continue
		}
		if err.Error() != tt.msg {
			t.Errorf("Validate(%q) = %q, want %q", tt.s, err, tt.msg)
		}
	}
}

func TestWithSuffix(t *testing.T) {
	long := strings.Repeat("a", MaxLen)
	tests := []struct {
		s    string
		n    int
		want string
	}{
		{"qingdao-forum", 2, "qingdao-forum-2"},
		{"qingdao-forum", 10, "qingdao-forum-10"},
		{"a", 0, "a-0"},
		{"", 3, "report-3"},
		{"a", -7, "a-7"},
		{long, 2, strings.Repeat("a", MaxLen-2) + "-2"},
		{long, 123, strings.Repeat("a", MaxLen-4) + "-123"},
		// A hyphen left at the cut is dropped.
		{strings.Repeat("a", MaxLen-3) + "-bb", 2, strings.Repeat("a", MaxLen-3) + "-2"},
		{"a", math.MaxInt, "a-9223372036854775807"},
		{"a", math.MinInt, "a-9223372036854775808"},
	}
	for _, tt := range tests {
		got := WithSuffix(tt.s, tt.n)
		if got != tt.want {
			t.Errorf("WithSuffix(%q, %d) = %q, want %q", tt.s, tt.n, got, tt.want)
		}
		if len(got) > MaxLen {
			t.Errorf("WithSuffix(%q, %d) is %d bytes, over MaxLen", tt.s, tt.n, len(got))
		}
		if err := Validate(got); err != nil {
			t.Errorf("Validate(WithSuffix(%q, %d)) = %v", tt.s, tt.n, err)
		}
	}
}

func FuzzFromTitle(f *testing.F) {
	for _, s := range []string{
		qingdaoTitle,
		"国际技术贸易大会在青岛举行",
		"東京で国際会議が開かれた",
		"서울에서 국제 기술 박람회 개최",
		"🎉",
		"",
		"S&P 500",
		strings.Repeat("ab ", 60),
		"ab\xffcd",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, title string) {
		s := FromTitle(title)
		if err := Validate(s); err != nil {
			t.Fatalf("FromTitle(%q) = %q, which fails Validate: %v", title, s, err)
		}
		for _, n := range []int{2, 1234567} {
			if err := Validate(WithSuffix(s, n)); err != nil {
				t.Fatalf("WithSuffix(%q, %d) fails Validate: %v", s, n, err)
			}
		}
	})
}
