-- Data snapshots live in the resources table (kind data_snapshot) as
-- children of their environment (parent_id) that outlive it. They are
-- listed per environment newest first, and the reaper scans them by kind:
-- this index serves both. Keep in step with the other dialect's 00005.

-- +goose Up
CREATE INDEX resources_kind_parent_idx ON resources (kind, parent_id, id);
