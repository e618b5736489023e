package evidence

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/bcdr/bcdr/workflows"
)

// Files of a bundle.
const (
	RecordFile   = "record.json"
	MarkdownFile = "report.md"
	HTMLFile     = "report.html"
	JUnitFile    = "junit.xml"
	ManifestFile = "manifest.json"
)

// Manifest describes a bundle and chains it to the one before.
type Manifest struct {
	Version   int               `json:"version"`
	Seq       int64             `json:"seq"`
	RunID     string            `json:"runId"`
	Runbook   string            `json:"runbook"`
	Service   string            `json:"service,omitempty"`
	Mode      string            `json:"mode"`
	State     string            `json:"state"`
	StartedAt time.Time         `json:"startedAt"`
	EndedAt   time.Time         `json:"endedAt"`
	WrittenAt time.Time         `json:"writtenAt"`
	Files     map[string]string `json:"files"` // name -> sha256:<hex>
	PrevHash  string            `json:"prevHash"`
	Hash      string            `json:"hash"` // over the manifest without this field
}

// Bundle is a bundle's files by name, manifest included.
type Bundle map[string][]byte

// NewBundle renders a run's record as a bundle at position seq after prevHash.
func NewBundle(st workflows.Status, seq int64, prevHash string, now time.Time) (Bundle, Manifest, error) {
	record, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return nil, Manifest{}, fmt.Errorf("encode record of %s: %w", st.RunID, err)
	}
	r := NewReport(st)
	var md, html, junit bytes.Buffer
	if err := r.WriteMarkdown(&md); err != nil {
		return nil, Manifest{}, err
	}
	if err := r.WriteHTML(&html); err != nil {
		return nil, Manifest{}, err
	}
	if err := r.WriteJUnit(&junit); err != nil {
		return nil, Manifest{}, err
	}
	b := Bundle{RecordFile: record, MarkdownFile: md.Bytes(), HTMLFile: html.Bytes(), JUnitFile: junit.Bytes()}
	m := Manifest{
		Version: 1, Seq: seq, RunID: st.RunID, Runbook: st.Runbook, Service: st.Service, Mode: string(st.Mode),
		State: string(st.State), StartedAt: st.StartedAt, EndedAt: st.EndedAt, WrittenAt: now.UTC(),
		PrevHash: prevHash,
	}
	return b.seal(m)
}

// seal lists b's files with their digests in m, hashes m and adds it to b as the
// manifest: the last step of every kind of bundle.
func (b Bundle) seal(m Manifest) (Bundle, Manifest, error) {
	m.Files = make(map[string]string, len(b))
	for name, data := range b {
		m.Files[name] = digest(data)
	}
	m.Hash = m.computeHash()
	mb, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, Manifest{}, err
	}
	b[ManifestFile] = mb
	return b, m, nil
}

// computeHash hashes the manifest's content without its own hash.
func (m Manifest) computeHash() string {
	m.Hash = ""
	b, _ := json.Marshal(m) // struct fields in order, map keys sorted: canonical
	return digest(b)
}

// Check verifies the bundle's files against its manifest and the manifest's own hash.
func (b Bundle) Check() (Manifest, []string) {
	var m Manifest
	raw, ok := b[ManifestFile]
	if !ok {
		return m, []string{"manifest.json is missing"}
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return m, []string{"manifest.json is not valid JSON: " + err.Error()}
	}
	var problems []string
	if got := m.computeHash(); got != m.Hash {
		problems = append(problems, fmt.Sprintf("manifest.json was changed (hash %s, recorded %s)", short(got), short(m.Hash)))
	}
	names := make([]string, 0, len(m.Files))
	for name := range m.Files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		data, ok := b[name]
		switch {
		case !ok:
			problems = append(problems, name+" is missing")
		case digest(data) != m.Files[name]:
			problems = append(problems, fmt.Sprintf("%s was changed (hash %s, recorded %s)", name, short(digest(data)), short(m.Files[name])))
		}
	}
	for name := range b {
		if _, listed := m.Files[name]; !listed && name != ManifestFile {
			problems = append(problems, name+" was added")
		}
	}
	sort.Strings(problems)
	return m, problems
}

// Intact returns an error naming everything in the bundle that does not match its
// manifest, for readers that must not pass an edited file off as evidence; nil if
// nothing.
func (b Bundle) Intact() error {
	m, problems := b.Check()
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("evidence bundle %d (run %s) does not match its manifest: %s; `bcdr evidence verify` lists every problem of the store",
		m.Seq, m.RunID, strings.Join(problems, "; "))
}

func digest(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

func short(h string) string {
	if len(h) > 19 {
		return h[:19]
	}
	return h
}

// dirName is a bundle's folder (or key prefix) name: its sequence, then its run.
func dirName(seq int64, runID string) string {
	return fmt.Sprintf("%010d-%s", seq, runID)
}
