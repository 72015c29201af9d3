package msgtest

import (
	"encoding/binary"
	"slices"
	"sync"
	"testing"
	"time"
)

// BenchMessages is how many messages one throughput run sends.
const BenchMessages = 10000

// BenchBatch is how many messages one publish call sends, for the adapter and the raw client alike.
const BenchBatch = 100

// benchPayload is the size of each benchmark message.
const benchPayload = 256

// Result is one throughput run.
type Result struct {
	PerSecond float64
	P99       time.Duration
}

// Clock stamps payloads and collects latencies.
type Clock struct {
	mu        sync.Mutex
	latencies []time.Duration
	done      chan struct{}
	want      int
}

// Payload returns a benchmark payload stamped with the current time.
func Payload() []byte {
	p := make([]byte, benchPayload)
	binary.BigEndian.PutUint64(p, uint64(time.Now().UnixNano()))
	return p
}

// Received records the latency of one payload.
func (c *Clock) Received(p []byte) {
	if len(p) < 8 {
		return
	}
	d := time.Since(time.Unix(0, int64(binary.BigEndian.Uint64(p))))
	c.mu.Lock()
	defer c.mu.Unlock()
	c.latencies = append(c.latencies, d)
	if len(c.latencies) == c.want {
		close(c.done)
	}
}

// Run starts the consumer with c, publishes BenchMessages in batches through publish, waits
// until all arrived and returns the throughput and p99 latency.
func Run(b *testing.B, start func(c *Clock) (stop func()), publish func(batch [][]byte) error) Result {
	b.Helper()
	c := &Clock{done: make(chan struct{}), want: BenchMessages}
	stop := start(c)
	defer stop()
	begin := time.Now()
	for i := 0; i < BenchMessages; i += BenchBatch {
		batch := make([][]byte, BenchBatch)
		for j := range batch {
			batch[j] = Payload()
		}
		if err := publish(batch); err != nil {
			b.Fatalf("publish: %v", err)
		}
	}
	select {
	case <-c.done:
	case <-time.After(2 * time.Minute):
		b.Fatalf("only %d of %d messages arrived", len(c.latencies), BenchMessages)
	}
	elapsed := time.Since(begin)
	c.mu.Lock()
	defer c.mu.Unlock()
	slices.Sort(c.latencies)
	return Result{PerSecond: float64(BenchMessages) / elapsed.Seconds(), P99: c.latencies[len(c.latencies)*99/100]}
}

// Report reports the adapter's and the raw client's results and their throughput ratio.
func Report(b *testing.B, adapter, raw Result) {
	b.ReportMetric(adapter.PerSecond, "adapter-msgs/s")
	b.ReportMetric(raw.PerSecond, "raw-msgs/s")
	b.ReportMetric(adapter.PerSecond/raw.PerSecond, "ratio")
	b.ReportMetric(float64(adapter.P99.Microseconds())/1000, "adapter-p99-ms")
	b.ReportMetric(float64(raw.P99.Microseconds())/1000, "raw-p99-ms")
}
