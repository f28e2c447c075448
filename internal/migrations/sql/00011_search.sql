-- +goose Up
-- Full-text search (internal/search): PostgreSQL's own machinery, no search
-- server. Text search configurations per language fold accents (unaccent)
-- before stemming; Chinese, Japanese and Korean reach them cut into
-- overlapping bigrams (search.Analyze), so that two-character queries are
-- served by the GIN index like any word.
CREATE EXTENSION IF NOT EXISTS unaccent;

-- copydesk_simple: no stemming, accents folded (every language without a
-- stemmer, CJK bigrams, and names).
CREATE TEXT SEARCH CONFIGURATION copydesk_simple (COPY = simple);
ALTER TEXT SEARCH CONFIGURATION copydesk_simple
    ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part WITH unaccent, simple;
-- +goose StatementBegin
DO $$
DECLARE
    lang text;
BEGIN
    FOREACH lang IN ARRAY ARRAY['english', 'french', 'german', 'spanish', 'italian', 'portuguese', 'dutch', 'russian'] LOOP
        EXECUTE format('CREATE TEXT SEARCH CONFIGURATION copydesk_%1$s (COPY = %1$s)', lang);
        EXECUTE format('ALTER TEXT SEARCH CONFIGURATION copydesk_%1$s
            ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part WITH unaccent, %1$s_stem', lang);
    END LOOP;
END $$;
-- +goose StatementEnd

-- Concatenates tsvectors (|| as an aggregate).
CREATE AGGREGATE copydesk_tsvector_agg(tsvector) (SFUNC = tsvector_concat, STYPE = tsvector, INITCOND = '');

-- The text of a name with each CJK run written, where it stands, as its
-- bigrams and its characters: exactly the text search.AnalyzeNames
-- returns (TestNamesAreCutAlikeInGoAndSQL holds them together), so that
-- directory entries are indexed on any write, COPY included, by a
-- generated column.
-- +goose StatementBegin
CREATE FUNCTION copydesk_name_text(names text) RETURNS text LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    cjk constant text := '[\u1100-\u11ff\u3040-\u309f\u30a0-\u30fa\u30fc-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7af\ud7b0-\ud7ff\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003134f]+';
    result text := '';
    rest text := names;
    run text;
    at integer;
    n integer;
BEGIN
    LOOP
        at := regexp_instr(rest, cjk);
        EXIT WHEN at IS NULL OR at = 0;
        run := regexp_substr(rest, cjk);
        n := length(run);
        result := result || substr(rest, 1, at - 1) || ' ';
        IF n = 1 THEN
            result := result || run;
        ELSE
            FOR i IN 1 .. n - 1 LOOP
                result := result || CASE WHEN i > 1 THEN ' ' ELSE '' END || substr(run, i, 2);
            END LOOP;
            FOR i IN 1 .. n LOOP
                result := result || ' ' || substr(run, i, 1);
            END LOOP;
        END IF;
        result := result || ' ';
        rest := substr(rest, at + n);
    END LOOP;
    RETURN result || coalesce(rest, '');
END
$$;
-- +goose StatementEnd

-- Every name of a directory entry (its name, each localized name, an
-- organization's acronym, a tag's slug), indexed for search as you type
-- (search.Query.Prefix) and aggregated into the reports that show it.
-- +goose StatementBegin
CREATE FUNCTION copydesk_names_tsvector(name text, localized jsonb, extra text) RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT to_tsvector('copydesk_simple'::regconfig, copydesk_name_text(
        concat_ws(' ', name, extra, (SELECT string_agg(value, ' ' ORDER BY key) FROM jsonb_each_text(localized)))))
$$;
-- +goose StatementEnd
ALTER TABLE people ADD COLUMN search tsvector GENERATED ALWAYS AS (copydesk_names_tsvector(name, localized_names, NULL)) STORED;
ALTER TABLE organizations ADD COLUMN search tsvector GENERATED ALWAYS AS (copydesk_names_tsvector(name, localized_names, acronym)) STORED;
ALTER TABLE tags ADD COLUMN search tsvector GENERATED ALWAYS AS (copydesk_names_tsvector(name, localized_names, replace(slug, '-', ' '))) STORED;
ALTER TABLE events ADD COLUMN search tsvector GENERATED ALWAYS AS (copydesk_names_tsvector(name, localized_names, NULL)) STORED;
CREATE INDEX people_search_idx ON people USING gin (search);
CREATE INDEX organizations_search_idx ON organizations USING gin (search);
CREATE INDEX tags_search_idx ON tags USING gin (search);
CREATE INDEX events_search_idx ON events USING gin (search);
-- and a search of 3 characters or more inside the primary name
-- (postgres.NameSearch), as people and organizations already have.
CREATE INDEX tags_name_trgm ON tags USING gin (lower(name) gin_trgm_ops);
CREATE INDEX events_name_trgm ON events USING gin (lower(name) gin_trgm_ops);

-- A report's search document, per audience: 'newsroom' indexes the working
-- copy and every working translation; 'public' the published revision and
-- the translations approved for it (the public documents), so that a
-- public search can never match what the public cannot read.
CREATE TABLE search_reports (
    audience  text NOT NULL CHECK (audience IN ('newsroom', 'public')),
    report_id bigint NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    -- search.Format; older rows are rebuilt at start-up.
    format    integer NOT NULL,
    -- The source title, for ordering by title where no translation has one.
    title     text NOT NULL,
    -- What the report is about, for filters: 'person:12' (an attendee),
    -- 'organization:3' (an attending organization, an attendee's
    -- affiliation or the event's organizer), 'author:5', 'tag:7',
    -- 'event:2' (the event and every event above it), 'country:CN' (the
    -- event's), 'mode:SPEECH' (a way an attendee took part). A directory
    -- change queues the reports whose facets name it.
    facets    text[] NOT NULL,
    PRIMARY KEY (audience, report_id)
);
CREATE INDEX search_reports_newsroom_facets_idx ON search_reports USING gin (facets) WHERE audience = 'newsroom';
CREATE INDEX search_reports_public_facets_idx ON search_reports USING gin (facets) WHERE audience = 'public';
CREATE INDEX search_reports_report_idx ON search_reports (report_id);

-- One row per locale of a search document: the source and each
-- translation, their fields indexed under the locale's configuration and
-- weighted (title A, subtitle and summary B, attendees, tags and event C,
-- body D), and together (document, which the GIN index per audience
-- serves). A report matches when one of its locales matches, so that a
-- phrase in a translation is matched at its own positions: one document of
-- every locale would push later locales past PostgreSQL's last position
-- (16,383), where phrases no longer match. Also read for a page of hits
-- (which locale and field matched) and for ordering by title in a locale.
CREATE TABLE search_report_locales (
    audience  text NOT NULL,
    report_id bigint NOT NULL,
    locale    text NOT NULL,
    -- The locale's title, for TITLE_ASC in that locale.
    title     text NOT NULL,
    title_tsv tsvector NOT NULL,
    text_tsv  tsvector NOT NULL,
    names_tsv tsvector NOT NULL,
    body_tsv  tsvector NOT NULL,
    document  tsvector GENERATED ALWAYS AS (title_tsv || text_tsv || names_tsv || body_tsv) STORED,
    -- What relevance is ranked on: the title, subtitle and summary, small
    -- enough to stay in the row, so that ranking thousands of matches
    -- reads no TOASTed document (the GIN index alone decides what matches;
    -- names are left out: with bigrams, a report's can be kilobytes).
    head      tsvector GENERATED ALWAYS AS (title_tsv || text_tsv) STORED,
    PRIMARY KEY (audience, report_id, locale),
    FOREIGN KEY (report_id) REFERENCES reports (id) ON DELETE CASCADE
);
CREATE INDEX search_report_locales_newsroom_idx ON search_report_locales USING gin (document) WHERE audience = 'newsroom';
CREATE INDEX search_report_locales_public_idx ON search_report_locales USING gin (document) WHERE audience = 'public';
CREATE INDEX search_report_locales_report_idx ON search_report_locales (report_id);

-- +goose Down
DROP TABLE search_report_locales;
DROP TABLE search_reports;
DROP INDEX tags_name_trgm;
DROP INDEX events_name_trgm;
ALTER TABLE people DROP COLUMN search;
ALTER TABLE organizations DROP COLUMN search;
ALTER TABLE tags DROP COLUMN search;
ALTER TABLE events DROP COLUMN search;
DROP FUNCTION copydesk_names_tsvector(text, jsonb, text);
DROP FUNCTION copydesk_name_text(text);
DROP AGGREGATE copydesk_tsvector_agg(tsvector);
-- +goose StatementBegin
DO $$
DECLARE
    lang text;
BEGIN
    FOREACH lang IN ARRAY ARRAY['simple', 'english', 'french', 'german', 'spanish', 'italian', 'portuguese', 'dutch', 'russian'] LOOP
        EXECUTE format('DROP TEXT SEARCH CONFIGURATION copydesk_%s', lang);
    END LOOP;
END $$;
-- +goose StatementEnd
