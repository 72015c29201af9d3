-- +goose Up
CREATE TABLE eim_outbox (
    id         BIGINT AUTO_INCREMENT PRIMARY KEY,
    part       SMALLINT NOT NULL,
    topic      VARCHAR(200) NOT NULL,
    message_id VARCHAR(128) NOT NULL,
    msg_key    VARCHAR(255) NOT NULL,
    payload    LONGBLOB NOT NULL,
    headers    MEDIUMTEXT NOT NULL,
    created_us BIGINT NOT NULL,
    sent_us    BIGINT NULL,
    KEY eim_outbox_pending (part, sent_us, id),
    KEY eim_outbox_sent (sent_us)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE eim_outbox_partitions (part SMALLINT PRIMARY KEY) ENGINE=InnoDB;
INSERT INTO eim_outbox_partitions (part) VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9),(10),(11),(12),(13),(14),(15);
CREATE TABLE eim_inbox (
    grp          VARCHAR(64) NOT NULL,
    message_id   VARCHAR(128) NOT NULL,
    processed_us BIGINT NOT NULL,
    PRIMARY KEY (grp, message_id),
    KEY eim_inbox_processed (processed_us)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE eim_queue_groups (
    topic VARCHAR(200) NOT NULL,
    grp   VARCHAR(64) NOT NULL,
    PRIMARY KEY (topic, grp)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE eim_queue (
    id         BIGINT AUTO_INCREMENT PRIMARY KEY,
    topic      VARCHAR(200) NOT NULL,
    grp        VARCHAR(64) NOT NULL,
    message_id VARCHAR(128) NOT NULL,
    msg_key    VARCHAR(255) NOT NULL,
    payload    LONGBLOB NOT NULL,
    headers    MEDIUMTEXT NOT NULL,
    attempts   INT NOT NULL DEFAULT 0,
    visible_us BIGINT NOT NULL,
    claim      BIGINT NOT NULL DEFAULT 0,
    KEY eim_queue_ready (topic, grp, visible_us, id),
    KEY eim_queue_keys (topic, grp, msg_key, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- +goose Down
DROP TABLE eim_queue;
DROP TABLE eim_queue_groups;
DROP TABLE eim_inbox;
DROP TABLE eim_outbox_partitions;
DROP TABLE eim_outbox;
