package richtext

import "github.com/maypok86/otter/v2"

// Memo remembers the plain text (Text) of Markdown converted recently,
// bounded by the bytes of Markdown and text it holds. A search page cuts
// a snippet from the plain text of each hit's body, and converting the
// Markdown is most of a snippet's CPU; the same bodies come back page
// after page for the searches a site serves most. The memo is keyed by
// the Markdown itself, so what it returns is exactly what Text would,
// whatever other instances change. A nil Memo converts every time.
type Memo struct {
	texts *otter.Cache[string, string]
}

// NewMemo returns a memo of at most about maxBytes.
func NewMemo(maxBytes int) *Memo {
	return &Memo{texts: otter.Must(&otter.Options[string, string]{MaximumWeight: uint64(maxBytes),
		Weigher: func(k, v string) uint32 { return uint32(min(len(k)+len(v), 1<<31)) }})}
}

// Text returns Text(markdown), converted once while it stays in the memo.
func (m *Memo) Text(markdown string) string {
	if m == nil {
		return Text(markdown)
	}
	if t, ok := m.texts.GetIfPresent(markdown); ok {
		return t
	}
	t := Text(markdown)
	m.texts.Set(markdown, t)
	return t
}
