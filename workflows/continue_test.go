package workflows

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
)

// bigResume is the state a 10,000-step run carries across continue-as-new.
func bigResume() Resume {
	at := time.Date(2026, 11, 22, 15, 38, 53, 256662158, time.UTC)
	res := Resume{Status: Status{RunID: "bench-dag-20261122T153853Z-314806", Runbook: "bench-dag", State: RunRunning}}
	for i := range 10000 {
		res.Status.Steps = append(res.Status.Steps, StepState{
			ID: fmt.Sprintf("l%dw%d", i/50, i%50), Uses: "noop", Status: StepSucceeded, Attempts: 1,
			StartedAt: at.Add(time.Duration(i) * time.Millisecond), EndedAt: at.Add(time.Duration(i+3) * time.Millisecond),
		})
		res.Outputs = append(res.Outputs, map[string]any{"n": float64(i)})
	}
	res.Ledger = []CarriedCompensation{{Step: 3, With: map[string]any{"id": "x"}}}
	return res
}

// A long run's carried state must fit well under Temporal's payload limit (2 MB, with a
// warning from 512 KB), and come back whole.
func TestResumeIsPackedAcrossContinueAsNew(t *testing.T) {
	res := bigResume()
	plain, err := json.Marshal(resumeFields(res))
	require.NoError(t, err)
	require.Greater(t, len(plain), 1<<20, "unpacked, the state is most of the 2 MB limit")

	p, err := converter.GetDefaultDataConverter().ToPayload(Input{Mode: ModeLive, Resume: &res})
	require.NoError(t, err)
	assert.Less(t, len(p.GetData()), 512<<10, "packed payload")
	t.Logf("carried state: %d bytes unpacked, %d bytes packed", len(plain), len(p.GetData()))

	var back Input
	require.NoError(t, converter.GetDefaultDataConverter().FromPayload(p, &back))
	require.NotNil(t, back.Resume)
	assert.Equal(t, res, *back.Resume)
}

// Histories recorded before the state was packed carry it as a plain object.
func TestResumeReadsTheUnpackedForm(t *testing.T) {
	res := bigResume()
	plain, err := json.Marshal(resumeFields(res))
	require.NoError(t, err)
	var back Resume
	require.NoError(t, json.Unmarshal(plain, &back))
	assert.Equal(t, res, back)
}
