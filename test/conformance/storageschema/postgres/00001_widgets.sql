-- +goose Up
CREATE TABLE widgets (
    id         UUID PRIMARY KEY,
    tenant_id  TEXT NOT NULL,
    name       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    doc        JSONB,
    payload    BYTEA,
    body       TEXT,
    UNIQUE (tenant_id, name)
);
CREATE INDEX widgets_tenant ON widgets (tenant_id);
CREATE TABLE parts (
    id        UUID PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    widget_id UUID NOT NULL REFERENCES widgets (id) ON DELETE CASCADE,
    label     TEXT NOT NULL
);
CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    n    BIGINT NOT NULL
);

-- +goose Down
DROP TABLE counters;
DROP TABLE parts;
DROP TABLE widgets;
