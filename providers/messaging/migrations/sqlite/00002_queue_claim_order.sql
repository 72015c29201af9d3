-- +goose Up
-- Same index as on PostgreSQL and MySQL (the sql adapter does not run on SQLite; the schema is
-- kept alike so that the three dialects share one version sequence).
DROP INDEX eim_queue_ready;
CREATE INDEX eim_queue_ready ON eim_queue (topic, grp, id);

-- +goose Down
DROP INDEX eim_queue_ready;
CREATE INDEX eim_queue_ready ON eim_queue (topic, grp, visible_us, id);
