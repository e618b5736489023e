package config

import (
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/bcdr/bcdr/activities/notify"
	"github.com/bcdr/bcdr/api"
	"github.com/bcdr/bcdr/internal/duration"
)

// Server says where the CLI finds a bcdr API server. With a URL set, the CLI starts and
// operates runs through the API (as the token's identity) instead of talking to Temporal.
type Server struct {
	URL   string `mapstructure:"url" yaml:"url" json:"url"`
	Token string `mapstructure:"token" yaml:"token" json:"token"`
}

// Drills configures recurring drills: the runbooks the server knows and the cadence each
// service tier must be drilled at.
type Drills struct {
	// RunbookDirs hold the runbooks the API may start by name, besides the library.
	RunbookDirs []string `mapstructure:"runbook_dirs" yaml:"runbook_dirs" json:"runbook_dirs"`
	// Cadence maps a tier ("1") to the longest time between two successful drills.
	Cadence map[string]duration.Duration `mapstructure:"cadence" yaml:"cadence" json:"cadence"`
}

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

func (c *Config) validateTrigger(bad func(key, format string, args ...any), name string, t api.Trigger) {
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
		if !slices.Contains(api.Roles, r) {
			bad(key, "%q is not one of %s", r, strings.Join(api.Roles, ", "))
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
		triggers := make(map[string]api.Trigger, len(c.Triggers))
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
