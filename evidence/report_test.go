package evidence

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/internal/figures"
	"github.com/bcdr/bcdr/runbooks"
	"github.com/bcdr/bcdr/workflows"
)

func markdown(t *testing.T, st workflows.Status) string {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, NewReport(st).WriteMarkdown(&b))
	return b.String()
}

func html(t *testing.T, st workflows.Status) string {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, NewReport(st).WriteHTML(&b))
	return b.String()
}

// section returns a Markdown section's text, from its heading to the next.
func section(md, heading string) string {
	_, rest, ok := strings.Cut(md, "## "+heading+"\n")
	if !ok {
		return ""
	}
	body, _, _ := strings.Cut(rest, "\n## ")
	return body
}

func TestReportListsDecisionsByTimeNotAsText(t *testing.T) {
	st := record("r-order", workflows.ModeLive)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	st.Steps[1].Decisions = []workflows.Decision{
		{By: "carol", At: at(10830), Approve: true},
		{By: "dave", At: at(17560), Approve: true},
	}
	st.Actions = []workflows.OperatorAction{{Action: "pause", By: "erin", At: at(5260)}, {Action: "resume", By: "erin", At: at(62000)}}
	md := section(markdown(t, st), "Approvals and operator actions")
	order := []string{"+5.26s", "+10.83s", "+17.56s", "+1m2s"}
	last := -1
	for _, s := range order {
		i := strings.Index(md, "| "+s+" |")
		require.GreaterOrEqual(t, i, 0, "%s in:\n%s", s, md)
		assert.Greater(t, i, last, "%s comes after the earlier events:\n%s", s, md)
		last = i
	}
}

func tabletopRecord() workflows.Status {
	st := workflows.Status{
		RunID: "t-1", Runbook: "ransomware-tabletop", Digest: "sha256:abc", Mode: workflows.ModeTabletop, Initiator: "ic", Trigger: "cli",
		State: workflows.RunSucceeded, StartedAt: t0, ClockStart: t0, EndedAt: t0.Add(20 * time.Minute), RTOTarget: time.Hour,
		Steps: []workflows.StepState{
			{ID: "isolate", Name: "Isolate the file servers", Uses: "manual", Status: workflows.StepSucceeded, StartedAt: t0, OpenedAt: t0, EndedAt: t0.Add(5 * time.Minute),
				Decisions: []workflows.Decision{{By: "sre", At: t0.Add(2 * time.Minute), Approve: true, Comment: "block SMB"}}},
			{ID: "restore", Uses: "approval", Status: workflows.StepSucceeded, StartedAt: t0.Add(5 * time.Minute), OpenedAt: t0.Add(5 * time.Minute), EndedAt: t0.Add(12 * time.Minute),
				Decisions: []workflows.Decision{{By: "ciso", At: t0.Add(8 * time.Minute), Approve: true, Comment: "after the image"}}},
			{ID: "notify", Name: "Tell the regulator", Uses: "notify", Status: workflows.StepSucceeded, StartedAt: t0.Add(12 * time.Minute), OpenedAt: t0.Add(12 * time.Minute), EndedAt: t0.Add(20 * time.Minute)},
		},
		Injects:            []workflows.InjectDelivery{{Due: 10 * time.Minute, Title: "Backups encrypted too", DeliveredAt: t0.Add(10 * time.Minute)}},
		UndeliveredInjects: []workflows.InjectDelivery{{Due: time.Hour, Title: "CFO asks for an ETA"}, {Due: 2 * time.Hour, Title: "Press calls"}},
	}
	return st
}

func TestTabletopReportSaysWhatWasNotAnsweredOrDelivered(t *testing.T) {
	md := markdown(t, tabletopRecord())
	assert.NotContains(t, md, "RTO", "a tabletop measures no recovery, so its report does not speak of RTO")
	assert.NotContains(t, section(md, "Timeline"), "| notify | notify | succeeded |", "a prompt closed without an answer is not a plain success")
	assert.Contains(t, section(md, "Timeline"), "closed without an answer")
	prompts := section(md, "Prompts")
	assert.Contains(t, prompts, "| notify | Tell the regulator | - | no answer |", prompts)
	assert.Contains(t, prompts, "| isolate | Isolate the file servers | 2m | 1 |", prompts)
	assert.Contains(t, prompts, "| restore | restore | 3m | 1 |", prompts)
	assert.Contains(t, md, "2 of 3 prompts answered")
	injects := section(md, "Injects")
	assert.Contains(t, injects, "| 1h | not delivered | **CFO asks for an ETA** |", injects)
	assert.Contains(t, injects, "| 2h | not delivered | **Press calls** |", injects)
	assert.Contains(t, md, "1 of 3 injects delivered")
	answers := section(md, "Decisions and answers")
	assert.Contains(t, answers, "| ciso | answered | restore |", "an approval-type prompt is answered in a tabletop, as on every surface")
	assert.NotContains(t, answers, "approved")

	h := html(t, tabletopRecord())
	assert.NotContains(t, h, "RTO")
	assert.Contains(t, h, "closed without an answer")
	assert.Contains(t, h, "not delivered")
}

func TestMarkdownReportEscapesHTML(t *testing.T) {
	st := record("r-html", workflows.ModeLive)
	st.Error = `step switch: <script>alert("x")</script>`
	st.Steps[2].Error = `502 <img src=x onerror=alert(1)>`
	st.Steps[1].Decisions[0].Comment = "<b>go</b>"
	st.Findings = []workflows.Finding{{Kind: workflows.FindingGap, Text: `<iframe src="https://evil.example">`, By: "<i>bob</i>", At: t0}}
	md := markdown(t, st)
	attacks := figures.NewAttacks(t, "18.9", "raw HTML from a record's text reaches report.md")
	for _, raw := range []string{"<script", "<img", "<iframe", "<b>", "<i>"} {
		attacks.Try(!strings.Contains(md, raw))
		assert.NotContains(t, md, raw, "raw HTML from a record's text reaches the Markdown report")
	}
	assert.Contains(t, md, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;")
	assert.Contains(t, md, "&lt;iframe src=&quot;https://evil.example&quot;&gt;")
}

func TestHTMLReportSaysWhenTheRunEnded(t *testing.T) {
	h := html(t, record("r-ended", workflows.ModeLive))
	assert.Contains(t, h, "<tr><th>ended</th><td>2026-11-22 03:02:00 UTC</td></tr>")
}

func TestReportsListRefusedAttempts(t *testing.T) {
	st := record("r-refused", workflows.ModeLive)
	st.Refusals = []workflows.Refusal{
		{Action: "approve", By: "mallory", At: t0.Add(50 * time.Second), Step: "approve", Reason: "mallory is not one of the approvers (group:incident-commanders)"},
		{Action: "approve", By: "alice", At: t0.Add(30 * time.Second), Step: "approve", Reason: "alice started this run and cannot approve it <four-eyes>"},
	}
	st.RefusalsDropped = 3
	md := markdown(t, st)
	refused := section(md, "Refused")
	require.NotEmpty(t, refused, md)
	alice := strings.Index(refused, "| +30s | alice | approve | approve | alice started this run and cannot approve it &lt;four-eyes&gt; |")
	mallory := strings.Index(refused, "| +50s | mallory | approve | approve | mallory is not one of the approvers (group:incident-commanders) |")
	require.GreaterOrEqual(t, alice, 0, refused)
	require.GreaterOrEqual(t, mallory, 0, refused)
	assert.Less(t, alice, mallory, "by time")
	assert.Contains(t, refused, "3 more refusals were not kept")
	assert.NotContains(t, section(md, "Approvals and operator actions"), "mallory", "a refusal is not a decision")

	h := html(t, st)
	assert.Contains(t, h, "<h2>Refused</h2>")
	assert.Contains(t, h, "mallory is not one of the approvers")
}

func TestReportsSayTheVersionWasNeverProven(t *testing.T) {
	st := record("r-flagged", workflows.ModeLive)
	st.Provenance = &runbooks.Provenance{Runbook: st.Runbook, Service: "web", Digest: "sha256:1111111111111111111111", Drill: "d1",
		At: time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC), LastDigest: "sha256:0000000000000000000000", LastVersion: "1.0.0"}
	want := "this version (sha256:111111111111) was never proven by a drill; last proven version 1.0.0 (sha256:000000000000) on 2026-01-10 (drill d1)"
	assert.Contains(t, markdown(t, st), "| unproven | **"+want+"** |\n")
	assert.Contains(t, html(t, st), `<tr><th>unproven</th><td class="missed">`+want+`</td></tr>`)

	st.Provenance.Proven = true
	assert.NotContains(t, markdown(t, st), "unproven")
	assert.NotContains(t, html(t, st), "unproven")
}
