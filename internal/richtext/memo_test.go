package richtext

import (
	"strings"
	"testing"
)

// A memo answers what Text answers, the first time and every time after,
// whether or not it has room for the text; a nil memo converts each time.
func TestAMemoAnswersWhatTextAnswers(t *testing.T) {
	inputs := []string{"**Bold** and [a link](https://example.org)", "# Title\n\nText &amp; more", "", strings.Repeat("long *text* ", 2000)}
	for _, m := range []*Memo{nil, NewMemo(1 << 20), NewMemo(64)} {
		for round := 0; round < 3; round++ {
			for _, in := range inputs {
				if got, want := m.Text(in), Text(in); got != want {
					t.Errorf("memo %v, round %d: Text(%.30q) = %.30q, want %.30q", m != nil, round, in, got, want)
				}
			}
		}
	}
}
