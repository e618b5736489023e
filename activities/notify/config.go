package notify

import (
	"github.com/bcdr/bcdr/activities"
	"github.com/bcdr/bcdr/internal/duration"
)

// Config routes run events to channels: the notify section of bcdr's configuration,
// which package config reads and validates.
type Config struct {
	Channels map[string]Channel `mapstructure:"channels" yaml:"channels" json:"channels"`
	Routes   []Route            `mapstructure:"routes" yaml:"routes" json:"routes"`
	// AckLinkTTL is how long a roll call's acknowledgement link is valid (default 24h);
	// links are made when http.public_url is set.
	AckLinkTTL duration.Duration `mapstructure:"ack_link_ttl" yaml:"ack_link_ttl" json:"ack_link_ttl"`
	// PeopleChannel names an email channel whose server, account and from address a roll
	// call also writes through to each person it names who has an email among the service
	// catalogue's contacts: one mail each, with only their own acknowledgement link. A
	// group's contact email (a team mailbox) gets one mail, without links.
	PeopleChannel string `mapstructure:"people_channel" yaml:"people_channel" json:"people_channel"`
}

// Channel is one notification target.
type Channel struct {
	Type string `mapstructure:"type" yaml:"type" json:"type"` // slack, webhook, email, sns
	URL  string `mapstructure:"url" yaml:"url" json:"url"`    // slack, webhook
	// Secret signs webhook bodies: X-Bcdr-Signature: sha256=<hex HMAC-SHA256>.
	Secret   string   `mapstructure:"secret" yaml:"secret" json:"secret"`
	SMTP     string   `mapstructure:"smtp" yaml:"smtp" json:"smtp"` // email: host:port
	Username string   `mapstructure:"username" yaml:"username" json:"username"`
	Password string   `mapstructure:"password" yaml:"password" json:"password"`
	From     string   `mapstructure:"from" yaml:"from" json:"from"`
	To       []string `mapstructure:"to" yaml:"to" json:"to"`
	TopicARN string   `mapstructure:"topic_arn" yaml:"topic_arn" json:"topic_arn"` // sns
	Region   string   `mapstructure:"region" yaml:"region" json:"region"`
	Endpoint string   `mapstructure:"endpoint" yaml:"endpoint" json:"endpoint"`
}

// Route sends the events that match it to its channels. An empty filter matches all.
type Route struct {
	Channels []string          `mapstructure:"channels" yaml:"channels" json:"channels"`
	Events   []string          `mapstructure:"events" yaml:"events" json:"events"`
	Runbooks []string          `mapstructure:"runbooks" yaml:"runbooks" json:"runbooks"`
	Services []string          `mapstructure:"services" yaml:"services" json:"services"`
	Modes    []string          `mapstructure:"modes" yaml:"modes" json:"modes"`
	Labels   map[string]string `mapstructure:"labels" yaml:"labels" json:"labels"`
}

// Events are the run events a route may select.
var Events = []string{activities.EventRunStarted, activities.EventApprovalNeeded, activities.EventStepFailed, activities.EventRunFinished,
	activities.EventReadinessChanged, activities.EventRollCall, activities.EventRollCallEscalated}
