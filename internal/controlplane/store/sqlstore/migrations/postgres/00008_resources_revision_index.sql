-- A list page reads each resource's (id, revision) first and the full row
-- only for those whose view is not already kept at that revision; with the
-- revision in the (kind, id) index that first read never touches the table.
-- Keep in step with ../sqlite/00008_resources_revision_index.sql.

-- +goose Up
DROP INDEX resources_kind_id_idx;
CREATE INDEX resources_kind_id_revision_idx ON resources (kind, id, revision);

-- +goose Down
DROP INDEX resources_kind_id_revision_idx;
CREATE INDEX resources_kind_id_idx ON resources (kind, id);
