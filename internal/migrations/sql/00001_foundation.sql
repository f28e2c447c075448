-- +goose Up
-- Trigram matching backs directory search ("search before create") and,
-- later, CJK full-text search. pg_trgm is a trusted extension: a database
-- owner may create it without superuser rights.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Which demo data sets have been loaded, so the loader is idempotent.
CREATE TABLE demo_loads (
    name      text PRIMARY KEY,
    loaded_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE demo_loads;
DROP EXTENSION IF EXISTS pg_trgm;
