package locale

import (
	"slices"
	"testing"
)

func TestFallbackChains(t *testing.T) {
	f, err := ParseFallbacks("zh-hant:zh-Hans:en, ja:en")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		ask  string
		want []string
	}{
		{"zh-Hant", []string{"zh-Hant", "zh", "zh-Hans", "en"}},
		{"zh-Hant-TW", []string{"zh-Hant-TW", "zh-Hant", "zh", "zh-Hans", "en"}},
		{"ja", []string{"ja", "en"}},
		{"ko", []string{"ko"}},
	}
	for _, c := range cases {
		if got := f.Chain(c.ask); !slices.Equal(got, c.want) {
			t.Errorf("Chain(%s) = %v, want %v", c.ask, got, c.want)
		}
	}
	for _, bad := range []string{"ja", "ja:xx!", "ja:en,ja:ko"} {
		if _, err := ParseFallbacks(bad); err == nil {
			t.Errorf("ParseFallbacks(%q) accepted", bad)
		}
	}
}

func TestFromAcceptLanguage(t *testing.T) {
	got := FromAcceptLanguage("ja-JP, zh-hans;q=0.8, en;q=0.5, xx-!!")
	if !slices.Equal(got, []string{"ja-JP", "zh-Hans", "en"}) {
		t.Errorf("got %v", got)
	}
}

func FuzzParseFallbacks(f *testing.F) {
	f.Add("zh-Hant:zh-Hans:en,ja:en")
	f.Fuzz(func(t *testing.T, s string) {
		fb, err := ParseFallbacks(s)
		if err != nil {
			return
		}
		for from := range fb {
			if chain := fb.Chain(from); len(chain) == 0 || chain[0] != from {
				t.Fatalf("Chain(%s) = %v", from, chain)
			}
		}
	})
}

func TestParseList(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
		bad  bool
	}{
		{in: "", want: nil},
		{in: "zh-hans, ja,ko", want: []string{"zh-Hans", "ja", "ko"}},
		{in: "ja,,JA, ko ", want: []string{"ja", "ko"}},
		{in: "ja,not a locale", bad: true},
	} {
		got, err := ParseList(tc.in)
		if (err != nil) != tc.bad || !slices.Equal(got, tc.want) {
			t.Errorf("ParseList(%q) = %q, %v; want %q (error: %v)", tc.in, got, err, tc.want, tc.bad)
		}
	}
}

func TestFallbacksFor(t *testing.T) {
	f, err := ParseFallbacks("zh-Hant:zh-Hans,ja:en")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		wanted []string
		source string
		want   []string
	}{
		{nil, "en", []string{"en"}},
		{[]string{"zh-Hant-TW"}, "en", []string{"zh-Hant-TW", "zh-Hant", "zh", "zh-Hans", "en"}},
		{[]string{"ja", "ko"}, "en", []string{"ja", "en"}}, // cut at the source: ko is never reached
		{[]string{"ko", "ja"}, "en", []string{"ko", "ja", "en"}},
	} {
		if got := f.For(c.wanted, c.source); !slices.Equal(got, c.want) {
			t.Errorf("For(%q, %s) = %q, want %q", c.wanted, c.source, got, c.want)
		}
	}
}
