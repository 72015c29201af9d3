package api

import (
	"encoding/json"
	"strings"
	"testing"

	"buf.build/go/protovalidate"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	computev1 "github.com/eim-byoi/eim/api/gen/resources/compute/v1"
	locationv1 "github.com/eim-byoi/eim/api/gen/resources/location/v1"
	servicesv1 "github.com/eim-byoi/eim/api/gen/services/v1"
)

// marshal writes msg with the gateway's marshaler and decodes the JSON.
func marshal(t *testing.T, msg proto.Message) (string, map[string]any) {
	t.Helper()
	v, err := protovalidate.New()
	require.NoError(t, err)
	raw, err := newResponseJSON(v, newKindTable()).Marshal(msg)
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(raw, &doc), "%s", raw)
	return string(raw), doc
}

// TestResponseJSONLeavesOutWhatTheDocumentRefuses checks the three exceptions to "every field
// present": unset messages, zero values the field's rules refuse, references not expanded.
func TestResponseJSONLeavesOutWhatTheDocumentRefuses(t *testing.T) {
	host := &computev1.HostResource{ResourceId: "host-1234abcd", Name: "edge <1> & co",
		Site: &locationv1.SiteResource{ResourceId: "site-1234abcd", Name: "berlin",
			Region: &locationv1.RegionResource{ResourceId: "region-1234abcd"}}}
	raw, doc := marshal(t, host)

	assert.NotContains(t, doc, "instance", "an unset message is left out, not null")
	assert.NotContains(t, doc, "note", "a note must be 1 to 512 characters: an empty one is left out")
	assert.Equal(t, "", doc["serialNumber"], "a zero value the rules accept is written")
	assert.Equal(t, "HOST_STATE_UNSPECIFIED", doc["desiredState"], "an enum at zero is written by name")
	assert.Equal(t, []any{}, doc["hostNics"], "an empty list is written")
	site, ok := doc["site"].(map[string]any)
	require.True(t, ok, "the expanded site is written: %s", raw)
	assert.NotContains(t, site, "region", "a reference holding only its id was not expanded: it is left out")
	assert.Equal(t, "berlin", site["name"])
	assert.NotContains(t, site, "siteID", "an id must match its pattern: an empty alias id is left out")

	assert.Contains(t, raw, `"edge <1> & co"`, "HTML characters are not escaped, as protojson")
	assert.Less(t, strings.Index(raw, `"resourceId"`), strings.Index(raw, `"name"`), "fields keep the proto order")
	assert.NotNil(t, host.GetSite().GetRegion(), "the message marshaled is not changed")
}

// TestResponseJSONKeepsWhatTheDocumentAccepts checks that an answer with nothing to leave out is
// protojson's, with every field.
func TestResponseJSONKeepsWhatTheDocumentAccepts(t *testing.T) {
	_, doc := marshal(t, &servicesv1.ListRegionsResponse{Regions: []*locationv1.RegionResource{}})
	assert.Equal(t, map[string]any{"regions": []any{}, "totalElements": float64(0), "hasNext": false}, doc)
}
