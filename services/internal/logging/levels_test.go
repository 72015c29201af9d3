package logging_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/eim-byoi/eim/services/internal/logging"
)

func TestModuleLevelsChangeAtRunTime(t *testing.T) {
	var buf bytes.Buffer
	levels := logging.NewLevels("info", map[string]string{"hostmgr": "debug"})
	log := logging.NewWithLevels(&buf, "json", logging.NewRedactor(), levels)
	hostmgr := logging.ForModule(log, levels, "hostmgr")
	api := logging.ForModule(log, levels, "api")
	emit := func() string {
		buf.Reset()
		for _, l := range []struct {
			name string
			log  interface {
				DebugContext(context.Context, string, ...any)
			}
		}{{"process", log}, {"hostmgr", hostmgr}, {"api", api}} {
			l.log.DebugContext(context.Background(), "debug from "+l.name)
		}
		return buf.String()
	}
	tests := []struct {
		name          string
		def           string
		modules       map[string]string
		want, notWant []string
	}{
		{"hostmgr at debug", "info", map[string]string{"hostmgr": "debug"}, []string{"debug from hostmgr"}, []string{"debug from api", "debug from process"}},
		{"override removed", "info", nil, nil, []string{"debug from hostmgr", "debug from api", "debug from process"}},
		{"default to debug", "debug", map[string]string{"api": "error"}, []string{"debug from hostmgr", "debug from process"}, []string{"debug from api"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			levels.Set(tt.def, tt.modules)
			out := emit()
			for _, w := range tt.want {
				assert.Contains(t, out, w)
			}
			for _, w := range tt.notWant {
				assert.False(t, strings.Contains(out, w), "%q logged: %s", w, out)
			}
		})
	}
}
