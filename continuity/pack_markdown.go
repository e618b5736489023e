package continuity

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// writeMarkdown writes the index for people: the period, the chain's verification, a
// summary per clause, then each clause with its source, evidence and gaps.
func (idx *Index) writeMarkdown(w io.Writer) {
	f := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	f("# Compliance pack: %s\n\n", text(idx.Title))
	f("| | |\n|---|---|\n")
	f("| Framework | %s ([source](%s)) |\n", cell(idx.Framework), idx.Source)
	f("| Catalogue | %s |\n", cell(idx.Catalogue))
	f("| Period | %s to %s |\n", idx.Since.Format(time.RFC3339), idx.Until.Format(time.RFC3339))
	f("| Generated | %s |\n", idx.GeneratedAt.Format(time.RFC3339))
	f("| Mapping table | [frameworks/%s.yaml](./frameworks/%s.yaml): clause numbers, titles and their sources |\n\n", idx.Framework, idx.Framework)

	c := idx.Chain
	f("## Evidence chain\n\n")
	if c.Verified {
		f("**Verified.** ")
	} else {
		f("**DOES NOT VERIFY.** ")
	}
	f("The chain was verified whole: %d bundles, head %d (`%s`). The period's %d records are bundles %d to %d. The verification is in [%s](./%s).\n\n",
		c.Bundles, c.HeadSeq, c.HeadHash, c.Records, c.From, c.To, ChainFile, ChainFile)
	for _, p := range c.Problems {
		f("- %s\n", text(p))
	}
	if len(c.Problems) > 0 {
		f("\n")
	}

	f("## Clauses\n\n| Clause | Title | Evidence | Gaps | Status |\n|---|---|---|---|---|\n")
	for _, cr := range idx.Clauses {
		f("| %s | %s | %d | %d | %s |\n", cell(cr.ID), cell(cr.Title), len(cr.Found), len(cr.Gaps), cr.Status)
	}
	f("\n")
	for _, cr := range idx.Clauses {
		f("### %s %s\n\n%s\n\nSource: %s\n\n", text(cr.ID), text(cr.Title), text(cr.Summary), cr.Source)
		f("**Evidence** (%s):\n\n", strings.Join(cr.Evidence, ", "))
		if len(cr.Found) == 0 {
			f("None in the period.\n\n")
		} else {
			f("| Kind | Record | Service | Runbook | Outcome | When | Files |\n|---|---|---|---|---|---|---|\n")
			for _, e := range cr.Found {
				when := "-"
				if !e.When.IsZero() {
					when = e.When.Format("2006-01-02 15:04")
				}
				links := make([]string, len(e.Files))
				for i, p := range e.Files {
					// "./": a relative link, which the HTML renderer's safe-link rule keeps
					links[i] = "[" + p[strings.LastIndex(p, "/")+1:] + "](./" + p + ")"
				}
				rec := cell(e.ID)
				if e.Seq > 0 {
					rec = fmt.Sprintf("%d: %s", e.Seq, rec)
				}
				f("| %s | %s | %s | %s | %s | %s | %s |\n", e.Kind, rec, cell(dash(e.Service)), cell(dash(e.Runbook)), cell(dash(e.State)), when, strings.Join(links, " "))
			}
			f("\n")
		}
		f("**Gaps:**\n\n")
		if len(cr.Gaps) == 0 {
			f("None found.\n\n")
			continue
		}
		for _, g := range cr.Gaps {
			f("- %s: %s\n", g.Check, text(g.Message))
		}
		f("\n")
	}
}
