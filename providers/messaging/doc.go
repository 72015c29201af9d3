// Package messaging is the portable messaging provider kind (DESIGN.md §3.5): topics and
// consumer groups with at-least-once delivery.
//
// A Bus publishes messages (ID, key, payload bytes, headers) to a topic and subscribes a
// Handler to a topic under a consumer group. Every group receives every message published
// after the group was first subscribed; the subscriptions of one group compete for its
// messages. A handler that returns nil acknowledges the message; one that returns an error,
// panics or never returns (the process crashed) gets it again, with exponential backoff, until
// MaxDeliveries attempts have failed — then the message goes to the dead-letter topic
// DeadLetterTopic(topic), kept for the same group, with the last error in HeaderError.
// Adapters that declare CapOrderedKeys deliver the messages of one key to a group in publish
// order, one at a time, across all of the group's subscriptions.
//
// The retry, backoff and dead-letter logic lives here, once, over a narrow Driver that each
// adapter implements on its backend's native client (docs/adr/0006-messaging.md): nats
// (JetStream), rabbitmq, redis (Streams), sql (queue tables in the configured PostgreSQL or
// MySQL) and memory (in-process, the embedded default). Adapters register in Registry from
// their init function under their package name.
//
// Every error a Bus method returns is wrapped once with provider.Wrap and carries one
// provider.Code:
//
//	messaging/nats: publish "hosts.changed": unavailable: <cause>
//
// The transactional outbox (package outbox) writes events in the same database transaction as
// the state change they describe and relays them to the Bus.
package messaging
