package engine

import (
	"fmt"
	"time"

	"go.temporal.io/server/common/config"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	sqliteschema "go.temporal.io/server/schema/sqlite"
	"google.golang.org/protobuf/types/known/durationpb"
)

// sqlConfig is the persistence config for the database file at path.
//
// WAL lets readers (visibility, the UI) proceed while history writes;
// synchronous=NORMAL is the usual pairing with WAL: a commit does not wait
// for fsync, an application crash loses nothing, a power loss can lose the
// last commits. busy_timeout makes a locked database wait, not fail.
func sqlConfig(path string) *config.SQL {
	return &config.SQL{
		PluginName:   sqliteplugin.PluginName,
		DatabaseName: path,
		ConnectAttributes: map[string]string{
			"mode":         "rwc",
			"journal_mode": "wal",
			"synchronous":  "normal",
			"busy_timeout": "10000",
		},
	}
}

// prepareDatabase creates the schema on first start and the namespace with
// bcdr's search attributes and retention when it does not exist yet. An
// existing namespace is left alone here; reconcileNamespace updates it
// through the frontend once the server runs.
func prepareDatabase(d *dataDir, cfg *config.SQL, clusterName, namespace string, retention time.Duration) error {
	fresh, err := d.fresh()
	if err != nil {
		return err
	}
	if fresh {
		if err := sqliteschema.SetupSchema(cfg); err != nil {
			d.removeDB()
			return fmt.Errorf("create database %s: %w", d.dbPath(), err)
		}
	}
	ns, err := sqliteschema.NewNamespaceConfig(clusterName, namespace, false, SearchAttributes)
	if err != nil {
		return fmt.Errorf("namespace %q: %w", namespace, err)
	}
	ns.Detail.Config.Retention = durationpb.New(retention)
	if err := sqliteschema.CreateNamespaces(cfg, ns); err != nil {
		if fresh {
			d.removeDB()
		}
		return fmt.Errorf("create namespace %q in %s: %w", namespace, d.dbPath(), err)
	}
	return nil
}
