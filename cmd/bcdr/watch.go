package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/bcdr/bcdr/api"
	"github.com/bcdr/bcdr/runbooks"
	"github.com/bcdr/bcdr/workflows"
)

func newWatchCommand(a *app) *cobra.Command {
	var interval time.Duration
	cmd := &cobra.Command{
		Use:   "watch RUN",
		Short: "Follow a run live: steps, states, elapsed time, pending approvals",
		Long: `watch follows a run until it ends. On a terminal it redraws the run's state in place
(steps, attempts, elapsed time, pending approvals and operator actions); otherwise it
prints one line per change, for logs and CI. The exit status is 0 when the run succeeded.

Through the bcdr server when server.url is set, else directly on temporal.address.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.readRuns(cmd.Context(), func(svc api.Runs) error {
				fetch := func(ctx context.Context) (workflows.Status, error) { return svc.Run(ctx, args[0]) }
				var st workflows.Status
				var err error
				if isTerminal(a.stdout) {
					st, err = watchTerminal(cmd.Context(), a.stdout, fetch, interval)
				} else {
					st, err = watchPlain(cmd.Context(), a.stdout, fetch, interval)
				}
				if err != nil {
					return err
				}
				if st.State != workflows.RunSucceeded {
					return exitError(1)
				}
				return nil
			})
		},
	}
	interval = time.Second
	cmd.Flags().Var((*runbooks.Duration)(&interval), "interval", "how often to look, e.g. 500ms, 5s")
	return cmd
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// watchTerminal redraws the status in place (ANSI: cursor home, clear screen) until the
// run ends.
func watchTerminal(ctx context.Context, w io.Writer, fetch func(context.Context) (workflows.Status, error), every time.Duration) (workflows.Status, error) {
	return poll(ctx, fetch, every, func(st workflows.Status) error {
		var frame bytes.Buffer
		if err := printStatus(&frame, st, "text"); err != nil {
			return err
		}
		fmt.Fprintf(&frame, "\n%s  (watching every %s; Ctrl-C stops watching, not the run)\n", time.Now().Format("15:04:05"), every)
		_, err := io.WriteString(w, "\x1b[H\x1b[2J"+frame.String())
		return err
	})
}

// watchPlain prints a line for each change: the run's state, a step's status or attempt,
// a pending task, an operator action.
func watchPlain(ctx context.Context, w io.Writer, fetch func(context.Context) (workflows.Status, error), every time.Duration) (workflows.Status, error) {
	seen := map[string]bool{}
	say := func(st workflows.Status, key, line string) {
		if seen[key] {
			return
		}
		seen[key] = true
		fmt.Fprintf(w, "+%-8s %s\n", round(st.ElapsedAt(time.Now()).Truncate(time.Second)), line)
	}
	first := true
	return poll(ctx, fetch, every, func(st workflows.Status) error {
		if first {
			fmt.Fprintf(w, "run %s: %s %s, started by %s\n", st.RunID, st.Mode, st.Runbook, st.Initiator)
			first = false
		}
		say(st, "run:"+string(st.State), "run "+string(st.State))
		for _, s := range st.Steps {
			line := fmt.Sprintf("step %s %s", s.ID, s.Status)
			if s.Attempts > 1 {
				line += fmt.Sprintf(" (attempt %d)", s.Attempts)
			}
			if n := note(st.Mode, s); n != "" && s.Status.Terminal() {
				line += ": " + n
			}
			say(st, fmt.Sprintf("step:%s:%s:%d", s.ID, s.Status, s.Attempts), line)
		}
		sayChildren(st, st.Children, say)
		for _, p := range waitingFor(st) {
			line := fmt.Sprintf("waiting for %s on step %s", p.Kind, stepTitle(p.Step, p.Name))
			if len(p.Approvers) > 0 {
				line += " from " + strings.Join(p.Approvers, ", ")
			}
			if p.RunID != st.RunID {
				line += fmt.Sprintf(" in child run %s (%s)", p.RunID, strings.Join(p.Path, " > "))
			}
			say(st, "pending:"+p.RunID+":"+p.Step+":"+p.Since.String(), line)
		}
		for _, ac := range st.Actions {
			say(st, fmt.Sprintf("action:%s:%s:%s", ac.Action, ac.At, ac.By), fmt.Sprintf("%s %s by %s %s", ac.Action, ac.Step, ac.By, ac.Comment))
		}
		if st.State.Done() {
			printFigures(w, st)
		}
		return nil
	})
}

// sayChildren prints a line when a child run (at any depth) appears or changes state.
func sayChildren(st workflows.Status, children []workflows.ChildRun, say func(workflows.Status, string, string)) {
	for _, c := range children {
		line := fmt.Sprintf("child run %s (step %s, %s) %s", c.RunID, c.Step, c.Runbook, orDash(string(c.State)))
		if c.State.Done() && c.Error != "" {
			line += ": " + c.Error
		}
		say(st, "child:"+c.RunID+":"+string(c.State), line)
		sayChildren(st, c.Children, say)
	}
}

// poll fetches the status every interval and shows it, until the run ends.
func poll(ctx context.Context, fetch func(context.Context) (workflows.Status, error), every time.Duration, show func(workflows.Status) error) (workflows.Status, error) {
	if every <= 0 {
		every = time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		st, err := fetch(ctx)
		if err != nil {
			return st, err
		}
		if err := show(st); err != nil {
			return st, err
		}
		if st.State.Done() {
			return st, nil
		}
		select {
		case <-ctx.Done():
			return st, ctx.Err()
		case <-t.C:
		}
	}
}
