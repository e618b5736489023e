package config

import (
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/bcdr/bcdr/activities/notify"
	"github.com/bcdr/bcdr/internal/duration"
)

// Server says where the CLI finds a bcdr API server. With a URL set, the CLI starts and
// operates runs through the API (as the token's identity) instead of talking to Temporal.
type Server struct {
	URL   string `mapstructure:"url" yaml:"url" json:"url"`
	Token string `mapstructure:"token" yaml:"token" json:"token"`
}

// Auth says who may use the bcdr API and what they may do.
type Auth struct {
	// Tokens are static API tokens, stored as hashes ("bcdr token hash" prints one).
	Tokens []Token `mapstructure:"tokens" yaml:"tokens" json:"tokens"`
	OIDC   OIDC    `mapstructure:"oidc" yaml:"oidc" json:"oidc"`
	// Bindings grant roles to users and groups, on every service or on the ones named.
	Bindings []Binding `mapstructure:"bindings" yaml:"bindings" json:"bindings"`
}

// Token is one static API token.
type Token struct {
	Name   string   `mapstructure:"name" yaml:"name" json:"name"` // who the token authenticates
	Hash   string   `mapstructure:"hash" yaml:"hash" json:"hash"` // "sha256:<hex>" of the token
	Groups []string `mapstructure:"groups" yaml:"groups" json:"groups"`
	Roles  []string `mapstructure:"roles" yaml:"roles" json:"roles"` // on every service
}

// OIDC validates bearer JWTs from an OpenID Connect issuer against its published keys.
type OIDC struct {
	Issuer        string `mapstructure:"issuer" yaml:"issuer" json:"issuer"`
	Audience      string `mapstructure:"audience" yaml:"audience" json:"audience"`
	UsernameClaim string `mapstructure:"username_claim" yaml:"username_claim" json:"username_claim"`
	GroupsClaim   string `mapstructure:"groups_claim" yaml:"groups_claim" json:"groups_claim"`
	RolesClaim    string `mapstructure:"roles_claim" yaml:"roles_claim" json:"roles_claim"` // "" = roles from bindings only
}

// Binding grants roles to the users and groups named, on the services named (every
// service when none is).
type Binding struct {
	Roles    []string `mapstructure:"roles" yaml:"roles" json:"roles"`
	Users    []string `mapstructure:"users" yaml:"users" json:"users"`
	Groups   []string `mapstructure:"groups" yaml:"groups" json:"groups"`
	Services []string `mapstructure:"services" yaml:"services" json:"services"`
}

// Trigger maps a webhook (POST /v1/triggers/<name>) to a runbook run.
type Trigger struct {
	// Source is alertmanager (any JSON sender of Alertmanager's webhook payload), sns (an
	// SNS topic delivering CloudWatch alarms or EventBridge alarm events) or eventbridge
	// (an EventBridge API destination delivering "CloudWatch Alarm State Change" events).
	Source string `mapstructure:"source" yaml:"source" json:"source"`
	// TokenHash authenticates "Authorization: Bearer <token>"; HMACSecret authenticates an
	// "X-Bcdr-Signature: sha256=<hex>" of the body. SNS messages carry their own signature.
	TokenHash  string   `mapstructure:"token_hash" yaml:"token_hash" json:"token_hash"`
	HMACSecret string   `mapstructure:"hmac_secret" yaml:"hmac_secret" json:"hmac_secret"`
	TopicARNs  []string `mapstructure:"topic_arns" yaml:"topic_arns" json:"topic_arns"` // sns: accepted topics
	// ConfirmSubscription visits the SubscribeURL of a verified SNS subscription request.
	ConfirmSubscription bool              `mapstructure:"confirm_subscription" yaml:"confirm_subscription" json:"confirm_subscription"`
	Match               map[string]string `mapstructure:"match" yaml:"match" json:"match"` // labels an alert must have
	Runbook             string            `mapstructure:"runbook" yaml:"runbook" json:"runbook"`
	Mode                string            `mapstructure:"mode" yaml:"mode" json:"mode"`
	// Params are Go templates over the alert: {{ .Labels.region }}, {{ .Annotations.x }}.
	Params map[string]string `mapstructure:"params" yaml:"params" json:"params"`
	// MinInterval is the least time between two runs this trigger starts.
	MinInterval duration.Duration `mapstructure:"min_interval" yaml:"min_interval" json:"min_interval"`
	// DedupWindow: an alert that gives no start time (startsAt, StateChangeTime) starts
	// one run within this window of its last one; alerts that do are de-duplicated by it.
	DedupWindow duration.Duration `mapstructure:"dedup_window" yaml:"dedup_window" json:"dedup_window"`
	// Approvers, when set, must approve before the first step runs.
	Approvers     []string          `mapstructure:"approvers" yaml:"approvers" json:"approvers"`
	HoldOnFailure duration.Duration `mapstructure:"hold_on_failure" yaml:"hold_on_failure" json:"hold_on_failure"`
}

// Drills configures recurring drills: the runbooks the server knows and the cadence each
// service tier must be drilled at.
type Drills struct {
	// RunbookDirs hold the runbooks the API may start by name, besides the library.
	RunbookDirs []string `mapstructure:"runbook_dirs" yaml:"runbook_dirs" json:"runbook_dirs"`
	// Cadence maps a tier ("1") to the longest time between two successful drills.
	Cadence map[string]duration.Duration `mapstructure:"cadence" yaml:"cadence" json:"cadence"`
}

// Roles are the API roles, from least to most powerful.
var Roles = []string{"viewer", "operator", "incident-commander", "approver", "author", "admin"}

var (
	hashRe        = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)
	triggerNameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)
)

// validateAPI checks the server, auth, trigger, notify and drills sections.
func (c *Config) validateAPI(bad func(key, format string, args ...any)) {
	if c.Server.URL != "" {
		if u, err := url.Parse(c.Server.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("server.url", "%q is not an http(s) URL", c.Server.URL)
		}
	}
	for i, t := range c.Auth.Tokens {
		key := fmt.Sprintf("auth.tokens[%d]", i)
		if t.Name == "" {
			bad(key+".name", "must not be empty")
		}
		if !hashRe.MatchString(t.Hash) {
			bad(key+".hash", "must be sha256:<64 hex digits> (bcdr token hash prints one)")
		}
		checkRoles(bad, key+".roles", t.Roles)
	}
	if o := c.Auth.OIDC; o.Issuer != "" {
		if u, err := url.Parse(o.Issuer); err != nil || u.Scheme == "" || u.Host == "" {
			bad("auth.oidc.issuer", "%q is not a URL", o.Issuer)
		}
		if o.Audience == "" {
			bad("auth.oidc.audience", "must be set with auth.oidc.issuer (the client id tokens are issued for)")
		}
	}
	for i, b := range c.Auth.Bindings {
		key := fmt.Sprintf("auth.bindings[%d]", i)
		if len(b.Roles) == 0 {
			bad(key+".roles", "must name at least one role")
		}
		checkRoles(bad, key+".roles", b.Roles)
		if len(b.Users) == 0 && len(b.Groups) == 0 {
			bad(key, "must name users or groups")
		}
	}
	for _, name := range slices.Sorted(maps.Keys(c.Triggers)) {
		c.validateTrigger(bad, name, c.Triggers[name])
	}
	c.validateNotify(bad)
	c.validateTrackers(bad)
	for _, tier := range slices.Sorted(maps.Keys(c.Drills.Cadence)) {
		if c.Drills.Cadence[tier] <= 0 {
			bad("drills.cadence."+tier, "must be a positive duration")
		}
	}
}

func (c *Config) validateTrigger(bad func(key, format string, args ...any), name string, t Trigger) {
	key := "triggers." + name
	if !triggerNameRe.MatchString(name) {
		bad(key, "a trigger name is lower-case letters, digits, - and _")
	}
	switch t.Source {
	case "alertmanager", "eventbridge":
		if t.TokenHash == "" && t.HMACSecret == "" {
			bad(key+".token_hash", "an %s trigger needs token_hash or hmac_secret", t.Source)
		}
	case "sns":
		if len(t.TopicARNs) == 0 {
			bad(key+".topic_arns", "an sns trigger must name the topics it accepts")
		}
	default:
		bad(key+".source", "%q is not one of alertmanager, eventbridge, sns", t.Source)
	}
	if t.TokenHash != "" && !hashRe.MatchString(t.TokenHash) {
		bad(key+".token_hash", "must be sha256:<64 hex digits> (bcdr token hash prints one)")
	}
	if t.Runbook == "" {
		bad(key+".runbook", "must name a runbook")
	}
	switch t.Mode {
	case "", "live", "drill", "tabletop":
	default:
		bad(key+".mode", "%q is not one of live, drill, tabletop", t.Mode)
	}
	if t.MinInterval < 0 || t.DedupWindow < 0 || t.HoldOnFailure < 0 {
		bad(key, "durations must not be negative")
	}
}

func (c *Config) validateNotify(bad func(key, format string, args ...any)) {
	if c.HTTP.PublicURL != "" {
		if u, err := url.Parse(c.HTTP.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
			bad("http.public_url", "%q is not an http(s) URL of the bcdr server (like https://bcdr.example.com)", c.HTTP.PublicURL)
		}
	}
	if c.Notify.AckLinkTTL < 0 {
		bad("notify.ack_link_ttl", "must be a positive duration, like 24h")
	}
	for _, name := range slices.Sorted(maps.Keys(c.Notify.Channels)) {
		ch, key := c.Notify.Channels[name], "notify.channels."+name
		switch ch.Type {
		case "slack", "webhook":
			if u, err := url.Parse(ch.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				bad(key+".url", "%q is not an http(s) URL", ch.URL)
			}
		case "email":
			if !strings.Contains(ch.SMTP, ":") {
				bad(key+".smtp", "%q is not host:port", ch.SMTP)
			}
			if ch.From == "" || (len(ch.To) == 0 && name != c.Notify.PeopleChannel) {
				bad(key+".to", "an email channel needs from and to (only notify.people_channel's may go without to)")
			}
		case "sns":
			if !strings.HasPrefix(ch.TopicARN, "arn:") {
				bad(key+".topic_arn", "%q is not a topic ARN", ch.TopicARN)
			}
		default:
			bad(key+".type", "%q is not one of slack, webhook, email, sns", ch.Type)
		}
	}
	if pc := c.Notify.PeopleChannel; pc != "" && c.Notify.Channels[pc].Type != "email" {
		bad("notify.people_channel", "%q is not an email channel in notify.channels: name the email channel whose server writes to the people a roll call names", pc)
	}
	for i, r := range c.Notify.Routes {
		key := fmt.Sprintf("notify.routes[%d]", i)
		if len(r.Channels) == 0 {
			bad(key+".channels", "must name at least one channel")
		}
		for _, ch := range r.Channels {
			if _, ok := c.Notify.Channels[ch]; !ok {
				bad(key+".channels", "no channel %q in notify.channels", ch)
			}
		}
		for _, ev := range r.Events {
			if !slices.Contains(notify.Events, ev) {
				bad(key+".events", "%q is not one of %s", ev, strings.Join(notify.Events, ", "))
			}
		}
	}
}

func checkRoles(bad func(key, format string, args ...any), key string, roles []string) {
	for _, r := range roles {
		if !slices.Contains(Roles, r) {
			bad(key, "%q is not one of %s", r, strings.Join(Roles, ", "))
		}
	}
}

// Notifies reports whether run events go anywhere (a route, or roll calls' mail to
// people): starters then ask runs to notify.
func (c *Config) Notifies() bool { return len(c.Notify.Routes) > 0 || c.Notify.PeopleChannel != "" }

// maskAPI replaces the secrets of the API sections.
func (c *Config) maskAPI() {
	if c.Server.Token != "" {
		c.Server.Token = "***"
	}
	if len(c.Triggers) > 0 {
		triggers := make(map[string]Trigger, len(c.Triggers))
		for k, t := range c.Triggers {
			if t.HMACSecret != "" {
				t.HMACSecret = "***"
			}
			triggers[k] = t
		}
		c.Triggers = triggers
	}
	if len(c.Notify.Channels) > 0 {
		channels := make(map[string]notify.Channel, len(c.Notify.Channels))
		for k, ch := range c.Notify.Channels {
			if ch.Secret != "" {
				ch.Secret = "***"
			}
			if ch.Password != "" {
				ch.Password = "***"
			}
			if ch.Type == "slack" && ch.URL != "" {
				ch.URL = "***" // a Slack incoming-webhook URL is its own credential
			}
			channels[k] = ch
		}
		c.Notify.Channels = channels
	}
}
