package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sort"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/bcdr/bcdr/activities"
)

// Options are the notifier's dependencies.
type Options struct {
	// HTTPClient posts to Slack and webhooks (default: a client with a 10 s timeout).
	HTTPClient *http.Client
	// Labels returns a runbook's labels, for routes that select by label (nil: none).
	Labels func(runbook string) map[string]string
	Logger *slog.Logger
	// Attempts per channel and the pause before the second (doubling after); defaults 3
	// and 500 ms.
	Attempts int
	Backoff  time.Duration
	// AckKey is the identity key roll call acknowledgement links are signed with (under
	// a key derived from it; see identity.SignAck), and AckURL the server's address as
	// people reach it (http.public_url): with both, roll call events carry one link per
	// person, AckURL/v1/ack?token=.... Either missing: no links.
	AckKey []byte
	AckURL string
	// Members returns a group's members, for the links of a roll call that names
	// "group:NAME" (nil: a group gets no links; its members acknowledge otherwise).
	Members func(group string) []string
	// Contacts returns the email addresses the service catalogue gives its contacts
	// (a user's or "group:NAME"'s), read at each roll call: with notify.people_channel,
	// the roll call writes to each of them (see toPeople). nil: no mail to people.
	Contacts func() (map[string]string, error)
}

// Notifier sends run events to the channels their routes name.
type Notifier struct {
	channels map[string]channel
	routes   []Route
	opts     Options
	ackTTL   time.Duration
	people   *email // notify.people_channel's server; nil without one
}

// channel is one place events go.
type channel interface {
	send(ctx context.Context, ev activities.Event) error
}

// permanent marks an error that retrying cannot fix (a 4xx answer, a bad address).
type permanent struct{ error }

func (p permanent) Unwrap() error { return p.error }

// New returns a notifier for the configuration (validated by package config).
func New(cfg Config, opts Options) *Notifier {
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Attempts <= 0 {
		opts.Attempts = 3
	}
	if opts.Backoff <= 0 {
		opts.Backoff = 500 * time.Millisecond
	}
	n := &Notifier{channels: map[string]channel{}, routes: cfg.Routes, opts: opts, ackTTL: cfg.AckLinkTTL.Std()}
	if n.ackTTL <= 0 {
		n.ackTTL = 24 * time.Hour
	}
	for name, c := range cfg.Channels {
		switch c.Type {
		case "slack":
			n.channels[name] = &slack{url: c.URL, client: opts.HTTPClient}
		case "webhook":
			n.channels[name] = &webhook{url: c.URL, secret: c.Secret, client: opts.HTTPClient}
		case "email":
			n.channels[name] = &email{addr: c.SMTP, username: c.Username, password: c.Password, from: c.From, to: c.To}
		case "sns":
			n.channels[name] = &snsTopic{topicARN: c.TopicARN, region: c.Region, endpoint: c.Endpoint}
		}
	}
	if e, ok := n.channels[cfg.PeopleChannel].(*email); ok {
		n.people = e
	}
	return n
}

// Register registers the notifier as the event activity.
func (n *Notifier) Register(w activities.Registry) {
	w.RegisterActivityWithOptions(n.Notify, activity.RegisterOptions{Name: activities.EventActivity})
}

// Targets returns the channels that should get ev, sorted.
func (n *Notifier) Targets(ev activities.Event) []string {
	labels := ev.Labels // the run's own runbook, as it started
	if labels == nil && n.opts.Labels != nil {
		labels = n.opts.Labels(ev.Runbook)
	}
	var out []string
	for _, r := range n.routes {
		if !matches(r, ev, labels) {
			continue
		}
		for _, c := range r.Channels {
			if !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
	}
	sort.Strings(out)
	return out
}

func matches(r Route, ev activities.Event, labels map[string]string) bool {
	in := func(list []string, v string) bool { return len(list) == 0 || slices.Contains(list, v) }
	if !in(r.Events, ev.Type) || !in(r.Runbooks, ev.Runbook) || !in(r.Services, ev.Service) || !in(r.Modes, ev.Mode) {
		return false
	}
	for k, v := range r.Labels {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// Notify delivers ev to every channel its routes name. Run as an activity, it records the
// channels already served in heartbeat details, so a retried attempt does not repeat them.
func (n *Notifier) Notify(ctx context.Context, ev activities.Event) error {
	d := deliveries{done: map[string]bool{}, inActivity: activity.IsActivity(ctx)}
	if d.inActivity && activity.HasHeartbeatDetails(ctx) {
		_ = activity.GetHeartbeatDetails(ctx, &d.done)
	}
	ev = n.withAckLinks(ev)
	var errs []error
	for _, name := range n.Targets(ev) {
		err := d.once(ctx, name, func() error {
			c, ok := n.channels[name]
			if !ok {
				return errors.New("not configured")
			}
			return n.deliver(ctx, c, ev)
		})
		if err != nil {
			n.opts.Logger.Warn("notification not delivered", "channel", name, "event", ev.Type, "run", ev.RunID, "error", err)
			errs = append(errs, fmt.Errorf("channel %s: %w", name, err))
		}
	}
	errs = append(errs, n.toPeople(ctx, ev, d)...)
	return errors.Join(errs...)
}

// deliveries are the places an event has reached, kept in the activity's heartbeats so
// that a retried attempt does not repeat them.
type deliveries struct {
	done       map[string]bool
	inActivity bool
}

// once sends to the place key names unless it already had the event, and records it
// when the send succeeds.
func (d deliveries) once(ctx context.Context, key string, send func() error) error {
	if d.done[key] {
		return nil
	}
	if err := send(); err != nil {
		return err
	}
	d.done[key] = true
	if d.inActivity {
		activity.RecordHeartbeat(ctx, d.done)
	}
	return nil
}

// deliver sends with a few retries, unless the error is permanent.
func (n *Notifier) deliver(ctx context.Context, c channel, ev activities.Event) error {
	wait := n.opts.Backoff
	var err error
	for attempt := 1; attempt <= n.opts.Attempts; attempt++ {
		if err = c.send(ctx, ev); err == nil {
			return nil
		}
		var p permanent
		if errors.As(err, &p) || attempt == n.opts.Attempts {
			break
		}
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(wait):
		}
		wait *= 2
	}
	return err
}
