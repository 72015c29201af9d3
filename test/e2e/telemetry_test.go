package e2e_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/test/proc"
)

// span is one span as the collector's OTLP/JSON file holds it.
type span struct {
	TraceID      string `json:"traceId"`
	SpanID       string `json:"spanId"`
	ParentSpanID string `json:"parentSpanId"`
	Name         string `json:"name"`
	Kind         int    `json:"kind"`
	Attributes   []struct {
		Key   string `json:"key"`
		Value struct {
			StringValue string `json:"stringValue"`
		} `json:"value"`
	} `json:"attributes"`
}

// OTLP span kinds.
const (
	kindServer   = 2
	kindClient   = 3
	kindProducer = 4
	kindConsumer = 5
)

func (s span) attr(k string) string {
	for _, a := range s.Attributes {
		if a.Key == k {
			return a.Value.StringValue
		}
	}
	return ""
}

// TestTracesReachACollector runs a real OpenTelemetry Collector receiver (.tools/bin/otelcol:
// the collector's otlpreceiver writing OTLP/JSON, built by make deps) and `eim serve` exporting
// to it over OTLP/gRPC and OTLP/HTTP. One REST request creates a project; its spans arrive as
// one trace: the HTTP server span, the inventory call as its child, the SQL statements as the
// inventory call's children (no parameter values), the project-created event's producer span
// under the inventory call and each subscriber's delivery span as the producer's child.
func TestTracesReachACollector(t *testing.T) {
	bin := proc.Build(t)
	for _, protocol := range []string{"grpc", "http"} {
		t.Run(protocol, func(t *testing.T) {
			grpcAddr, httpAddr, out := startCollector(t)
			endpoint := grpcAddr
			if protocol == "http" {
				endpoint = "http://" + httpAddr
			}
			dir := t.TempDir()
			env := proc.Env(dir, "EIM_TARGET=inventory,api,tenant", "EIM_TELEMETRY_ENABLED=true",
				"EIM_TELEMETRY_PROTOCOL="+protocol, "EIM_TELEMETRY_ENDPOINT="+endpoint, "EIM_TELEMETRY_TLS_MODE=disable")
			p := proc.Start(t, bin, dir, env, "serve")
			e := &embedded{bin: bin, env: env}
			api := rest{base: "http://" + p.HTTP}
			name := "traced-" + uuid.NewString()[:8]
			require.Equal(t, http.StatusOK, api.do(t, http.MethodPut, "/v1/projects/"+name, e.admin(t), map[string]string{"description": "traced"}, &map[string]any{}))

			var trace []span
			if !assert.Eventually(t, func() bool {
				trace = projectTrace(t, out)
				return hasDelivery(trace)
			}, time.Minute, 100*time.Millisecond, "the request's spans and a delivery span reach the collector") {
				t.Fatalf("spans received: %s", names(readSpans(t, out)))
			}
			assertTraceShape(t, trace)
			assertLogTraced(t, p.Logs(), trace)
		})
	}
}

// startCollector starts the collector on two free loopback ports; it writes to the returned file.
func startCollector(t *testing.T) (grpcAddr, httpAddr, out string) {
	bin, err := filepath.Abs("../../.tools/bin/otelcol")
	require.NoError(t, err)
	_, err = os.Stat(bin)
	require.NoError(t, err, "the collector is built by `make deps` (scripts/deps/tools/otelcol)")
	grpcAddr, httpAddr = freeAddr(t), freeAddr(t)
	out = filepath.Join(t.TempDir(), "traces.jsonl")
	cmd := exec.Command(bin, "-grpc", grpcAddr, "-http", httpAddr, "-out", out)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	require.Eventually(t, func() bool {
		for _, a := range []string{grpcAddr, httpAddr} {
			c, err := net.Dial("tcp", a)
			if err != nil {
				return false
			}
			_ = c.Close()
		}
		return true
	}, 30*time.Second, 50*time.Millisecond, "the collector listens")
	return grpcAddr, httpAddr, out
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().String()
}

// projectTrace reads the collector's file and returns the spans of the trace whose server span
// is the project creation.
func projectTrace(t *testing.T, file string) []span {
	all := readSpans(t, file)
	var traceID string
	for _, s := range all {
		if s.Kind == kindServer && s.Name == "PUT /v1/projects/{name}" {
			traceID = s.TraceID
		}
	}
	var out []span
	for _, s := range all {
		if traceID != "" && s.TraceID == traceID {
			out = append(out, s)
		}
	}
	return out
}

func readSpans(t *testing.T, file string) []span {
	f, err := os.Open(file)
	if os.IsNotExist(err) {
		return nil
	}
	require.NoError(t, err)
	defer f.Close()
	var out []span
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var batch struct {
			ResourceSpans []struct {
				ScopeSpans []struct {
					Spans []span `json:"spans"`
				} `json:"scopeSpans"`
			} `json:"resourceSpans"`
		}
		require.NoError(t, json.Unmarshal(sc.Bytes(), &batch))
		for _, rs := range batch.ResourceSpans {
			for _, ss := range rs.ScopeSpans {
				out = append(out, ss.Spans...)
			}
		}
	}
	require.NoError(t, sc.Err())
	return out
}

func hasDelivery(trace []span) bool {
	for _, s := range trace {
		if s.Kind == kindConsumer {
			return true
		}
	}
	return false
}

func assertTraceShape(t *testing.T, trace []span) {
	byID := map[string]span{}
	for _, s := range trace {
		byID[s.SpanID] = s
	}
	var server, call, producer span
	for _, s := range trace {
		switch {
		case s.Kind == kindServer && strings.HasPrefix(s.Name, "PUT /v1/projects/"):
			server = s
		case strings.HasPrefix(s.Name, "eim.inventory.v1.InventoryService/") && byID[s.ParentSpanID].Kind == kindServer:
			call = s
		case s.Kind == kindProducer && s.Name == "inventory.project.created publish":
			producer = s
		}
	}
	require.NotEmpty(t, server.SpanID, "an HTTP server span named after the route template: %s", names(trace))
	require.NotEmpty(t, call.SpanID, "an inventory call under the HTTP span: %s", names(trace))
	assert.Equal(t, server.SpanID, call.ParentSpanID)
	var sql []span
	for _, s := range trace {
		if s.Kind == kindClient && s.attr("db.system") == "sqlite" && s.ParentSpanID == call.SpanID {
			sql = append(sql, s)
			assert.Equal(t, s.Name, s.attr("db.operation.name"))
			assert.Empty(t, s.attr("db.query.text"), "no statement text, no parameter values")
		}
	}
	assert.NotEmpty(t, sql, "SQL statement spans under the inventory call: %s", names(trace))
	require.NotEmpty(t, producer.SpanID, "the event's producer span: %s", names(trace))
	assert.Equal(t, call.SpanID, producer.ParentSpanID, "the event is produced by the inventory call's write")
	for _, s := range trace {
		if s.Kind == kindConsumer {
			assert.Equal(t, producer.SpanID, s.ParentSpanID, "delivery %s is the producer's child", s.Name)
			assert.Equal(t, "inventory.project.created process", s.Name)
		}
	}
}

func names(trace []span) string {
	var b strings.Builder
	for _, s := range trace {
		fmt.Fprintf(&b, "\n  %s (kind %d, id %s, parent %s)", s.Name, s.Kind, s.SpanID, s.ParentSpanID)
	}
	return b.String()
}

// assertLogTraced checks that the API's request log line of the project creation carries the
// trace's and the server span's ids, and no token.
func assertLogTraced(t *testing.T, logs string, trace []span) {
	var server span
	for _, s := range trace {
		if s.Kind == kindServer {
			server = s
		}
	}
	found := false
	for _, l := range strings.Split(logs, "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(l), &rec) != nil || rec["msg"] != "api request" || rec["method"] != http.MethodPut {
			continue
		}
		found = true
		assert.Equal(t, server.TraceID, rec["trace_id"], "the request log leads to the trace")
		assert.Equal(t, server.SpanID, rec["span_id"])
		assert.NotContains(t, l, "Bearer", "no token in the request log")
	}
	assert.True(t, found, "the request was logged")
}
