-- +goose Up
-- The onboarding module's journal: one row per device client it issues, written before the
-- client is created and kept until it is revoked, so that a restart finishes or undoes what a
-- crash interrupted. Not tenant-scoped: revocation follows hosts of every project. No secret is
-- kept here (the identity provider keeps the client's secret).
CREATE TABLE onb_clients (
    project_id TEXT   NOT NULL,
    device     TEXT   NOT NULL,
    host_id    TEXT   NOT NULL,
    client_id  TEXT   NOT NULL DEFAULT '',
    state      TEXT   NOT NULL,
    updated_us BIGINT NOT NULL,
    PRIMARY KEY (project_id, device)
);
CREATE INDEX onb_clients_host ON onb_clients (project_id, host_id);

-- +goose Down
DROP TABLE onb_clients;
