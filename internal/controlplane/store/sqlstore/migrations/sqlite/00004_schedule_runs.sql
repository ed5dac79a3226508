-- Runs of shutdown schedules: one row per executed (or skipped) transition.
-- The unique (schedule_id, at) is what makes a transition run exactly once
-- when several replicas see it due. Keep in step with
-- ../postgres/00004_schedule_runs.sql.

-- +goose Up
CREATE TABLE schedule_runs (
    id           TEXT NOT NULL,
    schedule_id  TEXT NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
    at           TEXT NOT NULL,
    action       TEXT NOT NULL,
    trigger      TEXT NOT NULL,
    outcome      TEXT NOT NULL,
    detail       TEXT NOT NULL,
    operation_id TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    CONSTRAINT schedule_runs_pkey PRIMARY KEY (id),
    CONSTRAINT schedule_runs_schedule_id_at_key UNIQUE (schedule_id, at)
);
CREATE INDEX schedule_runs_schedule_id_id_idx ON schedule_runs (schedule_id, id);

-- +goose Down
DROP TABLE schedule_runs;
