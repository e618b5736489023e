package main

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/bcdr/bcdr/api"
	"github.com/bcdr/bcdr/continuity/improvements"
)

func newImprovementsCommand(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "improvements",
		Short: "The improvement plan: the action items and gaps of runs, tracked to closure (list, show, update)",
		Long: `improvements lists, shows and updates the improvement plan. Every action item and gap a
run records (drill, tabletop, live) becomes an item when the run's evidence is written, with
an owner, a due date (by default the service's tier's improvement_due in the catalogue:
14d for tier 0, 30d for tier 1, 60d for tier 2, 90d below) and a status: open, in_progress,
done, verified or dropped (with a reason). An item becomes verified, never by hand, when a
successful drill of its runbook, for its service, ends after it was marked done; a failed
drill leaves it done. Every change is kept in the evidence store as a chained record of who
changed what and when (bcdr evidence verify checks them).

Through the bcdr server when server.url is set (authors of the item's service, and
operators of it who own the item, may update it; viewers read), else directly on the
evidence store as identity.user.`,
	}
	var output string
	outputVar(cmd.PersistentFlags(), &output, "text", "json")
	cmd.AddCommand(newImprovementsListCommand(a, &output), newImprovementsShowCommand(a, &output), newImprovementsUpdateCommand(a, &output),
		newImprovementsImportCommand(a))
	return cmd
}

func newImprovementsListCommand(a *app, output *string) *cobra.Command {
	var service, runbook, owner, status string
	var overdue bool
	cmd := &cobra.Command{
		Use: "list", Short: "List the items, the newest first, with their counts", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, done, err := a.apiClientWith(cmd.Context(), dialLazy)
			if err != nil {
				return err
			}
			defer done()
			q := url.Values{}
			for k, v := range map[string]string{"service": service, "runbook": runbook, "owner": owner, "status": status} {
				if v != "" {
					q.Set(k, v)
				}
			}
			if overdue {
				q.Set("overdue", "true")
			}
			var list api.ImprovementList
			if err := c.Do(cmd.Context(), http.MethodGet, "/v1/improvements?"+q.Encode(), nil, &list); err != nil {
				return asFlag(err)
			}
			for _, p := range list.Problems {
				fmt.Fprintf(a.stderr, "warning: %s\n", p)
			}
			if *output == "json" {
				return writeJSONIndent(a.stdout, list)
			}
			return printImprovements(a.stdout, list, time.Now())
		},
	}
	f := cmd.Flags()
	f.StringVar(&service, "service", "", "only this service's items")
	f.StringVar(&runbook, "runbook", "", "only this runbook's items (metadata.name)")
	f.StringVar(&owner, "owner", "", "only the items this owner holds")
	f.StringVar(&status, "status", "", "only items in this status: open, in_progress, done, verified, dropped")
	f.BoolVar(&overdue, "overdue", false, "only the items still open after their due date")
	return cmd
}

func newImprovementsShowCommand(a *app, output *string) *cobra.Command {
	return &cobra.Command{
		Use: "show ID", Short: "Show an item with its history", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.improvementItem(cmd, http.MethodGet, args[0], nil, *output)
		},
	}
}

func newImprovementsUpdateCommand(a *app, output *string) *cobra.Command {
	var u api.ImprovementUpdate
	cmd := &cobra.Command{
		Use:   "update ID",
		Short: "Change an item's status, owner, due date or title, or add a note",
		Example: `  bcdr improvements update imp-1a2b3c4d5e6f --status in_progress --note "scripting it"
  bcdr improvements update imp-1a2b3c4d5e6f --status done
  bcdr improvements update imp-1a2b3c4d5e6f --status dropped --reason "the service is retired"
  bcdr improvements update imp-1a2b3c4d5e6f --owner group:dba --due 2026-12-01`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.improvementItem(cmd, http.MethodPatch, args[0], u, *output)
		},
	}
	f := cmd.Flags()
	f.StringVar(&u.Status, "status", "", "open, in_progress, done or dropped (verified is set by a later successful drill)")
	f.StringVar(&u.Owner, "owner", "", "who owns the item (a user, or group:NAME)")
	f.StringVar(&u.Due, "due", "", "due date: 2026-12-01 (by its end, UTC) or an RFC 3339 time")
	f.StringVar(&u.Title, "title", "", "a new title")
	f.StringVar(&u.Reason, "reason", "", "why the item is dropped (required with --status dropped)")
	f.StringVar(&u.Note, "note", "", "a comment kept in the item's history")
	return cmd
}

func newImprovementsImportCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "import",
		Short: "Open the items of the runs the evidence store holds from before the plan (idempotent)",
		Long: `import reads the evidence store (evidence.dir or evidence.s3_bucket) directly and opens an
improvement item for every action item and gap of a recorded run that has none yet: runs
written before the improvement plan existed. The workers open new runs' items themselves;
running import again writes nothing.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			store, err := a.evidenceStore(cmd.Context())
			if err != nil {
				return err
			}
			n, err := store.ImportImprovements(cmd.Context())
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "%d improvement items opened in %s\n", n, store.Location())
			return nil
		},
	}
}

// improvementItem sends GET or PATCH (with body) for the item id and prints the item the
// API answers; a refused request field is named as its flag.
func (a *app) improvementItem(cmd *cobra.Command, method, id string, body any, output string) error {
	c, done, err := a.apiClientWith(cmd.Context(), dialLazy)
	if err != nil {
		return err
	}
	defer done()
	var it improvements.Item
	if err := c.Do(cmd.Context(), method, "/v1/improvements/"+url.PathEscape(id), body, &it); err != nil {
		return asFlag(err)
	}
	if output == "json" {
		return writeJSONIndent(a.stdout, it)
	}
	return printImprovement(a.stdout, it, time.Now())
}

func printImprovements(w io.Writer, list api.ImprovementList, now time.Time) error {
	items := list.Items
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATUS\tDUE\tSERVICE\tRUNBOOK\tOWNER\tTITLE")
	for _, it := range items {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", it.ID, it.Status, dueText(it, now), orDash(it.Service), it.Runbook, orDash(it.Owner), oneLine(it.Title, 60))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "%d items: %s\n", len(items), list.Summary.Counts)
	return err
}

func dueText(it improvements.Item, now time.Time) string {
	if it.Due.IsZero() {
		return "-"
	}
	d := it.Due.UTC().Format(time.DateOnly)
	if it.Overdue(now) {
		d += " (overdue)"
	}
	return d
}

func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > max {
		return string(r[:max-1]) + "…"
	}
	return s
}

func printImprovement(w io.Writer, it improvements.Item, now time.Time) error {
	fmt.Fprintf(w, "%s: %s\n", it.ID, it.Title)
	status := string(it.Status)
	switch it.Status {
	case improvements.Verified:
		status += fmt.Sprintf(" by drill %s (ended %s)", it.VerifiedBy, it.VerifiedAt.UTC().Format(time.RFC3339))
	case improvements.Done:
		status += fmt.Sprintf(" since %s; a successful drill of %s ending after that verifies it", it.DoneAt.UTC().Format(time.RFC3339), it.Runbook)
	case improvements.Dropped:
		status += ": " + it.Reason
	}
	due := dueText(it, now)
	if it.DueDefault {
		due += " (the tier's default)"
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "status:\t%s\n", status)
	fmt.Fprintf(tw, "owner:\t%s\n", orDash(it.Owner))
	fmt.Fprintf(tw, "due:\t%s\n", due)
	fmt.Fprintf(tw, "service:\t%s\n", orDash(it.Service))
	fmt.Fprintf(tw, "runbook:\t%s\n", it.Runbook)
	s := it.Source
	fmt.Fprintf(tw, "from:\t%s in %s run %s, by %s at %s\n", s.Kind, s.Mode, s.Run, s.By, s.At.UTC().Format(time.RFC3339))
	for _, x := range it.Exports {
		line := x.State(it.Status) + " " + orDash(x.Key) + " " + x.URL
		if x.Error != "" {
			line += " (last attempt " + x.At.UTC().Format(time.RFC3339) + ": " + x.Error + "; retried)"
		}
		fmt.Fprintf(tw, "tracker %s:\t%s\n", x.Tracker, strings.TrimSpace(line))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "history:")
	tw = tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	for _, h := range it.History {
		what := h.Field
		if h.From != "" || h.To != "" {
			what += ": " + orDash(h.From) + " → " + orDash(h.To)
		}
		if h.Note != "" {
			what += " (" + h.Note + ")"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", h.At.UTC().Format(time.RFC3339), h.By, what)
	}
	return tw.Flush()
}
