package metrics

import "sync"

// labelSet is a capped set of label values: the first max distinct values
// are kept, later ones fold into Other, so a client sending a new
// operation name with every request adds at most max series.
type labelSet struct {
	mu   sync.RWMutex
	max  int
	seen map[string]struct{}
}

func newLabelSet(max int) *labelSet {
	return &labelSet{max: max, seen: make(map[string]struct{})}
}

// get returns v if it is in the set, or if admit and there is room (then
// adding it); Other otherwise.
func (s *labelSet) get(v string, admit bool) string {
	s.mu.RLock()
	_, ok := s.seen[v]
	s.mu.RUnlock()
	if ok || v == Other {
		return v
	}
	if !admit {
		return Other
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.seen[v]; ok {
		return v
	}
	if len(s.seen) >= s.max {
		return Other
	}
	s.seen[v] = struct{}{}
	return v
}

// clip returns v cut to at most n bytes, or Other when v is empty or has a
// byte ok refuses.
func clip(v string, n int, ok func(byte) bool) string {
	if v == "" {
		return Other
	}
	if len(v) > n {
		v = v[:n]
	}
	for i := 0; i < len(v); i++ {
		if !ok(v[i]) {
			return Other
		}
	}
	return v
}

// isNameChar accepts the characters of a GraphQL name (and so of an error
// code or a refusal reason).
func isNameChar(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// isVersionChar accepts what module versions are made of (v1.2.3-rc.1+x).
func isVersionChar(c byte) bool {
	return isNameChar(c) || c == '.' || c == '-' || c == '+'
}
