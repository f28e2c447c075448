package editorial

import "time"

// PersistedSource says how an operation was registered.
type PersistedSource string

// The sources, as the GraphQL enum names them (the database stores them in
// lower case: 'apq', 'manifest').
const (
	// PersistedAPQ: registered automatically by a client that sent the
	// text with its hash (Automatic Persisted Queries). Bounded in number,
	// least recently used evicted.
	PersistedAPQ PersistedSource = "APQ"
	// PersistedManifest: registered by an admin from a frontend's build
	// manifest. Kept until unregistered; the public allowlist.
	PersistedManifest PersistedSource = "MANIFEST"
)

// PersistedOperation is one stored GraphQL document.
type PersistedOperation struct {
	ID           int64           `db:"id"`
	Hash         string          `db:"hash"` // lower-case hex SHA-256 of Body
	Body         string          `db:"body"`
	Name         string          `db:"name"` // the manifest's name, or the operation's; "" for none
	Source       PersistedSource `db:"source"`
	RegisteredBy *int64          `db:"registered_by"` // the admin who registered a manifest; nil for APQ
	CreatedAt    time.Time       `db:"created_at"`
	LastUsedAt   time.Time       `db:"last_used_at"` // coarse: see operations.Options.TouchEvery
}
