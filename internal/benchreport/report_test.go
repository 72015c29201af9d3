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
