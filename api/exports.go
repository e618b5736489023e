package api

import (
	"context"
	"time"

	"github.com/bcdr/bcdr/continuity/improvements"
)

// DefaultExportEvery is how often the server exports the improvement plan to its
// trackers when nothing asks sooner (an update through the API asks at once).
const DefaultExportEvery = 15 * time.Second

// RunExports exports the improvement plan to the configured trackers (Options.Exporters)
// until ctx ends: at once, then every Options.ExportEvery, and right after an item is
// updated through the API. Each pass reads the plan from the evidence store and records
// what each tracker now has (trackers.Exporter.Sync) back into it.
func (s *Server) RunExports(ctx context.Context) {
	if len(s.opts.Exporters) == 0 {
		return
	}
	every := s.opts.ExportEvery
	if every <= 0 {
		every = DefaultExportEvery
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		s.exportOnce(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.exportNow:
		}
	}
}

// exportSoon asks RunExports for a pass now (an item changed).
func (s *Server) exportSoon() {
	select {
	case s.exportNow <- struct{}{}:
	default:
	}
}

func (s *Server) exportOnce(ctx context.Context) {
	items, _, err := s.opts.plan(ctx)
	store, ok := s.opts.Evidence.(ImprovementWriter)
	if err != nil || !ok {
		if err != nil {
			s.log.Warn("improvement export: the plan cannot be read", "error", err)
		}
		return
	}
	byID := make(map[string]*improvements.Item, len(items))
	for i := range items {
		byID[items[i].ID] = &items[i]
	}
	for _, x := range s.opts.Exporters {
		x.Sync(ctx, items, s.now(), func(e improvements.Event) error {
			it := byID[e.Item]
			_, err := store.AppendImprovement(ctx, it.Runbook, it.Service, e)
			switch {
			case err != nil:
				s.log.Warn("improvement export: not recorded", "item", e.Item, "tracker", x.Tracker.Name(), "error", err)
			case e.Export.Error != "":
				s.log.Warn("improvement export failed", "item", e.Item, "tracker", x.Tracker.Name(), "error", e.Export.Error)
			case !e.Export.Creating:
				s.log.Info("improvement exported", "item", e.Item, "tracker", x.Tracker.Name(), "key", e.Export.Key, "status", string(e.Export.Status))
			}
			return err
		})
	}
}
