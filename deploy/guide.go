package deploy

import (
	"bufio"
	"bytes"
	"strings"
)

// GuideCommands returns the command lines of program ("bcdr", "helm", "docker") in the
// sh code blocks of a Markdown guide, continuation lines joined and comments dropped, in
// the order they appear; program "" returns every command line. The tests run these
// very lines, so the guide's commands are the ones the tests use.
func GuideCommands(markdown []byte, program string) []string {
	var out []string
	inBlock, cont := false, ""
	sc := bufio.NewScanner(bytes.NewReader(markdown))
	for sc.Scan() {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(trimmed, "```"):
			inBlock = !inBlock && strings.TrimPrefix(trimmed, "```") == "sh"
			cont = ""
			continue
		case !inBlock:
			continue
		}
		if strings.HasPrefix(trimmed, "#") { // a line of comment
			continue
		}
		trimmed = dropComment(trimmed)
		if cont != "" {
			trimmed = cont + " " + trimmed
		}
		if strings.HasSuffix(trimmed, "\\") {
			cont = strings.TrimSpace(strings.TrimSuffix(trimmed, "\\"))
			continue
		}
		cont = ""
		if program == "" && trimmed != "" || program != "" && strings.HasPrefix(trimmed, program+" ") {
			out = append(out, trimmed)
		}
	}
	return out
}

// Args splits a command line into words: whitespace separates them, single and double
// quotes group them (no escapes, no variables: the guide's commands need none).
func Args(line string) []string {
	var out []string
	var cur strings.Builder
	var quote rune
	inWord := false
	for _, r := range line {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				out = append(out, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		out = append(out, cur.String())
	}
	return out
}

// dropComment cuts a shell comment (" #" outside quotes) off a line.
func dropComment(line string) string {
	var quote rune
	for i, r := range line {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '\'' || r == '"':
			quote = r
		case r == '#' && i > 0 && (line[i-1] == ' ' || line[i-1] == '\t'):
			return strings.TrimSpace(line[:i])
		}
	}
	return line
}
