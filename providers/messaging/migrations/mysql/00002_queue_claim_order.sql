-- +goose Up
-- Consumers claim the oldest visible messages of a group: scan the group in id order and stop
-- after the batch. The old (topic, grp, visible_us, id) range made InnoDB lock every ready row
-- of the group and sort them before applying LIMIT.
ALTER TABLE eim_queue DROP INDEX eim_queue_ready, ADD INDEX eim_queue_ready (topic, grp, id);

-- +goose Down
ALTER TABLE eim_queue DROP INDEX eim_queue_ready, ADD INDEX eim_queue_ready (topic, grp, visible_us, id);
