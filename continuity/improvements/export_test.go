package improvements

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestExportKeepsTheLinkThroughFailures: the first export records the link back; a
// later failure says why and keeps the link and the status the tracker has; a success
// clears the error. Each is in the history, by bcdr. A verified item still takes export
// events (they change nothing a person set).
func TestExportKeepsTheLinkThroughFailures(t *testing.T) {
	events := []Event{Opening(tabletopAction())}
	build := func() Item {
		items := Build(events, nil, thirtyDays)
		require.Len(t, items, 1)
		return items[0]
	}
	it := build()
	assert.Nil(t, it.Export("gh"))
	events = append(events, it.ExportEvent(Export{Tracker: "gh", Key: "acme/dr#7", URL: "https://github.com/acme/dr/issues/7", Status: Open, At: t0.Add(2 * time.Hour)}))
	it = build()
	require.NotNil(t, it.Export("gh"))
	assert.Equal(t, "exported", it.Export("gh").State(it.Status))

	events = update(t, events, "sre", t0.Add(3*time.Hour), Change{Status: status(Done)})
	it = build()
	assert.Equal(t, "pending", it.Export("gh").State(it.Status), "done here, open there")
	events = append(events, it.ExportEvent(Export{Tracker: "gh", Error: "update issue acme/dr#7: 502 Bad Gateway", At: t0.Add(4 * time.Hour)}))
	it = build()
	x := it.Export("gh")
	assert.Equal(t, Export{Tracker: "gh", Key: "acme/dr#7", URL: "https://github.com/acme/dr/issues/7", Status: Open, Error: "update issue acme/dr#7: 502 Bad Gateway", At: t0.Add(4 * time.Hour)}, *x)
	assert.Equal(t, "failed", x.State(it.Status))

	events = append(events, it.ExportEvent(Export{Tracker: "gh", Status: Done, At: t0.Add(5 * time.Hour)}))
	it = build()
	assert.Equal(t, "exported", it.Export("gh").State(it.Status))
	assert.Equal(t, "https://github.com/acme/dr/issues/7", it.Export("gh").URL, "the link is kept")
	last := it.History[len(it.History)-1]
	assert.Equal(t, Entry{At: t0.Add(5 * time.Hour), By: "bcdr", Field: "export", From: "open", To: "done", Note: "exported to gh as acme/dr#7 https://github.com/acme/dr/issues/7"}, last)
	assert.Equal(t, "export to gh failed: update issue acme/dr#7: 502 Bad Gateway", it.History[len(it.History)-2].Note)
	assert.Equal(t, Done, it.Status, "exports change nothing a person set")
}
