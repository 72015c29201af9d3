package hostmgr_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	pb "github.com/eim-byoi/eim/api/gen/hostmgr_southbound_proto"
)

// golden is one request/response pair of testdata/golden, built from the proto's field
// semantics: the request an agent sends (protojson; $GUID is the registered host's GUID,
// $UNKNOWN a GUID of no host), the token it carries (agent, empty, none, other-tenant), the
// answer (code, message when set, response) and the host fields the REST API shows after it.
type golden struct {
	About    string          `json:"about"`
	Method   string          `json:"method"`
	Token    string          `json:"token"`
	Request  json.RawMessage `json:"request"`
	Code     string          `json:"code"`
	Message  string          `json:"message"`
	Response json.RawMessage `json:"response"`
	Host     map[string]any  `json:"host"`
}

func loadGolden(t *testing.T) map[string]golden {
	t.Helper()
	files, err := filepath.Glob("testdata/golden/*.json")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	out := map[string]golden{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		var g golden
		require.NoError(t, json.Unmarshal(b, &g), f)
		out[strings.TrimSuffix(filepath.Base(f), ".json")] = g
	}
	return out
}

// invoke sends the golden request with the method it names and returns the answer.
func invoke(ctx context.Context, c pb.HostmgrClient, method string, raw []byte) (proto.Message, error) {
	switch method {
	case "UpdateHostStatusByHostGuid":
		in := &pb.UpdateHostStatusByHostGuidRequest{}
		if err := protojson.Unmarshal(raw, in); err != nil {
			return nil, err
		}
		return c.UpdateHostStatusByHostGuid(ctx, in)
	case "UpdateInstanceStateStatusByHostGUID":
		in := &pb.UpdateInstanceStateStatusByHostGUIDRequest{}
		if err := protojson.Unmarshal(raw, in); err != nil {
			return nil, err
		}
		return c.UpdateInstanceStateStatusByHostGUID(ctx, in)
	case "UpdateHostSystemInfoByGUID":
		in := &pb.UpdateHostSystemInfoByGUIDRequest{}
		if err := protojson.Unmarshal(raw, in); err != nil {
			return nil, err
		}
		return c.UpdateHostSystemInfoByGUID(ctx, in)
	}
	panic("unknown method " + method)
}

func TestGolden(t *testing.T) {
	st := startStack(t, stackOptions{})
	other := st.tenant(t)
	for name, g := range loadGolden(t) {
		t.Run(name, func(t *testing.T) {
			tn := st.tenant(t)
			guid, id := st.host(t, tn, true)
			raw := strings.NewReplacer("$GUID", guid, "$UNKNOWN", uuid.NewString()).Replace(string(g.Request))
			token := map[string]string{"agent": tn.agent, "empty": emptyToken, "none": "", "other-tenant": other.agent}[g.Token]
			c, ctx := st.call(token)
			resp, err := invoke(ctx, c, g.Method, []byte(raw))
			require.Equal(t, g.Code, status.Code(err).String(), "%s: %v", g.About, err)
			if g.Message != "" {
				assert.Equal(t, g.Message, status.Convert(err).Message())
			}
			if g.Response != nil {
				got, err := protojson.Marshal(resp)
				require.NoError(t, err)
				assert.JSONEq(t, string(g.Response), string(got))
			}
			if g.Host == nil {
				return
			}
			h := st.getHost(t, tn, id)
			var host map[string]any
			b, err := json.Marshal(g.Host)
			require.NoError(t, err)
			require.NoError(t, json.Unmarshal([]byte(strings.ReplaceAll(string(b), "$GUID", guid)), &host))
			for k, want := range host {
				if m, ok := want.(map[string]any); ok && k == "instance" {
					inst, _ := h[k].(map[string]any)
					for ik, iv := range m {
						assert.Equal(t, iv, inst[ik], "instance.%s", ik)
					}
					continue
				}
				assert.Equal(t, want, h[k], k)
			}
		})
	}
}
