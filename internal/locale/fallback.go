package locale

import (
	"fmt"
	"slices"
	"strings"
)

// Fallbacks says, for a locale a reader asks for, which locales to try
// after it when a value is missing in it: a deployment setting such as
// "zh-Hant:zh-Hans:en,ja:en". Whatever the setting, a locale always falls
// back to its broader forms first (zh-Hans-CN, then zh-Hans, then zh).
type Fallbacks map[string][]string

// DefaultFallbacks is the chain used when a deployment sets none.
const DefaultFallbacks = "zh-Hant:zh-Hans,zh-HK:zh-Hant:zh-Hans"

// ParseFallbacks reads chains written "from:next:next,from:next", each
// locale canonicalised. The empty string is no chains.
func ParseFallbacks(s string) (Fallbacks, error) {
	out := Fallbacks{}
	for _, chain := range strings.Split(s, ",") {
		chain = strings.TrimSpace(chain)
		if chain == "" {
			continue
		}
		var tags []string
		for _, t := range strings.Split(chain, ":") {
			c, err := Canonical(strings.TrimSpace(t))
			if err != nil {
				return nil, fmt.Errorf("fallback chain %q: %w", chain, err)
			}
			tags = append(tags, c)
		}
		if len(tags) < 2 {
			return nil, fmt.Errorf("fallback chain %q: give a locale and at least one to fall back to, as from:next", chain)
		}
		if _, dup := out[tags[0]]; dup {
			return nil, fmt.Errorf("fallback chain for %s is given twice", tags[0])
		}
		out[tags[0]] = tags[1:]
	}
	return out, nil
}

// Chain returns the locales to try for a reader asking for tag, best first:
// tag, its broader forms, then the configured chain (each with its broader
// forms), without repeats. tag must be canonical.
func (f Fallbacks) Chain(tag string) []string {
	var out []string
	add := func(t string) {
		for t != "" {
			if !slices.Contains(out, t) {
				out = append(out, t)
			}
			i := strings.LastIndexByte(t, '-')
			if i < 0 {
				break
			}
			t = t[:i]
		}
	}
	add(tag)
	for i := 0; i < len(out); i++ {
		for _, next := range f[out[i]] {
			add(next)
		}
	}
	return out
}

// FromAcceptLanguage returns the canonical locales of an Accept-Language
// header, by preference (q value, then order); malformed entries, "*" and
// q=0 are skipped rather than failing the whole header.
func FromAcceptLanguage(header string) []string {
	type pref struct {
		tag string
		q   float64
	}
	var prefs []pref
	for _, part := range strings.Split(header, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if _, err := fmt.Sscanf(v, "%g", &q); err != nil {
				continue
			}
		}
		c, err := Canonical(strings.TrimSpace(tag))
		if err != nil || q <= 0 || slices.ContainsFunc(prefs, func(p pref) bool { return p.tag == c }) {
			continue
		}
		prefs = append(prefs, pref{c, q})
	}
	slices.SortStableFunc(prefs, func(a, b pref) int {
		switch {
		case a.q > b.q:
			return -1
		case a.q < b.q:
			return 1
		}
		return 0
	})
	out := make([]string, len(prefs))
	for i, p := range prefs {
		out[i] = p.tag
	}
	return out
}

// ParseList parses a comma-separated list of locales ("zh-Hans, ja,ko")
// into canonical tags without duplicates, in order. Empty input is an
// empty list.
func ParseList(s string) ([]string, error) {
	var out []string
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		c, err := Canonical(part)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out, nil
}

// For returns the locales to try for a reader who wants the locales wanted
// (best first) of something written in source: each wanted locale's chain
// in turn, without repeats, cut at source, which always ends it.
func (f Fallbacks) For(wanted []string, source string) []string {
	var chain []string
	for _, w := range wanted {
		for _, t := range f.Chain(w) {
			if !slices.Contains(chain, t) {
				chain = append(chain, t)
			}
		}
	}
	if i := slices.Index(chain, source); i >= 0 {
		chain = chain[:i]
	}
	return append(chain, source)
}
