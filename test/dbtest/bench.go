package dbtest

import (
	"testing"
	"time"
)

// Op is one side of a side-by-side benchmark.
type Op struct {
	Name string
	Run  func() error
}

// Compare runs ops side by side in one benchmark: every iteration runs each op once, in an
// order that rotates from one iteration to the next, and times it. Interleaving spreads the
// machine's drift (other processes, the server's caches, a growing table) evenly over the ops,
// which running them as separate sub-benchmarks one after the other does not. It reports
// each op's mean as "<name>-ns/op" and, for every op after the first, the first's time over
// that op's as "ratio-vs-<name>" (1.03 = the first is 3% slower).
func Compare(b *testing.B, ops ...Op) {
	b.Helper()
	total := make([]time.Duration, len(ops))
	n := 0
	for b.Loop() {
		for k := range ops {
			i := (n + k) % len(ops)
			start := time.Now()
			if err := ops[i].Run(); err != nil {
				b.Fatalf("%s: %v", ops[i].Name, err)
			}
			total[i] += time.Since(start)
		}
		n++
	}
	for i, op := range ops {
		b.ReportMetric(float64(total[i].Nanoseconds())/float64(n), op.Name+"-ns/op")
		if i > 0 {
			b.ReportMetric(float64(total[0])/float64(total[i]), "ratio-vs-"+op.Name)
		}
	}
}
