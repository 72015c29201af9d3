// Package outbox is the transactional outbox (DESIGN.md §3.5): services Append events inside
// the storage transaction that changes the state they describe, so that an event exists if
// and only if its change committed; a Relay publishes them to the Bus in order, marks them
// sent, and retries with backoff while the broker is down. Several replicas may run a Relay:
// events are spread over 16 partitions by key, and a relay claims a partition with
// SELECT ... FOR UPDATE SKIP LOCKED, so each partition is relayed by one replica at a time, in
// the order its events were appended.
//
// Publishing is at least once (a relay that dies after publishing and before committing
// publishes again); consumers deduplicate by message ID with Inbox.
//
// The tables come with messaging.Schema(), which must be applied (bootstrap does).
package outbox
