package workflows

import (
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
)

// TestRunRecordsMetrics runs a runbook with an approval and a step that fails once, and
// checks what the run recorded through the SDK's metrics handler.
func TestRunRecordsMetrics(t *testing.T) {
	m := &capture{values: map[string][]float64{}}
	h := newHarness(t, func(h *harness) { h.SetMetricsHandler(m) })
	h.rec.fails["flaky"] = 1
	h.update(3*time.Minute, UpdateApprove, DecisionRequest{Step: "approve", By: Actor{Name: "bob"}})

	st, err := h.run(t, parse(t, header+`steps:
  - id: approve
    uses: approval
    with: {approvers: [bob]}
  - id: act
    uses: test.step
    needs: approve
    retry: {attempts: 3, backoff: 1s}
    with: {label: flaky}
`))
	require.NoError(t, err)
	require.Equal(t, RunSucceeded, st.State)
	rb := "runbook=" + st.Runbook

	assert.Equal(t, []float64{1}, m.get(MetricRuns, rb, "mode=live", "outcome=succeeded"))
	assert.Len(t, m.get(MetricRunDuration, rb, "outcome=succeeded"), 1)
	assert.Equal(t, []float64{st.RTOActual.Seconds()}, m.get(MetricRTOAchieved, rb, "met=true"))
	assert.Empty(t, m.get(MetricRPOAchieved), "no RPO was measured")
	assert.Equal(t, []float64{180}, m.get(MetricApprovalWait, rb, "step=approve", "status=succeeded"), "bob approved after 3 minutes")
	assert.Len(t, m.get(MetricStepDuration, rb, "step=approve", "kind=approval", "status=succeeded"), 1)
	assert.Len(t, m.get(MetricStepDuration, rb, "step=act", "kind=test.step", "status=succeeded"), 1)
	assert.Equal(t, []float64{1}, m.get(MetricStepRetries, rb, "step=act"), "one attempt after the first")
}

func TestMet(t *testing.T) {
	assert.Equal(t, "true", met(time.Minute, time.Hour))
	assert.Equal(t, "false", met(2*time.Hour, time.Hour))
	assert.Equal(t, "none", met(time.Minute, 0))
}

// capture is a client.MetricsHandler that keeps every value, keyed by name and tags.
type capture struct {
	mu     sync.Mutex
	tags   map[string]string
	values map[string][]float64 // "name{k=v,...}" -> values
	root   *capture
}

func (c *capture) base() *capture {
	if c.root != nil {
		return c.root
	}
	return c
}

func (c *capture) WithTags(tags map[string]string) client.MetricsHandler {
	merged := maps.Clone(c.tags)
	if merged == nil {
		merged = map[string]string{}
	}
	maps.Copy(merged, tags)
	return &capture{tags: merged, root: c.base()}
}

func (c *capture) add(name string, v float64) {
	var kv []string
	for _, k := range slices.Sorted(maps.Keys(c.tags)) {
		kv = append(kv, k+"="+c.tags[k])
	}
	key := name + "{" + strings.Join(kv, ",") + "}"
	r := c.base()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.values[key] = append(r.values[key], v)
}

func (c *capture) Counter(name string) client.MetricsCounter { return counter{c, name} }
func (c *capture) Gauge(name string) client.MetricsGauge     { return gauge{c, name} }
func (c *capture) Timer(name string) client.MetricsTimer     { return timer{c, name} }

// get returns the values of the series of name whose tags include every k=v given.
func (c *capture) get(name string, tags ...string) []float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	var keys []string
	for k := range c.values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []float64
	for _, k := range keys {
		series, _ := strings.CutPrefix(k, name+"{")
		if series == k {
			continue
		}
		have := strings.Split(strings.TrimSuffix(series, "}"), ",")
		if !containsAll(have, tags) {
			continue
		}
		out = append(out, c.values[k]...)
	}
	return out
}

func containsAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

type counter struct {
	c    *capture
	name string
}

func (m counter) Inc(d int64) { m.c.add(m.name, float64(d)) }

type gauge struct {
	c    *capture
	name string
}

func (m gauge) Update(v float64) { m.c.add(m.name, v) }

type timer struct {
	c    *capture
	name string
}

func (m timer) Record(d time.Duration) { m.c.add(m.name, d.Seconds()) }
