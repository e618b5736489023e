// Package continuity writes the documents of the continuity programme, the level above
// single runs where a continuity manager, a CISO and an auditor work: the business
// continuity plan (WritePlan: services by tier with their targets and maximum tolerable
// downtime, roles and contacts, scenarios and their recovery order, the exercise
// programme, open improvements, the procedures) and the compliance pack (WritePack: for
// a framework and a period, each clause mapped to its evidence, the chain's verification
// and the gaps per clause, from the mapping tables in frameworks/).
//
// It arranges what others compute: the catalogue and its scenario plans (package
// catalogue), last-proven and due dates from the portfolio (catalogue.NewPortfolio over
// the run history api.History reads), improvement items (package improvements), the
// procedures as `bcdr doc` renders them (runbooks.WriteDoc). It imports no
// infrastructure: the caller reads the evidence store and the engine, and prints HTML
// to PDF (internal/chromium).
//
// Its subpackages are the rest of the programme: improvements (the improvement plan's
// items and rules, tracked to closure and verified by a later drill) and trackers (their
// export to GitHub Issues, Jira Cloud and a signed webhook).
package continuity
