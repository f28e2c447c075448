-- +goose Up
-- Issue 14, the newsroom's first week.
--
-- Desks own their settings, in the database so that every instance reads
-- the same values (they were per-instance flags: two instances could
-- disagree about one report). The row with desk_id NULL holds the settings
-- of reports on no desk, and is what a new desk starts with.
CREATE TABLE desk_settings (
    desk_id                  bigint REFERENCES desks (id) ON DELETE CASCADE,
    approvals_required       integer NOT NULL DEFAULT 1 CONSTRAINT desk_settings_approvals_check CHECK (approvals_required BETWEEN 1 AND 10),
    assigned_reviewers_only  boolean NOT NULL DEFAULT false,  -- only the report's assigned reviewers may approve it
    required_changes_block   boolean NOT NULL DEFAULT true,   -- an open required change blocks approval
    edit_reopens_review      boolean NOT NULL DEFAULT true,   -- an edit to an APPROVED or SCHEDULED report sends it back to review
    private_drafts           boolean NOT NULL DEFAULT false,  -- the desk's unpublished reports are for its members
    target_locales           text[] NOT NULL DEFAULT '{}' CONSTRAINT desk_settings_locales_check CHECK (cardinality(target_locales) <= 50),
    tag_creator_roles        text[] NOT NULL DEFAULT '{REPORTER,EDITOR}'
        CONSTRAINT desk_settings_tag_roles_check CHECK (tag_creator_roles <@ '{REPORTER,REVIEWER,EDITOR,TRANSLATOR}'::text[]),
    updated_at               timestamptz,
    updated_by               bigint REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT desk_settings_desk_key UNIQUE NULLS NOT DISTINCT (desk_id)
);
INSERT INTO desk_settings (desk_id) VALUES (NULL);
INSERT INTO desk_settings (desk_id) SELECT id FROM desks;

-- Review in threads. A thread opened by requestChanges is a change
-- request; a root may be a required change, which (when its desk says so)
-- must be resolved before the report can be approved.
ALTER TABLE comments
    ADD COLUMN kind text NOT NULL DEFAULT 'COMMENT' CONSTRAINT comments_kind_check CHECK (kind IN ('COMMENT', 'CHANGE_REQUEST')),
    ADD COLUMN required boolean NOT NULL DEFAULT false,
    ADD CONSTRAINT comments_required_root CHECK (parent_id IS NULL OR (NOT required AND kind = 'COMMENT'));
CREATE INDEX comments_open_required ON comments (report_id) WHERE required AND parent_id IS NULL AND resolved_at IS NULL AND deleted_at IS NULL;

-- Notifications: what a user is told about (mentions, review requests,
-- assignments, changes requested, translation work, publication of their
-- report), with unread state. Written in the transaction of the change
-- that causes them, never to the user who made it.
CREATE TABLE notifications (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       text NOT NULL CONSTRAINT notifications_kind_check CHECK (kind IN (
        'MENTIONED', 'REVIEW_REQUESTED', 'REVIEWER_ASSIGNED', 'CHANGES_REQUESTED',
        'TRANSLATION_ASSIGNED', 'SOURCE_CHANGED', 'REPORT_PUBLISHED')),
    report_id  bigint NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    comment_id bigint REFERENCES comments (id) ON DELETE CASCADE,
    locale     text,
    actor_id   bigint REFERENCES users (id) ON DELETE SET NULL,  -- NULL: copydesk itself (the scheduler), or the user is gone
    created_at timestamptz NOT NULL,
    read_at    timestamptz
);
CREATE INDEX notifications_user ON notifications (user_id, id DESC);
CREATE INDEX notifications_unread ON notifications (user_id, id DESC) WHERE read_at IS NULL;

-- +goose Down
DROP TABLE notifications;
DROP INDEX comments_open_required;
ALTER TABLE comments DROP CONSTRAINT comments_required_root, DROP COLUMN required, DROP COLUMN kind;
DROP TABLE desk_settings;
