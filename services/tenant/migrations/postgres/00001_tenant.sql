-- +goose Up
-- The journal of project deletions in progress: one row per project being torn down, with the
-- last step done, so that a deletion interrupted by a crash resumes at start.
CREATE TABLE tenant_deletions (
    project_id   TEXT    PRIMARY KEY,
    project_name TEXT    NOT NULL,
    step         INTEGER NOT NULL,
    requested_us BIGINT  NOT NULL,
    updated_us   BIGINT  NOT NULL
);

-- +goose Down
DROP TABLE tenant_deletions;
