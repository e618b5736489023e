package engine

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"time"

	enums "go.temporal.io/api/enums/v1"
)

// Defaults applied by Start to zero-valued Options fields.
const (
	DefaultIP           = "127.0.0.1"
	DefaultFrontendPort = 7233
	DefaultNamespace    = "default"
	DefaultRetention    = 30 * 24 * time.Hour

	// PickFreePort as FrontendPort or UIPort asks Start to pick a free port
	// on Options.IP (tests, parallel dev instances).
	PickFreePort = -1
)

// SearchAttributes are the custom search attributes bcdr's workflows upsert.
// Start registers them in the namespace on first start and adds any that are
// missing on later starts.
var SearchAttributes = map[string]enums.IndexedValueType{
	"BcdrRunbook": enums.INDEXED_VALUE_TYPE_KEYWORD,
	"BcdrService": enums.INDEXED_VALUE_TYPE_KEYWORD,
	"BcdrMode":    enums.INDEXED_VALUE_TYPE_KEYWORD,
	"BcdrOutcome": enums.INDEXED_VALUE_TYPE_KEYWORD,
}

// Options configures Start. Only DataDir is required.
type Options struct {
	// DataDir holds the SQLite file DataDir/temporal.db. It is created with
	// mode 0700 when missing. Required.
	DataDir string
	// IP is the address every server port binds to: the frontend, the
	// internal history/matching/worker ports and the UI. Default 127.0.0.1
	// (loopback only); 0.0.0.0 exposes all of them, without TLS or auth.
	IP string
	// FrontendPort is the frontend's gRPC port. 0 means 7233; PickFreePort
	// (-1) picks a free port (read it back with Server.Address).
	FrontendPort int
	// UIPort serves the Temporal Web UI on IP:UIPort. 0 means no UI;
	// PickFreePort (-1) picks a free port (see Server.UIAddress).
	UIPort int
	// UICodecEndpoint is the remote payload codec the Web UI's pages call to show
	// encrypted payloads decoded (Temporal's /encode and /decode protocol); "" for none.
	UICodecEndpoint string
	// Namespace is created on first start. Default "default".
	Namespace string
	// Retention is how long closed runs are kept, at least 1h. Default 30
	// days (not the 24h of a bare dev namespace). Applied on create, and
	// updated on a later start when it differs from the stored value.
	Retention time.Duration
	// Logger receives the server's logs. Default: warnings and errors to
	// stderr, everything below Warn discarded.
	Logger *slog.Logger
	// DynamicConfig overrides server dynamic config keys (for example
	// "history.transferProcessorMaxPollRPS") on top of the tuned defaults.
	DynamicConfig map[string]any
	// Untuned skips the latency tuning and leaves the server's defaults
	// (benchmarks compare the two). DynamicConfig still applies.
	Untuned bool
}

// withDefaults returns o with defaults filled in, or an error naming every
// invalid field.
func (o Options) withDefaults() (Options, error) {
	if o.IP == "" {
		o.IP = DefaultIP
	}
	if o.FrontendPort == 0 {
		o.FrontendPort = DefaultFrontendPort
	}
	if o.Namespace == "" {
		o.Namespace = DefaultNamespace
	}
	if o.Retention == 0 {
		o.Retention = DefaultRetention
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}

	var errs []error
	if o.DataDir == "" {
		errs = append(errs, errors.New("data folder is required (Options.DataDir)"))
	}
	if net.ParseIP(o.IP) == nil {
		errs = append(errs, fmt.Errorf("ip %q is not an IP address", o.IP))
	}
	if err := checkPortOption("frontend port", o.FrontendPort); err != nil {
		errs = append(errs, err)
	}
	if err := checkPortOption("ui port", o.UIPort); err != nil {
		errs = append(errs, err)
	}
	if o.Retention < time.Hour {
		errs = append(errs, fmt.Errorf("retention %s is below the server's minimum of 1h", o.Retention))
	}
	return o, errors.Join(errs...)
}

func checkPortOption(what string, port int) error {
	if port < PickFreePort || port > 65535 {
		return fmt.Errorf("%s %d is out of range (1-65535, 0 for the default, -1 to pick a free port)", what, port)
	}
	return nil
}
