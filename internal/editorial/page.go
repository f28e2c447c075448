package editorial

// Cursor is a keyset pagination position: the sort key of the last item
// seen and its ID as the tie-breaker. Storage defines the keys of its lists
// (postgres.ReportCursor, NameCursor, EventCursor); the GraphQL layer
// encodes cursors opaquely.
type Cursor struct {
	Key string // the sort key, as text (a timestamp in RFC 3339 with nanoseconds, or a lower-cased name)
	ID  int64
}

// RevisionPage is one page of a report's revisions, newest first, with the
// number of revisions the report has in all.
type RevisionPage struct {
	Revisions []*Revision
	Total     int
}
