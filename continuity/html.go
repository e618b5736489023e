package continuity

import (
	"html/template"
	"io"

	"github.com/gomarkdown/markdown"
	mdhtml "github.com/gomarkdown/markdown/html"
	"github.com/gomarkdown/markdown/parser"
)

// WriteHTML writes a Markdown document (WritePlan's, or a pack's index) as one
// self-contained HTML page, laid out for the screen and for print (A4, tables that do
// not split rows). The Markdown is the one rendering; HTML is made from it, never
// written a second way. Raw HTML in the Markdown is dropped, so text from a catalogue
// or a runbook cannot inject markup.
func WriteHTML(w io.Writer, title string, md []byte) error {
	p := parser.NewWithExtensions(parser.CommonExtensions | parser.AutoHeadingIDs)
	r := mdhtml.NewRenderer(mdhtml.RendererOptions{Flags: mdhtml.SkipHTML | mdhtml.Safelink | mdhtml.SkipImages})
	// The renderer escapes text and drops raw HTML (SkipHTML), so its output is safe.
	body := template.HTML(markdown.ToHTML(md, p, r)) //nolint:gosec // escaped by the renderer
	return pageTemplate.Execute(w, struct {
		Title string
		Body  template.HTML
	}{title, body})
}

var pageTemplate = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body { font: 11pt/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color: #1a1a1a; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.8em; border-bottom: 2px solid #1a1a1a; padding-bottom: .2em; }
h2 { font-size: 1.35em; border-bottom: 1px solid #999; margin-top: 2em; }
h3 { font-size: 1.1em; margin-top: 1.5em; }
h4, h5 { font-size: 1em; }
table { border-collapse: collapse; margin: .8em 0; width: 100%; font-size: .92em; }
th, td { border: 1px solid #bbb; padding: .25em .45em; text-align: left; vertical-align: top; }
th { background: #eee; }
tr { break-inside: avoid; }
code { font-family: "DejaVu Sans Mono", monospace; font-size: .9em; overflow-wrap: anywhere; }
@page { size: A4; margin: 16mm 14mm; }
@media print { body { margin: 0; max-width: none; } h2 { break-after: avoid; } h3 { break-after: avoid; } }
</style></head>
<body>
{{.Body}}
</body></html>
`))
