-- +goose Up
-- Editorial comments on reports. A comment without a parent starts a
-- thread; replies point to the thread's root (one level of nesting). A root
-- is anchored to the report as a whole, to one of its text fields
-- (optionally a range of it, in Unicode code points, with the text quoted as
-- it was when the comment was made), or to an attendee. Every body a comment
-- has had is kept in comment_versions; mentions live in a join table so a
-- user's "mentions me" list is one index scan. Comments are newsroom-only:
-- no public read path reads these tables.

-- Comments may anchor to an attendee of their own report: the composite
-- foreign key below needs this key.
CREATE UNIQUE INDEX report_attendees_id_report_key ON report_attendees (id, report_id);

CREATE TABLE comments (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    report_id   bigint NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    parent_id   bigint,                                         -- the thread's root; NULL: this comment is a root
    author_id   bigint REFERENCES users (id) ON DELETE SET NULL, -- NULL: written by copydesk itself, or the user is gone
    body        text CONSTRAINT comments_body_check CHECK (body IS NULL OR (btrim(body) <> '' AND char_length(body) <= 10000)),
    field       text CONSTRAINT comments_field_check CHECK (field IN ('title', 'subtitle', 'summary', 'body', 'attendee')),
    attendee_id bigint,                                         -- set NULL when the attendee leaves the report
    range_start integer,
    range_end   integer,
    quote       text,
    version     integer NOT NULL DEFAULT 1 CONSTRAINT comments_version_check CHECK (version > 0),
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    edited_at   timestamptz,
    deleted_at  timestamptz,
    resolved_at timestamptz,
    resolved_by bigint REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT comments_id_report_key UNIQUE (id, report_id),
    -- A reply is on its root's report.
    CONSTRAINT comments_parent_fkey FOREIGN KEY (parent_id, report_id) REFERENCES comments (id, report_id) ON DELETE CASCADE,
    -- An attendee anchor is an attendee of the comment's report.
    CONSTRAINT comments_attendee_fkey FOREIGN KEY (attendee_id, report_id) REFERENCES report_attendees (id, report_id) ON DELETE SET NULL (attendee_id),
    CONSTRAINT comments_deleted_consistent CHECK ((deleted_at IS NULL) = (body IS NOT NULL)),
    CONSTRAINT comments_edited_consistent CHECK ((version = 1) = (edited_at IS NULL)),
    -- (Written so that no NULL makes a check pass by being unknown.)
    CONSTRAINT comments_attendee_anchor CHECK (attendee_id IS NULL OR coalesce(field = 'attendee', false)),
    CONSTRAINT comments_range_check CHECK (
        (range_start IS NULL AND range_end IS NULL AND quote IS NULL)
        OR (range_start IS NOT NULL AND range_end IS NOT NULL AND quote IS NOT NULL
            AND coalesce(field IN ('title', 'subtitle', 'summary', 'body'), false)
            AND 0 <= range_start AND range_start <= range_end
            AND char_length(quote) = range_end - range_start)),
    -- Anchors and resolution belong to the thread, that is to its root.
    CONSTRAINT comments_reply_check CHECK (parent_id IS NULL OR (field IS NULL AND range_start IS NULL AND resolved_at IS NULL)),
    CONSTRAINT comments_resolved_consistent CHECK (resolved_by IS NULL OR resolved_at IS NOT NULL)
);
CREATE INDEX comments_report ON comments (report_id, id);
CREATE INDEX comments_parent ON comments (parent_id, id) WHERE parent_id IS NOT NULL;
CREATE INDEX comments_attendee ON comments (attendee_id) WHERE attendee_id IS NOT NULL;

-- +goose StatementBegin
CREATE FUNCTION check_comment_thread() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NEW.report_id <> OLD.report_id OR NEW.parent_id IS DISTINCT FROM OLD.parent_id THEN
            RAISE EXCEPTION 'comment %: a comment cannot move to another report or thread', OLD.id
                USING ERRCODE = 'check_violation', CONSTRAINT = 'comments_thread_fixed';
        END IF;
        RETURN NEW;
    END IF;
    IF NEW.parent_id IS NOT NULL AND EXISTS (SELECT 1 FROM comments WHERE id = NEW.parent_id AND parent_id IS NOT NULL) THEN
        RAISE EXCEPTION 'comment %: a reply must point to the root of its thread', NEW.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'comments_one_level';
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER comments_thread BEFORE INSERT OR UPDATE OF report_id, parent_id ON comments
    FOR EACH ROW EXECUTE FUNCTION check_comment_thread();

-- Every body a comment has had, the current one included (version =
-- comments.version). Rows are never changed; deleting a comment deletes its
-- history with its body.
CREATE TABLE comment_versions (
    comment_id bigint NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
    version    integer NOT NULL CONSTRAINT comment_versions_version_check CHECK (version > 0),
    body       text NOT NULL CONSTRAINT comment_versions_body_check CHECK (btrim(body) <> '' AND char_length(body) <= 10000),
    edited_at  timestamptz NOT NULL,                              -- when this version was written
    editor_id  bigint REFERENCES users (id) ON DELETE SET NULL,   -- who wrote it
    PRIMARY KEY (comment_id, version)
);

-- +goose StatementBegin
CREATE FUNCTION forbid_comment_version_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'comment versions are immutable' USING ERRCODE = 'check_violation', CONSTRAINT = 'comment_versions_immutable';
END $$;
-- +goose StatementEnd
-- (editor_id is left out so that deleting a user can set it NULL.)
CREATE TRIGGER comment_versions_immutable BEFORE UPDATE OF comment_id, version, body, edited_at ON comment_versions
    FOR EACH ROW EXECUTE FUNCTION forbid_comment_version_change();

-- The users a comment mentions.
CREATE TABLE comment_mentions (
    comment_id bigint NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (comment_id, user_id)
);
CREATE INDEX comment_mentions_user ON comment_mentions (user_id, comment_id DESC);

-- +goose Down
DROP TABLE comment_mentions;
DROP TABLE comment_versions;
DROP FUNCTION forbid_comment_version_change();
DROP TABLE comments;
DROP FUNCTION check_comment_thread();
DROP INDEX report_attendees_id_report_key;
