package sql

import "github.com/eim-byoi/eim/providers/storage"

// queries are the dialect's statements, placeholders rebound (mark and fetch are completed at
// run time and rebound then). publish, publishRow and groups serve MySQL; PostgreSQL publishes
// with pgPublish.
type queries struct {
	publish, publishRow string
	groups, declare     string
	claim, claimOrdered string
	mark, fetch, settle string
}

// pgNow is the PostgreSQL clock in microseconds since the epoch, read when it is evaluated:
// for the times written.
const pgNow = "(CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000 AS BIGINT))"

// pgStatementNow is the clock at the start of the statement. It is stable within the
// statement, so the planner evaluates it once instead of once per row scanned: for the
// visibility test of the claim.
const pgStatementNow = "(CAST(EXTRACT(EPOCH FROM statement_timestamp()) * 1000000 AS BIGINT))"

func queriesFor(d storage.Dialect) queries {
	now, claimNow := pgNow, pgStatementNow
	declare := "INSERT INTO eim_queue_groups (topic, grp) VALUES (?, ?) ON CONFLICT DO NOTHING"
	if d == storage.MySQL {
		now = "(CAST(UNIX_TIMESTAMP(NOW(6)) * 1000000 AS SIGNED))" // NOW is the statement's start
		claimNow = now
		declare = "INSERT IGNORE INTO eim_queue_groups (topic, grp) VALUES (?, ?)"
	}
	ready := "q.topic = ? AND q.grp = ? AND q.visible_us <= " + claimNow
	q := queries{
		publish:    "INSERT INTO eim_queue (topic, grp, message_id, msg_key, payload, headers, visible_us) VALUES ",
		publishRow: "(?, ?, ?, ?, ?, ?, " + now + ")",
		groups:     "SELECT grp FROM eim_queue_groups WHERE topic = ? ORDER BY grp",
		declare:    declare,
		claim:      "SELECT q.id FROM eim_queue q WHERE " + ready + " ORDER BY q.id LIMIT ? FOR UPDATE SKIP LOCKED",
		claimOrdered: "SELECT q.id FROM eim_queue q WHERE " + ready + " AND (q.msg_key = '' OR NOT EXISTS (" +
			"SELECT 1 FROM eim_queue p WHERE p.topic = q.topic AND p.grp = q.grp AND p.msg_key = q.msg_key AND p.id < q.id)) " +
			"ORDER BY q.id LIMIT ? FOR UPDATE SKIP LOCKED",
		mark:   "UPDATE eim_queue SET attempts = attempts + 1, visible_us = " + now + " + ?, claim = ? WHERE id IN (%s)",
		fetch:  "SELECT id, message_id, msg_key, payload, headers, attempts FROM eim_queue WHERE id IN (%s) ORDER BY id",
		settle: "UPDATE eim_queue SET visible_us = " + now + " + ?, claim = 0 WHERE id = ? AND claim = ?",
	}
	for _, s := range []*string{&q.groups, &q.declare, &q.claim, &q.claimOrdered, &q.settle} {
		*s = d.Rebind(*s)
	}
	return q
}
