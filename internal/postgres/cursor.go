package postgres

// Cursor is a keyset pagination position: the sort key of the last row seen
// and its ID as the tie-breaker. The GraphQL layer encodes it opaquely.
type Cursor struct {
	Key string // the sort key, as text (a timestamp in RFC 3339 with nanoseconds, or a lower-cased name)
	ID  int64
}
