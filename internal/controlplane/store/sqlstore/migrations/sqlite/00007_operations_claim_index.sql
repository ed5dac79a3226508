-- The engine's claim walks due, unfinished operations in (next_run_at, id)
-- order and stops after a batch. With (status, next_run_at) it read and
-- sorted every due operation on each claim, which a burst of creates made
-- quadratic; nothing else reads that index, and leaving it in place lets the
-- planner pick it over the primary key for the claim's UPDATE. Keep in step
-- with ../postgres/00007_operations_claim_index.sql.

-- +goose Up
DROP INDEX operations_status_next_run_at_idx;
CREATE INDEX operations_claim_idx ON operations (next_run_at, id) WHERE status IN ('pending', 'running');

-- +goose Down
DROP INDEX operations_claim_idx;
CREATE INDEX operations_status_next_run_at_idx ON operations (status, next_run_at);
