package catalogue_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/catalogue"
)

// An improvement item's default due date comes from its service's tier: the tier's
// improvement_due, else the default of the tier's number.
func TestImprovementDueByTier(t *testing.T) {
	src := []byte(`apiVersion: bcdr.io/v1
kind: Catalogue
metadata: {name: shop}
tiers:
  - tier: 0
  - tier: 1
    improvement_due: 10d
services:
  - {name: ledger, owner: group:finance, tier: 0}
  - {name: checkout, owner: group:payments, tier: 1}
`)
	c, diags := catalogue.Parse("shop.yaml", src)
	require.False(t, diags.HasErrors(), "%v", diags)
	day := 24 * time.Hour
	assert.Equal(t, 10*day, c.ImprovementDue("checkout"), "the tier's improvement_due")
	assert.Equal(t, 14*day, c.ImprovementDue("ledger"), "tier 0's default")
	assert.Equal(t, 30*day, c.ImprovementDue("unknown"), "a service the catalogue does not name")
	assert.Equal(t, 30*day, (*catalogue.Catalogue)(nil).ImprovementDue("checkout"), "no catalogue")
	assert.Equal(t, 90*day, catalogue.DefaultImprovementDue(3))

	bad := []byte(`apiVersion: bcdr.io/v1
kind: Catalogue
metadata: {name: shop}
tiers:
  - tier: 1
    improvement_due: soon
services: []
`)
	_, diags = catalogue.Parse("shop.yaml", bad)
	require.True(t, diags.HasErrors())
	assert.Contains(t, diags.Error(), "shop.yaml:6:")
}
