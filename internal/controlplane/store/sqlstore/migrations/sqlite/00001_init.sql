-- Initial schema, SQLite flavour. Keep in step with ../postgres/00001_init.sql:
-- same tables, columns and constraint names. Timestamps are TEXT in a
-- fixed-width UTC format (2006-01-02T15:04:05.000000Z) so that they compare
-- in time order; JSON documents are TEXT checked with json_valid.

-- +goose Up
CREATE TABLE resources (
    kind        TEXT    NOT NULL,
    id          TEXT    NOT NULL,
    parent_id   TEXT    NOT NULL DEFAULT '',
    name        TEXT    NOT NULL,
    alt_key     TEXT,
    generation  INTEGER NOT NULL,
    revision    INTEGER NOT NULL,
    spec        TEXT CHECK (spec IS NULL OR json_valid(spec)),
    status      TEXT CHECK (status IS NULL OR json_valid(status)),
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    CONSTRAINT resources_pkey PRIMARY KEY (id),
    CONSTRAINT resources_name_key UNIQUE (kind, parent_id, name)
);
CREATE UNIQUE INDEX resources_alt_key_key ON resources (kind, parent_id, alt_key) WHERE alt_key IS NOT NULL;
CREATE INDEX resources_kind_id_idx ON resources (kind, id);

CREATE TABLE resource_labels (
    resource_id TEXT NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
    key         TEXT NOT NULL,
    value       TEXT NOT NULL,
    CONSTRAINT resource_labels_pkey PRIMARY KEY (resource_id, key)
);
CREATE INDEX resource_labels_key_value_idx ON resource_labels (key, value);

CREATE TABLE secrets (
    resource_id TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    nonce       BLOB    NOT NULL,
    ciphertext  BLOB    NOT NULL,
    version     INTEGER NOT NULL,
    fingerprint TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    CONSTRAINT secrets_pkey PRIMARY KEY (resource_id, name)
);

CREATE TABLE operations (
    id           TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    target_kind  TEXT    NOT NULL,
    target_id    TEXT    NOT NULL,
    status       TEXT    NOT NULL,
    step         INTEGER NOT NULL,
    message      TEXT    NOT NULL,
    payload      TEXT CHECK (payload IS NULL OR json_valid(payload)),
    error        TEXT CHECK (error IS NULL OR json_valid(error)),
    attempts     INTEGER NOT NULL,
    next_run_at  TEXT    NOT NULL,
    lease_owner  TEXT    NOT NULL DEFAULT '',
    lease_until  TEXT    NOT NULL,
    created_at   TEXT    NOT NULL,
    updated_at   TEXT    NOT NULL,
    completed_at TEXT,
    CONSTRAINT operations_pkey PRIMARY KEY (id)
);
CREATE INDEX operations_status_next_run_at_idx ON operations (status, next_run_at);
CREATE INDEX operations_target_id_idx ON operations (target_id, id);

CREATE TABLE idempotency_keys (
    principal     TEXT    NOT NULL,
    key           TEXT    NOT NULL,
    method        TEXT    NOT NULL,
    path          TEXT    NOT NULL,
    request_hash  TEXT    NOT NULL,
    status_code   INTEGER NOT NULL DEFAULT 0,
    response_body BLOB,
    location      TEXT    NOT NULL DEFAULT '',
    created_at    TEXT    NOT NULL,
    CONSTRAINT idempotency_keys_pkey PRIMARY KEY (principal, key)
);
CREATE INDEX idempotency_keys_created_at_idx ON idempotency_keys (created_at);

CREATE TABLE api_keys (
    id                    TEXT    NOT NULL,
    name                  TEXT    NOT NULL,
    description           TEXT    NOT NULL,
    prefix                TEXT    NOT NULL,
    secret_hash           TEXT    NOT NULL,
    scopes                TEXT    NOT NULL CHECK (json_valid(scopes)),
    environment_id        TEXT    NOT NULL,
    allowed_cidrs         TEXT    NOT NULL CHECK (json_valid(allowed_cidrs)),
    rate_limit_per_minute INTEGER NOT NULL,
    labels                TEXT    NOT NULL CHECK (json_valid(labels)),
    expires_at            TEXT,
    created_at            TEXT    NOT NULL,
    updated_at            TEXT    NOT NULL,
    last_used_at          TEXT,
    revoked_at            TEXT,
    revoke_grace_until    TEXT,
    ephemeral             INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT api_keys_pkey PRIMARY KEY (id),
    CONSTRAINT api_keys_name_key UNIQUE (name),
    CONSTRAINT api_keys_secret_hash_key UNIQUE (secret_hash)
);

CREATE TABLE audit_events (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    "time"        TEXT    NOT NULL,
    key_id        TEXT    NOT NULL,
    key_prefix    TEXT    NOT NULL,
    action        TEXT    NOT NULL,
    resource_kind TEXT    NOT NULL,
    resource_id   TEXT    NOT NULL,
    source_ip     TEXT    NOT NULL,
    outcome       TEXT    NOT NULL,
    status_code   INTEGER NOT NULL,
    request_id    TEXT    NOT NULL,
    detail        TEXT    NOT NULL
);
CREATE INDEX audit_events_time_idx ON audit_events ("time");
CREATE INDEX audit_events_key_id_idx ON audit_events (key_id, id);
