package postgres

// Audience is who a read is for. Reads made for the public — anonymous
// requests and API tokens limited to published content — add a condition to
// their SQL so that unpublished reports, their attendees and unapproved
// translations are never fetched at all: nothing is filtered after the fact,
// so nothing can leak through a forgotten filter in a resolver.
type Audience int

const (
	// Newsroom sees everything (what each member may change is a separate,
	// per-action check in internal/auth).
	Newsroom Audience = iota
	// Public sees published reports as they were published (not their
	// working drafts) and their approved translations only.
	Public
)
