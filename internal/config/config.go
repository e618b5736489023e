package config

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/bcdr/bcdr/activities/notify"
	"github.com/bcdr/bcdr/api"
	"github.com/bcdr/bcdr/internal/duration"
)

// Config is bcdr's effective configuration, from flags, then BCDR_* environment
// variables, then the config file, then defaults.
type Config struct {
	// DataDir holds the embedded engine's SQLite file and the local evidence store.
	DataDir  string   `mapstructure:"data_dir" yaml:"data_dir" json:"data_dir"`
	Temporal Temporal `mapstructure:"temporal" yaml:"temporal" json:"temporal"`
	Dev      Dev      `mapstructure:"dev" yaml:"dev" json:"dev"`
	HTTP     HTTP     `mapstructure:"http" yaml:"http" json:"http"`
	Identity Identity `mapstructure:"identity" yaml:"identity" json:"identity"`
	// Groups maps a group name to its members ("incident-commanders": [alice, bob]); it
	// resolves "group:<name>" approvers until an identity provider does.
	Groups map[string][]string `mapstructure:"groups" yaml:"groups" json:"groups"`
	AWS    AWS                 `mapstructure:"aws" yaml:"aws" json:"aws"`
	// Evidence says where finished runs' evidence bundles go.
	Evidence Evidence `mapstructure:"evidence" yaml:"evidence" json:"evidence"`
	Log      Log      `mapstructure:"log" yaml:"log" json:"log"`
	// Server, Auth, Triggers, Notify and Drills configure the bcdr API; api.go validates
	// and masks them. Auth and Triggers are package api's types and Notify package
	// notify's: the packages that consume them own them, and config fills them in.
	Server   Server                 `mapstructure:"server" yaml:"server" json:"server"`
	Auth     api.Auth               `mapstructure:"auth" yaml:"auth" json:"auth"`
	Triggers map[string]api.Trigger `mapstructure:"triggers" yaml:"triggers" json:"triggers"`
	// Trackers are where improvement items are exported (see trackers.go).
	Trackers map[string]Tracker `mapstructure:"trackers" yaml:"trackers" json:"trackers"`
	Notify   notify.Config      `mapstructure:"notify" yaml:"notify" json:"notify"`
	Drills   Drills             `mapstructure:"drills" yaml:"drills" json:"drills"`
	// Metrics and Tracing configure telemetry (see telemetry.go).
	Metrics Metrics `mapstructure:"metrics" yaml:"metrics" json:"metrics"`
	Tracing Tracing `mapstructure:"tracing" yaml:"tracing" json:"tracing"`
	// Codec encrypts run payloads in Temporal's history (see codec.go).
	Codec Codec `mapstructure:"codec" yaml:"codec" json:"codec"`
	// Egress limits what runbook steps may reach over the network (see egress.go).
	Egress Egress `mapstructure:"egress" yaml:"egress" json:"egress"`
	// OutageWindow is how long before a run its declared outage start may lie; a start
	// further back, or in the future, is refused.
	OutageWindow duration.Duration `mapstructure:"outage_window" yaml:"outage_window" json:"outage_window"`
	// Policy is what runs must meet beside their runbooks' policies (see policy.go).
	Policy Policy `mapstructure:"policy" yaml:"policy" json:"policy"`
	// Catalogue is the service catalogue file: the services, tiers, targets and drill
	// cadence the portfolio, the overdue report and bcdr coverage read. Empty means the
	// first drills.runbook_dirs folder's catalogue.yaml, when one exists (CataloguePath).
	Catalogue string `mapstructure:"catalogue" yaml:"catalogue" json:"catalogue"`
}

// Temporal says how to reach the Temporal cluster (bcdr worker, bcdr run, ...).
type Temporal struct {
	Address   string `mapstructure:"address" yaml:"address" json:"address"`
	Namespace string `mapstructure:"namespace" yaml:"namespace" json:"namespace"`
	TaskQueue string `mapstructure:"task_queue" yaml:"task_queue" json:"task_queue"`
	APIKey    string `mapstructure:"api_key" yaml:"api_key" json:"api_key"`
	TLS       TLS    `mapstructure:"tls" yaml:"tls" json:"tls"`
}

// TLS configures TLS or mTLS to the Temporal frontend.
type TLS struct {
	Enabled    bool   `mapstructure:"enabled" yaml:"enabled" json:"enabled"`
	CertFile   string `mapstructure:"cert_file" yaml:"cert_file" json:"cert_file"`
	KeyFile    string `mapstructure:"key_file" yaml:"key_file" json:"key_file"`
	CAFile     string `mapstructure:"ca_file" yaml:"ca_file" json:"ca_file"`
	ServerName string `mapstructure:"server_name" yaml:"server_name" json:"server_name"`
}

// Dev configures the embedded engine of `bcdr dev`.
type Dev struct {
	IP           string            `mapstructure:"ip" yaml:"ip" json:"ip"`
	FrontendPort int               `mapstructure:"frontend_port" yaml:"frontend_port" json:"frontend_port"`
	UIPort       int               `mapstructure:"ui_port" yaml:"ui_port" json:"ui_port"` // 0 disables the Temporal Web UI
	Retention    duration.Duration `mapstructure:"retention" yaml:"retention" json:"retention"`
}

// HTTP configures the bcdr API and dashboard server.
type HTTP struct {
	Address string `mapstructure:"address" yaml:"address" json:"address"`
	// PublicURL is the server's address as people reach it ("https://bcdr.example.com"),
	// for the links bcdr sends out: roll calls' acknowledgement links (PublicURL/v1/ack)
	// and the link back from a tracker's issue to its improvement item. Empty: no links.
	PublicURL string `mapstructure:"public_url" yaml:"public_url" json:"public_url"`
}

// Identity is who the CLI acts as when it talks to the engine directly.
type Identity struct {
	User string `mapstructure:"user" yaml:"user" json:"user"`
	// KeyFile holds the identity key (base64, 16 bytes or more) with which bcdr server and
	// a CLI that talks to the engine directly sign decisions and operator actions, and
	// with which the workers verify them: the same file's content everywhere. Default
	// data_dir/identity.key, which `bcdr dev` writes when it is missing.
	KeyFile string `mapstructure:"key_file" yaml:"key_file" json:"key_file"`
}

// IdentityKeyFile is identity.key_file, or data_dir/identity.key.
func (c *Config) IdentityKeyFile() string {
	if c.Identity.KeyFile != "" {
		return c.Identity.KeyFile
	}
	return filepath.Join(c.DataDir, "identity.key")
}

// AWS configures the AWS actions.
type AWS struct {
	Region   string `mapstructure:"region" yaml:"region" json:"region"`
	Endpoint string `mapstructure:"endpoint" yaml:"endpoint" json:"endpoint"` // override, e.g. a moto server
	RoleARN  string `mapstructure:"role_arn" yaml:"role_arn" json:"role_arn"`
}

// Evidence configures the evidence store: a local folder (Dir, default
// data_dir/evidence) or, with S3Bucket, an S3 bucket.
type Evidence struct {
	Dir          string            `mapstructure:"dir" yaml:"dir" json:"dir"`
	S3Bucket     string            `mapstructure:"s3_bucket" yaml:"s3_bucket" json:"s3_bucket"`
	S3Prefix     string            `mapstructure:"s3_prefix" yaml:"s3_prefix" json:"s3_prefix"`
	S3Retention  duration.Duration `mapstructure:"s3_retention" yaml:"s3_retention" json:"s3_retention"`
	S3Governance bool              `mapstructure:"s3_governance" yaml:"s3_governance" json:"s3_governance"`
	// Anchor is a file, outside the store, where every bundle's position and hash is also
	// recorded, so that removing the newest bundles is detected: default
	// data_dir/evidence.anchor for a folder store, none for S3 (whose Object Lock keeps
	// bundles from being removed); "none" turns it off.
	Anchor string `mapstructure:"anchor" yaml:"anchor" json:"anchor"`
}

// EvidenceAnchor is the evidence anchor file, "" for none.
func (c *Config) EvidenceAnchor() string {
	switch {
	case c.Evidence.Anchor == "none":
		return ""
	case c.Evidence.Anchor != "":
		return c.Evidence.Anchor
	case c.Evidence.S3Bucket != "":
		return ""
	}
	return filepath.Join(c.DataDir, "evidence.anchor")
}

// CatalogueFile is the name of a runbook folder's service catalogue.
const CatalogueFile = "catalogue.yaml"

// CataloguePath is the service catalogue the server's portfolio reads: the catalogue
// key, else the first runbook folder (drills.runbook_dirs) that holds catalogue.yaml;
// "" when there is none, and the services then come from the runbooks' metadata.
func (c *Config) CataloguePath() string {
	if c.Catalogue != "" {
		return c.Catalogue
	}
	for _, dir := range c.Drills.RunbookDirs {
		p := filepath.Join(dir, CatalogueFile)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p
		}
	}
	return ""
}

// EvidenceDir is the evidence folder: evidence.dir, or data_dir/evidence.
func (c *Config) EvidenceDir() string {
	if c.Evidence.Dir != "" {
		return c.Evidence.Dir
	}
	return filepath.Join(c.DataDir, "evidence")
}

// Log configures bcdr's own logs.
type Log struct {
	Level  string `mapstructure:"level" yaml:"level" json:"level"`
	Format string `mapstructure:"format" yaml:"format" json:"format"`
}

// Defaults returns the built-in defaults. home is the user's data home (XDG_DATA_HOME or
// ~/.local/share); user is the login name.
func Defaults(dataHome, user string) map[string]any {
	return map[string]any{
		"data_dir":                 filepath.Join(dataHome, "bcdr"),
		"temporal.address":         "127.0.0.1:7233",
		"temporal.namespace":       "default",
		"temporal.task_queue":      "bcdr",
		"temporal.api_key":         "",
		"temporal.tls.enabled":     false,
		"temporal.tls.cert_file":   "",
		"temporal.tls.key_file":    "",
		"temporal.tls.ca_file":     "",
		"temporal.tls.server_name": "",
		"dev.ip":                   "127.0.0.1",
		"dev.frontend_port":        7233,
		"dev.ui_port":              8233,
		"dev.retention":            "720h",
		"http.address":             "127.0.0.1:8080",
		"http.public_url":          "",
		"identity.user":            user,
		"identity.key_file":        "",
		"groups":                   map[string][]string{},
		"aws.region":               "",
		"aws.endpoint":             "",
		"aws.role_arn":             "",
		"evidence.dir":             "",
		"evidence.s3_bucket":       "",
		"evidence.s3_prefix":       "bcdr/evidence",
		"evidence.s3_retention":    "0s",
		"evidence.s3_governance":   false,
		"evidence.anchor":          "",
		"log.level":                "info",
		"log.format":               "text",
		"server.url":               "",
		"server.token":             "",
		"auth.tokens":              []any{},
		"auth.oidc.issuer":         "",
		"auth.oidc.audience":       "",
		"auth.oidc.username_claim": "email",
		"auth.oidc.groups_claim":   "groups",
		"auth.oidc.roles_claim":    "",
		"auth.bindings":            []any{},
		"triggers":                 map[string]any{},
		"trackers":                 map[string]any{},
		"notify.channels":          map[string]any{},
		"notify.routes":            []any{},
		"notify.ack_link_ttl":      "24h",
		"notify.people_channel":    "",
		"drills.runbook_dirs":      []string{},
		"drills.cadence":           map[string]any{"1": "2160h", "2": "4320h", "3": "8760h"},
		"metrics.address":          "127.0.0.1:9464",
		"tracing.endpoint":         "",
		"tracing.insecure":         false,
		"tracing.sample_ratio":     1.0,
		"codec.key":                "",
		"codec.key_file":           "",
		"codec.kms_key_id":         "",
		"codec.previous_keys":      []string{},
		"codec.origins":            []string{},
		"egress.allow":             []string{},
		"egress.deny":              []string{},
		"outage_window":            "720h",
		"policy.require_proven":    "warn",
		"policy.approvers":         []string{},
		"catalogue":                "",
	}
}

// Keys returns every configuration key, sorted.
func Keys() []string {
	var keys []string
	for k := range Defaults("", "") {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Validate checks every value and returns all problems, each naming its key.
func (c *Config) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("config %s: "+format, append([]any{key}, args...)...))
	}
	if c.DataDir == "" {
		bad("data_dir", "must not be empty")
	}
	if _, _, err := net.SplitHostPort(c.Temporal.Address); err != nil {
		bad("temporal.address", "%q is not host:port", c.Temporal.Address)
	}
	if c.Temporal.Namespace == "" {
		bad("temporal.namespace", "must not be empty")
	}
	if c.Temporal.TaskQueue == "" {
		bad("temporal.task_queue", "must not be empty")
	}
	if (c.Temporal.TLS.CertFile == "") != (c.Temporal.TLS.KeyFile == "") {
		bad("temporal.tls.cert_file", "cert_file and key_file go together (mTLS)")
	}
	for key, f := range map[string]string{"temporal.tls.cert_file": c.Temporal.TLS.CertFile,
		"temporal.tls.key_file": c.Temporal.TLS.KeyFile, "temporal.tls.ca_file": c.Temporal.TLS.CAFile} {
		if f != "" {
			if _, err := os.Stat(f); err != nil {
				bad(key, "%v", err)
			}
		}
	}
	if net.ParseIP(c.Dev.IP) == nil {
		bad("dev.ip", "%q is not an IP address", c.Dev.IP)
	}
	if c.Dev.FrontendPort < 0 || c.Dev.FrontendPort > 65535 {
		bad("dev.frontend_port", "%d is not a port", c.Dev.FrontendPort)
	}
	if c.Dev.UIPort < 0 || c.Dev.UIPort > 65535 {
		bad("dev.ui_port", "%d is not a port", c.Dev.UIPort)
	}
	if c.Dev.Retention.Std() < 24*time.Hour {
		bad("dev.retention", "%s is shorter than the engine's minimum of 24h", c.Dev.Retention.Std())
	}
	if _, _, err := net.SplitHostPort(c.HTTP.Address); err != nil {
		bad("http.address", "%q is not host:port", c.HTTP.Address)
	}
	if c.Evidence.S3Retention.Std() < 0 {
		bad("evidence.s3_retention", "must not be negative")
	}
	if c.Evidence.S3Retention.Std() > 0 && c.Evidence.S3Bucket == "" {
		bad("evidence.s3_retention", "applies to an S3 store: set evidence.s3_bucket")
	}
	switch strings.ToLower(c.Log.Level) {
	case "debug", "info", "warn", "error":
	default:
		bad("log.level", "%q is not one of debug, info, warn, error", c.Log.Level)
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		bad("log.format", "%q is not one of text, json", c.Log.Format)
	}
	c.validateAPI(bad)
	c.validateTelemetry(bad)
	c.validateCodec(bad)
	c.validateEgress(bad)
	c.validateOutageWindow(bad)
	c.validatePolicy(bad)
	return errors.Join(errs...)
}

// GroupsOf returns the groups user belongs to, sorted.
func (c *Config) GroupsOf(user string) []string {
	var out []string
	for g, members := range c.Groups {
		for _, m := range members {
			if m == user {
				out = append(out, g)
				break
			}
		}
	}
	sort.Strings(out)
	return out
}

// Masked returns a copy with secrets replaced, for printing.
func (c Config) Masked() Config {
	if c.Temporal.APIKey != "" {
		c.Temporal.APIKey = "***"
	}
	c.maskAPI()
	c.maskCodec()
	return c
}
