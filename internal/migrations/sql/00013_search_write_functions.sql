-- +goose Up
-- The statements that write a report's search document, as functions with
-- their plans kept (issue 13's write cost). Sent from the client, the
-- source row's statement was parsed and planned on every write: 2.1 ms of
-- planning for 0.5 ms of execution (pg_stat_statements, track_planning, in
-- bench/write), which alone halved updateReport's throughput. A prepared
-- statement does not help: PostgreSQL's plan_cache_mode=auto keeps
-- planning it, because the estimated cost of its generic plan (293) is
-- above that of a custom one (225), a difference that is only in the
-- estimates (arrays of unknown length). Inside a PL/pgSQL function with
-- plan_cache_mode=force_generic_plan, each session plans the statement
-- once. Nothing in these plans depends on the arguments' values: every
-- table is read by its key.
--
-- internal/postgres/search_write.go calls them; internal/search decides
-- what goes in.

-- One locale row of a report's search document in one audience: $1
-- audience, $2 report, $3 locale, $4 title, $5 the text search
-- configuration, $6–$9 the analyzed title, subtitle and summary, roles and
-- body, $10 the directory names it shows (empty on a translation's row).
-- A row that would not change is not written again.
-- +goose StatementBegin
CREATE FUNCTION copydesk_put_search_locale(text, bigint, text, text, text, text, text, text, text, tsvector) RETURNS void
LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    h tsvector := setweight(to_tsvector($5::regconfig, $6), 'A') || setweight(to_tsvector($5::regconfig, $7), 'B');
BEGIN
    INSERT INTO search_report_locales (audience, report_id, locale, title, head, document)
    VALUES ($1, $2, $3, $4, h, h || setweight(to_tsvector($5::regconfig, $8) || $10, 'C') || setweight(to_tsvector($5::regconfig, $9), 'D'))
    ON CONFLICT (audience, report_id, locale) DO UPDATE SET title = EXCLUDED.title, head = EXCLUDED.head, document = EXCLUDED.document
        WHERE (search_report_locales.title, search_report_locales.document) IS DISTINCT FROM (EXCLUDED.title, EXCLUDED.document);
END
$$;
-- +goose StatementEnd

-- The source locale row of a report's search document and the report's
-- facets: $1–$9 as above, then $10 people, $11 authors, $12 organizations,
-- $13 tags, $14 event, $15 participation modes, $16 document format.
-- +goose StatementBegin
CREATE FUNCTION copydesk_put_search_source(text, bigint, text, text, text, text, text, text, text,
    bigint[], bigint[], bigint[], bigint[], bigint, text[], integer) RETURNS void
LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
BEGIN
    PERFORM copydesk_put_search_locale($1, $2, $3, $4, $5, $6, $7, $8, $9, (SELECT COALESCE(copydesk_tsvector_agg(n), '') FROM (
        SELECT search AS n FROM people WHERE id = ANY(array_cat($10, $11))
        UNION ALL SELECT search FROM organizations WHERE id = ANY($12)
        UNION ALL SELECT search FROM tags WHERE id = ANY($13)
        UNION ALL SELECT search FROM events WHERE id = $14) names));
    -- the row of a former source locale (the report's locale changed) goes
    DELETE FROM search_report_locales l WHERE l.audience = $1 AND l.report_id = $2 AND l.locale <> $3
        AND NOT EXISTS (SELECT 1 FROM report_translations t WHERE $1 = 'newsroom' AND t.report_id = $2 AND t.locale = l.locale)
        AND NOT EXISTS (SELECT 1 FROM public_report_translations t WHERE $1 = 'public' AND t.report_id = $2 AND t.locale = l.locale);
    WITH RECURSIVE up AS (
        SELECT id, parent_id, 0 AS depth FROM events WHERE id = $14
        UNION ALL SELECT e.id, e.parent_id, up.depth + 1 FROM events e JOIN up ON e.id = up.parent_id WHERE up.depth < 32
    )
    INSERT INTO search_reports (audience, report_id, format, title, facets)
    SELECT $1, $2, $16, $4, ARRAY(SELECT DISTINCT f FROM (
            SELECT 'person:' || unnest($10::bigint[]) AS f
            UNION ALL SELECT 'author:' || unnest($11::bigint[])
            UNION ALL SELECT 'organization:' || unnest($12::bigint[])
            UNION ALL SELECT 'organization:' || affiliation_id FROM people WHERE id = ANY($10) AND affiliation_id IS NOT NULL
            UNION ALL SELECT 'organization:' || organization_id FROM event_organizers WHERE event_id = $14
            UNION ALL SELECT 'tag:' || unnest($13::bigint[])
            UNION ALL SELECT 'event:' || id FROM up
            UNION ALL SELECT 'country:' || country FROM events WHERE id = $14 AND country IS NOT NULL
            UNION ALL SELECT 'mode:' || unnest($15::text[])) facets ORDER BY f)
    ON CONFLICT (audience, report_id) DO UPDATE SET format = EXCLUDED.format, title = EXCLUDED.title, facets = EXCLUDED.facets
        WHERE (search_reports.format, search_reports.title, search_reports.facets) IS DISTINCT FROM (EXCLUDED.format, EXCLUDED.title, EXCLUDED.facets);
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION copydesk_put_search_source(text, bigint, text, text, text, text, text, text, text,
    bigint[], bigint[], bigint[], bigint[], bigint, text[], integer);
DROP FUNCTION copydesk_put_search_locale(text, bigint, text, text, text, text, text, text, text, tsvector);
