package dashboard

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// chartDOM is the least of a document charts.js needs to draw in Node.
const chartDOM = `
class El { constructor(t) { this.tag = t; this.attrs = {}; this.kids = []; }
  setAttribute(k, v) { this.attrs[k] = String(v); } addEventListener() {}
  append(...cs) { for (const c of cs) this.kids.push(c); }
  all(tag, out = []) { for (const k of this.kids) if (k instanceof El) { if (k.tag === tag) out.push(k); k.all(tag, out); } return out; } }
globalThis.Node = El; globalThis.SVGElement = El;
globalThis.document = {createElement: t => new El(t), createElementNS: (_, t) => new El(t)};
`

// TestChartDotsStandClearOfTheAxes: a service's first drill drew its one dot on the
// chart's corner, on both axes (its time is the axis' start, and a recovery of seconds
// against a target of minutes is a hair above zero), where it read as part of the axis.
// Every dot stands clear of both axes, whatever the data.
func TestChartDotsStandClearOfTheAxes(t *testing.T) {
	bin, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed: the charts are checked where it is (CI installs it with chromium)")
	}
	abs, err := filepath.Abs("static/js/charts.js")
	require.NoError(t, err)
	cases := map[string]string{
		"first drill":         `[{t: 1700000000000, v: 4000, target: 300000}]`,
		"two drills":          `[{t: 1700000000000, v: 4000, target: 300000}, {t: 1700000000000 + 3*86400000, v: 250000, target: 300000}]`,
		"same day":            `[{t: 1700000000000, v: 60000, target: 60000}, {t: 1700000000000 + 1000, v: 61000, target: 60000}]`,
		"no target, one year": `[{t: 1700000000000, v: 1}, {t: 1700000000000 + 365*86400000, v: 900000}]`,
	}
	for name, points := range cases {
		t.Run(name, func(t *testing.T) {
			script := chartDOM + "const {timeChart} = await import('file://" + abs + "');\n" +
				"const svg = timeChart(" + points + ", {title: 'RTO'});\n" +
				"const lines = svg.all('line').map(l => l.attrs);\n" +
				"console.log(JSON.stringify({lines, dots: svg.all('circle').map(c => c.attrs)}));"
			out, err := exec.Command(bin, "--input-type=module", "-e", script).CombinedOutput()
			require.NoError(t, err, "%s", out)
			var got struct{ Lines, Dots []map[string]string }
			require.NoError(t, json.Unmarshal(out, &got), "%s", out)
			require.Len(t, got.Lines, 2, "the two axes")
			num := func(m map[string]string, k string) float64 {
				f, err := strconv.ParseFloat(m[k], 64)
				require.NoError(t, err, "%s=%q", k, m[k])
				return f
			}
			xAxisY, yAxisX := num(got.Lines[0], "y1"), num(got.Lines[1], "x1")
			require.NotEmpty(t, got.Dots)
			for _, d := range got.Dots {
				cx, cy, r := num(d, "cx"), num(d, "cy"), num(d, "r")
				assert.Greater(t, cx-r, yAxisX+1, "dot at x %v stands clear of the value axis at %v", cx, yAxisX)
				assert.Less(t, cy+r, xAxisY-1, "dot at y %v stands clear of the time axis at %v", cy, xAxisY)
			}
		})
	}
}
