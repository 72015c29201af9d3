package migrate

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const (
	docsPath   = "../docs/migration.md"
	tableBegin = "<!-- mapping-table:begin -->\n"
	tableEnd   = "<!-- mapping-table:end -->"
)

// TestMappingTableInDocs checks that docs/migration.md lists every mapping rule: its mapping
// table is MappingTable(), regenerated with -update.
func TestMappingTableInDocs(t *testing.T) {
	doc, err := os.ReadFile(docsPath)
	require.NoError(t, err)
	text := string(doc)
	before, rest, ok := strings.Cut(text, tableBegin)
	require.True(t, ok, "docs/migration.md has no %q marker", tableBegin)
	_, after, ok := strings.Cut(rest, tableEnd)
	require.True(t, ok, "docs/migration.md has no %q marker", tableEnd)
	want := before + tableBegin + strings.TrimPrefix(MappingTable(), "\n") + "\n" + tableEnd + after
	if *update {
		require.NoError(t, os.WriteFile(docsPath, []byte(want), 0o644))
		return
	}
	require.Equal(t, want, text, "the mapping table in docs/migration.md is out of date: run go test ./migrate -run TestMappingTableInDocs -update")
}
