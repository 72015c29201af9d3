-- +goose Up
CREATE TABLE widgets_all (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL,
    name       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    doc        TEXT,
    payload    BLOB,
    body       TEXT,
    UNIQUE (tenant_id, name)
);
CREATE INDEX widgets_tenant ON widgets_all (tenant_id);
CREATE TABLE parts_all (
    id        TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    widget_id TEXT NOT NULL REFERENCES widgets_all (id) ON DELETE CASCADE,
    label     TEXT NOT NULL
);
CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    n    INTEGER NOT NULL
);

-- +goose Down
DROP TABLE counters;
DROP TABLE parts_all;
DROP TABLE widgets_all;
