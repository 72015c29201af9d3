package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const sample = `goos: linux
pkg: github.com/eim-byoi/eim/services/inventory
BenchmarkInventory/get-2   	     200	   2440390 ns/op	   1294720 module-ns/op	         1.131 ratio-vs-sql	   1145232 sql-ns/op
PASS
pkg: github.com/eim-byoi/eim/providers/storage/postgres
BenchmarkSelect-2   	 1000	  500 ns/op	  1.02 ratio-vs-sql
ok
`

func TestParseAndUpdate(t *testing.T) {
	rs, err := Parse(strings.NewReader(sample))
	require.NoError(t, err)
	require.Len(t, rs, 2)
	assert.Equal(t, "github.com/eim-byoi/eim/services/inventory", rs[0].Package)
	assert.Equal(t, "BenchmarkInventory/get", rs[0].Name)
	assert.Equal(t, 1.131, rs[0].Metrics["ratio-vs-sql"])

	doc := Update("", rs)
	assert.Contains(t, doc, "| `Inventory/get` | 200 | 2440390 | 1294720 | **1.131** | 1145232 |")
	again := Update(doc, rs[1:])
	assert.Contains(t, again, "Inventory/get", "sections of packages not in the input are kept")
	assert.Equal(t, 1, strings.Count(again, "<!-- bench:github.com/eim-byoi/eim/providers/storage/postgres -->"), "a package's section is replaced, not added twice")
}

func TestLatencyPercentiles(t *testing.T) {
	const api = `pkg: github.com/eim-byoi/eim/services/api
BenchmarkAPI/get-host-2   	     526	   1963153 ns/op	    714079 direct-ns/op	   2659532 direct-p99-ns	   1248711 http-ns/op	   3838025 http-p99-ns	         1.443 ratio-p99-vs-direct	         1.749 ratio-vs-direct	   87895 B/op	    1145 allocs/op
`
	rs, err := Parse(strings.NewReader(api))
	require.NoError(t, err)
	doc := Update("", rs)
	assert.Contains(t, doc, "| benchmark | runs | ns/op | direct-ns/op | direct-p99-ns | http-ns/op | http-p99-ns | ratio-p99-vs-direct | ratio-vs-direct | B/op | allocs/op |")
	assert.Contains(t, doc, "| `API/get-host` | 526 | 1963153 | 714079 | 2659532 | 1248711 | 3838025 | **1.443** | **1.749** | 87895 | 1145 |",
		"p99 latencies print as times, their ratio as a ratio")
}
