-- +goose Up
-- Consumers claim the oldest visible messages of a group: scan the group in id order and stop
-- after the batch, instead of range-scanning visible_us and sorting every ready row. No index
-- holds visible_us, attempts or claim any more, so that claiming and giving back are HOT updates.
DROP INDEX eim_queue_ready;
CREATE INDEX eim_queue_ready ON eim_queue (topic, grp, id);
ALTER TABLE eim_queue SET (fillfactor = 80);

-- +goose Down
ALTER TABLE eim_queue RESET (fillfactor);
DROP INDEX eim_queue_ready;
CREATE INDEX eim_queue_ready ON eim_queue (topic, grp, visible_us, id);
