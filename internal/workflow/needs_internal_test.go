package workflow

import (
	"testing"

	"github.com/copydesk/copydesk/internal/auth"
)

// The service reads only the facts TranslationNeeds names, so every row
// whose precondition reads freshness must say so, and so must every row
// whose rule reads who is assigned (auth.DeleteTranslation).
func TestTranslationNeedsCoversTheRules(t *testing.T) {
	for _, row := range TranslationTransitions {
		freshness, assignee := TranslationNeeds(row.Action)
		if row.pre != nil && !freshness {
			t.Errorf("%s has a precondition but TranslationNeeds reads no freshness", row.Action)
		}
		if row.Auth == auth.DeleteTranslation && !assignee {
			t.Errorf("%s's rule reads the assignee but TranslationNeeds reads none", row.Action)
		}
	}
}
