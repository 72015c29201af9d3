package storage

import (
	"context"
	"database/sql/driver"
	"errors"
	"reflect"
	"strings"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// tracerName names the tracer of the SQL statement spans.
const tracerName = "github.com/eim-byoi/eim/providers/storage"

// startStatement starts a client span for one SQL statement, when the statement runs inside a
// trace: named after the operation (SELECT, INSERT, ...) with db.system and
// db.operation.name. Neither the statement's text nor its parameter values are recorded:
// values may be credentials or tenant data. The returned function ends the span with err.
func startStatement(ctx context.Context, system, query string) (context.Context, func(error)) {
	if !trace.SpanFromContext(ctx).SpanContext().IsValid() {
		return ctx, func(error) {} // no parent: pool maintenance and background polls stay silent
	}
	op := operation(query)
	ctx, span := otel.Tracer(tracerName).Start(ctx, op, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("db.system", system), attribute.String("db.operation.name", op)))
	return ctx, func(err error) {
		if err != nil && !errors.Is(err, driver.ErrSkip) {
			span.SetStatus(codes.Error, "statement failed")
		}
		span.End()
	}
}

// operation is the statement's first keyword in upper case (SELECT, INSERT, BEGIN, ...), or
// OTHER.
func operation(query string) string {
	f := strings.Fields(query)
	if len(f) == 0 {
		return "OTHER"
	}
	w := strings.ToUpper(strings.TrimLeft(f[0], "("))
	for _, r := range w {
		if r < 'A' || r > 'Z' {
			return "OTHER"
		}
	}
	return w
}

// dbSystem is the OpenTelemetry db.system of driver d: postgresql, mysql or sqlite.
func dbSystem(d driver.Driver) string {
	t := reflect.TypeOf(d)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch p := t.PkgPath(); {
	case strings.Contains(p, "pgx"), strings.Contains(p, "postgres"), strings.Contains(p, "lib/pq"):
		return "postgresql"
	case strings.Contains(p, "mysql"):
		return "mysql"
	case strings.Contains(p, "sqlite"):
		return "sqlite"
	}
	return "other_sql"
}
