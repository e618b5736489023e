// Package catalogue is the service catalogue and business impact analysis: which
// business services exist, how critical each is (its tier), how fast it must be back
// (RTO) and how much data it may lose (RPO) for each type of disruption, what it depends
// on, and which runbooks recover it. On top of that it answers three questions: is the
// catalogue consistent with its runbooks (LoadRunbooks), what does a disaster hit and in
// which order are the services recovered (Affected, PlanScenario), and which services
// are proven recoverable by drills (Coverage, and per service NewPortfolio, whose
// cadence states the overdue report and the executive summary show).
//
// It is a domain package: it knows runbooks (package runbooks) but nothing of Temporal,
// AWS or configuration. Runbooks are loaded through a LoadFunc and run results come in
// as []RunResult, so the caller decides where both come from (bcdr reads them through
// one run-history reader, api.History: the evidence store first, then the engine).
//
// # Format
//
// A catalogue is one YAML document (at most MaxSourceSize bytes) with apiVersion
// "bcdr.io/v1", kind "Catalogue", metadata (name required), tiers, services and
// scenarios. Keys are snake_case; unknown keys are errors; durations are those of
// runbooks ("15m", "4h", "90d"). schema/catalogue.schema.json (also the Schema variable)
// describes the keys.
//
//	tiers:                       # policies: default targets and drill cadence
//	  - tier: 1
//	    name: critical
//	    drill_every: 90d           # each runbook must pass a drill at least this often
//	    improvement_due: 30d       # an action item or gap of a run is due this long after it
//	    mtd: 8h                    # maximum tolerable downtime: every RTO must fit in it
//	    targets:                   # per disruption type: component, zone, region, data
//	      region: {rto: 1h, rpo: 15m}
//	contacts:                    # the people and groups named below, and how to reach them
//	  - name: carol                # the identity bcdr knows them by: a user or group:NAME
//	    role: Deputy for payments
//	    email: carol@example.com   # and/or phone, chat
//	services:
//	  - name: checkout
//	    owner: group:payments
//	    deputy: carol              # a contact; stands in for the owner
//	    tier: 1
//	    business_process: Order to cash
//	    targets:                   # override the tier's, field by field
//	      region: {rto: 45m}
//	    depends_on: [payments, orders-db]
//	    tags: {region: us-east-1}  # scenarios select services by tag
//	    runbooks:
//	      - path: ../ecs-service-region-failover.yaml   # relative to the catalogue file
//	        disruptions: [region]
//	        params: {ecs_service: checkout}             # the runbook's parameters
//	scenarios:
//	  - name: us-east-1-lost
//	    disruption: region
//	    incident_commander: alice                       # a contact
//	    select: {tags: {region: us-east-1}}             # or services: [a, b]
//
// Tiers 0 and 1 are critical: such a service without a runbook is a warning. Data
// disruptions (corruption, ransomware) are those that replication copies and only a
// restore undoes.
//
// # Checks
//
// Parse reports, each at its place: unknown fields, bad durations and disruption types,
// duplicate names, a service tier the policies do not define, a dependency on an unknown
// service, every dependency cycle (with the cycle), a scenario selecting an unknown
// service, a contact listed twice or with an email that does not parse, a deputy or an
// incident commander who is not a contact (and, as a warning once contacts are listed,
// an owner who is not one), an RTO longer than the maximum tolerable downtime (a
// service's mtd, or its tier's). LoadRunbooks adds, at each runbook reference: a
// runbook that does not load, objectives looser than the service's target for a disruption the runbook is named
// for, and parameters the runbook does not accept.
//
// # Scenarios
//
// A scenario hits the services it selects; a service that depends on an affected one is
// affected too. PlanScenario generates a recovery runbook: one `runbook` step (a child
// run) per runbook of each affected service for the scenario's disruption, needing the
// steps of the service's dependencies, so that dependencies are recovered first and
// independent services in parallel; steps are in tier order, so tier 1 starts first
// among those ready. Each step's estimate is its runbook's expected duration, so the
// generated runbook's plan gives the critical path and each service's expected finish,
// compared with its RTO.
//
// # Coverage
//
// Coverage joins the catalogue with run results: per service its targets, runbooks, last
// drill and its result, measured RTO against the target, when the next drill is due, and
// the gaps (no runbook, a runbook never passed, a failed or too slow last drill, an
// overdue drill, a scenario the service has no runbook for, a runbook whose last
// scheduled readiness check is not ready). Drills and live recoveries count; tabletops
// do not; readiness checks (mode readiness) only say whether a runbook is ready now. A run result carries the RTO and RPO figures its record
// states (runbooks.Figure); coverage renders them and computes none.
//
// # Portfolio
//
// NewPortfolio is the coverage report seen per service: the same services, tiers,
// cadence (the tier's drill_every) and due dates (ServiceCoverage.NextDueText, "now
// (never drilled)" included), with each service's run history and the runbooks no drill
// has proven. Without a catalogue, FromRunbooks derives one from the runbooks' metadata,
// and the portfolio's Source says so.
package catalogue
