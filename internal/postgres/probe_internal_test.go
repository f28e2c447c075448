package postgres

import (
	"testing"
)

// A phrase is probed by its rarest word; what is not a phrase, or stands
// under a negation, is kept, so the probe holds wherever the query does.
func TestProbeReplacesEachPhraseByItsRarestWord(t *testing.T) {
	freq := map[string]float64{"コン": 0.14, "ンテ": 0.13, "テナ": 0.12, "renew": 0.46, "energi": 0.45, "a'b": 0.58, `c\d`: 0.6, "e": 0.55}
	for _, c := range []struct {
		name, query, probe string
		changed            bool
	}{
		{"a word", `'festiv'`, `'festiv'`, false},
		{"words", `'a' & 'b' | 'c'`, `( ( 'a' & 'b' ) | 'c' )`, false},
		{"a Japanese word: its rarest bigram", `'コン' <-> 'ンテ' <-> 'テナ'`, `'テナ'`, true},
		{"a word the statistics do not name is the rarest", `'コン' <-> 'ンテ' <-> 'ナ!'`, `'ナ!'`, true},
		{"an English phrase under two configurations", `'renew' <-> 'energi' | 'renewable' <-> 'energy'`, `( 'energi' | 'renewable' )`, true},
		{"a phrase beside a word", `'x' & 'コン' <-> 'ンテ'`, `( 'x' & 'ンテ' )`, true},
		{"a negated phrase is kept", `'x' & !( 'コン' <-> 'ンテ' )`, `( 'x' & !( ( 'コン' <-> 'ンテ' ) ) )`, false},
		{"a word under | in a phrase is not implied", `( 'a' | 'b' ) <-> 'コン'`, `'コン'`, true},
		{"no implied word: the phrase is kept", `( 'a' | 'b' ) <-> !'c'`, `( ( 'a' | 'b' ) <-> !( 'c' ) )`, false},
		{"distance and prefix", `'renew':* <2> 'energi':AB`, `'energi':AB`, true},
		{"a whole word before a rarer-looking prefix", `'a' <-> '股':*`, `'a'`, true},
		{"only prefixes: the rarest", `'コン':* <-> '股':*`, `'股':*`, true},
		{"quotes and backslashes are read", `'c\\d' <-> 'e' <-> 'a''b'`, `'e'`, true},
		{"nothing", ``, ``, false},
	} {
		got, changed, err := probeQuery(c.query, freq)
		if err != nil || got != c.probe || changed != c.changed {
			t.Errorf("%s: probeQuery(%q) = %q, %v, %v; want %q, %v", c.name, c.query, got, changed, err, c.probe, c.changed)
		}
	}
}

func TestProbeRefusesWhatIsNotATSQuery(t *testing.T) {
	for _, q := range []string{`'a`, `'a' &`, `( 'a'`, `'a' 'b'`, `a`, `'a' <x> 'b'`, `'a' )`} {
		if _, _, err := probeQuery(q, nil); err == nil {
			t.Errorf("probeQuery(%q): no error", q)
		}
	}
}

// FuzzProbe: any input is parsed or refused, never a panic, and a probe
// parses again to itself.
func FuzzProbe(f *testing.F) {
	for _, s := range []string{`'コン' <-> 'ンテ' <-> 'テナ'`, `'x' & !( 'a' <-> 'b' ) | 'c':*A`, `'a''b' <3> 'c\\d'`, `( 'a' | 'b' ) <-> 'c'`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		probe, _, err := probeQuery(s, map[string]float64{"a": 0.5})
		if err != nil || probe == "" {
			return
		}
		again, changed, err := probeQuery(probe, map[string]float64{"a": 0.5})
		if err != nil {
			t.Fatalf("the probe %q of %q does not parse: %v", probe, s, err)
		}
		if !changed && again != probe {
			t.Fatalf("the probe %q of %q prints as %q", probe, s, again)
		}
	})
}
