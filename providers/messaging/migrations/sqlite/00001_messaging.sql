-- +goose Up
CREATE TABLE eim_outbox (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    part       INTEGER NOT NULL,
    topic      TEXT NOT NULL,
    message_id TEXT NOT NULL,
    msg_key    TEXT NOT NULL,
    payload    BLOB NOT NULL,
    headers    TEXT NOT NULL,
    created_us INTEGER NOT NULL,
    sent_us    INTEGER
);
CREATE INDEX eim_outbox_pending ON eim_outbox (part, id) WHERE sent_us IS NULL;
CREATE INDEX eim_outbox_sent ON eim_outbox (sent_us) WHERE sent_us IS NOT NULL;
CREATE TABLE eim_outbox_partitions (part INTEGER PRIMARY KEY);
WITH RECURSIVE p(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM p WHERE n < 15)
INSERT INTO eim_outbox_partitions (part) SELECT n FROM p;
CREATE TABLE eim_inbox (
    grp          TEXT NOT NULL,
    message_id   TEXT NOT NULL,
    processed_us INTEGER NOT NULL,
    PRIMARY KEY (grp, message_id)
);
CREATE INDEX eim_inbox_processed ON eim_inbox (processed_us);
CREATE TABLE eim_queue_groups (
    topic TEXT NOT NULL,
    grp   TEXT NOT NULL,
    PRIMARY KEY (topic, grp)
);
CREATE TABLE eim_queue (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    topic      TEXT NOT NULL,
    grp        TEXT NOT NULL,
    message_id TEXT NOT NULL,
    msg_key    TEXT NOT NULL,
    payload    BLOB NOT NULL,
    headers    TEXT NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    visible_us INTEGER NOT NULL,
    claim      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX eim_queue_ready ON eim_queue (topic, grp, visible_us, id);

-- +goose Down
DROP TABLE eim_queue;
DROP TABLE eim_queue_groups;
DROP TABLE eim_inbox;
DROP TABLE eim_outbox_partitions;
DROP TABLE eim_outbox;
