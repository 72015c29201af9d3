-- +goose Up
-- The journal of project deletions in progress: one row per project being torn down, with the
-- last step done, so that a deletion interrupted by a crash resumes at start.
CREATE TABLE tenant_deletions (
    project_id   VARCHAR(64) NOT NULL PRIMARY KEY,
    project_name VARCHAR(63) NOT NULL,
    step         INT         NOT NULL,
    requested_us BIGINT      NOT NULL,
    updated_us   BIGINT      NOT NULL
) DEFAULT CHARSET = utf8mb4;

-- +goose Down
DROP TABLE tenant_deletions;
