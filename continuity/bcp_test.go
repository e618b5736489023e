package continuity_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/catalogue"
	"github.com/bcdr/bcdr/continuity"
	"github.com/bcdr/bcdr/continuity/improvements"
	"github.com/bcdr/bcdr/internal/browsertest"
	"github.com/bcdr/bcdr/internal/chromium"
	"github.com/bcdr/bcdr/internal/librarytest"
	"github.com/bcdr/bcdr/runbooks"
)

var now = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// sample loads the sample catalogue and its runbooks with the real AWS step kinds.
func sample(t testing.TB) (*catalogue.Catalogue, catalogue.Runbooks, *runbooks.Registry) {
	return librarytest.Sample(t, "../"+librarytest.SamplePath)
}

// sampleSources are the sample catalogue with one proving drill of sessions 30 days ago
// and two improvement items, one of them overdue.
func sampleSources(t testing.TB) continuity.Sources {
	c, rbs, reg := sample(t)
	ref := c.Service("sessions").Runbooks[0]
	rb := rbs[ref.Path]
	drill := catalogue.RunResult{RunID: "drill-sessions-1", Runbook: rb.Metadata.Name, Service: "sessions", Mode: "drill",
		Outcome: "succeeded", StartedAt: now.Add(-30 * 24 * time.Hour), EndedAt: now.Add(-30*24*time.Hour + 9*time.Minute),
		Proof: &runbooks.Proof{Service: "sessions", Digest: rb.Source.Digest, Authorized: []string{"sessions"}}}
	opened := func(run, text, owner string, ended time.Time) improvements.Event {
		return improvements.Opening(improvements.Source{Run: run, Runbook: "rds-promote-read-replica", Service: "orders-db",
			Mode: "tabletop", Kind: "action", Text: text, Owner: owner, By: "alice", At: ended, RunEnded: ended})
	}
	items := improvements.Build([]improvements.Event{
		opened("tabletop-1", "Page the DBA deputy when the primary is fenced", "dmitri", now.Add(-60*24*time.Hour)),
		opened("tabletop-2", "Document the snapshot retention", "group:dba", now.Add(-2*24*time.Hour)),
	}, nil, c.ImprovementDue)
	require.Len(t, items, 2)
	return continuity.Sources{Catalogue: c, Runbooks: rbs, Registry: reg, Now: now,
		Portfolio: catalogue.NewPortfolio(c, rbs, []catalogue.RunResult{drill}, now), Improvements: items, Schedules: true,
		Exercises: []continuity.Exercise{{ID: "sessions-quarterly", Runbook: rb.Metadata.Name, Service: "sessions", Mode: "drill", Every: "90d", Next: now.Add(60 * 24 * time.Hour)}}}
}

// section returns the text of the plan's "## N. title" section.
func section(t *testing.T, md, title string) string {
	t.Helper()
	i := strings.Index(md, "\n## ")
	for i >= 0 {
		rest := md[i+1:]
		end := strings.Index(rest[3:], "\n## ")
		body := rest
		if end >= 0 {
			body = rest[:end+3]
		}
		if strings.Contains(strings.SplitN(body, "\n", 2)[0], title) {
			return body
		}
		if end < 0 {
			break
		}
		i += 1 + end + 3
	}
	t.Fatalf("no section %q", title)
	return ""
}

// TestSamplePlanNamesEveryServiceAndScenario renders the sample catalogue's plan and
// checks it service by service and scenario by scenario: each service in its tier with
// its targets and MTD and in the exercise programme, each scenario with its incident
// commander and recovery order, each contact, each procedure, the open items.
func TestSamplePlanNamesEveryServiceAndScenario(t *testing.T) {
	src := sampleSources(t)
	var b bytes.Buffer
	require.NoError(t, continuity.WritePlan(&b, src))
	md := b.String()
	c := src.Catalogue

	assert.Contains(t, section(t, md, "Scope"), "This plan covers services: 20; tiers: 3; disaster scenarios: 3; recovery procedures: 7.")
	services := section(t, md, "Services by tier")
	programme := section(t, md, "Exercise programme")
	for _, s := range c.Services {
		tier := section(t, "\n## x\n"+services[strings.Index(services, "### Tier "+string(rune('0'+s.Tier))):], "x")
		assert.Regexp(t, `\| `+s.Name+` \| [^\n]* \| `+c.MTD(&s).String()+` \|`, tier, "service %s in its tier with its MTD", s.Name)
		assert.Contains(t, programme, "| "+s.Name+" | ", "service %s in the exercise programme", s.Name)
	}
	assert.Contains(t, services, "| checkout | Order to cash | group:payments | carol | component 15m / 1m; zone 30m / 5m; region 45m / 15m; data 4h / 1d | 8h |")

	scenarios := section(t, md, "Scenarios and recovery order")
	for _, sc := range c.Scenarios {
		assert.Contains(t, scenarios, "### "+sc.Name+": "+sc.Title)
		ct := c.Contact(sc.IncidentCommander)
		require.NotNil(t, ct)
		assert.Contains(t, scenarios, "- Incident commander: "+ct.Name+" ("+ct.Email+", "+ct.Phone+", "+ct.Chat+")")
	}
	// The loss of us-east-1 brings the databases back first and the storefront last,
	// which misses its RTO.
	assert.Contains(t, scenarios, "1. orders-db, sessions, documents, notifications\n")
	assert.Contains(t, scenarios, "4. storefront\n")
	assert.Contains(t, scenarios, "| storefront | 1 | directly | aws-region-failover-web | 1h8m7s | 1h | **no** |")

	contacts := section(t, md, "Roles and contacts")
	for _, ct := range c.Contacts {
		assert.Contains(t, contacts, "| "+ct.Name+" | "+ct.Role+" | ")
	}
	assert.Contains(t, contacts, "deputy of service orders-db; deputy of service sessions")

	assert.Contains(t, programme, "| sessions | 1 | 90d | 2026-11-01 (drill-sessions-1) | 2027-01-30 | on-time | 1 of 1 |")
	assert.Contains(t, programme, "| checkout | 1 | 90d | never | now (never drilled) | overdue | 0 of 0 |")
	assert.Contains(t, programme, "| sessions-quarterly | dynamodb-global-table-switch | sessions | drill | every 90d | 2027-01-30 12:00 |")

	open := section(t, md, "Open improvements")
	assert.Contains(t, open, "2 open or in progress (1 overdue)")
	assert.Contains(t, open, "Page the DBA deputy when the primary is fenced | orders-db | dmitri | open | **overdue** since 2026-11-01 | tabletop-1 |")

	procedures := section(t, md, "Procedures")
	for _, p := range c.RunbookPaths() {
		assert.Contains(t, procedures, "\n### "+src.Runbooks[p].Metadata.Name+"\n", "procedure of %s", p)
	}
	assert.Contains(t, procedures, "#### Recovery objectives", "the procedures' headings sit under the plan's")
}

// TestPlanTextCannotInjectMarkup: text from the catalogue reaches the HTML escaped.
func TestPlanTextCannotInjectMarkup(t *testing.T) {
	src := sampleSources(t)
	src.Catalogue.Metadata.Description = `<script>alert(1)</script> and <img src=x onerror=alert(2)>`
	var md, html bytes.Buffer
	require.NoError(t, continuity.WritePlan(&md, src))
	require.NoError(t, continuity.WriteHTML(&html, "plan", md.Bytes()))
	assert.NotContains(t, html.String(), "<script>")
	assert.NotContains(t, html.String(), "<img")
	assert.Contains(t, html.String(), "&lt;script&gt;alert(1)&lt;/script&gt;")
}

// TestPlanPDFRendersPages prints the sample's plan to PDF with the headless Chromium the
// browser tests use, rasterizes every page with pdftoppm (poppler-utils, which .ci/run
// installs) and checks that each page has ink on it, and that the PDF's text holds the
// plan: every service and scenario.
func TestPlanPDFRendersPages(t *testing.T) {
	browsertest.Start(t) // skips, or fails in CI, without Chromium
	for _, tool := range []string{"pdftoppm", "pdftotext"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is missing; .ci/run installs it (apt-get install -y poppler-utils)", tool)
			}
			t.Skipf("SKIPPING: %s is missing (apt-get install -y poppler-utils)", tool)
		}
	}
	src := sampleSources(t)
	var md, html bytes.Buffer
	require.NoError(t, continuity.WritePlan(&md, src))
	require.NoError(t, continuity.WriteHTML(&html, "Business continuity plan", md.Bytes()))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	pdf, err := chromium.PrintPDF(ctx, browsertest.ChromiumPath, html.Bytes())
	require.NoError(t, err)
	require.True(t, bytes.HasPrefix(pdf, []byte("%PDF-")), "a PDF")

	dir := t.TempDir()
	file := filepath.Join(dir, "plan.pdf")
	require.NoError(t, os.WriteFile(file, pdf, 0o644))
	out, err := exec.Command("pdftoppm", "-r", "40", "-png", file, filepath.Join(dir, "page")).CombinedOutput()
	require.NoError(t, err, "%s", out)
	pages, err := filepath.Glob(filepath.Join(dir, "page-*.png"))
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(pages), 10, "the plan with its procedures fills many A4 pages")
	for _, p := range pages {
		f, err := os.Open(p)
		require.NoError(t, err)
		img, err := png.Decode(f)
		f.Close()
		require.NoError(t, err)
		assert.Greater(t, inked(img), 0.002, "page %s has content", filepath.Base(p))
		assert.InDelta(t, 210.0/297.0, float64(img.Bounds().Dx())/float64(img.Bounds().Dy()), 0.02, "page %s is A4", filepath.Base(p))
	}

	txt, err := exec.Command("pdftotext", "-layout", file, "-").Output()
	require.NoError(t, err)
	text := string(txt)
	assert.Contains(t, text, "Business continuity plan: driftwood-outfitters")
	for _, s := range src.Catalogue.Services {
		assert.Contains(t, text, s.Name)
	}
	for _, sc := range src.Catalogue.Scenarios {
		assert.Contains(t, text, sc.Name)
	}
}

// inked returns the share of an image's pixels that are not near white.
func inked(img image.Image) float64 {
	b := img.Bounds()
	dark := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r+g+bl < 3*0xe000 {
				dark++
			}
		}
	}
	return float64(dark) / float64(b.Dx()*b.Dy())
}
