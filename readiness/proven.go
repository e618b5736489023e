package readiness

import (
	"fmt"
	"sort"
	"time"

	"github.com/bcdr/bcdr/runbooks"
)

// Drill is a drill of a runbook as its record tells it: which version ran, and whether
// it succeeded.
type Drill struct {
	RunID     string
	Runbook   string
	Version   string
	Digest    string
	EndedAt   time.Time
	Succeeded bool
}

// Proven is the finding that says whether a successful drill ran this very version of
// the runbook (the same digest): ready when one did, a warning naming the last proven
// version and when it passed when none did. A live recovery of an unproven version runs
// steps no drill has exercised as written.
func Proven(rb *runbooks.Runbook, drills []Drill) Finding {
	var mine []Drill
	for _, d := range drills {
		if d.Succeeded && d.Runbook == rb.Metadata.Name {
			mine = append(mine, d)
		}
	}
	sort.Slice(mine, func(i, j int) bool { return mine[i].EndedAt.After(mine[j].EndedAt) })
	f := Finding{Step: "(runbook)", Check: "proven"}
	for _, d := range mine {
		if d.Digest == rb.Source.Digest {
			f.Result, f.Reason = Ready, fmt.Sprintf("this version passed drill %s on %s", d.RunID, day(d.EndedAt))
			return f
		}
	}
	f.Result = Warning
	if len(mine) == 0 {
		f.Reason = "no drill of this runbook has passed: this version was never proven"
		return f
	}
	last := mine[0]
	f.Reason = fmt.Sprintf("this version (%s) was never proven by a drill; last proven version %s on %s (drill %s)",
		short(rb.Source.Digest), orDigest(last), day(last.EndedAt), last.RunID)
	return f
}

func day(t time.Time) string { return t.UTC().Format("2006-01-02") }

func short(digest string) string {
	if len(digest) > len("sha256:")+12 {
		return digest[:len("sha256:")+12]
	}
	return digest
}

func orDigest(d Drill) string {
	if d.Version != "" {
		return fmt.Sprintf("%s (%s)", d.Version, short(d.Digest))
	}
	return short(d.Digest)
}
