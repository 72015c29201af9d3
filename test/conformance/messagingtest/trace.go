package messagingtest

import (
	"context"
	"sync"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/eim-byoi/eim/providers/messaging"
)

// msgCaseTraceContext: a message published inside a trace carries its context through the
// adapter (a traceparent header), and its delivery runs in a consumer span, the child of the
// publish's producer span. It installs an OpenTelemetry SDK provider as the process global for
// the case and restores the previous one after.
func msgCaseTraceContext(t T, h MessagingHarness) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	prevTP, prevProp := otel.GetTracerProvider(), otel.GetTextMapPropagator()
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.TraceContext{})
	t.Cleanup(func() {
		otel.SetTracerProvider(prevTP)
		otel.SetTextMapPropagator(prevProp)
		_ = tp.Shutdown(context.Background())
	})
	bus := h.Open(t)
	topic, group := name(h, "traced"), name(h, "g")
	var mu sync.Mutex
	var got []trace.SpanContext
	var headers map[string]string
	subscribe(t, bus, topic, group, func(ctx context.Context, m messaging.Message) error {
		mu.Lock()
		defer mu.Unlock()
		got, headers = append(got, trace.SpanContextFromContext(ctx)), m.Headers
		return nil
	})
	ctx, root := tp.Tracer("conformance").Start(t.Context(), "write")
	require.NoError(t, bus.Publish(ctx, topic, messaging.Message{Payload: []byte("traced")}))
	root.End()
	require.NoError(t, msgEventually(t.Context(), msgWait, func() error {
		mu.Lock()
		defer mu.Unlock()
		if len(got) == 0 {
			return context.DeadlineExceeded
		}
		return nil
	}), "the traced message is delivered")
	mu.Lock()
	handler, hdr := got[0], headers
	mu.Unlock()
	assert.Contains(t, hdr[messaging.HeaderTraceParent], root.SpanContext().TraceID().String(), "the traceparent header survives the adapter")
	assert.Equal(t, root.SpanContext().TraceID(), handler.TraceID(), "the handler runs in the publisher's trace")
	var producer, consumer sdktrace.ReadOnlySpan
	require.Eventually(t, func() bool {
		for _, s := range exp.GetSpans().Snapshots() {
			switch s.SpanKind() {
			case trace.SpanKindProducer:
				producer = s
			case trace.SpanKindConsumer:
				consumer = s
			}
		}
		return producer != nil && consumer != nil
	}, msgWait, 20*time.Millisecond, "producer and consumer spans end")
	assert.Equal(t, root.SpanContext().SpanID(), producer.Parent().SpanID(), "the producer span is the publisher's child")
	assert.Equal(t, producer.SpanContext().SpanID(), consumer.Parent().SpanID(), "the delivery is the producer's child")
	assert.Equal(t, consumer.SpanContext().SpanID(), handler.SpanID(), "the handler sees the delivery span")
}
