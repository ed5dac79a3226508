-- API key names stop being unique: a zero-downtime rotation (Terraform's
-- create_before_destroy) creates the new key before it revokes the old one,
-- under the same name. SQLite cannot drop a table constraint, so the table
-- is rebuilt. Keep in step with ../postgres/00002_api_key_names.sql.

-- +goose Up
CREATE TABLE api_keys_new (
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
    CONSTRAINT api_keys_secret_hash_key UNIQUE (secret_hash)
);
INSERT INTO api_keys_new SELECT id, name, description, prefix, secret_hash, scopes, environment_id, allowed_cidrs,
    rate_limit_per_minute, labels, expires_at, created_at, updated_at, last_used_at, revoked_at, revoke_grace_until,
    ephemeral FROM api_keys;
DROP TABLE api_keys;
ALTER TABLE api_keys_new RENAME TO api_keys;
CREATE INDEX api_keys_name_idx ON api_keys (name, id);
CREATE INDEX api_keys_environment_id_idx ON api_keys (environment_id, id);
