// Package improvements is the improvement plan: the action items and gaps that runs
// (drills, tabletops, live recoveries) record, tracked across runs to closure.
//
// Every action-item or gap finding of a run becomes an Item whose id is derived from
// the run and the finding (ItemID), so importing a run again changes nothing. An item's
// life is a list of Events: the first opens it (from its Source finding), each later one
// changes its title, owner, due date or status, says who did it and when, and is kept by
// the evidence store as its own chained record, so the history is tamper-evident.
//
// The rules live here and nowhere else:
//   - the statuses and their transitions (Transitions): open, in_progress, done,
//     verified, dropped; dropping needs a reason;
//   - verified is never set by a person: Build derives it when a successful drill of the
//     item's runbook, for its service, ENDS after the item was last marked done. A failed
//     drill leaves it done;
//   - the due date, when nobody set one, is the opening plus the service's tier default
//     (the catalogue's tiers.<n>.improvement_due);
//   - the counts (open, overdue, ...) that the portfolio, coverage, the executive summary
//     and the CLI show (Summarize).
//
// The package imports no infrastructure: the evidence package stores and reads the
// events, api and cmd/bcdr present the items.
package improvements
