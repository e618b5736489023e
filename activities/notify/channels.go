package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/smtp"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/bcdr/bcdr/activities"
)

// Subject is a one-line summary of an event, for a mail subject or a chat message.
func Subject(ev activities.Event) string {
	what := map[string]string{
		activities.EventRunStarted: "started", activities.EventApprovalNeeded: "approval needed",
		activities.EventStepFailed: "step failed", activities.EventRunFinished: ev.State,
		activities.EventReadinessChanged: ev.State,
		activities.EventRollCall:         "roll call", activities.EventRollCallEscalated: "roll call escalated",
	}[ev.Type]
	s := fmt.Sprintf("[bcdr] %s %s: %s", ev.Mode, ev.Runbook, what)
	if ev.Step != "" {
		s += " (" + ev.Step + ")"
	}
	return s
}

// Text is an event as a few lines for a person.
func Text(ev activities.Event) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\nrun      %s\nrunbook  %s\nmode     %s\n", ev.Message, ev.RunID, ev.Runbook, ev.Mode)
	if ev.Service != "" {
		fmt.Fprintf(&b, "service  %s\n", ev.Service)
	}
	if ev.Step != "" {
		fmt.Fprintf(&b, "step     %s\n", ev.Step)
	}
	if len(ev.Approvers) > 0 {
		fmt.Fprintf(&b, "approvers %s\n", strings.Join(ev.Approvers, ", "))
	}
	if ev.RTOActual > 0 || ev.RTOTarget > 0 {
		fmt.Fprintf(&b, "RTO      %s actual / %s target\n", ev.RTOActual, ev.RTOTarget)
	}
	if ev.RPOActual > 0 || ev.RPOTarget > 0 {
		fmt.Fprintf(&b, "RPO      %s actual / %s target\n", ev.RPOActual, ev.RPOTarget)
	}
	if ev.Error != "" {
		fmt.Fprintf(&b, "error    %s\n", ev.Error)
	}
	for _, l := range ev.AckLinks {
		fmt.Fprintf(&b, "acknowledge as %s: %s\n", l.User, l.URL)
	}
	return b.String()
}

// post sends a JSON body; 5xx, 429 and transport errors are retryable.
func post(ctx context.Context, client *http.Client, url string, body []byte, header http.Header) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return permanent{err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "bcdr-notify")
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	switch {
	case resp.StatusCode < 300:
		return nil
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return fmt.Errorf("%s: %s", resp.Status, bytes.TrimSpace(msg))
	}
	return permanent{fmt.Errorf("%s: %s", resp.Status, bytes.TrimSpace(msg))}
}

// slack posts to a Slack incoming webhook.
type slack struct {
	url    string
	client *http.Client
}

func (s *slack) send(ctx context.Context, ev activities.Event) error {
	body, _ := json.Marshal(map[string]string{"text": "*" + Subject(ev) + "*\n```" + Text(ev) + "```"})
	return post(ctx, s.client, s.url, body, nil)
}

// webhook posts the event as JSON, signed: X-Bcdr-Signature: sha256=<hex HMAC-SHA256 of
// the body with the channel's secret>. X-Bcdr-Delivery is the same for every attempt at
// one event, so a receiver can drop repeats.
type webhook struct {
	url, secret string
	client      *http.Client
}

func (w *webhook) send(ctx context.Context, ev activities.Event) error {
	body, err := json.Marshal(ev)
	if err != nil {
		return permanent{err}
	}
	h := http.Header{}
	h.Set("X-Bcdr-Event", ev.Type)
	id := sha256.Sum256([]byte(ev.RunID + "\n" + ev.Type + "\n" + ev.Step + "\n" + ev.At.UTC().Format(time.RFC3339Nano)))
	h.Set("X-Bcdr-Delivery", hex.EncodeToString(id[:16]))
	if w.secret != "" {
		h.Set("X-Bcdr-Signature", Sign(w.secret, body))
	}
	return post(ctx, w.client, w.url, body, h)
}

// Sign returns the X-Bcdr-Signature value of body: "sha256=" and the hex HMAC-SHA256.
func Sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// email sends a plain-text mail over SMTP (STARTTLS when the server offers it, PLAIN
// authentication when a username is set).
type email struct {
	addr, username, password, from string
	to                             []string
}

func (e *email) send(ctx context.Context, ev activities.Event) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", e.addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	deadline, _ := ctx.Deadline()
	_ = conn.SetDeadline(deadline)
	host, _, _ := net.SplitHostPort(e.addr)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Hello("bcdr"); err != nil {
		return err
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		if err := c.StartTLS(tlsConfig(host)); err != nil {
			return err
		}
	}
	if e.username != "" {
		if err := c.Auth(smtp.PlainAuth("", e.username, e.password, host)); err != nil {
			return permanent{err}
		}
	}
	if err := c.Mail(e.from); err != nil {
		return err
	}
	for _, to := range e.to {
		if err := c.Rcpt(to); err != nil {
			return err
		}
	}
	wc, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := wc.Write(e.message(ev)); err != nil {
		return err
	}
	if err := wc.Close(); err != nil {
		return err
	}
	return c.Quit()
}

func (e *email) message(ev activities.Event) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\n", e.from, strings.Join(e.to, ", "), Subject(ev), time.Now().Format(time.RFC1123Z))
	fmt.Fprintf(&b, "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nX-Bcdr-Event: %s\r\nX-Bcdr-Run: %s\r\n\r\n", ev.Type, ev.RunID)
	for _, line := range strings.Split(Text(ev), "\n") {
		if strings.HasPrefix(line, ".") {
			line = "." + line
		}
		b.WriteString(line + "\r\n")
	}
	return b.Bytes()
}

// snsTopic publishes to an SNS topic: the subject, and the event as JSON.
type snsTopic struct {
	topicARN, region, endpoint string

	once   sync.Once
	client *sns.Client
	err    error
}

func (s *snsTopic) send(ctx context.Context, ev activities.Event) error {
	s.once.Do(func() {
		var opts []func(*awsconfig.LoadOptions) error
		if s.region != "" {
			opts = append(opts, awsconfig.WithRegion(s.region))
		}
		cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
		if err != nil {
			s.err = err
			return
		}
		s.client = sns.NewFromConfig(cfg, func(o *sns.Options) {
			if s.endpoint != "" {
				o.BaseEndpoint = aws.String(s.endpoint)
			}
		})
	})
	if s.err != nil {
		return permanent{s.err}
	}
	body, _ := json.Marshal(ev)
	subject := Subject(ev)
	if len(subject) > 100 { // SNS limit
		subject = subject[:100]
	}
	_, err := s.client.Publish(ctx, &sns.PublishInput{
		TopicArn: aws.String(s.topicARN), Subject: aws.String(subject), Message: aws.String(string(body)),
	})
	return err
}

func tlsConfig(host string) *tls.Config {
	return &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
}
