package editorial

// Field is one optional input field of a partial update. Set reports whether
// the client sent the field at all; Value is what it sent (a nil pointer
// Value means "clear it"). An unset Field leaves the stored value alone.
type Field[T any] struct {
	Set   bool
	Value T
}

// Set returns a Field that is set to v.
func SetTo[T any](v T) Field[T] { return Field[T]{Set: true, Value: v} }
