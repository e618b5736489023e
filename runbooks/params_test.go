package runbooks

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func paramsRunbook() *Runbook {
	return &Runbook{Metadata: Metadata{Name: "p"}, Parameters: []Parameter{
		{Name: "region", Type: ParamString, Default: "eu-west-1", Allowed: []any{"eu-west-1", "us-east-1"}},
		{Name: "count", Type: ParamNumber, Default: 3},
		{Name: "dry", Type: ParamBool},
		{Name: "soak", Type: ParamDuration, Default: "90s"},
		{Name: "token", Type: ParamString, Required: true, Secret: true},
	}}
}

func TestResolveParams(t *testing.T) {
	got, err := ResolveParams(paramsRunbook(), map[string]string{"token": "s3cret", "dry": "true", "count": "2.5"})
	require.NoError(t, err)
	assert.Equal(t, map[string]any{
		"region": "eu-west-1", "count": 2.5, "dry": true, "soak": "1m30s", "token": "s3cret",
	}, got)
}

func TestResolveParamsErrors(t *testing.T) {
	cases := []struct {
		name  string
		given map[string]string
		want  []string
	}{
		{"required", map[string]string{}, []string{`parameter "token" is required`}},
		{"not allowed", map[string]string{"token": "x", "region": "mars"}, []string{`parameter "region": mars is not allowed`}},
		{"bad number", map[string]string{"token": "x", "count": "three"}, []string{`parameter "count": "three" is not a number`}},
		{"bad bool", map[string]string{"token": "x", "dry": "maybe"}, []string{`parameter "dry"`}},
		{"bad duration", map[string]string{"token": "x", "soak": "soon"}, []string{`parameter "soak"`}},
		{"unknown", map[string]string{"token": "x", "regoin": "eu-west-1"}, []string{`parameter "regoin": runbook "p" has no such parameter (did you mean "region"?)`}},
		{"all at once", map[string]string{"count": "x", "nope": "1"}, []string{`"token" is required`, `"count"`, `"nope"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ResolveParams(paramsRunbook(), c.given)
			require.Error(t, err)
			for _, w := range c.want {
				assert.ErrorContains(t, err, w)
			}
		})
	}
}

// A list parameter is given as "a,b" or a JSON array, checked item by item against
// allowed, and is a list in expressions.
func TestListParams(t *testing.T) {
	rb := &Runbook{Metadata: Metadata{Name: "p"}, Parameters: []Parameter{
		{Name: "regions", Type: ParamList, Default: []any{"us-east-1"}, Allowed: []any{"us-east-1", "eu-west-1", "eu,odd"}},
		{Name: "hosts", Type: ParamList},
	}}
	got, err := ResolveParams(rb, map[string]string{"regions": " eu-west-1, us-east-1 "})
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"regions": []any{"eu-west-1", "us-east-1"}, "hosts": []any{}}, got)
	got, err = ResolveParams(rb, map[string]string{"regions": `["eu,odd"]`, "hosts": "a"})
	require.NoError(t, err)
	assert.Equal(t, []any{"eu,odd"}, got["regions"], "a JSON array keeps commas inside items")
	got, err = ResolveParams(rb, map[string]string{})
	require.NoError(t, err)
	assert.Equal(t, []any{"us-east-1"}, got["regions"], "the default")
	_, err = ResolveParams(rb, map[string]string{"regions": "us-east-1,mars"})
	assert.ErrorContains(t, err, `parameter "regions": ["us-east-1","mars"] is not allowed`)
	_, err = ResolveParams(rb, map[string]string{"regions": `["x"`})
	assert.ErrorContains(t, err, "is not a JSON array of strings")

	ok, err := EvalBool(`len(params.regions) == 2 && params.regions[1] == "us-east-1" && "eu-west-1" in params.regions`,
		Scope{Params: map[string]any{"regions": []any{"eu-west-1", "us-east-1"}}})
	require.NoError(t, err)
	assert.True(t, ok)
}

// TestUndeclaredNamesTheGivenParametersNoRunbookDeclares: a value given for a parameter
// that none of the runbooks declares is named (sorted), whichever runbook declares the rest.
func TestUndeclaredNamesTheGivenParametersNoRunbookDeclares(t *testing.T) {
	a := &Runbook{Parameters: []Parameter{{Name: "region"}}}
	b := &Runbook{Parameters: []Parameter{{Name: "table"}}}
	given := map[string]string{"table": "t", "regoin": "x", "region": "eu-west-1", "zone": "z"}
	assert.Equal(t, []string{"regoin", "zone"}, Undeclared([]*Runbook{a, b}, given))
	assert.Empty(t, Undeclared([]*Runbook{a, b}, map[string]string{"region": "r", "table": "t"}))
	assert.Equal(t, []string{"region"}, Undeclared(nil, map[string]string{"region": "r"}))
}
