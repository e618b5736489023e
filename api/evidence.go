package api

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/bcdr/bcdr/evidence"
)

// Evidence is what the API reads from the evidence store (an *evidence.Store).
type Evidence interface {
	// List returns the manifests of the chain, oldest first.
	List(ctx context.Context) ([]evidence.Manifest, error)
	// Get returns a run's bundle; evidence.ErrNoBundle when it has none.
	Get(ctx context.Context, runID string) (evidence.Bundle, evidence.Manifest, error)
	// File returns one file of a listed bundle, checked against its manifest.
	File(ctx context.Context, m evidence.Manifest, name string) ([]byte, error)
}

// reportFormats maps a report format to its bundle file and media type.
var reportFormats = map[string][2]string{
	"html":  {evidence.HTMLFile, "text/html; charset=utf-8"},
	"md":    {evidence.MarkdownFile, "text/markdown; charset=utf-8"},
	"json":  {evidence.RecordFile, "application/json"},
	"junit": {evidence.JUnitFile, "application/xml"},
}

// runReport serves a run's report from its evidence bundle; a run that has none yet is
// reported from its live state. X-Bcdr-Evidence names the bundle ("<seq> <hash>") or says
// "none".
func (s *Server) runReport(w http.ResponseWriter, r *http.Request, id *Identity) error {
	runID, format := r.PathValue("id"), r.URL.Query().Get("format")
	if format == "" {
		format = "html"
	}
	rep, err := s.engine(r, id).Report(r.Context(), runID, format)
	if rep.Check != "" {
		w.Header().Set("X-Bcdr-Evidence-Check", rep.Check)
	}
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", reportFormats[format][1])
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("X-Bcdr-Evidence", rep.Evidence)
	// The HTML report is a document of its own: no script, nothing fetched.
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	_, err = w.Write(rep.Data)
	return err
}

// runEvidence serves a run's evidence bundle as a zip file, manifest included.
// X-Bcdr-Evidence-Check says "ok" or what does not match the manifest.
func (s *Server) runEvidence(w http.ResponseWriter, r *http.Request, id *Identity) error {
	runID := r.PathValue("id")
	b, m, err := s.engine(r, id).bundle(r.Context(), runID)
	if errors.Is(err, evidence.ErrNoBundle) {
		return errorf(http.StatusNotFound, "", "run %s has no evidence bundle (one is written when a run ends)", runID)
	}
	if err != nil {
		return err
	}
	check := checkHeader(b)
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", runID+"-evidence.zip"))
	w.Header().Set("X-Bcdr-Evidence", fmt.Sprintf("%d %s", m.Seq, m.Hash))
	w.Header().Set("X-Bcdr-Evidence-Check", check)
	names := make([]string, 0, len(b))
	for name := range b {
		names = append(names, name)
	}
	sort.Strings(names)
	zw := zip.NewWriter(w)
	for _, name := range names {
		f, err := zw.CreateHeader(&zip.FileHeader{Name: runID + "/" + name, Method: zip.Deflate, Modified: m.WrittenAt})
		if err != nil {
			return err
		}
		if _, err := f.Write(b[name]); err != nil {
			return err
		}
	}
	return zw.Close()
}

// checkHeader is X-Bcdr-Evidence-Check: "ok", or what in the bundle does not match its
// manifest.
func checkHeader(b evidence.Bundle) string {
	if _, problems := b.Check(); len(problems) > 0 {
		return strings.Join(problems, "; ")
	}
	return "ok"
}
