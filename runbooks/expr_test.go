package runbooks

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func testScope() Scope {
	return Scope{
		Params: map[string]any{"region": "eu-west-1", "n": 2.0, "dry": false},
		Steps: map[string]StepScope{
			"check": {Status: "succeeded", Outputs: map[string]any{"status": 200, "body": "ok", "tags": map[string]any{"b": 2, "a": 1}}},
			"skip":  {Status: "skipped"},
		},
		Mode: "drill",
		Run:  RunScope{ID: "r-1", Initiator: "alice"},
	}
}

func TestExpand(t *testing.T) {
	cases := []struct {
		name string
		in   any
		want any
	}{
		{"plain string", "no expressions", "no expressions"},
		{"typed number", "${{ params.n * 2 }}", 4.0},
		{"typed int output", "${{ steps.check.outputs.status }}", 200},
		{"typed bool", " ${{ params.dry }} ", false},
		{"typed map", "${{ steps.check.outputs.tags }}", map[string]any{"a": 1, "b": 2}},
		{"interpolated", "run ${{ run.id }} by ${{ run.initiator }} in ${{ mode }}", "run r-1 by alice in drill"},
		{"interpolated number", "n=${{ params.n }}", "n=2"},
		{"interpolated map as JSON", "tags=${{ steps.check.outputs.tags }}", `tags={"a":1,"b":2}`},
		{"missing output is empty", "[${{ steps.skip.outputs.x }}]", "[]"},
		{"closing braces in a string", `${{ "}}" + params.region }}`, "}}eu-west-1"},
		{"sorted keys", "${{ keys(steps.check.outputs.tags) }}", []any{"a", "b"}},
		{"sorted values", "${{ values(steps.check.outputs.tags) }}", []any{1, 2}},
		{"nested", map[string]any{"l": []any{"${{ params.region }}", 3}}, map[string]any{"l": []any{"eu-west-1", 3}}},
		{"non-string", 42, 42},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Expand(c.in, testScope())
			require.NoError(t, err)
			assert.Equal(t, c.want, got)
		})
	}
}

func TestExpandErrors(t *testing.T) {
	for _, in := range []string{"${{ params.region ", "${{ }}", "${{ 1 + }}", "${{ now() }}", "${{ date('2024-01-01') }}", "${{ timezone('UTC') }}", "${{ nope }}"} {
		t.Run(in, func(t *testing.T) {
			_, err := Expand(map[string]any{"k": in}, testScope())
			assert.Error(t, err)
		})
	}
}

func TestExpandMapLeavesInputAlone(t *testing.T) {
	in := map[string]any{"a": "${{ params.region }}"}
	out, err := ExpandMap(in, testScope())
	require.NoError(t, err)
	assert.Equal(t, "eu-west-1", out["a"])
	assert.Equal(t, "${{ params.region }}", in["a"])
	out, err = ExpandMap(nil, testScope())
	assert.NoError(t, err)
	assert.Nil(t, out)
}

func TestEvalBool(t *testing.T) {
	cases := []struct {
		expr string
		want bool
		err  bool
	}{
		{"", true, false},
		{"true", true, false},
		{"${{ mode == 'drill' }}", true, false},
		{"steps.check.status == 'succeeded' && !params.dry", true, false},
		{"steps.skip.status == 'succeeded'", false, false},
		{"params.region", false, true}, // a string is not a condition
		{"'x' + 'y'", false, true},     // known at compile time
		{"${{ true }} ${{ true }}", false, true},
	}
	for _, c := range cases {
		t.Run(c.expr, func(t *testing.T) {
			got, err := EvalBool(c.expr, testScope())
			if c.err {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, c.want, got)
		})
	}
}

func TestDeriveOutputs(t *testing.T) {
	st := &Step{ID: "check", Outputs: map[string]string{
		"healthy": "result.status == 200",
		"summary": "${{ result.status }} from ${{ params.region }}",
		"typed":   "${{ result.status + 1 }}",
	}}
	out, err := DeriveOutputs(st, map[string]any{"status": 200}, testScope())
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"status": 200, "healthy": true, "summary": "200 from eu-west-1", "typed": 201}, out)

	st.Outputs = map[string]string{"bad": "result.status +"}
	_, err = DeriveOutputs(st, map[string]any{"status": 200}, testScope())
	assert.ErrorContains(t, err, `step "check" output "bad"`)
}

// Expressions run in workflow code: the same input must give the same output, and
// nothing may read the clock.
func TestExpressionsAreDeterministic(t *testing.T) {
	m := map[string]any{}
	for _, k := range []string{"q", "w", "e", "r", "t", "y", "u", "i", "o", "p"} {
		m[k] = k
	}
	s := Scope{Steps: map[string]StepScope{"a": {Outputs: map[string]any{"m": m}}}}
	first, err := Expand("${{ toPairs(steps.a.outputs.m) }} ${{ keys(steps.a.outputs.m) }}", s)
	require.NoError(t, err)
	for i := 0; i < 50; i++ {
		again, err := Expand("${{ toPairs(steps.a.outputs.m) }} ${{ keys(steps.a.outputs.m) }}", s)
		require.NoError(t, err)
		require.Equal(t, first, again)
	}
}

func TestSplitTemplate(t *testing.T) {
	segs, err := splitTemplate(`a ${{ "x}}y" }} b ${{ 'q' }}`)
	require.NoError(t, err)
	assert.Equal(t, []segment{{Text: "a "}, {Expr: `"x}}y"`, IsExpr: true}, {Text: " b "}, {Expr: "'q'", IsExpr: true}}, segs)
}
