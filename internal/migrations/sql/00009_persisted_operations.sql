-- +goose Up
-- Persisted GraphQL operations (internal/operations): the documents a
-- client may run by their SHA-256 instead of sending the text. `apq` rows
-- are registered automatically (Automatic Persisted Queries), are bounded
-- in number and evicted least recently used first; `manifest` rows are
-- registered by an admin from a frontend's build manifest, are the public
-- allowlist, and stay until they are unregistered.
CREATE TABLE persisted_operations (
    hash          text PRIMARY KEY CONSTRAINT persisted_operations_hash_check CHECK (hash ~ '^[0-9a-f]{64}$'),
    -- Only for paging the admin's list in a stable order.
    id            bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    body          text NOT NULL,
    name          text,
    source        text NOT NULL CONSTRAINT persisted_operations_source_check CHECK (source IN ('apq', 'manifest')),
    registered_by bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL,
    -- Updated coarsely (operations.Options.TouchEvery), not on every use.
    last_used_at  timestamptz NOT NULL
);
-- Finds the automatic operations past the bound, least recently used first.
CREATE INDEX persisted_operations_apq_lru ON persisted_operations (last_used_at DESC, id DESC) WHERE source = 'apq';

-- +goose Down
DROP TABLE persisted_operations;
