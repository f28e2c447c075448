package main

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/copydesk/copydesk/bench/internal/lorem"
)

// TestTermsOccur checks that every class searches for words the bench/read
// generator writes: English ones from lorem.Words (the bodies, titles and
// summaries), CJK ones from lorem.CJKWords (the translations), so that a
// class's matches are the generator's, not an accident.
func TestTermsOccur(t *testing.T) {
	words := map[string]bool{}
	for _, w := range lorem.Words {
		words[w] = true
	}
	for _, w := range []string{"festival", "renewable", "energy"} {
		if !words[w] {
			t.Errorf("%q is not in lorem.Words", w)
		}
	}
	if termEnglish != "festivals" {
		t.Errorf("the English term changed to %q: check it against lorem.Words", termEnglish)
	}
	for loc, term := range map[string]string{"zh-Hans": "合作", "ja": "コンテナ", "ko": "협력"} {
		if !slices.Contains(lorem.CJKWords[loc], term) {
			t.Errorf("%q is not in lorem.CJKWords[%q]", term, loc)
		}
	}
	if !slices.Contains(lorem.CJKWords["zh-Hans"], "基础设施") {
		t.Error("基础设施 is not in lorem.CJKWords[zh-Hans]")
	}
	// And the generated text holds them: the CJK words where a translation would.
	for loc, term := range map[string]string{"zh-Hans": "合作", "ja": "コンテナ", "ko": "협력"} {
		found := false
		for id := uint64(1); id < 50 && !found; id++ {
			found = strings.Contains(lorem.CJKMarkdown(id, loc, 600), term)
		}
		if !found {
			t.Errorf("%q not in 50 generated %s bodies", term, loc)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	if s := lorem.CJKSentence(r, "ko", 8); strings.Count(s, " ") != 7 {
		t.Errorf("a Korean sentence of 8 words has %d spaces: %q", strings.Count(s, " "), s)
	}
}

func TestClassesHaveAudiences(t *testing.T) {
	for _, c := range classes {
		if len(c.audiences) == 0 || c.search == "" {
			t.Errorf("class %s: no audience or no search", c.name)
		}
		if c.filter != nil && c.filter(&fixtures{tagID: 1, personID: 2}) == nil {
			t.Errorf("class %s: empty filter", c.name)
		}
	}
}
