package api

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"
)

// snsMessage is an AWS SNS HTTP(S) delivery: a notification or a (un)subscription
// confirmation.
type snsMessage struct {
	Type             string `json:"Type"`
	MessageID        string `json:"MessageId"`
	Token            string `json:"Token,omitempty"`
	TopicArn         string `json:"TopicArn"`
	Subject          string `json:"Subject,omitempty"`
	Message          string `json:"Message"`
	Timestamp        string `json:"Timestamp"`
	SignatureVersion string `json:"SignatureVersion"`
	Signature        string `json:"Signature"`
	SigningCertURL   string `json:"SigningCertURL"`
	SubscribeURL     string `json:"SubscribeURL,omitempty"`
	UnsubscribeURL   string `json:"UnsubscribeURL,omitempty"`
}

// stringToSign is the canonical text SNS signs: "Name\nvalue\n" for each signed field
// in order (Subject only when present).
func (m *snsMessage) stringToSign() string {
	var fields [][2]string
	switch m.Type {
	case "Notification":
		fields = [][2]string{{"Message", m.Message}, {"MessageId", m.MessageID}}
		if m.Subject != "" {
			fields = append(fields, [2]string{"Subject", m.Subject})
		}
		fields = append(fields, [][2]string{{"Timestamp", m.Timestamp}, {"TopicArn", m.TopicArn}, {"Type", m.Type}}...)
	default: // SubscriptionConfirmation, UnsubscribeConfirmation
		fields = [][2]string{{"Message", m.Message}, {"MessageId", m.MessageID}, {"SubscribeURL", m.SubscribeURL},
			{"Timestamp", m.Timestamp}, {"Token", m.Token}, {"TopicArn", m.TopicArn}, {"Type", m.Type}}
	}
	var b strings.Builder
	for _, f := range fields {
		b.WriteString(f[0] + "\n" + f[1] + "\n")
	}
	return b.String()
}

// DefaultSNSCertHost is the host a genuine SigningCertURL has.
var DefaultSNSCertHost = regexp.MustCompile(`^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$`)

// snsMaxAge bounds how old a notification may be: an older one is a replay.
const snsMaxAge = time.Hour

// snsVerifier checks SNS message signatures against the signing certificate, fetched
// over https from an SNS host only, and cached.
type snsVerifier struct {
	host   *regexp.Regexp
	client *http.Client
	now    func() time.Time

	mu    sync.Mutex
	certs map[string]*x509.Certificate
}

func newSNSVerifier(host *regexp.Regexp, client *http.Client) *snsVerifier {
	if host == nil {
		host = DefaultSNSCertHost
	}
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	return &snsVerifier{host: host, client: client, now: time.Now, certs: map[string]*x509.Certificate{}}
}

// checkURL accepts only https URLs on an SNS host.
func (v *snsVerifier) checkURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || !v.host.MatchString(u.Hostname()) || u.User != nil {
		return nil, fmt.Errorf("%q is not an https URL on an SNS host", raw)
	}
	return u, nil
}

func (v *snsVerifier) verify(ctx context.Context, m *snsMessage) error {
	var hash crypto.Hash
	switch m.SignatureVersion {
	case "1":
		hash = crypto.SHA1
	case "2":
		hash = crypto.SHA256
	case "":
		return errors.New("the message is unsigned (no SignatureVersion): SNS signs every HTTP delivery")
	default:
		return fmt.Errorf("SignatureVersion %q is not 1 or 2", m.SignatureVersion)
	}
	u, err := v.checkURL(m.SigningCertURL)
	if err != nil || !strings.HasSuffix(u.Path, ".pem") {
		return fmt.Errorf("SigningCertURL %q is not a certificate on an SNS host", m.SigningCertURL)
	}
	sig, err := base64.StdEncoding.DecodeString(m.Signature)
	if err != nil {
		return errors.New("Signature is not base64")
	}
	cert, err := v.cert(ctx, u.String())
	if err != nil {
		return err
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return errors.New("the signing certificate does not hold an RSA key")
	}
	var digest []byte
	if hash == crypto.SHA1 {
		d := sha1.Sum([]byte(m.stringToSign()))
		digest = d[:]
	} else {
		d := sha256.Sum256([]byte(m.stringToSign()))
		digest = d[:]
	}
	if err := rsa.VerifyPKCS1v15(pub, hash, digest, sig); err != nil {
		return errors.New("the message signature does not verify")
	}
	if ts, err := time.Parse(time.RFC3339, m.Timestamp); err != nil || v.now().Sub(ts) > snsMaxAge {
		return fmt.Errorf("Timestamp %q is missing or older than %s (a replay?)", m.Timestamp, snsMaxAge)
	}
	return nil
}

func (v *snsVerifier) cert(ctx context.Context, certURL string) (*x509.Certificate, error) {
	v.mu.Lock()
	c, ok := v.certs[certURL]
	v.mu.Unlock()
	if ok {
		return c, nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, certURL, nil)
	if err != nil {
		return nil, err
	}
	resp, err := v.client.Do(req)
	if err != nil {
		return nil, &certUnavailable{fmt.Errorf("fetch the SNS signing certificate: %w", err)}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, &certUnavailable{fmt.Errorf("fetch the SNS signing certificate: %s", resp.Status)}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return nil, &certUnavailable{fmt.Errorf("fetch the SNS signing certificate: %w", err)}
	}
	block, _ := pem.Decode(body)
	if block == nil {
		return nil, errors.New("the SNS signing certificate is not PEM")
	}
	if c, err = x509.ParseCertificate(block.Bytes); err != nil {
		return nil, fmt.Errorf("the SNS signing certificate: %w", err)
	}
	v.mu.Lock()
	v.certs[certURL] = c
	v.mu.Unlock()
	return c, nil
}

// certUnavailable is a signing certificate that could not be fetched: a failure on
// bcdr's side (network, DNS, SNS's host), not a forgery, so the delivery is answered
// with a 5xx that SNS retries, not a 4xx that it drops.
type certUnavailable struct{ err error }

func (e *certUnavailable) Error() string { return e.err.Error() }
func (e *certUnavailable) Unwrap() error { return e.err }

// confirm visits a verified subscription's SubscribeURL (an SNS host only).
func (v *snsVerifier) confirm(ctx context.Context, m *snsMessage) error {
	u, err := v.checkURL(m.SubscribeURL)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return err
	}
	resp, err := v.client.Do(req)
	if err != nil {
		return fmt.Errorf("confirm the SNS subscription: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("confirm the SNS subscription: %s", resp.Status)
	}
	return nil
}
