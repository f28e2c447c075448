// Package slugs makes and checks URL slugs: short, lowercase ASCII names such
// as "qingdao-tech-trade-forum" that identify a report in a URL.
//
// Titles in any script are transliterated to ASCII with gosimple/slug and its
// unidecode tables: Chinese becomes pinyin-like syllables without tones
// ("青岛" → "qing-dao"), kanji get their Mandarin reading, kana and Hangul are
// romanised ("ひらがな" → "hiragana", "서울" → "seoul"). Transliteration is
// character by character, so a character with several readings always gets
// the same one: "技术" (jìshù) becomes "ji-zhu", and Japanese kanji are read
// as Mandarin ("東京" → "dong-jing"). Slugs are identifiers, not translations.
//
// FromTitle re-normalises whatever gosimple/slug returns, so it does not
// depend on that package's global settings, except AppendTimestamp and the
// CustomSub/CustomRuneSub tables, which nothing in the program should set.
package slugs

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/gosimple/slug"
)

// MaxLen is the maximum length of a slug in bytes (which, for a slug, is also
// its length in characters).
const MaxLen = 100

// fallback is the slug used when a title has nothing that transliterates to
// letters or digits.
const fallback = "report"

// FromTitle returns a slug made from title: lowercase ASCII letters a-z and
// digits 0-9 in words joined by single hyphens, with no leading or trailing
// hyphen, at most MaxLen bytes long. It never fails: the result always passes
// Validate.
//
// Non-Latin text is transliterated (see the package documentation), accents
// are dropped ("Zürich" → "zurich"), apostrophes vanish ("China's" →
// "chinas"), "&" and "@" become the words "and" and "at", and every other
// character that is not a letter or digit separates words. A slug longer than
// MaxLen is cut at the last hyphen within the limit, provided that keeps at
// least half of it; otherwise it is cut at exactly MaxLen bytes. When nothing
// usable remains (an empty title, only emoji or punctuation) the result is
// "report".
func FromTitle(title string) string {
	s := slug.MakeLang(symbolWords.Replace(spaceBeforeHan(title)), "en")

	// Keep only a-z and 0-9; everything else (including the "_" that
	// gosimple/slug lets through) becomes a single separating hyphen.
	var b strings.Builder
	b.Grow(len(s))
	pendingHyphen := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if ('a' <= c && c <= 'z') || ('0' <= c && c <= '9') {
			if pendingHyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			pendingHyphen = false
			b.WriteByte(c)
			continue
		}
		pendingHyphen = true
	}
	out := truncate(b.String(), MaxLen)
	if out == "" {
		return fallback
	}
	return out
}

// symbolWords spells out the symbols that carry meaning in a title, as
// separate words ("S&P" → "s-and-p", not gosimple/slug's "sandp").
var symbolWords = strings.NewReplacer("&", " and ", "＆", " and ", "@", " at ", "＠", " at ")

// spaceBeforeHan puts a space before each Han ideograph that directly follows
// another character, so that its transliteration does not fuse with the
// previous word: "iPhone很好" → "iPhone 很好", "東京で国際" → "東京で 国際".
// (unidecode already ends each ideograph with a space.)
func spaceBeforeHan(s string) string {
	var b strings.Builder
	prevOther := false
	for _, r := range s {
		isHan := unicode.Is(unicode.Han, r)
		if isHan && prevOther {
			b.WriteByte(' ')
		}
		prevOther = !isHan && !unicode.IsSpace(r)
		b.WriteRune(r)
	}
	return b.String()
}

// truncate shortens a well-formed slug s to at most max bytes, preferring to
// cut at a hyphen that keeps at least half of max.
func truncate(s string, max int) string {
	if len(s) <= max {
		return s
	}
	if s[max] == '-' {
		return s[:max] // the cut falls exactly between two words
	}
	if i := strings.LastIndexByte(s[:max], '-'); i >= max/2 {
		return s[:i]
	}
	return strings.TrimRight(s[:max], "-")
}

// Validate returns nil if s is a well-formed slug: 1 to MaxLen bytes of
// lowercase letters a-z and digits 0-9, in words joined by single hyphens
// (^[a-z0-9]+(?:-[a-z0-9]+)*$). Otherwise it returns an error whose message
// tells the user what to change.
func Validate(s string) error {
	switch {
	case s == "":
		return errors.New("slug must not be empty")
	case len(s) > MaxLen:
		return fmt.Errorf("slug must be at most %d characters long (it has %d)", MaxLen, len(s))
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if ('a' <= c && c <= 'z') || ('0' <= c && c <= '9') || c == '-' {
			continue
		}
		return errors.New("slug may contain only lowercase letters a-z, digits and single hyphens")
	}
	switch {
	case s[0] == '-' || s[len(s)-1] == '-':
		return errors.New("slug must not start or end with a hyphen")
	case strings.Contains(s, "--"):
		return errors.New("slug may contain only lowercase letters a-z, digits and single hyphens (no double hyphens)")
	}
	return nil
}

// WithSuffix returns s followed by "-" and the decimal n, e.g.
// WithSuffix("qingdao-forum", 2) == "qingdao-forum-2", for making a taken slug
// unique. If the result would exceed MaxLen, s is shortened first (and any
// hyphen left at its end dropped) so that the result is exactly at most MaxLen
// bytes. A negative n is written without its sign; an empty s is treated as
// "report". If s is a valid slug the result is one too. It never fails.
func WithSuffix(s string, n int) string {
	var suffix string
	if n < 0 {
		suffix = "-" + strconv.FormatUint(uint64(-(n+1))+1, 10) // safe for math.MinInt
	} else {
		suffix = "-" + strconv.Itoa(n)
	}
	if s == "" {
		s = fallback
	}
	if len(s)+len(suffix) > MaxLen {
		s = strings.TrimRight(s[:MaxLen-len(suffix)], "-")
	}
	return s + suffix
}
