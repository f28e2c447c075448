-- +goose Up
-- The content model: a directory of organizations and people, a managed tag
-- vocabulary, events, and reports with their tags, attendees, translations and
-- immutable revisions. Every rule the code enforces is backed here.

-- A directory or event parent chain must not loop. One trigger function serves
-- every self-referencing table; it raises check_violation (23514), which the
-- storage layer reports as BAD_USER_INPUT.
-- +goose StatementBegin
CREATE FUNCTION forbid_parent_cycle() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    found boolean;
BEGIN
    IF NEW.parent_id IS NULL THEN
        RETURN NEW;
    END IF;
    EXECUTE format(
        'WITH RECURSIVE up(id, parent_id, depth) AS (
             SELECT id, parent_id, 1 FROM %1$I WHERE id = $1
             UNION ALL
             SELECT t.id, t.parent_id, up.depth + 1 FROM %1$I t JOIN up ON t.id = up.parent_id WHERE up.depth < 100
         ) SELECT EXISTS (SELECT 1 FROM up WHERE id = $2)', TG_TABLE_NAME)
        INTO found USING NEW.parent_id, NEW.id;
    IF found THEN
        RAISE EXCEPTION 'parent of % % would create a cycle', TG_TABLE_NAME, NEW.id
            USING ERRCODE = 'check_violation', CONSTRAINT = TG_TABLE_NAME || '_parent_cycle';
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd

CREATE TABLE organizations (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name            text NOT NULL CONSTRAINT organizations_name_check CHECK (btrim(name) <> '' AND char_length(name) <= 300),
    acronym         text CONSTRAINT organizations_acronym_check CHECK (acronym IS NULL OR (btrim(acronym) <> '' AND char_length(acronym) <= 40)),
    country         text CONSTRAINT organizations_country_check CHECK (country IS NULL OR country ~ '^[A-Z]{2}$'),
    parent_id       bigint REFERENCES organizations (id) ON DELETE SET NULL,
    localized_names jsonb NOT NULL DEFAULT '{}' CONSTRAINT organizations_localized_names_check CHECK (jsonb_typeof(localized_names) = 'object'),
    version         integer NOT NULL DEFAULT 1 CHECK (version > 0),
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    CONSTRAINT organizations_parent_self CHECK (parent_id <> id)
);
CREATE INDEX organizations_name_trgm ON organizations USING gin (lower(name) gin_trgm_ops);
CREATE INDEX organizations_parent ON organizations (parent_id) WHERE parent_id IS NOT NULL;
CREATE TRIGGER organizations_parent_cycle BEFORE INSERT OR UPDATE OF parent_id ON organizations
    FOR EACH ROW EXECUTE FUNCTION forbid_parent_cycle();

CREATE TABLE people (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name            text NOT NULL CONSTRAINT people_name_check CHECK (btrim(name) <> '' AND char_length(name) <= 200),
    affiliation_id  bigint REFERENCES organizations (id) ON DELETE SET NULL,
    localized_names jsonb NOT NULL DEFAULT '{}' CONSTRAINT people_localized_names_check CHECK (jsonb_typeof(localized_names) = 'object'),
    version         integer NOT NULL DEFAULT 1 CHECK (version > 0),
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);
CREATE INDEX people_name_trgm ON people USING gin (lower(name) gin_trgm_ops);
CREATE INDEX people_affiliation ON people (affiliation_id) WHERE affiliation_id IS NOT NULL;

CREATE TABLE tags (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug            text NOT NULL CONSTRAINT tags_slug_key UNIQUE CONSTRAINT tags_slug_check CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 100),
    name            text NOT NULL CONSTRAINT tags_name_check CHECK (btrim(name) <> '' AND char_length(name) <= 100),
    description     text CONSTRAINT tags_description_check CHECK (description IS NULL OR char_length(description) <= 1000),
    parent_id       bigint REFERENCES tags (id) ON DELETE SET NULL,
    localized_names jsonb NOT NULL DEFAULT '{}' CONSTRAINT tags_localized_names_check CHECK (jsonb_typeof(localized_names) = 'object'),
    version         integer NOT NULL DEFAULT 1 CHECK (version > 0),
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    CONSTRAINT tags_parent_self CHECK (parent_id <> id)
);
CREATE UNIQUE INDEX tags_name_key ON tags (lower(name));
CREATE TRIGGER tags_parent_cycle BEFORE INSERT OR UPDATE OF parent_id ON tags
    FOR EACH ROW EXECUTE FUNCTION forbid_parent_cycle();

-- After a merge the losing ID keeps resolving to the survivor, so links,
-- bookmarks and API clients holding old IDs keep working.
CREATE TABLE directory_merges (
    kind      text NOT NULL CHECK (kind IN ('PERSON', 'ORGANIZATION', 'TAG')),
    old_id    bigint NOT NULL,
    new_id    bigint NOT NULL,
    merged_at timestamptz NOT NULL,
    PRIMARY KEY (kind, old_id)
);
CREATE TABLE tag_slug_redirects (
    slug   text PRIMARY KEY,
    tag_id bigint NOT NULL REFERENCES tags (id) ON DELETE CASCADE
);

CREATE TABLE events (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name            text NOT NULL CONSTRAINT events_name_check CHECK (btrim(name) <> '' AND char_length(name) <= 300),
    localized_names jsonb NOT NULL DEFAULT '{}' CONSTRAINT events_localized_names_check CHECK (jsonb_typeof(localized_names) = 'object'),
    parent_id       bigint REFERENCES events (id) ON DELETE SET NULL,
    starts_at       timestamptz,
    ends_at         timestamptz,
    time_zone       text NOT NULL DEFAULT 'UTC' CONSTRAINT events_time_zone_check CHECK (time_zone ~ '^[A-Za-z0-9_+\-/]{1,64}$'),
    all_day         boolean NOT NULL DEFAULT false,
    venue           text CONSTRAINT events_venue_check CHECK (venue IS NULL OR char_length(venue) <= 300),
    city            text CONSTRAINT events_city_check CHECK (city IS NULL OR char_length(city) <= 200),
    region          text CONSTRAINT events_region_check CHECK (region IS NULL OR char_length(region) <= 200),
    country         text CONSTRAINT events_country_check CHECK (country IS NULL OR country ~ '^[A-Z]{2}$'),
    format          text CONSTRAINT events_format_check CHECK (format IS NULL OR format IN ('IN_PERSON', 'ONLINE', 'HYBRID')),
    version         integer NOT NULL DEFAULT 1 CHECK (version > 0),
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    CONSTRAINT events_parent_self CHECK (parent_id <> id),
    CONSTRAINT events_ends_after_start CHECK (ends_at IS NULL OR starts_at IS NULL OR ends_at >= starts_at)
);
CREATE INDEX events_starts ON events (starts_at DESC NULLS LAST, id DESC);
CREATE TRIGGER events_parent_cycle BEFORE INSERT OR UPDATE OF parent_id ON events
    FOR EACH ROW EXECUTE FUNCTION forbid_parent_cycle();

CREATE TABLE event_organizers (
    event_id        bigint NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    organization_id bigint NOT NULL REFERENCES organizations (id),
    position        integer NOT NULL CHECK (position >= 0),
    PRIMARY KEY (event_id, organization_id)
);
CREATE INDEX event_organizers_org ON event_organizers (organization_id);

CREATE TABLE event_figures (
    event_id      bigint NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    position      integer NOT NULL CHECK (position >= 0),
    metric        text NOT NULL CHECK (metric IN ('PARTICIPANTS', 'ONSITE_PARTICIPANTS', 'ONLINE_PARTICIPANTS', 'VIEWERS', 'COUNTRIES', 'SPEAKERS', 'OTHER')),
    value         bigint NOT NULL CHECK (value >= 0),
    approximation text NOT NULL DEFAULT 'EXACT' CHECK (approximation IN ('EXACT', 'ABOUT', 'MORE_THAN', 'AT_LEAST', 'UP_TO')),
    label         text NOT NULL CONSTRAINT event_figures_label_check CHECK (btrim(label) <> '' AND char_length(label) <= 300),
    channels      text[] NOT NULL DEFAULT '{}',
    countries     text[] NOT NULL DEFAULT '{}' CONSTRAINT event_figures_countries_check CHECK (array_to_string(countries, ',') ~ '^([A-Z]{2}(,[A-Z]{2})*)?$'),
    PRIMARY KEY (event_id, position)
);

CREATE TABLE reports (
    id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug                  text NOT NULL CONSTRAINT reports_slug_key UNIQUE CONSTRAINT reports_slug_check CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 100),
    source_locale         text NOT NULL CONSTRAINT reports_source_locale_check CHECK (source_locale ~ '^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$'),
    section               text CONSTRAINT reports_section_check CHECK (section IS NULL OR (btrim(section) <> '' AND char_length(section) <= 100)),
    title                 text NOT NULL CONSTRAINT reports_title_check CHECK (btrim(title) <> '' AND char_length(title) <= 300),
    subtitle              text CONSTRAINT reports_subtitle_check CHECK (subtitle IS NULL OR char_length(subtitle) <= 500),
    summary               text CONSTRAINT reports_summary_check CHECK (summary IS NULL OR char_length(summary) <= 3000),
    body                  text NOT NULL DEFAULT '' CONSTRAINT reports_body_check CHECK (octet_length(body) <= 1048576),
    word_count            integer NOT NULL DEFAULT 0 CHECK (word_count >= 0),
    event_id              bigint REFERENCES events (id),
    status                text NOT NULL DEFAULT 'DRAFT' CONSTRAINT reports_status_check CHECK (status IN ('DRAFT', 'IN_REVIEW', 'CHANGES_REQUESTED', 'APPROVED', 'SCHEDULED', 'PUBLISHED', 'UNPUBLISHED', 'ARCHIVED')),
    status_before_archive text,
    version               integer NOT NULL DEFAULT 1 CHECK (version > 0),
    published_at          timestamptz,
    archived_at           timestamptz,
    created_at            timestamptz NOT NULL,
    updated_at            timestamptz NOT NULL,
    CONSTRAINT reports_archived_consistent CHECK ((status = 'ARCHIVED') = (archived_at IS NOT NULL))
);
CREATE INDEX reports_updated ON reports (updated_at DESC, id DESC);
CREATE INDEX reports_status_updated ON reports (status, updated_at DESC, id DESC);
CREATE INDEX reports_event ON reports (event_id) WHERE event_id IS NOT NULL;

-- Every slug a report has ever had, the current one included: old public
-- links keep resolving after a rename, and no other report can take them.
CREATE TABLE report_slugs (
    slug       text PRIMARY KEY,
    report_id  bigint NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL
);
CREATE INDEX report_slugs_report ON report_slugs (report_id);

CREATE TABLE report_authors (
    report_id bigint NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    person_id bigint NOT NULL REFERENCES people (id),
    position  integer NOT NULL CHECK (position >= 0),
    PRIMARY KEY (report_id, person_id)
);
CREATE INDEX report_authors_person ON report_authors (person_id);

CREATE TABLE report_tags (
    report_id bigint NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    tag_id    bigint NOT NULL REFERENCES tags (id),
    position  integer NOT NULL CHECK (position >= 0),
    PRIMARY KEY (report_id, tag_id)
);
CREATE INDEX report_tags_tag ON report_tags (tag_id, report_id);

CREATE TABLE report_attendees (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    report_id       bigint NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    position        integer NOT NULL CHECK (position >= 0),
    person_id       bigint REFERENCES people (id),
    organization_id bigint REFERENCES organizations (id),
    delegation      text CONSTRAINT report_attendees_delegation_check CHECK (delegation IS NULL OR (btrim(delegation) <> '' AND char_length(delegation) <= 300)),
    role            text CONSTRAINT report_attendees_role_check CHECK (role IS NULL OR char_length(role) <= 500),
    participations  text[] NOT NULL CONSTRAINT report_attendees_participations_check CHECK (
        cardinality(participations) BETWEEN 1 AND 11
        AND participations <@ ARRAY['ATTENDED', 'SPEECH', 'KEYNOTE', 'PRESIDED', 'MODERATED', 'PANELIST', 'PRESENTED', 'VIDEO_LINK', 'CONGRATULATORY_LETTER', 'RECORDED_MESSAGE', 'HOSTED']),
    note            text CONSTRAINT report_attendees_note_check CHECK (note IS NULL OR char_length(note) <= 2000),
    CONSTRAINT report_attendees_who CHECK (person_id IS NOT NULL OR organization_id IS NOT NULL OR delegation IS NOT NULL)
);
CREATE INDEX report_attendees_report ON report_attendees (report_id, position);
CREATE UNIQUE INDEX report_attendees_person_key ON report_attendees (report_id, person_id) WHERE person_id IS NOT NULL;
CREATE UNIQUE INDEX report_attendees_group_key ON report_attendees (report_id, COALESCE(organization_id, 0), COALESCE(delegation, '')) WHERE person_id IS NULL;
CREATE INDEX report_attendees_person ON report_attendees (person_id) WHERE person_id IS NOT NULL;
CREATE INDEX report_attendees_org ON report_attendees (organization_id) WHERE organization_id IS NOT NULL;

CREATE TABLE report_translations (
    report_id      bigint NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    locale         text NOT NULL CONSTRAINT report_translations_locale_check CHECK (locale ~ '^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$'),
    title          text NOT NULL CONSTRAINT report_translations_title_check CHECK (btrim(title) <> '' AND char_length(title) <= 300),
    subtitle       text CONSTRAINT report_translations_subtitle_check CHECK (subtitle IS NULL OR char_length(subtitle) <= 500),
    summary        text CONSTRAINT report_translations_summary_check CHECK (summary IS NULL OR char_length(summary) <= 3000),
    body           text NOT NULL DEFAULT '' CONSTRAINT report_translations_body_check CHECK (octet_length(body) <= 1048576),
    status         text NOT NULL DEFAULT 'IN_PROGRESS' CHECK (status IN ('IN_PROGRESS', 'IN_REVIEW', 'APPROVED')),
    source_version integer NOT NULL CHECK (source_version > 0),
    version        integer NOT NULL DEFAULT 1 CHECK (version > 0),
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    PRIMARY KEY (report_id, locale)
);

-- A translation is never in its report's source locale.
-- +goose StatementBegin
CREATE FUNCTION forbid_source_locale_translation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM reports WHERE id = NEW.report_id AND source_locale = NEW.locale) THEN
        RAISE EXCEPTION 'translation in the source locale %', NEW.locale
            USING ERRCODE = 'check_violation', CONSTRAINT = 'report_translations_not_source';
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER report_translations_not_source BEFORE INSERT OR UPDATE OF locale ON report_translations
    FOR EACH ROW EXECUTE FUNCTION forbid_source_locale_translation();

CREATE TABLE report_attendee_translations (
    attendee_id bigint NOT NULL REFERENCES report_attendees (id) ON DELETE CASCADE,
    locale      text NOT NULL,
    role        text CHECK (role IS NULL OR char_length(role) <= 500),
    note        text CHECK (note IS NULL OR char_length(note) <= 2000),
    PRIMARY KEY (attendee_id, locale)
);

-- One immutable row per saved version of a report: the full snapshot of the
-- report and its relations as they were after that save.
CREATE TABLE report_revisions (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    report_id  bigint NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    version    integer NOT NULL CHECK (version > 0),
    snapshot   jsonb NOT NULL,
    message    text CHECK (message IS NULL OR char_length(message) <= 1000),
    created_at timestamptz NOT NULL,
    CONSTRAINT report_revisions_version_key UNIQUE (report_id, version)
);
-- +goose StatementBegin
CREATE FUNCTION forbid_revision_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'report revisions are immutable' USING ERRCODE = 'check_violation', CONSTRAINT = 'report_revisions_immutable';
END $$;
-- +goose StatementEnd
CREATE TRIGGER report_revisions_immutable BEFORE UPDATE ON report_revisions
    FOR EACH ROW EXECUTE FUNCTION forbid_revision_change();

-- +goose Down
DROP TABLE report_revisions;
DROP FUNCTION forbid_revision_change();
DROP TABLE report_attendee_translations;
DROP TABLE report_translations;
DROP FUNCTION forbid_source_locale_translation();
DROP TABLE report_attendees;
DROP TABLE report_tags;
DROP TABLE report_authors;
DROP TABLE report_slugs;
DROP TABLE reports;
DROP TABLE event_figures;
DROP TABLE event_organizers;
DROP TABLE events;
DROP TABLE tag_slug_redirects;
DROP TABLE directory_merges;
DROP TABLE tags;
DROP TABLE people;
DROP TABLE organizations;
DROP FUNCTION forbid_parent_cycle();
