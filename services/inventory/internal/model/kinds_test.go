package model_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	computev1 "github.com/eim-byoi/eim/api/gen/resources/compute/v1"
	"github.com/eim-byoi/eim/services/inventory/internal/model"
)

func TestEIMTableIsValid(t *testing.T) {
	assert.NotPanics(t, func() { model.EIM() })
	assert.Len(t, model.EIM().Kinds(), 18)
}

// TestGlobalUniqueKeysAreUniqueKeys: a key unique across tenants must be one of the kind's unique
// keys.
func TestGlobalUniqueKeysAreUniqueKeys(t *testing.T) {
	tests := []struct {
		name    string
		unique  []string
		global  []string
		wantErr string
	}{
		{name: "a unique key", unique: []string{"uuid"}, global: []string{"uuid"}},
		{name: "no global key", unique: []string{"uuid"}},
		{name: "not a unique key", unique: []string{"uuid"}, global: []string{"name"}, wantErr: `global unique key "name" is not one of its unique keys`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := model.NewTable([]*model.Kind{{Kind: inventoryv1.ResourceKind_RESOURCE_KIND_HOST, Name: "host", Prefix: "host",
				Message: &computev1.HostResource{}, Unique: tc.unique, GlobalUnique: tc.global}})
			if tc.wantErr == "" {
				assert.NoError(t, err)
				return
			}
			assert.ErrorContains(t, err, tc.wantErr)
		})
	}
}
