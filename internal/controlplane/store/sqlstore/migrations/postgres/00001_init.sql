-- Initial schema, PostgreSQL flavour. Keep in step with ../sqlite/00001_init.sql:
-- same tables, columns and constraint names (the store maps constraint names
-- to the field of a unique violation). JSON documents are json, not jsonb, so
-- that they read back byte for byte.

-- +goose Up
CREATE TABLE resources (
    kind        TEXT        NOT NULL,
    id          TEXT        NOT NULL,
    parent_id   TEXT        NOT NULL DEFAULT '',
    name        TEXT        NOT NULL,
    alt_key     TEXT,
    generation  BIGINT      NOT NULL,
    revision    BIGINT      NOT NULL,
    spec        JSON,
    status      JSON,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
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
    resource_id TEXT        NOT NULL,
    name        TEXT        NOT NULL,
    nonce       BYTEA       NOT NULL,
    ciphertext  BYTEA       NOT NULL,
    version     BIGINT      NOT NULL,
    fingerprint TEXT        NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    CONSTRAINT secrets_pkey PRIMARY KEY (resource_id, name)
);

CREATE TABLE operations (
    id           TEXT        NOT NULL,
    kind         TEXT        NOT NULL,
    target_kind  TEXT        NOT NULL,
    target_id    TEXT        NOT NULL,
    status       TEXT        NOT NULL,
    step         INTEGER     NOT NULL,
    message      TEXT        NOT NULL,
    payload      JSON,
    error        JSON,
    attempts     INTEGER     NOT NULL,
    next_run_at  TIMESTAMPTZ NOT NULL,
    lease_owner  TEXT        NOT NULL DEFAULT '',
    lease_until  TIMESTAMPTZ NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    completed_at TIMESTAMPTZ,
    CONSTRAINT operations_pkey PRIMARY KEY (id)
);
CREATE INDEX operations_status_next_run_at_idx ON operations (status, next_run_at);
CREATE INDEX operations_target_id_idx ON operations (target_id, id);

CREATE TABLE idempotency_keys (
    principal     TEXT        NOT NULL,
    key           TEXT        NOT NULL,
    method        TEXT        NOT NULL,
    path          TEXT        NOT NULL,
    request_hash  TEXT        NOT NULL,
    status_code   INTEGER     NOT NULL DEFAULT 0,
    response_body BYTEA,
    location      TEXT        NOT NULL DEFAULT '',
    created_at    TIMESTAMPTZ NOT NULL,
    CONSTRAINT idempotency_keys_pkey PRIMARY KEY (principal, key)
);
CREATE INDEX idempotency_keys_created_at_idx ON idempotency_keys (created_at);

CREATE TABLE api_keys (
    id                    TEXT        NOT NULL,
    name                  TEXT        NOT NULL,
    description           TEXT        NOT NULL,
    prefix                TEXT        NOT NULL,
    secret_hash           TEXT        NOT NULL,
    scopes                JSON        NOT NULL,
    environment_id        TEXT        NOT NULL,
    allowed_cidrs         JSON        NOT NULL,
    rate_limit_per_minute INTEGER     NOT NULL,
    labels                JSON        NOT NULL,
    expires_at            TIMESTAMPTZ,
    created_at            TIMESTAMPTZ NOT NULL,
    updated_at            TIMESTAMPTZ NOT NULL,
    last_used_at          TIMESTAMPTZ,
    revoked_at            TIMESTAMPTZ,
    revoke_grace_until    TIMESTAMPTZ,
    ephemeral             BOOLEAN     NOT NULL DEFAULT FALSE,
    CONSTRAINT api_keys_pkey PRIMARY KEY (id),
    CONSTRAINT api_keys_name_key UNIQUE (name),
    CONSTRAINT api_keys_secret_hash_key UNIQUE (secret_hash)
);

CREATE TABLE audit_events (
    id            BIGSERIAL   NOT NULL,
    "time"        TIMESTAMPTZ NOT NULL,
    key_id        TEXT        NOT NULL,
    key_prefix    TEXT        NOT NULL,
    action        TEXT        NOT NULL,
    resource_kind TEXT        NOT NULL,
    resource_id   TEXT        NOT NULL,
    source_ip     TEXT        NOT NULL,
    outcome       TEXT        NOT NULL,
    status_code   INTEGER     NOT NULL,
    request_id    TEXT        NOT NULL,
    detail        TEXT        NOT NULL,
    CONSTRAINT audit_events_pkey PRIMARY KEY (id)
);
CREATE INDEX audit_events_time_idx ON audit_events ("time");
CREATE INDEX audit_events_key_id_idx ON audit_events (key_id, id);
