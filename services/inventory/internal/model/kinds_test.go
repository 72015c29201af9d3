package model_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/eim-byoi/eim/services/inventory/internal/model"
)

func TestEIMTableIsValid(t *testing.T) {
	assert.NotPanics(t, func() { model.EIM() })
	assert.Len(t, model.EIM().Kinds(), 18)
}
