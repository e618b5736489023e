package runbooks

import (
	"errors"
	"strings"
)

const (
	openDelim  = "${{"
	closeDelim = "}}"
)

// segment is a piece of a template string: literal text, or an expression (Expr != "").
type segment struct {
	Text   string
	Expr   string
	IsExpr bool
}

// hasExpr reports whether s holds a ${{ }} expression.
func hasExpr(s string) bool { return strings.Contains(s, openDelim) }

// splitTemplate cuts s into literal text and ${{ }} expressions. A "}}" inside a quoted
// string of the expression does not close it.
func splitTemplate(s string) ([]segment, error) {
	var out []segment
	for {
		i := strings.Index(s, openDelim)
		if i < 0 {
			if s != "" {
				out = append(out, segment{Text: s})
			}
			return out, nil
		}
		if i > 0 {
			out = append(out, segment{Text: s[:i]})
		}
		rest := s[i+len(openDelim):]
		end := closingDelim(rest)
		if end < 0 {
			return nil, errors.New("unterminated ${{: missing }}")
		}
		e := strings.TrimSpace(rest[:end])
		if e == "" {
			return nil, errors.New("empty expression ${{ }}")
		}
		out = append(out, segment{Expr: e, IsExpr: true})
		s = rest[end+len(closeDelim):]
	}
}

// closingDelim returns the index of the "}}" that ends an expression, skipping quoted
// strings, or -1.
func closingDelim(s string) int {
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == '\\' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'' || c == '`':
			quote = c
		case strings.HasPrefix(s[i:], closeDelim):
			return i
		}
	}
	return -1
}

// singleExpr returns the expression when s is exactly one ${{ }} (blank around it
// allowed): such a value keeps the expression's type instead of becoming a string.
func singleExpr(segs []segment) (string, bool) {
	var e string
	n := 0
	for _, sg := range segs {
		if sg.IsExpr {
			e = sg.Expr
			n++
		} else if strings.TrimSpace(sg.Text) != "" {
			return "", false
		}
	}
	return e, n == 1
}

// bareExpr strips one ${{ }} around an expression that may or may not be wrapped (when,
// outputs). It fails when the text mixes expressions and literal text.
func bareExpr(s string) (string, error) {
	if !hasExpr(s) {
		return strings.TrimSpace(s), nil
	}
	segs, err := splitTemplate(s)
	if err != nil {
		return "", err
	}
	e, ok := singleExpr(segs)
	if !ok {
		return "", errors.New("must be a single expression, with or without ${{ }}")
	}
	return e, nil
}
