-- +goose Up
-- Relevance without ranking every match (issue 13): a RELEVANCE page reads
-- two tiers, each newest first, and stops at the page's length
-- (internal/postgres/relevance.go): reports whose title, subtitle or summary
-- (head) holds the query, then the other matches. Ranking every match by
-- ts_rank cost seconds for a common word (81,807 rows for "festivals" on
-- 100,000 reports). This index finds the head hits of a rare word; a
-- common one is found by reading reports newest first.
--
-- RUM (github.com/postgrespro/rum), which returns rows in rank order, was
-- tried and rejected: its WAL is not replayable (postgrespro/rum#179, open:
-- new pages logged without a full image), and a streaming replica in
-- copydesk's own tests stopped with "WAL contains references to invalid
-- pages" (crash recovery of the primary would stop the same way).
CREATE INDEX search_report_locales_newsroom_head_idx ON search_report_locales USING gin (head) WHERE audience = 'newsroom';
CREATE INDEX search_report_locales_public_head_idx ON search_report_locales USING gin (head) WHERE audience = 'public';

-- The query of one search term: the union of to_tsquery of the term under
-- each configuration, without repeats (most configurations stem most words
-- alike, and an index scans a repeated lexeme as often as it is written;
-- a term without any lexeme is to_tsquery's empty query). Immutable: with
-- the term known when a statement is planned, it is computed before the
-- plan, which then holds the query itself (for the planner's estimates).
-- +goose StatementBegin
CREATE FUNCTION copydesk_term_query(term text, configs regconfig[]) RETURNS tsquery
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT COALESCE(string_agg(DISTINCT '(' || q::text || ')', ' | ')::tsquery, to_tsquery('simple', term))
    FROM unnest(configs) c, to_tsquery(c, term) q
    WHERE q::text <> ''
$$;
-- +goose StatementEnd

-- One copy of each locale's words, not three (issue 13's write cost): the
-- fields' own tsvectors (title A, subtitle and summary B, names C, body D)
-- are gone; which fields matched is read off the document by weight
-- (ts_filter). document and head keep their values and are written by the
-- statement that writes the row.
ALTER TABLE search_report_locales ALTER COLUMN document DROP EXPRESSION;
ALTER TABLE search_report_locales ALTER COLUMN head DROP EXPRESSION;
ALTER TABLE search_report_locales ALTER COLUMN document SET NOT NULL;
ALTER TABLE search_report_locales ALTER COLUMN head SET NOT NULL;
ALTER TABLE search_report_locales DROP COLUMN title_tsv, DROP COLUMN text_tsv, DROP COLUMN names_tsv, DROP COLUMN body_tsv;

-- +goose Down
-- The fields' vectors come back empty and every document is marked of an
-- older format, so that the search workers rebuild them all.
ALTER TABLE search_report_locales ADD COLUMN title_tsv tsvector NOT NULL DEFAULT '', ADD COLUMN text_tsv tsvector NOT NULL DEFAULT '',
    ADD COLUMN names_tsv tsvector NOT NULL DEFAULT '', ADD COLUMN body_tsv tsvector NOT NULL DEFAULT '';
ALTER TABLE search_report_locales DROP COLUMN document, DROP COLUMN head;
ALTER TABLE search_report_locales ADD COLUMN document tsvector GENERATED ALWAYS AS (title_tsv || text_tsv || names_tsv || body_tsv) STORED,
    ADD COLUMN head tsvector GENERATED ALWAYS AS (title_tsv || text_tsv) STORED;
CREATE INDEX search_report_locales_newsroom_idx ON search_report_locales USING gin (document) WHERE audience = 'newsroom';
CREATE INDEX search_report_locales_public_idx ON search_report_locales USING gin (document) WHERE audience = 'public';
UPDATE search_reports SET format = 0;
DROP FUNCTION copydesk_term_query(text, regconfig[]);
