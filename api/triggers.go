package api

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"text/template"
	"time"

	"github.com/bcdr/bcdr/internal/duration"
	"github.com/bcdr/bcdr/runbooks"
	"github.com/bcdr/bcdr/workflows"
)

// Webhook triggers: POST /v1/triggers/{name}. A trigger authenticates its sender (a
// bearer token or an HMAC of the body for Alertmanager, the message signature for SNS),
// picks the oldest firing alert that matches, and starts the mapped runbook with
// parameters rendered from the alert's labels. The run's id is derived from the trigger,
// the alert and the time it began firing, so a repeated alert is refused by the engine
// itself (see fire); a minimum interval between the trigger's runs stops an alert storm.

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

const (
	defaultDedupWindow = time.Hour
	approvalStepID     = "trigger_approval"
)

func (s *Server) webhook(w http.ResponseWriter, r *http.Request, _ *Identity) error {
	name := r.PathValue("name")
	t, ok := s.opts.Triggers[name]
	if !ok {
		// Answered as a known trigger answers a sender without credentials, so an
		// anonymous caller cannot list the trigger names by trying them.
		if _, err := readBodyMax(r, MaxAlertBody, "application/json"); err != nil {
			return err
		}
		s.log.Warn("api: refused", "method", r.Method, "path", r.URL.Path, "who", "trigger:"+name, "why", "no such trigger", "remote", r.RemoteAddr)
		return errorf(http.StatusUnauthorized, "", "trigger %s: bad or missing token or signature", name)
	}
	allowed := []string{"application/json"}
	if t.Source == "sns" {
		allowed = append(allowed, "text/plain") // SNS posts JSON as text/plain
	}
	body, err := readBodyMax(r, MaxAlertBody, allowed...)
	if err != nil {
		return err
	}
	var alerts []alert
	switch t.Source {
	case "sns":
		var done bool
		if alerts, done, err = s.snsAlerts(w, r, name, t, body); err != nil || done {
			return err
		}
	case "eventbridge":
		if err := s.checkSender(r, name, t, body); err != nil {
			return err
		}
		if alerts, err = parseEventBridgeAlarm(body); err != nil {
			return err
		}
	default:
		if err := s.checkSender(r, name, t, body); err != nil {
			return err
		}
		if alerts, err = parseAlertmanager(body); err != nil {
			return err
		}
	}
	a, ok := pick(alerts, t.Match)
	if !ok {
		writeJSON(w, http.StatusOK, RunRef{Reason: "no firing alert matches the trigger"})
		return nil
	}
	ref, err := s.fire(r.Context(), name, t, a)
	if err != nil {
		var e *Error
		if errors.As(err, &e) && e.Status < 500 {
			return err
		}
		// The engine could not be reached or refused for its own reasons: a sender
		// retries a 5xx (Alertmanager, SNS, EventBridge), so the recovery is not lost.
		// What went wrong is for the log; the sender learns only that it may retry.
		s.log.Error("api: trigger could not start its run", "trigger", name, "err", err)
		w.Header().Set("Retry-After", "30")
		return errorf(http.StatusServiceUnavailable, "", "trigger %s: the run could not be started now; retry the delivery", name)
	}
	status := http.StatusOK
	if ref.Started {
		status = http.StatusAccepted
	}
	writeJSON(w, status, ref)
	return nil
}

// checkSender authenticates an Alertmanager (or any JSON) sender: a bearer token whose
// hash is token_hash, or X-Bcdr-Signature: sha256=<hex HMAC-SHA256 of the body>.
func (s *Server) checkSender(r *http.Request, name string, t Trigger, body []byte) error {
	if t.TokenHash != "" {
		if tok, ok := bearerToken(r.Header.Get("Authorization")); ok &&
			subtle.ConstantTimeCompare([]byte(HashToken(tok)), []byte(t.TokenHash)) == 1 {
			return nil
		}
	}
	if t.HMACSecret != "" {
		if sig, ok := strings.CutPrefix(r.Header.Get("X-Bcdr-Signature"), "sha256="); ok {
			want, _ := hex.DecodeString(hmacHex(t.HMACSecret, body))
			if got, err := hex.DecodeString(sig); err == nil && hmac.Equal(got, want) {
				return nil
			}
		}
	}
	s.log.Warn("api: refused", "method", r.Method, "path", r.URL.Path, "who", "trigger:"+name, "why", "bad or missing token/signature", "remote", r.RemoteAddr)
	return errorf(http.StatusUnauthorized, "", "trigger %s: bad or missing token or signature", name)
}

// snsAlerts verifies an SNS delivery and returns its alarm; done is true when the
// delivery was a subscription message, already answered.
func (s *Server) snsAlerts(w http.ResponseWriter, r *http.Request, name string, t Trigger, body []byte) ([]alert, bool, error) {
	var m snsMessage
	if err := decodeForeign(body, &m); err != nil {
		return nil, false, err
	}
	refuse := func(why string) error {
		s.log.Warn("api: refused", "method", r.Method, "path", r.URL.Path, "who", "trigger:"+name, "why", why, "remote", r.RemoteAddr)
		return errorf(http.StatusUnauthorized, "", "trigger %s: %s", name, why)
	}
	if !slices.Contains(t.TopicARNs, m.TopicArn) {
		return nil, false, refuse(fmt.Sprintf("topic %q is not accepted", m.TopicArn))
	}
	if err := s.sns.verify(r.Context(), &m); err != nil {
		var unavailable *certUnavailable
		if errors.As(err, &unavailable) {
			// The detail (a resolver's address, a proxy's answer) goes to the log only.
			s.log.Error("api: SNS signing certificate unavailable", "trigger", name, "err", err)
			w.Header().Set("Retry-After", "30")
			return nil, false, errorf(http.StatusServiceUnavailable, "", "trigger %s: the SNS signing certificate could not be fetched; the delivery is not refused, retry it", name)
		}
		return nil, false, refuse("SNS signature: " + err.Error())
	}
	switch m.Type {
	case "Notification":
		alerts, err := parseCloudWatch(m.Message, m.TopicArn)
		return alerts, false, err
	case "SubscriptionConfirmation":
		confirmed := false
		if t.ConfirmSubscription {
			if err := s.sns.confirm(r.Context(), &m); err != nil {
				return nil, true, errorf(http.StatusBadGateway, "", "%v", err)
			}
			confirmed = true
		}
		s.log.Info("api: SNS subscription", "trigger", name, "topic", m.TopicArn, "confirmed", confirmed)
		writeJSON(w, http.StatusOK, map[string]any{"subscription": m.TopicArn, "confirmed": confirmed})
		return nil, true, nil
	case "UnsubscribeConfirmation":
		writeJSON(w, http.StatusOK, map[string]any{"unsubscribed": m.TopicArn})
		return nil, true, nil
	}
	return nil, false, badRequest("Type", "%q is not an SNS message type", m.Type)
}

// fire starts the trigger's runbook for an alert, unless a run for this alert is still
// open, this firing of the alert already started a run, or the trigger ran too recently.
//
// An alert's identity is its fingerprint (or labels) and a firing is that alert with the
// time it began (Alertmanager's startsAt, CloudWatch's StateChangeTime): a sender's
// repeats of one firing (Alertmanager's repeat_interval, SNS redeliveries) carry the same
// start and name the same run id, which the engine refuses to start twice; a new
// transition after the alert resolved carries a new start and starts a new run once the
// previous one has ended. Only an alert without a start falls back to a sliding window:
// a run of the same alert started within dedup_window absorbs it.
func (s *Server) fire(ctx context.Context, name string, t Trigger, a alert) (RunRef, error) {
	now := s.now()
	window := t.DedupWindow.Std()
	if window <= 0 {
		window = defaultDedupWindow
	}
	in, err := s.triggerInput(name, t, a)
	if err != nil {
		return RunRef{}, err
	}
	rb := in.Runbook.Metadata.Name
	ref := RunRef{Runbook: rb, Service: in.Runbook.Metadata.Service, Mode: string(in.Mode)}
	prefix := triggerRunPrefix(name, a)
	held := func(id, why string) (RunRef, error) {
		ref.RunID, ref.Reason = id, why
		s.log.Info("api: trigger held back", "trigger", name, "run", id, "why", why)
		return ref, nil
	}
	open, err := listRuns(ctx, s.opts.Client, fmt.Sprintf("WorkflowType = '%s' AND %s = '%s' AND ExecutionStatus = 'Running'",
		workflows.WorkflowName, workflows.SARunbook, rb), 1000)
	if err != nil {
		return RunRef{}, err
	}
	for _, rs := range open {
		if strings.HasPrefix(rs.RunID, prefix) {
			return held(rs.RunID, "duplicate alert: the run this alert started is still open")
		}
	}
	since := time.Duration(0)
	if a.StartsAt.IsZero() {
		since = window
	}
	since = max(since, t.MinInterval.Std())
	if since > 0 {
		recent, err := listRuns(ctx, s.opts.Client, fmt.Sprintf("WorkflowType = '%s' AND %s = '%s' AND StartTime >= '%s'",
			workflows.WorkflowName, workflows.SARunbook, rb, now.Add(-since).UTC().Format(time.RFC3339)), 1000)
		if err != nil {
			return RunRef{}, err
		}
		for _, rs := range recent {
			switch {
			case a.StartsAt.IsZero() && strings.HasPrefix(rs.RunID, prefix) && now.Sub(rs.StartedAt) < window:
				return held(rs.RunID, fmt.Sprintf("duplicate alert: this alert started run %s less than %s ago", rs.RunID, window))
			case t.MinInterval.Std() > 0 && strings.HasPrefix(rs.RunID, "trigger-"+name+"-") && now.Sub(rs.StartedAt) < t.MinInterval.Std():
				return held(rs.RunID, fmt.Sprintf("trigger %s started run %s less than %s ago", name, rs.RunID, t.MinInterval.Std()))
			}
		}
	}
	pf, err := s.opts.ProvenGate().Apply(ctx, &in)
	if err != nil {
		return RunRef{}, err
	}
	ref.Unproven = pf.Message
	ref.RunID = triggerRunID(name, a, now)
	started, err := StartRun(ctx, s.opts.Client, s.opts.TaskQueue, ref.RunID, in, true)
	if err != nil {
		return RunRef{}, err
	}
	ref.Started = started
	if !started {
		ref.Reason = "duplicate alert: this firing of the alert already started run " + ref.RunID
	}
	s.log.Info("api: trigger fired", "trigger", name, "run", ref.RunID, "started", started, "alert", a.Labels["alertname"])
	return ref, nil
}

// alertData is what trigger parameter templates see.
type alertData struct {
	Labels      map[string]string
	Annotations map[string]string
	StartsAt    time.Time
	Fingerprint string
	Trigger     string
}

func (s *Server) triggerInput(name string, t Trigger, a alert) (workflows.Input, error) {
	tree, err := s.opts.Catalog.Tree(t.Runbook)
	if err != nil {
		return workflows.Input{}, errorf(http.StatusInternalServerError, "", "trigger %s: runbook %q: %v", name, t.Runbook, err)
	}
	rb, nested := tree.Root.Runbook, tree.Nested()
	params, warnings, err := renderTriggerParams(name, t, a, rb)
	if err != nil {
		return workflows.Input{}, err
	}
	in, err := NewEngine(s.opts, workflows.Actor{}, "").input(rb, nested, t.Mode, params)
	if err != nil {
		if e, ok := err.(*Error); ok {
			e.Status = http.StatusUnprocessableEntity
		}
		return workflows.Input{}, err
	}
	if len(t.Approvers) > 0 {
		if err := requireApproval(&in.Runbook, approvalStepID, "Approve the recovery the alert started",
			fmt.Sprintf("Trigger %s started this run from an alert; nothing runs until it is approved.", name), t.Approvers, s.opts.Registry); err != nil {
			return workflows.Input{}, errorf(http.StatusInternalServerError, "", "trigger %s: %v", name, err)
		}
	}
	in.Warnings = warnings
	// A trigger in the server's configuration is the administrator's: its runs are
	// authorized for every service of the tree, so a drill it starts counts as proof.
	in.Authorized = tree.Services()
	in.Initiator = workflows.Actor{Name: "trigger:" + name}
	in.Trigger = "webhook:" + name
	in.HoldOnFailure = t.HoldOnFailure.Std()
	// A live recovery's RTO clock starts when the outage did (the alert's start); a drill
	// or tabletop started by an alert measures from its own start, since nothing was down.
	if in.Mode == workflows.ModeLive && !a.StartsAt.IsZero() && a.StartsAt.Before(s.now()) {
		// An alert older than the outage window (a stale or replayed one) does not stretch
		// the RTO clock back months: the run measures from its own start and says why.
		if err := CheckOutageStart(a.StartsAt, s.now(), s.opts.OutageWindow); err != nil {
			in.Warnings = append(in.Warnings, fmt.Sprintf("trigger %s: the alert began at %s, outside the outage window; the RTO clock starts with the run", name, a.StartsAt.UTC().Format(time.RFC3339)))
		} else {
			in.OutageStart = a.StartsAt
		}
	}
	return in, nil
}

// missingRef finds what a template named that the alert lacks, in text/template's
// error: `... at <.Annotations.summary>: map has no entry for key "summary"`.
var missingRef = regexp.MustCompile(`at <([^>]+)>`)

// renderTriggerParams renders the trigger's parameter templates over the alert. An alert
// that lacks a label or annotation a template names must not lose the recovery
// (Alertmanager does not retry a 4xx): the parameter takes its default when the runbook
// gives one, else the template renders with the missing value empty, and either way a
// warning says so in the run's record.
func renderTriggerParams(name string, t Trigger, a alert, rb *runbooks.Runbook) (map[string]any, []string, error) {
	params := map[string]any{}
	var warnings []string
	data := alertData{Labels: a.Labels, Annotations: a.Annotations, StartsAt: a.StartsAt, Fingerprint: a.Fingerprint, Trigger: name}
	if data.Labels == nil {
		data.Labels = map[string]string{}
	}
	if data.Annotations == nil {
		data.Annotations = map[string]string{}
	}
	for _, k := range slices.Sorted(maps.Keys(t.Params)) {
		tmpl, err := template.New(k).Option("missingkey=error").Parse(t.Params[k])
		if err != nil {
			return nil, nil, errorf(http.StatusInternalServerError, "", "config triggers.%s.params.%s: %v", name, k, err)
		}
		var b strings.Builder
		err = tmpl.Execute(&b, data)
		if err == nil {
			params[k] = b.String()
			continue
		}
		what := "a value"
		if m := missingRef.FindStringSubmatch(err.Error()); m != nil {
			what = m[1]
		}
		i := slices.IndexFunc(rb.Parameters, func(p runbooks.Parameter) bool { return p.Name == k })
		if i >= 0 && rb.Parameters[i].Default != nil {
			warnings = append(warnings, fmt.Sprintf("trigger %s: the alert has no %s for parameter %s, so it took the runbook's default %v",
				name, what, k, rb.Parameters[i].Default))
			continue
		}
		b.Reset()
		if err := template.Must(template.New(k).Option("missingkey=zero").Parse(t.Params[k])).Execute(&b, data); err != nil {
			return nil, nil, errorf(http.StatusInternalServerError, "", "config triggers.%s.params.%s: %v", name, k, err)
		}
		params[k] = b.String()
		warnings = append(warnings, fmt.Sprintf("trigger %s: the alert has no %s for parameter %s, so it rendered as %q", name, what, k, b.String()))
	}
	return params, warnings, nil
}

func hmacHex(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}

// CheckTriggers checks what configuration validation cannot: that every trigger's runbook
// is one the server knows and its parameter templates parse and name parameters the
// runbook has. Each problem names the trigger's configuration key.
func (s *Server) CheckTriggers() error {
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(s.opts.Triggers)) {
		t, key := s.opts.Triggers[name], "config triggers."+name
		rb, _, err := s.opts.Catalog.Load(t.Runbook)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s.runbook: %w", key, err))
			continue
		}
		for _, k := range slices.Sorted(maps.Keys(t.Params)) {
			if _, err := template.New(k).Parse(t.Params[k]); err != nil {
				errs = append(errs, fmt.Errorf("%s.params.%s: %w", key, k, err))
			}
			if !slices.ContainsFunc(rb.Parameters, func(p runbooks.Parameter) bool { return p.Name == k }) {
				errs = append(errs, fmt.Errorf("%s.params.%s: runbook %s has no parameter %q", key, k, t.Runbook, k))
			}
		}
	}
	return errors.Join(errs...)
}
