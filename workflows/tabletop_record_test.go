package workflows

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTabletopRecordsTheInjectsItEndedBefore(t *testing.T) {
	h := newHarness(t)
	rb := parse(t, header+`injects:
  - {at: 2h, title: "Press calls about ${{ params.site }}"}
  - {at: 10m, title: Backups encrypted too}
  - {at: 1h, title: CFO asks for an ETA, message: "The board meets at noon"}
parameters:
  - {name: site, type: string, default: the shop}
steps:
  - id: isolate
    uses: test.step
    instructions: How do you isolate the infected file servers?
    with: {label: isolate}
`)
	h.update(15*time.Minute, UpdateAdvance, ControlRequest{By: Actor{Name: "ic"}})
	st, err := h.run(t, rb, func(in *Input) { in.Mode = ModeTabletop })
	require.NoError(t, err)
	require.Len(t, st.Injects, 1)
	assert.Equal(t, "Backups encrypted too", st.Injects[0].Title)
	require.Len(t, st.UndeliveredInjects, 2, "the exercise ended at 15m, before the 1h and 2h injects")
	assert.Equal(t, InjectDelivery{Due: time.Hour, Title: "CFO asks for an ETA", Message: "The board meets at noon"}, st.UndeliveredInjects[0])
	assert.Equal(t, "Press calls about the shop", st.UndeliveredInjects[1].Title)
	assert.Equal(t, 2*time.Hour, st.UndeliveredInjects[1].Due)
}
