package yamlnode

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Format is what Document needs to know of a file format.
type Format struct {
	// Name names a file of the format in messages: "runbook".
	Name string
	// MaxSize is the largest file accepted, in bytes: a whole number of MiB.
	MaxSize int
	// Want says what an empty file lacks: "want apiVersion: ..., kind: ... and steps".
	Want string
	// CheckAliases, if set, is given the parsed document before it is decoded; an error
	// (aliases that expand too much, say: see Expand) is reported and the document is
	// not decoded.
	CheckAliases func(doc *yaml.Node) error
}

// ReadFile reads the file at path in fsys, but no more than limit+1 bytes: enough for
// Document to report a file over the limit without reading all of it.
func ReadFile(fsys fs.FS, path string, limit int) ([]byte, error) {
	f, err := fsys.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, int64(limit)+1))
}

// Document parses src, a file of format f, which must hold one YAML document, and returns
// the document's root node. It reports what is wrong (too large, not YAML, empty, more
// than one document, rejected aliases) and returns nil when there is nothing to decode.
func (d *Decoder) Document(src []byte, f Format) *yaml.Node {
	if len(src) > f.MaxSize {
		d.Errorf(Pos{}, "%s is %d bytes; the limit is %d (%d MiB)", f.Name, len(src), f.MaxSize, f.MaxSize>>20)
		return nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var doc yaml.Node
	if err := SafeDecode(dec, &doc); err != nil {
		if errors.Is(err, io.EOF) {
			d.Errorf(Pos{}, "empty %s: %s", f.Name, f.Want)
		} else {
			d.InvalidYAML(src, err)
		}
		return nil
	}
	var next yaml.Node
	if err := SafeDecode(dec, &next); err == nil {
		d.Errorf(PosOf(&next), "a %s file holds one YAML document; found another", f.Name)
	} else if !errors.Is(err, io.EOF) {
		d.InvalidYAML(src, err)
	}
	if f.CheckAliases != nil {
		if err := f.CheckAliases(&doc); err != nil {
			d.Errorf(PosOf(&doc), "%v", err)
			return nil
		}
	}
	if len(doc.Content) == 0 {
		d.Errorf(Pos{}, "empty %s", f.Name)
		return nil
	}
	return doc.Content[0]
}

// SafeDecode decodes the next document of dec into n, turning a panic inside the YAML
// library into an error.
func SafeDecode(dec *yaml.Decoder, n *yaml.Node) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml: malformed document (%v)", r)
		}
	}()
	return dec.Decode(n)
}

var (
	yamlLine   = regexp.MustCompile(`line (\d+)`)
	yamlPrefix = regexp.MustCompile(`^yaml:\s*:?\s*`)
)

// InvalidYAML reports an error of the YAML library, met while decoding src, at the line
// it names (line 1 when it names none), as "invalid YAML: ..." without the library's
// prefix and line. A block whose lines are indented wrongly is reported at the line that
// breaks it (see misindented), with what to do.
func (d *Decoder) InvalidYAML(src []byte, err error) {
	line := 1
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		line, _ = strconv.Atoi(m[1])
	}
	msg := yamlMessage(err)
	if at, col, ok := misindented(src, line, msg); ok {
		d.Errorf(Pos{Line: at, Column: col}, "invalid YAML: this line is indented wrongly (%s); indent it with spaces like the other keys of the block it belongs to, or like the '-' of its list", msg)
		return
	}
	d.Errorf(Pos{Line: line, Column: 1}, "invalid YAML: %s", msg)
}

// yamlMessage is the YAML library's error without its prefix and line.
func yamlMessage(err error) string {
	msg := yamlLine.ReplaceAllString(err.Error(), "")
	return yamlPrefix.ReplaceAllString(msg, "")
}

// misindented finds the line that breaks a block when the YAML library says it "did not
// find expected key" or "'-' indicator". The library names the line where the block
// began (libyaml's context mark), not the line that broke it (its problem mark, which
// yaml.v3 does not return), so a key indented one space too few on line 8 came out as
// line 5. The first N lines of the file that fail with the same message end at the line
// that broke the block: every shorter prefix is still a well-formed document. The search
// is a bisection over the lines after from, so a large file costs a few parses, not one
// per line. It returns the line and the column of its first character.
func misindented(src []byte, from int, msg string) (line, col int, ok bool) {
	if !strings.HasPrefix(msg, "did not find expected key") && !strings.HasPrefix(msg, "did not find expected '-' indicator") {
		return 0, 0, false
	}
	lines := bytes.SplitAfter(src, []byte("\n"))
	fails := func(n int) bool { // the first n lines fail with msg
		dec := yaml.NewDecoder(bytes.NewReader(bytes.Join(lines[:n], nil)))
		for {
			var doc yaml.Node
			err := SafeDecode(dec, &doc)
			if err == nil {
				continue
			}
			return !errors.Is(err, io.EOF) && yamlMessage(err) == msg
		}
	}
	lo, hi := max(from, 1), len(lines) // fails(hi) holds: it is the whole file
	if lo > hi || fails(lo) {
		return 0, 0, false // nothing to narrow down: the library's line stands
	}
	for lo+1 < hi { // fails(hi) and not fails(lo)
		mid := (lo + hi) / 2
		if fails(mid) {
			hi = mid
		} else {
			lo = mid
		}
	}
	text := lines[hi-1]
	indent := len(text) - len(bytes.TrimLeft(text, " "))
	return hi, indent + 1, true
}
