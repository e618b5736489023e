// Package dashboard is bcdr's continuity dashboard: a web page embedded in the binary and
// served under /ui/ by bcdr dev and bcdr server. It holds static files only (HTML, CSS and
// JavaScript modules, no build step, nothing fetched from elsewhere); every datum comes
// from the bcdr API under /v1/, called with the API token the user signs in with, so what
// a user sees and may press follows the API's roles. The API enforces them either way.
//
// The pages: runs (filterable list, child runs under their parent, start a drill), a run
// live (timeline of its steps with the critical path, RTO clock, approvals, manual tasks, roll calls
// and operator controls, tabletop prompts and injects; a scenario run's child runs
// nested, its runbook steps linked to them, and their open tasks under its "Waiting for
// people"), a run's report with the evidence bundle download, the portfolio (per
// service: drill cadence, readiness now from the last scheduled checks of its runbooks
// with what broke, RTO/RPO achieved vs target over time, runbooks never proven, the
// improvement plan's open and overdue counts), a printable executive summary, and the
// improvement plan (the action items and gaps of runs with their counts, filters, an
// item's history and, for whom the API lets, the update form: api
// TestImprovementPagesInBrowser). The portfolio, the summary, GET /v1/drills/overdue
// and bcdr coverage read one run history (api.History) and one catalogue; the page
// states the portfolio's cadence as the API gives it (api TestPortfolioCoverageOverdue
// AndSummaryAgree renders it in Node).
//
// RTO and RPO are rendered from the figures the API gives ("rto" and "rpo" of a run's
// record and of each portfolio history entry: actual, target, verdict, reason), through
// js/objectives.js; no view compares an actual with a target itself. testdata/render.mjs
// renders the views in Node for the test that checks every surface states the same
// figures (cmd/bcdr TestFiguresAgreeOnEverySurface).
package dashboard
