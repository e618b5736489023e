package runbooks

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"
)

// Drill is a drill of a runbook as its record tells it: which runbook and version ran,
// when it ended, whether it succeeded, and what the record says for the proof rule.
type Drill struct {
	RunID     string
	Runbook   string // metadata.name
	Version   string // metadata.version
	EndedAt   time.Time
	Succeeded bool
	Proof     Proof
}

// Provenance says whether a drill proved a runbook's version (its digest), and when not,
// which version of the runbook a drill proved last. A live run carries it (flagged when
// Proven is false) and the gate (RequireProven) decides by it.
type Provenance struct {
	Runbook string `json:"runbook"`
	Service string `json:"service,omitempty"`
	Digest  string `json:"digest"`
	Proven  bool   `json:"proven"`
	// Drill and At are the drill that proved this version, when Proven; otherwise the
	// last drill that proved another version of the runbook (LastDigest, LastVersion),
	// if any did.
	Drill       string    `json:"drill,omitempty"`
	At          time.Time `json:"at,omitzero"`
	LastDigest  string    `json:"lastDigest,omitempty"`
	LastVersion string    `json:"lastVersion,omitempty"`
	// Unknown says why the drills could not be read (an evidence store that did not
	// answer): the version then counts as unproven.
	Unknown string `json:"unknown,omitempty"`
}

// Proven reports whether a successful drill proved rb's version, from drills (any order,
// any runbooks). A drill counts only as the proof rule (Proof.For) says: a drill of rb's
// service, authorized for it, whose runbook had this very digest. The last proven
// version is the newest successful drill of the same runbook (metadata.name) that the
// proof rule accepts for its own digest.
func Proven(rb *Runbook, drills []Drill) Provenance {
	p := Provenance{Runbook: rb.Metadata.Name, Service: rb.Metadata.Service, Digest: rb.Source.Digest}
	var mine []Drill
	for _, d := range drills {
		if d.Succeeded && d.Runbook == rb.Metadata.Name && d.Proof.For(rb.Metadata.Service, []string{d.Proof.Digest}) {
			mine = append(mine, d)
		}
	}
	sort.SliceStable(mine, func(i, j int) bool { return mine[i].EndedAt.After(mine[j].EndedAt) })
	for _, d := range mine {
		if d.Proof.For(rb.Metadata.Service, []string{rb.Source.Digest}) {
			p.Proven, p.Drill, p.At = true, d.RunID, d.EndedAt
			return p
		}
	}
	if len(mine) > 0 {
		p.Drill, p.At, p.LastDigest, p.LastVersion = mine[0].RunID, mine[0].EndedAt, mine[0].Proof.Digest, mine[0].Version
	}
	return p
}

// Unproven is the provenance of rb when the drills could not be read: unproven, saying why.
func Unproven(rb *Runbook, why string) Provenance {
	return Provenance{Runbook: rb.Metadata.Name, Service: rb.Metadata.Service, Digest: rb.Source.Digest, Unknown: why}
}

// String says it for people: "this version (sha256:…) was never proven by a drill; last
// proven version 1.0.0 (sha256:…) on 2026-01-10 (drill d1)".
func (p Provenance) String() string {
	this := fmt.Sprintf("this version (%s)", ShortDigest(p.Digest))
	switch {
	case p.Proven:
		return fmt.Sprintf("%s was proven by drill %s on %s", this, p.Drill, p.At.UTC().Format(time.DateOnly))
	case p.Unknown != "":
		return fmt.Sprintf("%s may never have been proven by a drill: the drills could not be read (%s)", this, p.Unknown)
	case p.Service == "":
		return this + " was never proven by a drill: the runbook names no service (metadata.service), and a drill proves only a service's runbook"
	case p.LastDigest == "":
		return fmt.Sprintf("%s was never proven by a drill; no drill proved any version of runbook %s", this, p.Runbook)
	}
	last := ShortDigest(p.LastDigest)
	if p.LastVersion != "" {
		last = fmt.Sprintf("%s (%s)", p.LastVersion, last)
	}
	return fmt.Sprintf("%s was never proven by a drill; last proven version %s on %s (drill %s)",
		this, last, p.At.UTC().Format(time.DateOnly), p.Drill)
}

// MarshalJSON writes the provenance with its words (text, String's), so that every
// surface that reads it as JSON (the dashboard) says it the same way.
func (p Provenance) MarshalJSON() ([]byte, error) {
	type plain Provenance
	return json.Marshal(struct {
		plain
		Text string `json:"text"`
	}{plain(p), p.String()})
}

// ShortDigest is a digest as people read it: "sha256:" and the first 12 hex digits.
func ShortDigest(digest string) string {
	if len(digest) > len("sha256:")+12 {
		return digest[:len("sha256:")+12]
	}
	return digest
}

// RequireProven is what a live run of a version no drill proved does.
type RequireProven string

const (
	// ProvenWarn flags the run (its record, status and reports say so); the default.
	ProvenWarn RequireProven = "warn"
	// ProvenApprove flags the run and holds it, before its first step, for an approval
	// by the policy's approvers (four-eyes: not the person who started it).
	ProvenApprove RequireProven = "approve"
	// ProvenRefuse refuses to start the run.
	ProvenRefuse RequireProven = "refuse"
)

// RequireProvenValues are the values require_proven takes, the mildest first.
var RequireProvenValues = []string{string(ProvenWarn), string(ProvenApprove), string(ProvenRefuse)}

func (r RequireProven) rank() int {
	switch r {
	case ProvenApprove:
		return 1
	case ProvenRefuse:
		return 2
	}
	return 0
}

// Stricter returns the stricter of r and o: refuse over approve over warn ("" is warn).
func (r RequireProven) Stricter(o RequireProven) RequireProven {
	if o.rank() > r.rank() {
		r = o
	}
	if r == "" {
		return ProvenWarn
	}
	return r
}

// Policy is what a runbook requires of the runs that start it.
type Policy struct {
	// RequireProven says what a live run of a version no drill proved does; "" is warn.
	// The configuration's policy.require_proven applies too: the stricter one wins.
	RequireProven RequireProven `json:"requireProven,omitempty"`
	// Approvers ("alice", "group:dr-leads") approve a live run of an unproven version
	// when RequireProven is approve; without them the configuration's policy.approvers do.
	Approvers []string `json:"approvers,omitempty"`
}
