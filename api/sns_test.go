package api

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/internal/fixture"
)

// snsSigner signs SNS messages with a generated key whose certificate a loopback TLS
// server serves, like sns.<region>.amazonaws.com serves AWS's.
type snsSigner struct {
	key     *rsa.PrivateKey
	srv     *httptest.Server
	certURL string
}

func newSNSSigner(t *testing.T) *snsSigner {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "sns.us-east-1.amazonaws.com"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	s := &snsSigner{key: key}
	s.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write(certPEM)
	}))
	t.Cleanup(s.srv.Close)
	s.certURL = s.srv.URL + "/SimpleNotificationService-test.pem"
	return s
}

func (s *snsSigner) sign(t *testing.T, m *snsMessage, version string) {
	m.SignatureVersion, m.SigningCertURL = version, s.certURL
	var sig []byte
	var err error
	if version == "1" {
		d := sha1.Sum([]byte(m.stringToSign()))
		sig, err = rsa.SignPKCS1v15(rand.Reader, s.key, crypto.SHA1, d[:])
	} else {
		d := sha256.Sum256([]byte(m.stringToSign()))
		sig, err = rsa.SignPKCS1v15(rand.Reader, s.key, crypto.SHA256, d[:])
	}
	require.NoError(t, err)
	m.Signature = base64.StdEncoding.EncodeToString(sig)
}

func (s *snsSigner) verifier() *snsVerifier {
	return newSNSVerifier(regexp.MustCompile(`^127\.0\.0\.1$`), s.srv.Client())
}

const alarmJSON = `{"AlarmName":"region-down","AlarmDescription":"primary region unhealthy","AWSAccountId":"123456789012",
"NewStateValue":"ALARM","NewStateReason":"Threshold Crossed","StateChangeTime":"2026-11-22T03:12:00.000+0000",
"Region":"US East (N. Virginia)","AlarmArn":"arn:aws:cloudwatch:us-east-1:123456789012:alarm:region-down",
"OldStateValue":"OK","Trigger":{"MetricName":"HealthyHostCount","Namespace":"AWS/ELB","Dimensions":[{"name":"LoadBalancer","value":"web"}]}}`

func notification() *snsMessage {
	return &snsMessage{Type: "Notification", MessageID: "m-1", TopicArn: "arn:aws:sns:us-east-1:123456789012:alarms",
		Subject: "ALARM: region-down", Message: alarmJSON, Timestamp: time.Now().UTC().Format(time.RFC3339)}
}

func TestSNSSignatureVerifies(t *testing.T) {
	s := newSNSSigner(t)
	v := s.verifier()
	for _, version := range []string{"1", "2"} {
		m := notification()
		s.sign(t, m, version)
		assert.NoError(t, v.verify(context.Background(), m), "SignatureVersion %s", version)
	}
	sub := &snsMessage{Type: "SubscriptionConfirmation", MessageID: "m-2", Token: "tok", TopicArn: "arn:aws:sns:us-east-1:1:alarms",
		Message: "You have chosen to subscribe", SubscribeURL: "https://127.0.0.1/confirm", Timestamp: time.Now().UTC().Format(time.RFC3339)}
	s.sign(t, sub, "2")
	assert.NoError(t, v.verify(context.Background(), sub), "subscription confirmations sign other fields")
}

func TestSNSForgeriesAreRefused(t *testing.T) {
	s := newSNSSigner(t)
	v := s.verifier()
	for name, forge := range map[string]func(m *snsMessage){
		"tampered message": func(m *snsMessage) { m.Message = `{"AlarmName":"other","NewStateValue":"ALARM"}` },
		"tampered topic":   func(m *snsMessage) { m.TopicArn = "arn:aws:sns:us-east-1:999:evil" },
		"plain http cert":  func(m *snsMessage) { m.SigningCertURL = "http" + m.SigningCertURL[5:] },
		"foreign cert host": func(m *snsMessage) {
			m.SigningCertURL = "https://sns.us-east-1.amazonaws.com.evil.example/cert.pem"
		},
		"not a .pem":        func(m *snsMessage) { m.SigningCertURL = s.srv.URL + "/cert.txt" },
		"unknown version":   func(m *snsMessage) { m.SignatureVersion = "3" },
		"garbage signature": func(m *snsMessage) { m.Signature = "!!!" },
		"no signature":      func(m *snsMessage) { m.Signature = "" },
	} {
		m := notification()
		s.sign(t, m, "2")
		forge(m)
		assert.Error(t, v.verify(context.Background(), m), name)
	}
	old := notification()
	old.Timestamp = time.Now().Add(-2 * time.Hour).UTC().Format(time.RFC3339)
	s.sign(t, old, "1")
	assert.ErrorContains(t, v.verify(context.Background(), old), "replay")

	real := newSNSVerifier(nil, nil)
	assert.True(t, DefaultSNSCertHost.MatchString("sns.eu-west-1.amazonaws.com"))
	assert.False(t, DefaultSNSCertHost.MatchString("sns.eu-west-1.amazonaws.com.evil.example"))
	m := notification()
	s.sign(t, m, "2")
	assert.Error(t, real.verify(context.Background(), m), "the default verifier refuses a loopback certificate")
}

func TestCloudWatchAlarmBecomesAnAlert(t *testing.T) {
	alerts, err := parseCloudWatch(alarmJSON, "arn:aws:sns:us-east-1:1:alarms")
	require.NoError(t, err)
	require.Len(t, alerts, 1)
	a := alerts[0]
	assert.Equal(t, "firing", a.Status)
	assert.Equal(t, "us-east-1", a.Labels["region"])
	assert.Equal(t, "region-down", a.Labels["alertname"])
	assert.Equal(t, "web", a.Labels["dimension_LoadBalancer"])
	assert.Equal(t, time.Date(2026, 11, 22, 3, 12, 0, 0, time.UTC), a.StartsAt.UTC())
	_, err = parseCloudWatch(`{"hello": 1}`, "")
	assert.Error(t, err)
}

func TestSNSSubscriptionIsConfirmedThroughTheWebhook(t *testing.T) {
	s := newSNSSigner(t)
	confirmed := make(chan string, 1)
	confirm := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		confirmed <- r.URL.Query().Get("Token")
	}))
	defer confirm.Close()
	srv := testServer(t)
	srv.sns = newSNSVerifier(regexp.MustCompile(`^127\.0\.0\.1$`), s.srv.Client())
	srv.sns.client.Transport = &http.Transport{TLSClientConfig: confirm.Client().Transport.(*http.Transport).TLSClientConfig.Clone()}
	srv.sns.client.Transport.(*http.Transport).TLSClientConfig.RootCAs.AppendCertsFromPEM(pemOf(s.srv.Certificate()))
	tr := srv.opts.Triggers["sns"]
	tr.ConfirmSubscription = true
	srv.opts.Triggers["sns"] = tr

	m := &snsMessage{Type: "SubscriptionConfirmation", MessageID: "m-3", Token: "tok-1", TopicArn: "arn:aws:sns:us-east-1:1:alarms",
		Message: "confirm", SubscribeURL: confirm.URL + "/?Action=ConfirmSubscription&Token=tok-1", Timestamp: time.Now().UTC().Format(time.RFC3339)}
	s.sign(t, m, "1")
	body, _ := json.Marshal(m)
	w, e := call(srv, "POST", "/v1/triggers/sns", "", "text/plain; charset=UTF-8", string(body))
	require.Equal(t, http.StatusOK, w.Code, e.Message)
	assert.Equal(t, "tok-1", <-confirmed)

	m.Token = "tok-2" // signed fields changed after signing: refused, not confirmed
	body, _ = json.Marshal(m)
	w, e = call(srv, "POST", "/v1/triggers/sns", "", "text/plain", string(body))
	assert.Equal(t, http.StatusUnauthorized, w.Code)
	assert.Contains(t, e.Message, "signature")
	assert.Empty(t, confirmed)
}

func pemOf(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

// An EventBridge "CloudWatch Alarm State Change" event reaches bcdr as the Message of an
// SNS notification (an SNS target of the rule): it was refused as "not a CloudWatch alarm".
func TestEventBridgeAlarmThroughSNS(t *testing.T) {
	event := fixture.Read(t, "testdata/alerts/eventbridge-alarm-state-change.json")
	alerts, err := parseCloudWatch(string(event), "arn:aws:sns:us-east-1:123456789012:alarms")
	require.NoError(t, err)
	require.Len(t, alerts, 1)
	a := alerts[0]
	assert.Equal(t, "firing", a.Status)
	assert.Equal(t, map[string]string{"alertname": "ServerCpuTooHigh", "account": "123456789012", "state": "ALARM", "region": "us-east-1",
		"metric": "CPUUtilization", "namespace": "AWS/EC2", "dimension_InstanceId": "i-12345678901234567"}, a.Labels)
	assert.Equal(t, time.Date(2019, 10, 2, 17, 4, 40, 989e6, time.UTC), a.StartsAt.UTC(), "the state change's time, not the event's")
	assert.Equal(t, "arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh", a.Fingerprint)
}

// Alarm messages of the older shape carry no AlarmArn: the region comes from the topic,
// which CloudWatch publishes to in the alarm's own region.
func TestAlarmWithoutARNTakesTheTopicRegion(t *testing.T) {
	old := `{"AlarmName":"db-down","AlarmDescription":null,"AWSAccountId":"123456789012","NewStateValue":"ALARM",
"NewStateReason":"Threshold Crossed","StateChangeTime":"2015-06-04T18:01:46.466+0000","Region":"EU (Ireland)",
"OldStateValue":"OK","Trigger":{"MetricName":"DatabaseConnections","Namespace":"AWS/RDS","Statistic":"AVERAGE",
"Unit":null,"Dimensions":[{"name":"DBInstanceIdentifier","value":"orders"}],"Period":60,"EvaluationPeriods":1,
"ComparisonOperator":"LessThanThreshold","Threshold":1.0}}`
	alerts, err := parseCloudWatch(old, "arn:aws:sns:eu-west-1:123456789012:db-alarms")
	require.NoError(t, err)
	assert.Equal(t, "eu-west-1", alerts[0].Labels["region"])
	assert.Equal(t, "orders", alerts[0].Labels["dimension_DBInstanceIdentifier"])
}

// A certificate that cannot be fetched is bcdr's problem, not a forgery: SNS drops a
// delivery answered 4xx, so the answer is 503 (retried), and the body names nothing
// internal (the certificate host's address, a resolver's answer).
func TestSNSCertificateUnavailableIsRetried(t *testing.T) {
	srv := testServer(t)
	closed := httptest.NewTLSServer(http.NotFoundHandler())
	certURL := closed.URL + "/SimpleNotificationService-x.pem"
	closed.Close()
	srv.sns = newSNSVerifier(regexp.MustCompile(`^127\.0\.0\.1$`), closed.Client())
	m := notification()
	m.TopicArn = "arn:aws:sns:us-east-1:1:alarms"
	m.SignatureVersion, m.SigningCertURL, m.Signature = "2", certURL, base64.StdEncoding.EncodeToString([]byte("sig"))
	body, _ := json.Marshal(m)
	w, e := call(srv, "POST", "/v1/triggers/sns", "", "text/plain", string(body))
	assert.Equal(t, http.StatusServiceUnavailable, w.Code, w.Body.String())
	assert.Equal(t, "30", w.Header().Get("Retry-After"))
	assert.Contains(t, e.Message, "retry")
	assert.NotContains(t, w.Body.String(), "127.0.0.1")
	assert.NotContains(t, w.Body.String(), "dial")

	unsigned := notification()
	unsigned.TopicArn = "arn:aws:sns:us-east-1:1:alarms"
	body, _ = json.Marshal(unsigned)
	w, e = call(srv, "POST", "/v1/triggers/sns", "", "text/plain", string(body))
	assert.Equal(t, http.StatusUnauthorized, w.Code)
	assert.Contains(t, e.Message, "unsigned")
}
