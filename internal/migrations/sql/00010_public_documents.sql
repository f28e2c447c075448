-- +goose Up
-- The public read model (internal/published): what the public may see of a
-- published report, materialized when it is published, when a translation
-- of it is approved and when a directory entry it shows changes, so that a
-- public read is one statement over these tables and nothing else.
-- Documents are JSON (editorial.PublicSource, editorial.PublicTranslation)
-- stored as `json`, which PostgreSQL returns as it was written, without the
-- re-serialization `jsonb` costs on every read.
CREATE SEQUENCE public_document_revisions;

-- One source document per published report. The columns besides doc are
-- what public lists filter and order on.
CREATE TABLE public_reports (
    report_id          bigint PRIMARY KEY REFERENCES reports (id) ON DELETE CASCADE,
    -- Changes (from public_document_revisions) whenever the row is rebuilt.
    revision           bigint NOT NULL,
    -- The document format (published.Format); older rows are rebuilt at start-up.
    format             integer NOT NULL,
    source_locale      text NOT NULL,
    event_id           bigint,
    tag_slugs          text[] NOT NULL,
    tag_ids            bigint[] NOT NULL,
    -- Every directory entry and attendee the document shows, as
    -- 'person:12', 'organization:3', 'tag:7', 'event:2', 'attendee:40':
    -- a change to one of them queues the documents that show it.
    refs               text[] NOT NULL,
    -- The locales readers can read the report in: the source locale and
    -- those of its translation documents, sorted.
    locales            text[] NOT NULL,
    first_published_at timestamptz NOT NULL,
    published_at       timestamptz NOT NULL,
    created_at         timestamptz NOT NULL,
    doc                json NOT NULL
);
CREATE INDEX public_reports_published_idx ON public_reports (published_at DESC, report_id DESC);
CREATE INDEX public_reports_created_idx ON public_reports (created_at DESC, report_id DESC);
CREATE INDEX public_reports_event_idx ON public_reports (event_id, published_at DESC, report_id DESC);
CREATE INDEX public_reports_tag_slugs_idx ON public_reports USING gin (tag_slugs);
CREATE INDEX public_reports_tag_ids_idx ON public_reports USING gin (tag_ids);
CREATE INDEX public_reports_refs_idx ON public_reports USING gin (refs);

-- One document per locale with a translation approved for the published
-- revision (never one approved for unpublished changes: see published.Approved).
CREATE TABLE public_report_translations (
    report_id bigint NOT NULL REFERENCES public_reports (report_id) ON DELETE CASCADE,
    locale    text NOT NULL,
    revision  bigint NOT NULL,
    -- The approved translation's version it holds (published_translations.version):
    -- a republication rewrites only the documents whose translation changed.
    version   integer NOT NULL,
    doc       json NOT NULL,
    PRIMARY KEY (report_id, locale)
);

-- Reports whose documents must be rebuilt: queued by directory changes
-- (in their transaction) and at start-up for reports without a current
-- document; every instance's worker claims them with FOR UPDATE SKIP LOCKED.
CREATE TABLE public_document_jobs (
    report_id  bigint PRIMARY KEY REFERENCES reports (id) ON DELETE CASCADE,
    queued_at  timestamptz NOT NULL,
    attempts   integer NOT NULL DEFAULT 0,
    last_error text
);
CREATE INDEX public_document_jobs_queued_idx ON public_document_jobs (queued_at);

-- Documents are read whole on every public read: lz4 decompresses them
-- several times faster than the default pglz (and compresses them faster on
-- every rebuild). Only where the server was built with lz4.
-- +goose StatementBegin
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
        ALTER TABLE public_reports ALTER COLUMN doc SET COMPRESSION lz4;
        ALTER TABLE public_report_translations ALTER COLUMN doc SET COMPRESSION lz4;
    END IF;
END $$;
-- +goose StatementEnd

INSERT INTO public_document_jobs (report_id, queued_at)
SELECT id, now() FROM reports WHERE status = 'PUBLISHED';

-- +goose Down
DROP TABLE public_document_jobs;
DROP TABLE public_report_translations;
DROP TABLE public_reports;
DROP SEQUENCE public_document_revisions;
