package messaging

import (
	"context"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// tracerName names the tracer of the messaging spans.
const tracerName = "github.com/eim-byoi/eim/providers/messaging"

// HeaderTraceParent is the W3C trace context header a traced message carries (with
// tracestate and baggage when set): every adapter stores and delivers it like any header.
const HeaderTraceParent = "traceparent"

// InjectTrace records, when ctx is inside a trace and m carries no trace context yet, a
// producer span "<topic> publish" and writes its context into m's headers: the consumer's span
// becomes its child. The outbox calls it at write time, so that the context captured with the
// change travels with the event; Bus.Publish calls it for direct publishes.
func InjectTrace(ctx context.Context, topic string, m *Message) {
	if !trace.SpanFromContext(ctx).SpanContext().IsValid() {
		return
	}
	if _, ok := m.Headers[HeaderTraceParent]; ok {
		return
	}
	ctx, span := otel.Tracer(tracerName).Start(ctx, topic+" publish", trace.WithSpanKind(trace.SpanKindProducer),
		trace.WithAttributes(attribute.String("messaging.destination.name", topic), attribute.String("messaging.message.id", m.ID),
			attribute.String("messaging.operation.type", "send")))
	defer span.End()
	if m.Headers == nil {
		m.Headers = map[string]string{}
	} else {
		m.Headers = cloneHeaders(m.Headers)
	}
	otel.GetTextMapPropagator().Inject(ctx, propagation.MapCarrier(m.Headers))
}

// startDelivery starts the consumer span "<topic> process" of one delivery to group, the child
// of the span whose context m's headers carry (a new trace when they carry none). The returned
// function ends it with the handler's error.
func startDelivery(ctx context.Context, topic, group string, m Message) (context.Context, func(error)) {
	ctx = otel.GetTextMapPropagator().Extract(ctx, propagation.MapCarrier(m.Headers))
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return ctx, func(error) {} // an untraced message: no orphan root span per delivery
	}
	ctx, span := otel.Tracer(tracerName).Start(ctx, topic+" process", trace.WithSpanKind(trace.SpanKindConsumer),
		trace.WithAttributes(attribute.String("messaging.destination.name", topic), attribute.String("messaging.consumer.group.name", group),
			attribute.String("messaging.message.id", m.ID), attribute.Int("messaging.delivery.attempt", m.Attempt),
			attribute.String("messaging.operation.type", "process")))
	return ctx, func(err error) {
		if err != nil {
			span.SetStatus(codes.Error, "handler failed")
		}
		span.End()
	}
}

func cloneHeaders(h map[string]string) map[string]string {
	c := make(map[string]string, len(h)+2)
	for k, v := range h {
		c[k] = v
	}
	return c
}
