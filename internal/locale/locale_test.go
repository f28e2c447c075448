package locale

import (
	"strings"
	"testing"

	"golang.org/x/text/language"
)

func TestCanonical(t *testing.T) {
	good := []struct{ in, want string }{
		{"zh-hans", "zh-Hans"},
		{"EN-us", "en-US"},
		{"ja", "ja"},
		{"ko-kr", "ko-KR"},
		{"ko", "ko"},
		{"en", "en"},
		{"zh-Hant-TW", "zh-Hant-TW"},
		{"ZH-HANS-cn", "zh-Hans-CN"},
		{"en-Latn-US", "en-Latn-US"},
		{"es-419", "es-419"},
		{"en-001", "en-001"},
		{"sr-Cyrl-RS", "sr-Cyrl-RS"},
		{"yue", "yue"},
		{"fil", "fil"},
		{"de-1996", "de-1996"},
		{"en-US-u-ca-gregory", "en-US-u-ca-gregory"},
		{"en-US-x-newsroom", "en-US-x-newsroom"},
		{"en-xk", "en-XK"},
		// Deprecated and grandfathered forms are replaced.
		{"iw", "he"},
		{"in", "id"},
		{"tl", "fil"},
		{"sh", "sr-Latn"},
		{"zh-min-nan", "nan"},
		{"zh-cmn", "cmn"},
		{"i-klingon", "tlh"},
		{"art-lojban", "jbo"},
		{"mo", "ro-MD"},
		{"en-UK", "en-GB"},
		{"de-DD", "de-DE"},
		{"en-BU", "en-MM"},
		{"zh-156", "zh-CN"},
	}
	for _, tt := range good {
		got, err := Canonical(tt.in)
		if err != nil {
			t.Errorf("Canonical(%q) error: %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("Canonical(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}

	bad := []string{
		"",
		"und",
		"UND",
		"root",
		"und-US",
		"x-foo",
		"x-private-use",
		"qaa",
		"qtz-US",
		"xx",
		"xx-yy",
		"zzz",
		"en_US",     // underscore: not BCP 47
		" en",       // surrounding space is not trimmed
		"en ",       //
		"en-",       // empty subtag
		"-en",       //
		"en--US",    //
		"abcdefghi", // language subtag too long
		"e",
		"en-Abcd",  // unknown script
		"en-Qaaa",  // private-use script
		"en-Zzzz",  // "unknown script" code
		"en-abcde", // unknown variant
		"en-XX",    // private-use region
		"en-ZZ",    // unknown region
		"en-AA",
		"en-QM",
		"en-999", // unknown M.49 code
		"en-EU",  // a grouping, not a country
		"en-UN",
		"en-SU", // no longer assigned
		"en-t-xx",
		"zh-Hans-CN-" + strings.Repeat("a", 60),
		"日本語",
		"en\x00",
		"en-US\n",
	}
	for _, in := range bad {
		got, err := Canonical(in)
		if err == nil {
			t.Errorf("Canonical(%q) = %q, want error", in, got)
			continue
		}
		if got != "" {
			t.Errorf("Canonical(%q) returned %q with error", in, got)
		}
		if !strings.Contains(err.Error(), "not a valid BCP 47 locale") {
			t.Errorf("Canonical(%q) error %q does not explain the problem", in, err)
		}
	}
}

func TestCanonicalErrorMessage(t *testing.T) {
	_, err := Canonical("xx-yy")
	want := `"xx-yy" is not a valid BCP 47 locale, e.g. en, zh-Hans, ja, ko`
	if err == nil || err.Error() != want {
		t.Errorf("Canonical(%q) error = %v, want %q", "xx-yy", err, want)
	}
	// A huge input does not produce a huge message.
	_, err = Canonical(strings.Repeat("a", 1<<20))
	if err == nil || len(err.Error()) > 300 {
		t.Errorf("error for a huge input is %d bytes", len(err.Error()))
	}
}

func TestCountry(t *testing.T) {
	good := []struct{ in, want string }{
		{"cn", "CN"},
		{"CN", "CN"},
		{"Jp", "JP"},
		{"kR", "KR"},
		{"us", "US"},
		{"gb", "GB"},
		{"tw", "TW"},
		{"hk", "HK"},
		{"ps", "PS"},
		{"aq", "AQ"},
		{"xk", "XK"},
	}
	for _, tt := range good {
		got, err := Country(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("Country(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	bad := []string{
		"", "C", "CHN", "156", "419", "001", "C1", "c n", "ＣＮ", "ıt", "ſe", " CN", "CN ",
		"ZZ", "XX", "AA", "QM", "QO", "XA",
		"EU", "EZ", "UN",
		"UK", "AC", "CP", "DG", "EA", "IC", "TA", "FX",
		"YU", "SU", "AN", "CS", "DD", "ZR", "TP", "BU", "NT",
	}
	for _, in := range bad {
		if got, err := Country(in); err == nil {
			t.Errorf("Country(%q) = %q, want error", in, got)
		} else if got != "" {
			t.Errorf("Country(%q) returned %q with error", in, got)
		}
	}
	if _, err := Country("ZZ"); err == nil || err.Error() != `"ZZ" is not an ISO 3166-1 alpha-2 country code, e.g. CN, JP, KR, US` {
		t.Errorf("Country(ZZ) error = %v", err)
	}
}

// TestCountryList checks the built-in list against x/text's region data.
func TestCountryList(t *testing.T) {
	if len(countries) != 250 {
		t.Errorf("len(countries) = %d, want 249 ISO codes + XK", len(countries))
	}
	for c := range countries {
		r, err := language.ParseRegion(c)
		if err != nil {
			t.Errorf("%s: x/text cannot parse it: %v", c, err)
			continue
		}
		if r.String() != c {
			t.Errorf("%s: x/text canonicalises it to %s", c, r)
		}
		if !r.IsCountry() {
			t.Errorf("%s: x/text says it is not a country", c)
		}
		if CountryName(c) == "" {
			t.Errorf("%s: no English name", c)
		}
	}
}

func TestCountryName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"CN", "China"},
		{"cn", "China"},
		{"JP", "Japan"},
		{"KR", "South Korea"},
		{"US", "United States"},
		{"XK", "Kosovo"},
		{"ZZ", ""},
		{"EU", ""},
		{"XX", ""},
		{"", ""},
		{"CHN", ""},
	}
	for _, tt := range tests {
		if got := CountryName(tt.in); got != tt.want {
			t.Errorf("CountryName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzCanonical(f *testing.F) {
	for _, s := range []string{
		"zh-hans", "EN-us", "ja", "ko-kr", "xx-yy", "und", "x-foo", "en-UK",
		"sh", "zh-min-nan", "es-419", "en-US-u-ca-gregory-x-a", "i-default",
		"en-GB-oed", "sl-rozaj-biske-1994", "de-CH-1901", "en-t-zh-hans",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		c, err := Canonical(in)
		if err != nil {
			if c != "" {
				t.Fatalf("Canonical(%q) = %q with error %v", in, c, err)
			}
			return
		}
		c2, err := Canonical(c)
		if err != nil {
			t.Fatalf("Canonical(%q) = %q, but Canonical(%q) fails: %v", in, c, c, err)
		}
		if c2 != c {
			t.Fatalf("not idempotent: Canonical(%q) = %q, Canonical(%q) = %q", in, c, c, c2)
		}
	})
}
