-- +goose Up
CREATE TABLE widgets_all (
    id         CHAR(36) PRIMARY KEY,
    tenant_id  VARCHAR(64) NOT NULL,
    name       VARCHAR(200) NOT NULL,
    created_at DATETIME(6) NOT NULL,
    doc        JSON,
    payload    LONGBLOB,
    body       LONGTEXT,
    UNIQUE KEY widgets_tenant_name (tenant_id, name),
    KEY widgets_tenant (tenant_id)
) DEFAULT CHARSET = utf8mb4;
CREATE TABLE parts_all (
    id        CHAR(36) PRIMARY KEY,
    tenant_id VARCHAR(64) NOT NULL,
    widget_id CHAR(36) NOT NULL,
    label     VARCHAR(200) NOT NULL,
    CONSTRAINT parts_widget FOREIGN KEY (widget_id) REFERENCES widgets_all (id) ON DELETE CASCADE
) DEFAULT CHARSET = utf8mb4;
CREATE TABLE counters (
    name VARCHAR(64) PRIMARY KEY,
    n    BIGINT NOT NULL
) DEFAULT CHARSET = utf8mb4;

-- +goose Down
DROP TABLE counters;
DROP TABLE parts_all;
DROP TABLE widgets_all;
