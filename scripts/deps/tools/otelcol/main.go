// Command otelcol is a minimal OpenTelemetry Collector for tests: the collector's own OTLP
// receiver (go.opentelemetry.io/collector/receiver/otlpreceiver, gRPC and HTTP) whose trace
// pipeline ends in a file exporter writing each received batch as one OTLP/JSON line. It
// listens on 127.0.0.1 only.
//
//	otelcol -grpc 127.0.0.1:4317 -http 127.0.0.1:4318 -out traces.jsonl
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/receiver/otlpreceiver"
	"go.opentelemetry.io/collector/receiver/receivertest"
)

func main() {
	grpcAddr := flag.String("grpc", "127.0.0.1:4317", "OTLP/gRPC listen address")
	httpAddr := flag.String("http", "127.0.0.1:4318", "OTLP/HTTP listen address")
	out := flag.String("out", "traces.jsonl", "file the received traces are appended to, one OTLP/JSON batch a line")
	flag.Parse()
	if err := run(*grpcAddr, *httpAddr, *out); err != nil {
		fmt.Fprintln(os.Stderr, "otelcol:", err)
		os.Exit(1)
	}
}

func run(grpcAddr, httpAddr, out string) error {
	f, err := os.OpenFile(out, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	var mu sync.Mutex
	var enc ptrace.JSONMarshaler
	sink, err := consumer.NewTraces(func(_ context.Context, td ptrace.Traces) error {
		b, err := enc.MarshalTraces(td)
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		_, err = f.Write(append(b, '\n'))
		return err
	})
	if err != nil {
		return err
	}
	fac := otlpreceiver.NewFactory()
	cfg := fac.CreateDefaultConfig().(*otlpreceiver.Config)
	cfg.Protocols.GRPC.GetOrInsertDefault().NetAddr.Endpoint = grpcAddr
	cfg.Protocols.HTTP.GetOrInsertDefault().ServerConfig.NetAddr.Endpoint = httpAddr
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rcv, err := fac.CreateTraces(ctx, receivertest.NewNopSettings(fac.Type()), cfg, sink)
	if err != nil {
		return err
	}
	if err := rcv.Start(ctx, componentHost{}); err != nil {
		return err
	}
	fmt.Println("otelcol: receiving OTLP on", grpcAddr, "(gRPC) and", httpAddr, "(HTTP)")
	<-ctx.Done()
	return rcv.Shutdown(context.Background())
}

// componentHost is the collector host of a pipeline without extensions.
type componentHost struct{}

func (componentHost) GetExtensions() map[component.ID]component.Component { return nil }
