package runbooks

import (
	"fmt"
	"sort"
	"strings"
)

// Severity says whether a diagnostic stops a runbook from being used.
type Severity string

const (
	// SeverityError makes the runbook invalid.
	SeverityError Severity = "error"
	// SeverityWarning points at something odd that does not stop the runbook.
	SeverityWarning Severity = "warning"
)

// Diagnostic is one problem found in a runbook, with its place in the file.
type Diagnostic struct {
	File     string   `json:"file,omitempty"`
	Line     int      `json:"line"`
	Col      int      `json:"col"`
	Severity Severity `json:"severity"`
	Message  string   `json:"message"`
}

// Text is d's message, preceded by "warning: " for a warning.
func (d Diagnostic) Text() string {
	if d.Severity == SeverityWarning {
		return "warning: " + d.Message
	}
	return d.Message
}

// Place is d's line and column (0 where it has none).
func (d Diagnostic) Place() (line, col int) { return d.Line, d.Col }

// String formats d as "file:line:col: message" ("warning: " precedes the message of a
// warning).
func (d Diagnostic) String() string {
	msg := d.Text()
	switch {
	case d.Line == 0: // the file as a whole (it cannot be read, say): no place in it
		return fmt.Sprintf("%s: %s", d.File, msg)
	case d.Col == 0:
		return fmt.Sprintf("%s:%d: %s", d.File, d.Line, msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", d.File, d.Line, d.Col, msg)
}

// Diagnostics is every problem found in a runbook, sorted by place.
type Diagnostics []Diagnostic

// Error returns one "file:line:col: message" line per diagnostic.
func (ds Diagnostics) Error() string {
	lines := make([]string, len(ds))
	for i, d := range ds {
		lines[i] = d.String()
	}
	return strings.Join(lines, "\n")
}

// HasErrors reports whether any diagnostic is an error (not a warning).
func (ds Diagnostics) HasErrors() bool {
	for _, d := range ds {
		if d.Severity != SeverityWarning {
			return true
		}
	}
	return false
}

// Err returns ds as an error when it holds errors, and nil otherwise.
func (ds Diagnostics) Err() error {
	if !ds.HasErrors() {
		return nil
	}
	return ds
}

// Sort orders ds by file, line, column and message.
func (ds Diagnostics) Sort() {
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i], ds[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Col != b.Col {
			return a.Col < b.Col
		}
		return a.Message < b.Message
	})
}

// reporter collects diagnostics for one file.
type reporter struct {
	file    string
	diags   Diagnostics
	errors  int
	dropped int // errors beyond maxErrors left out (once full, some checks stop early)
	first   Pos // the place of the first one left out
}

func (r *reporter) errorf(p Pos, format string, args ...any) {
	r.add(p, SeverityError, fmt.Sprintf(format, args...))
}

func (r *reporter) warnf(p Pos, format string, args ...any) {
	r.add(p, SeverityWarning, fmt.Sprintf(format, args...))
}

func (r *reporter) add(p Pos, sev Severity, msg string) {
	if p.Line < 1 {
		p.Line = 1
	}
	if p.Column < 1 {
		p.Column = 1
	}
	if sev == SeverityError {
		if r.errors >= maxErrors {
			if r.dropped == 0 {
				r.first = p
			}
			r.dropped++
			return
		}
		r.errors++
	}
	r.diags = append(r.diags, Diagnostic{File: r.file, Line: p.Line, Col: p.Column, Severity: sev, Message: msg})
}

// full reports whether the reporter stopped recording errors: checks that only add
// errors can stop too.
func (r *reporter) full() bool { return r.dropped > 0 }

// result returns the diagnostics sorted, without exact duplicates, and, when errors
// were left out, one more that says how many.
func (r *reporter) result() Diagnostics {
	r.diags.Sort()
	out := make(Diagnostics, 0, len(r.diags)+1)
	for i, d := range r.diags {
		if i > 0 && d == r.diags[i-1] {
			continue
		}
		out = append(out, d)
	}
	if r.dropped > 0 {
		out = append(out, Diagnostic{File: r.file, Line: r.first.Line, Col: r.first.Column, Severity: SeverityError,
			Message: fmt.Sprintf("too many errors: only the first %d are shown (fix these first)", maxErrors)})
	}
	return out
}
