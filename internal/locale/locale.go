// Package locale validates and normalises BCP 47 language tags (the language
// a report is written in) and ISO 3166-1 alpha-2 country codes (where an event
// happened), using golang.org/x/text/language.
//
// x/text is lenient: it accepts "_" as a separator, unknown regions such as
// "XX", the undetermined language "und" and tags with only private-use
// subtags, and it returns a best-effort tag alongside some errors. The
// functions here are strict instead; the exact rules are documented on each.
package locale

import (
	"fmt"
	"strings"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/copydesk/copydesk/internal/cerr"
)

// maxTagLen bounds the length of a tag accepted by Canonical. Real tags,
// extensions included, are far shorter; the bound keeps parsing cheap.
const maxTagLen = 64

// Canonical returns the canonical form of the BCP 47 language tag tag, as
// produced by golang.org/x/text/language: subtags in canonical case ("zh-hans"
// → "zh-Hans", "EN-us" → "en-US", "ko-kr" → "ko-KR"), deprecated and
// grandfathered codes replaced ("iw" → "he", "zh-min-nan" → "nan", "en-UK" →
// "en-GB", "zh-156" → "zh-CN"). Canonical(Canonical(x)) == Canonical(x).
//
// It returns an error naming the input, of the form
// `"xx-yy" is not a valid BCP 47 locale, e.g. en, zh-Hans, ja, ko`, when the
// tag:
//   - is empty, longer than 64 bytes, or contains anything other than ASCII
//     letters, digits and "-" ("_" and spaces are rejected, not repaired);
//   - is not well-formed BCP 47, or has a well-formed but unknown language,
//     script or variant subtag ("xx", "en-Abcd"), i.e. whenever
//     language.Parse returns any error, including a language.ValueError;
//   - has no real language: "und", "root", private-use-only tags such as
//     "x-foo", and the private-use languages qaa–qtz;
//   - has a private-use or unknown script (Qaaa–Qabx, Zzzz);
//   - has a region that is neither an ISO 3166-1 country that Country
//     accepts (after the canonicalisation above) nor a UN M.49 area code
//     such as 419 or 150: so "en-XX", "en-ZZ", "en-EU", "en-QO" are rejected
//     while "es-419" is accepted.
//
// Extensions (-u-, -t-, …) and a private-use suffix after a real language
// ("en-US-x-newsroom") are kept as x/text canonicalises them.
func Canonical(tag string) (string, error) {
	invalid := func() (string, error) {
		return "", fmt.Errorf("%q is not a valid BCP 47 locale, e.g. en, zh-Hans, ja, ko", clip(tag))
	}
	if tag == "" || len(tag) > maxTagLen {
		return invalid()
	}
	for i := 0; i < len(tag); i++ {
		if c := tag[i]; !isASCIILetter(c) && !('0' <= c && c <= '9') && c != '-' {
			return invalid()
		}
	}
	t, err := language.Parse(tag)
	if err != nil {
		return invalid()
	}
	base, script, region := t.Raw()
	if base == (language.Base{}) || base.String() == "und" || base.IsPrivateUse() {
		return invalid()
	}
	if script != (language.Script{}) && (script.IsPrivateUse() || script.String() == "Zzzz") {
		return invalid()
	}
	if region != (language.Region{}) && !validLocaleRegion(region) {
		return invalid()
	}
	return t.String(), nil
}

// validLocaleRegion reports whether r may appear in a locale: an ISO 3166-1
// country (as Country accepts it) or a UN M.49 grouping written as digits.
func validLocaleRegion(r language.Region) bool {
	s := r.String()
	if len(s) == 3 && s[0] >= '0' && s[0] <= '9' {
		return r.IsGroup()
	}
	_, ok := countries[s]
	return ok
}

// Country returns code upper-cased ("cn" → "CN") if it is an ISO 3166-1
// alpha-2 code for a country or territory, compared ASCII case-insensitively.
//
// The accepted set is the 249 officially assigned ISO 3166-1 alpha-2 codes
// plus XK (Kosovo, user-assigned but in general use, including in CLDR).
// Country returns an error for anything else, including: the empty string;
// alpha-3 ("CHN") and numeric ("156") codes; unknown, private-use or
// user-assigned codes ("XX", "AA", "QM"); the "unknown region" ZZ; groupings
// ("EU", "UN", "EZ", "419"); exceptionally reserved codes ("UK", "AC", "IC",
// "EA"); and codes that are no longer assigned ("YU", "SU", "AN", "DD", "ZR").
func Country(code string) (string, error) {
	// Checked before upper-casing: strings.ToUpper maps some non-ASCII
	// letters to ASCII ones ("ı" → "I", "ſ" → "S").
	if len(code) != 2 || !isASCIILetter(code[0]) || !isASCIILetter(code[1]) {
		return "", fmt.Errorf("%q is not a country code: use a two-letter ISO 3166-1 alpha-2 code, e.g. CN, JP, KR, US", clip(code))
	}
	up := strings.ToUpper(code)
	if _, ok := countries[up]; !ok {
		return "", fmt.Errorf("%q is not an ISO 3166-1 alpha-2 country code, e.g. CN, JP, KR, US", code)
	}
	return up, nil
}

// clip shortens s for quoting in an error message.
func clip(s string) string { return cerr.Clip(s, 2*maxTagLen) }

func isASCIILetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// CountryName returns the English name of the country with the given code
// (case-insensitive), as given by CLDR via golang.org/x/text/language/display:
// "CN" → "China", "KR" → "South Korea", "HK" → "Hong Kong SAR China". It
// returns "" if Country rejects code or no name is known.
func CountryName(code string) string {
	up, err := Country(code)
	if err != nil {
		return ""
	}
	r, err := language.ParseRegion(up)
	if err != nil {
		return ""
	}
	return display.English.Regions().Name(r)
}

// countries is the set of officially assigned ISO 3166-1 alpha-2 codes
// (249 of them) plus XK for Kosovo.
var countries = func() map[string]struct{} {
	const list = "" +
		"AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ " +
		"BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ " +
		"CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ " +
		"DE DJ DK DM DO DZ " +
		"EC EE EG EH ER ES ET " +
		"FI FJ FK FM FO FR " +
		"GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY " +
		"HK HM HN HR HT HU " +
		"ID IE IL IM IN IO IQ IR IS IT " +
		"JE JM JO JP " +
		"KE KG KH KI KM KN KP KR KW KY KZ " +
		"LA LB LC LI LK LR LS LT LU LV LY " +
		"MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ " +
		"NA NC NE NF NG NI NL NO NP NR NU NZ " +
		"OM " +
		"PA PE PF PG PH PK PL PM PN PR PS PT PW PY " +
		"QA " +
		"RE RO RS RU RW " +
		"SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ " +
		"TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ " +
		"UA UG UM US UY UZ " +
		"VA VC VE VG VI VN VU " +
		"WF WS " +
		"YE YT " +
		"ZA ZM ZW " +
		"XK"
	m := make(map[string]struct{}, 250)
	for _, c := range strings.Fields(list) {
		m[c] = struct{}{}
	}
	return m
}()
