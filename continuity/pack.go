package continuity

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"sort"
	"time"

	"github.com/bcdr/bcdr/continuity/improvements"
	"github.com/bcdr/bcdr/readiness"
)

// Record is one record of the evidence chain, as its manifest describes it, with the
// files the pack includes (the reports of a run, a readiness check's or an improvement
// event's JSON, and the manifest).
type Record struct {
	Seq       int64             `json:"seq"`
	ID        string            `json:"id"`
	Runbook   string            `json:"runbook,omitempty"`
	Service   string            `json:"service,omitempty"`
	Mode      string            `json:"mode"`
	State     string            `json:"state"`
	StartedAt time.Time         `json:"startedAt"`
	EndedAt   time.Time         `json:"endedAt,omitzero"`
	Hash      string            `json:"hash"`
	Files     map[string][]byte `json:"-"`
}

// when is when the record's run or event ended (or started, when it has no end).
func (r *Record) when() time.Time {
	if r.EndedAt.IsZero() {
		return r.StartedAt
	}
	return r.EndedAt
}

// Verification is the evidence chain's verification (evidence.Store.Verify) as the pack
// states it: the chain is verified whole, from its first bundle to its head, which covers
// the period's records.
type Verification struct {
	Verified bool     `json:"verified"`
	Bundles  int      `json:"bundles"`
	HeadSeq  int64    `json:"headSeq"`
	HeadHash string   `json:"headHash"`
	Problems []string `json:"problems"`
	Stray    []string `json:"stray,omitempty"`
	// From and To are the first and last bundles of the period; Records how many.
	From    int64 `json:"from,omitempty"`
	To      int64 `json:"to,omitempty"`
	Records int   `json:"records"`
}

// PackInput is what a compliance pack is made of: a framework's mapping table, the
// programme's sources (the plan is rendered from them), the period, the chain's records
// and its verification.
type PackInput struct {
	Framework    *Framework
	Sources      Sources
	Since, Until time.Time
	Records      []Record
	Chain        Verification
}

// period returns the records whose run or event ended in the period, by sequence.
func (p *PackInput) period() []Record {
	var out []Record
	for _, r := range p.Records {
		if w := r.when(); !w.Before(p.Since) && !w.After(p.Until) {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out
}

// Index is a pack's index: each clause with its evidence and gaps, and the chain's
// verification. index.json is this; index.md and index.html say the same for people.
type Index struct {
	Framework   string         `json:"framework"`
	Title       string         `json:"title"`
	Source      string         `json:"source"`
	Catalogue   string         `json:"catalogue"`
	Since       time.Time      `json:"since"`
	Until       time.Time      `json:"until"`
	GeneratedAt time.Time      `json:"generatedAt"`
	Chain       Verification   `json:"chain"`
	Clauses     []ClauseResult `json:"clauses"`
	Files       []string       `json:"files"`
}

// ClauseResult is one clause of the index.
type ClauseResult struct {
	Clause
	Status   string     `json:"status"` // evidenced, gaps, no evidence
	Found    []Evidence `json:"found"`
	Gaps     []Gap      `json:"gaps"`
	Verified bool       `json:"chainVerified"`
}

// The statuses of a clause.
const (
	StatusEvidenced  = "evidenced"
	StatusGaps       = "gaps"
	StatusNoEvidence = "no evidence"
)

// Evidence is one piece of evidence a clause points to, with its files in the pack.
type Evidence struct {
	Kind    string    `json:"kind"`
	Seq     int64     `json:"seq,omitempty"`
	ID      string    `json:"id"`
	Service string    `json:"service,omitempty"`
	Runbook string    `json:"runbook,omitempty"`
	State   string    `json:"state,omitempty"`
	When    time.Time `json:"when,omitzero"`
	Files   []string  `json:"files"`
}

// The pack's fixed files.
const (
	PlanMarkdown = "bcp/plan.md"
	PlanHTML     = "bcp/plan.html"
	ItemsFile    = "improvements/items.json"
	ChainFile    = "chain/verify.json"
)

// kindOf is the evidence kind of a record's mode.
func kindOf(mode string) string {
	switch mode {
	case "drill":
		return EvidenceDrills
	case "tabletop":
		return EvidenceTabletops
	case "live":
		return EvidenceLive
	case readiness.RecordMode:
		return EvidenceReadiness
	case improvements.RecordMode:
		return EvidenceImprovements
	}
	return ""
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// dir is the pack folder of a record: its kind, then its sequence and id.
func (r *Record) dir() string {
	return fmt.Sprintf("%s/%06d-%s", kindOf(r.Mode), r.Seq, unsafeName.ReplaceAllString(r.ID, "_"))
}

// NewIndex maps every clause of the framework to its evidence and gaps over the period.
// A chain that does not verify is a gap of every clause: none of its records can be
// relied on.
func NewIndex(p *PackInput) *Index {
	recs := p.period()
	idx := &Index{Framework: p.Framework.Name, Title: p.Framework.Title, Source: p.Framework.Source,
		Catalogue: p.Sources.Catalogue.Metadata.Name, Since: p.Since.UTC(), Until: p.Until.UTC(), GeneratedAt: p.Sources.Now.UTC(), Chain: p.Chain}
	idx.Chain.Records = len(recs)
	if len(recs) > 0 {
		idx.Chain.From, idx.Chain.To = recs[0].Seq, recs[len(recs)-1].Seq
	}
	for _, c := range p.Framework.Clauses {
		cr := ClauseResult{Clause: c, Found: []Evidence{}, Gaps: []Gap{}, Verified: p.Chain.Verified}
		for _, kind := range c.Evidence {
			cr.Found = append(cr.Found, evidenceOf(kind, recs)...)
		}
		for _, ch := range c.Checks {
			for _, g := range checks[ch.Name](p, ch) {
				g.Check = ch.Name
				cr.Gaps = append(cr.Gaps, g)
			}
		}
		if !p.Chain.Verified {
			cr.Gaps = append(cr.Gaps, Gap{Check: "chain", Message: fmt.Sprintf("the evidence chain does not verify (%d problems): its records cannot be relied on", len(p.Chain.Problems))})
		}
		switch {
		case len(cr.Gaps) > 0:
			cr.Status = StatusGaps
		case !slices.ContainsFunc(cr.Found, func(e Evidence) bool { return e.Kind != EvidencePlan }):
			cr.Status = StatusNoEvidence
		default:
			cr.Status = StatusEvidenced
		}
		idx.Clauses = append(idx.Clauses, cr)
	}
	return idx
}

// evidenceOf returns the evidence of one kind among the period's records.
func evidenceOf(kind string, recs []Record) []Evidence {
	switch kind {
	case EvidencePlan:
		return []Evidence{{Kind: kind, ID: "business continuity plan", Files: []string{PlanMarkdown, PlanHTML}}}
	}
	var out []Evidence
	for _, r := range recs {
		if kindOf(r.Mode) != kind {
			continue
		}
		e := Evidence{Kind: kind, Seq: r.Seq, ID: r.ID, Service: r.Service, Runbook: r.Runbook, State: r.State, When: r.when().UTC()}
		for _, name := range slices.Sorted(maps.Keys(r.Files)) {
			e.Files = append(e.Files, r.dir()+"/"+name)
		}
		out = append(out, e)
	}
	if kind == EvidenceImprovements {
		out = append(out, Evidence{Kind: kind, ID: "improvement items", Files: []string{ItemsFile}})
	}
	return out
}

// WritePack writes the compliance pack as a zip: index.json, index.md and index.html
// (the clauses with their evidence and gaps, the chain's verification), the business
// continuity plan (bcp/), the period's records with their files, the improvement items,
// the chain's verification and the framework's mapping table with its sources. It
// returns the index.
func WritePack(w io.Writer, p *PackInput) (*Index, error) {
	idx := NewIndex(p)
	files := map[string][]byte{}
	var plan, planHTML bytes.Buffer
	if err := WritePlan(&plan, p.Sources); err != nil {
		return nil, err
	}
	if err := WriteHTML(&planHTML, "Business continuity plan: "+p.Sources.Catalogue.Metadata.Name, plan.Bytes()); err != nil {
		return nil, err
	}
	files[PlanMarkdown], files[PlanHTML] = plan.Bytes(), planHTML.Bytes()
	for _, r := range p.period() {
		for name, data := range r.Files {
			files[r.dir()+"/"+name] = data
		}
	}
	items := p.Sources.Improvements
	if items == nil {
		items = []improvements.Item{}
	}
	var err error
	if files[ItemsFile], err = json.MarshalIndent(items, "", "  "); err != nil {
		return nil, err
	}
	if files[ChainFile], err = json.MarshalIndent(idx.Chain, "", "  "); err != nil {
		return nil, err
	}
	files["frameworks/"+p.Framework.Name+".yaml"] = p.Framework.Table
	idx.Files = append(slices.Sorted(maps.Keys(files)), "index.html", "index.json", "index.md")
	sort.Strings(idx.Files)
	var md, html bytes.Buffer
	idx.writeMarkdown(&md)
	if err := WriteHTML(&html, "Compliance pack: "+idx.Title, md.Bytes()); err != nil {
		return nil, err
	}
	if files["index.json"], err = json.MarshalIndent(idx, "", "  "); err != nil {
		return nil, err
	}
	files["index.md"], files["index.html"] = md.Bytes(), html.Bytes()

	zw := zip.NewWriter(w)
	for _, name := range idx.Files {
		f, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: p.Sources.Now.UTC()})
		if err != nil {
			return nil, err
		}
		if _, err := f.Write(files[name]); err != nil {
			return nil, err
		}
	}
	return idx, zw.Close()
}
