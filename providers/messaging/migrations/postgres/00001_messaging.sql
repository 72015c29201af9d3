-- +goose Up
CREATE TABLE eim_outbox (
    id         BIGSERIAL PRIMARY KEY,
    part       SMALLINT NOT NULL,
    topic      TEXT NOT NULL,
    message_id TEXT NOT NULL,
    msg_key    TEXT NOT NULL,
    payload    BYTEA NOT NULL,
    headers    TEXT NOT NULL,
    created_us BIGINT NOT NULL,
    sent_us    BIGINT
);
CREATE INDEX eim_outbox_pending ON eim_outbox (part, id) WHERE sent_us IS NULL;
CREATE INDEX eim_outbox_sent ON eim_outbox (sent_us) WHERE sent_us IS NOT NULL;
CREATE TABLE eim_outbox_partitions (part SMALLINT PRIMARY KEY);
INSERT INTO eim_outbox_partitions (part) SELECT generate_series(0, 15);
CREATE TABLE eim_inbox (
    grp          TEXT NOT NULL,
    message_id   TEXT NOT NULL,
    processed_us BIGINT NOT NULL,
    PRIMARY KEY (grp, message_id)
);
CREATE INDEX eim_inbox_processed ON eim_inbox (processed_us);
CREATE TABLE eim_queue_groups (
    topic TEXT NOT NULL,
    grp   TEXT NOT NULL,
    PRIMARY KEY (topic, grp)
);
CREATE TABLE eim_queue (
    id         BIGSERIAL PRIMARY KEY,
    topic      TEXT NOT NULL,
    grp        TEXT NOT NULL,
    message_id TEXT NOT NULL,
    msg_key    TEXT NOT NULL,
    payload    BYTEA NOT NULL,
    headers    TEXT NOT NULL,
    attempts   INT NOT NULL DEFAULT 0,
    visible_us BIGINT NOT NULL,
    claim      BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX eim_queue_ready ON eim_queue (topic, grp, visible_us, id);
CREATE INDEX eim_queue_keys ON eim_queue (topic, grp, msg_key, id);

-- +goose Down
DROP TABLE eim_queue;
DROP TABLE eim_queue_groups;
DROP TABLE eim_inbox;
DROP TABLE eim_outbox_partitions;
DROP TABLE eim_outbox;
