-- API key names stop being unique: a zero-downtime rotation (Terraform's
-- create_before_destroy) creates the new key before it revokes the old one,
-- under the same name. Keep in step with ../sqlite/00002_api_key_names.sql.

-- +goose Up
ALTER TABLE api_keys DROP CONSTRAINT api_keys_name_key;
CREATE INDEX api_keys_name_idx ON api_keys (name, id);
CREATE INDEX api_keys_environment_id_idx ON api_keys (environment_id, id);
