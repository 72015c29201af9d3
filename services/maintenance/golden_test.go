package maintenance_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	maintmgrv1 "github.com/eim-byoi/eim/api/gen/maintmgr/v1"
)

// golden is a request/response pair of testdata/golden, written from the field semantics of
// maintmgr.proto and the legacy maintenance manager's behaviour.
type golden struct {
	Description string          `json:"description"`
	Token       *string         `json:"token"` // the bearer token; the agent's token when absent
	Request     json.RawMessage `json:"request"`
	Response    json.RawMessage `json:"response"`
	Error       *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
	AgentActs bool `json:"agentActs"`
}

// goldenSetups create, through the API, the host each golden case polls for.
var goldenSetups = map[string]func(t *testing.T, s *stack, w *world) node{
	"mutable-policy-single": func(t *testing.T, s *stack, w *world) node {
		n := w.node(t, s, "ubuntu-1", w.site, w.mutableOS, w.policy)
		w.create(t, s, "schedules/single", map[string]any{"name": "window", "scheduleStatus": "SCHEDULE_STATUS_OS_UPDATE",
			"startSeconds": 1893456000, "endSeconds": 1893459600, "targetHostId": n.host})
		return n
	},
	"immutable-target-repeated": func(t *testing.T, s *stack, w *world) node {
		cur, next := immutableOS(t, s, w)
		pol := w.create(t, s, "os_update_policy", map[string]any{"name": "pin", "updatePolicy": "UPDATE_POLICY_TARGET", "targetOsId": next})
		n := w.node(t, s, "emt-1", w.site, cur, pol)
		w.create(t, s, "schedules/repeated", repeatedBody("region", 2, "targetRegionId", w.sub))
		return n
	},
	"immutable-latest": func(t *testing.T, s *stack, w *world) node {
		cur, _ := immutableOS(t, s, w)
		pol := w.create(t, s, "os_update_policy", map[string]any{"name": "latest", "updatePolicy": "UPDATE_POLICY_LATEST"})
		return w.node(t, s, "emt-2", w.site, cur, pol)
	},
	"immutable-kernel": func(t *testing.T, s *stack, w *world) node {
		cur, next := immutableOS(t, s, w)
		pol := w.create(t, s, "os_update_policy", map[string]any{"name": "kernel", "updatePolicy": "UPDATE_POLICY_TARGET",
			"targetOsId": next, "updateKernelCommand": "console=ttyS0 quiet"})
		w.create(t, s, "schedules/repeated", repeatedBody("site", 1, "targetSiteId", w.site))
		return w.node(t, s, "emt-3", w.site, cur, pol)
	},
	"no-policy-no-schedule": func(t *testing.T, s *stack, w *world) node {
		return w.node(t, s, "bare-1", w.site, w.mutableOS, "")
	},
}

// immutableOS creates three images of one profile, created in this order: the installed one,
// the newest, and an older one; it returns the installed and the newest.
func immutableOS(t *testing.T, s *stack, w *world) (installed, newest string) {
	installed = w.create(t, s, "compute/os", osBody("emt-v1", "OS_TYPE_IMMUTABLE", emtProfile, "3.0.20250101.0100"))
	newest = w.create(t, s, "compute/os", osBody("emt-v2", "OS_TYPE_IMMUTABLE", emtProfile, "3.0.20250717.0732"))
	w.create(t, s, "compute/os", osBody("emt-v0", "OS_TYPE_IMMUTABLE", emtProfile, "3.0.20240101.0100"))
	return installed, newest
}

// TestGoldenPairs polls the process over the TLS listener with each golden request and
// compares the answer with the golden response or error.
func TestGoldenPairs(t *testing.T) {
	files, err := filepath.Glob("testdata/golden/*.json")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	s := startStack(t, "sqlite")
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(f)
			require.NoError(t, err)
			var g golden
			require.NoError(t, json.Unmarshal(raw, &g))
			w := newWorld(t, s)
			n := node{guid: newGUID()}
			if setup, ok := goldenSetups[name]; ok {
				n = setup(t, s, w)
			}
			req := &maintmgrv1.PlatformUpdateStatusRequest{}
			require.NoError(t, protojson.Unmarshal([]byte(strings.ReplaceAll(string(g.Request), "${GUID}", n.guid)), req))
			token := w.agent
			if g.Token != nil {
				token = *g.Token
			}
			resp, err := s.poll(token, req.GetHostGuid(), req.GetUpdateStatus())
			if g.Error != nil {
				require.Error(t, err)
				st := status.Convert(err)
				assert.Equal(t, g.Error.Code, st.Code().String())
				if g.Error.Message != "" {
					assert.Equal(t, g.Error.Message, st.Message())
				}
				return
			}
			require.NoError(t, err)
			want := &maintmgrv1.PlatformUpdateStatusResponse{}
			require.NoError(t, protojson.Unmarshal(g.Response, want))
			assert.True(t, proto.Equal(want, resp), "%s\nwant %v\ngot  %v", g.Description, want, resp)
			assert.Equal(t, g.AgentActs, agentActs(resp), "whether the agent acts on the response")
		})
	}
}
