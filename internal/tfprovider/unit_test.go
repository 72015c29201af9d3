package tfprovider

import (
	"math/big"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	locationv1 "github.com/eim-byoi/eim/api/gen/resources/location/v1"
	schedulev1 "github.com/eim-byoi/eim/api/gen/resources/schedule/v1"
	"github.com/eim-byoi/eim/providers/provider"
)

// TestGoValue: HCL values become what YAML encodes; null attributes are left out; an unknown
// part makes the whole unknown.
func TestGoValue(t *testing.T) {
	obj := types.ObjectValueMust(map[string]attr.Type{"a": types.StringType, "n": types.NumberType, "f": types.NumberType,
		"b": types.BoolType, "gone": types.StringType, "l": types.TupleType{ElemTypes: []attr.Type{types.StringType}}},
		map[string]attr.Value{"a": types.StringValue("x"), "n": types.NumberValue(big.NewFloat(5432)), "f": types.NumberValue(big.NewFloat(0.5)),
			"b": types.BoolValue(true), "gone": types.StringNull(), "l": types.TupleValueMust([]attr.Type{types.StringType}, []attr.Value{types.StringValue("y")})})
	v, ok := goValue(types.DynamicValue(obj))
	require.True(t, ok)
	assert.Equal(t, map[string]any{"a": "x", "n": int64(5432), "f": 0.5, "b": true, "l": []any{"y"}}, v)

	_, ok = goValue(types.DynamicValue(types.ObjectValueMust(map[string]attr.Type{"a": types.StringType},
		map[string]attr.Value{"a": types.StringUnknown()})))
	assert.False(t, ok)
}

// TestProtoCheck: a value the API's buf.validate rules refuse is reported on the attribute named
// like the proto field; unset fields are not checked.
func TestProtoCheck(t *testing.T) {
	cases := []struct {
		name  string
		check func(add func(string, string, string))
		want  []string
	}{
		{"bad region id", func(add func(string, string, string)) {
			protoCheck(&locationv1.SiteResource{Name: "s", RegionId: "site-12345678"}, add)
		}, []string{"region_id"}},
		{"good site", func(add func(string, string, string)) {
			protoCheck(&locationv1.SiteResource{Name: "s", RegionId: "region-12345678"}, add)
		}, nil},
		{"bad cron minutes and hours", func(add func(string, string, string)) {
			protoCheck(&schedulev1.RepeatedScheduleResource{CronMinutes: "61", CronHours: "25", CronDayWeek: "*"}, add)
		}, []string{"cron_hours", "cron_minutes"}},
		{"nothing set", func(add func(string, string, string)) {
			protoCheck(&schedulev1.SingleScheduleResource{}, add)
		}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			c.check(func(attr, _, detail string) {
				got = append(got, attr)
				assert.Contains(t, detail, attr+": ")
			})
			assert.ElementsMatch(t, c.want, got)
		})
	}
}

// TestAPIErrorCode: the API's error document keeps its gRPC code as the provider code.
func TestAPIErrorCode(t *testing.T) {
	for name, want := range map[string]provider.Code{"NotFound": provider.NotFound, "InvalidArgument": provider.InvalidArgument,
		"Unauthenticated": provider.Unauthenticated, "": provider.Unknown, "Teapot": provider.Unknown} {
		assert.Equal(t, want, provider.CodeOf(&apiError{Status: 400, Code: name, Message: "m"}), name)
	}
}
