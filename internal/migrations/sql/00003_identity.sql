-- +goose Up
-- Identity and access: desks, users, their roles (per desk or everywhere),
-- the locales translators work in, and API tokens. Tokens are stored only
-- as SHA-256 hashes. Reports gain a desk and the user who created them.

CREATE TABLE desks (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug       text NOT NULL CONSTRAINT desks_slug_key UNIQUE CONSTRAINT desks_slug_check CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 100),
    name       text NOT NULL CONSTRAINT desks_name_check CHECK (btrim(name) <> '' AND char_length(name) <= 100),
    created_at timestamptz NOT NULL
);
-- Desk names are unique case-insensitively, like tag names.
CREATE UNIQUE INDEX desks_name_key ON desks (lower(name));

CREATE TABLE users (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- One "@", something on each side, no spaces or control characters;
    -- the service checks the shape more closely.
    email        text NOT NULL CONSTRAINT users_email_check CHECK (char_length(email) <= 254 AND email ~ '^[^@[:space:][:cntrl:]]{1,64}@[^@[:space:][:cntrl:]]{1,253}$'),
    display_name text NOT NULL CONSTRAINT users_display_name_check CHECK (btrim(display_name) <> '' AND char_length(display_name) <= 200),
    locale       text NOT NULL CONSTRAINT users_locale_check CHECK (locale ~ '^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$'),
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    disabled_at  timestamptz
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE user_roles (
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role    text NOT NULL CONSTRAINT user_roles_role_check CHECK (role IN ('ADMIN', 'EDITOR', 'REPORTER', 'REVIEWER', 'TRANSLATOR')),
    -- NULL: every desk. Deleting a desk deletes the grants scoped to it
    -- (never SET NULL, which would widen them to every desk).
    desk_id bigint REFERENCES desks (id) ON DELETE CASCADE,
    CONSTRAINT user_roles_admin_every_desk CHECK (role <> 'ADMIN' OR desk_id IS NULL)
);
CREATE UNIQUE INDEX user_roles_key ON user_roles (user_id, role, COALESCE(desk_id, 0));
CREATE INDEX user_roles_desk ON user_roles (desk_id) WHERE desk_id IS NOT NULL;
CREATE INDEX user_roles_admins ON user_roles (user_id) WHERE role = 'ADMIN';

-- The locales a translator may work in (canonical BCP 47).
CREATE TABLE user_locales (
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    locale  text NOT NULL CONSTRAINT user_locales_locale_check CHECK (locale ~ '^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$'),
    PRIMARY KEY (user_id, locale)
);

CREATE TABLE api_tokens (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         text NOT NULL CONSTRAINT api_tokens_name_check CHECK (btrim(name) <> '' AND char_length(name) <= 100),
    -- SHA-256 of the whole token ("cdk_…"); the token itself is never stored.
    token_hash   bytea NOT NULL CONSTRAINT api_tokens_token_hash_key UNIQUE CONSTRAINT api_tokens_token_hash_check CHECK (octet_length(token_hash) = 32),
    -- The first 8 characters of the token's secret part, to tell tokens apart in lists.
    prefix       text NOT NULL CONSTRAINT api_tokens_prefix_check CHECK (prefix ~ '^[A-Za-z0-9_-]{8}$'),
    scope        text NOT NULL CONSTRAINT api_tokens_scope_check CHECK (scope IN ('FULL', 'READ_PUBLISHED')),
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz,
    revoked_at   timestamptz,
    last_used_at timestamptz
);
CREATE INDEX api_tokens_user ON api_tokens (user_id, created_at DESC, id DESC);

ALTER TABLE reports
    ADD COLUMN desk_id bigint REFERENCES desks (id),
    ADD COLUMN created_by bigint REFERENCES users (id) ON DELETE SET NULL;
CREATE INDEX reports_desk_updated ON reports (desk_id, updated_at DESC, id DESC) WHERE desk_id IS NOT NULL;
CREATE INDEX reports_created_by ON reports (created_by) WHERE created_by IS NOT NULL;

-- +goose Down
DROP INDEX reports_created_by;
DROP INDEX reports_desk_updated;
ALTER TABLE reports DROP COLUMN created_by, DROP COLUMN desk_id;
DROP TABLE api_tokens;
DROP TABLE user_locales;
DROP TABLE user_roles;
DROP TABLE users;
DROP TABLE desks;
