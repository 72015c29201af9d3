-- +goose Up
-- The onboarding module's journal: one row per device client it issues, written before the
-- client is created and kept until it is revoked, so that a restart finishes or undoes what a
-- crash interrupted. Not tenant-scoped: revocation follows hosts of every project. No secret is
-- kept here (the identity provider keeps the client's secret).
CREATE TABLE onb_clients (
    project_id VARCHAR(64)  NOT NULL,
    device     VARCHAR(36)  NOT NULL,
    host_id    VARCHAR(64)  NOT NULL,
    client_id  VARCHAR(255) NOT NULL DEFAULT '',
    state      VARCHAR(16)  NOT NULL,
    updated_us BIGINT       NOT NULL,
    PRIMARY KEY (project_id, device),
    KEY onb_clients_host (project_id, host_id)
) DEFAULT CHARSET = utf8mb4;

-- +goose Down
DROP TABLE onb_clients;
