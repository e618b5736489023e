package api

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"
)

// alert is one firing alert, from Alertmanager or a CloudWatch alarm.
type alert struct {
	Fingerprint string            `json:"fingerprint"`
	Status      string            `json:"status"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	StartsAt    time.Time         `json:"startsAt"`
}

// key identifies the alert for de-duplication: its fingerprint, or its labels.
func (a alert) key() string {
	src := a.Fingerprint
	if src == "" {
		keys := slices.Sorted(maps.Keys(a.Labels))
		for _, k := range keys {
			src += k + "=" + a.Labels[k] + "\n"
		}
	}
	sum := sha256.Sum256([]byte(src))
	return hex.EncodeToString(sum[:6])
}

func (a alert) matches(want map[string]string) bool {
	for k, v := range want {
		if a.Labels[k] != v {
			return false
		}
	}
	return true
}

// alertmanagerPayload is Prometheus Alertmanager's webhook body (version 4).
type alertmanagerPayload struct {
	Version           string            `json:"version"`
	GroupKey          string            `json:"groupKey"`
	TruncatedAlerts   int               `json:"truncatedAlerts"`
	Status            string            `json:"status"`
	Receiver          string            `json:"receiver"`
	GroupLabels       map[string]string `json:"groupLabels"`
	CommonLabels      map[string]string `json:"commonLabels"`
	CommonAnnotations map[string]string `json:"commonAnnotations"`
	ExternalURL       string            `json:"externalURL"`
	Alerts            []struct {
		alert
		EndsAt       time.Time `json:"endsAt"`
		GeneratorURL string    `json:"generatorURL"`
	} `json:"alerts"`
}

func parseAlertmanager(body []byte) ([]alert, error) {
	var p alertmanagerPayload
	if err := decodeForeign(body, &p); err != nil {
		return nil, err
	}
	if len(p.Alerts) == 0 {
		return nil, badRequest("alerts", "an Alertmanager payload holds at least one alert")
	}
	var out []alert
	for _, a := range p.Alerts {
		out = append(out, a.alert)
	}
	return out, nil
}

// cloudWatchAlarm is the message a CloudWatch alarm publishes to SNS.
type cloudWatchAlarm struct {
	AlarmName        string `json:"AlarmName"`
	AlarmDescription string `json:"AlarmDescription"`
	AWSAccountID     string `json:"AWSAccountId"`
	NewStateValue    string `json:"NewStateValue"`
	NewStateReason   string `json:"NewStateReason"`
	StateChangeTime  string `json:"StateChangeTime"`
	Region           string `json:"Region"`
	AlarmArn         string `json:"AlarmArn"`
	OldStateValue    string `json:"OldStateValue"`
	Trigger          struct {
		MetricName string `json:"MetricName"`
		Namespace  string `json:"Namespace"`
		Dimensions []struct {
			Name  string `json:"name"`
			Value string `json:"value"`
		} `json:"Dimensions"`
	} `json:"Trigger"`
}

// parseCloudWatch turns an alarm into an alert: labels alertname, region (the code from
// the ARN), account, state, metric, namespace and dimension_<name>; annotations
// description and reason. Only the ALARM state fires.
func parseCloudWatch(message string) ([]alert, error) {
	var m cloudWatchAlarm
	if err := json.Unmarshal([]byte(message), &m); err != nil || m.AlarmName == "" {
		return nil, badRequest("Message", "the SNS message is not a CloudWatch alarm")
	}
	labels := map[string]string{
		"alertname": m.AlarmName, "account": m.AWSAccountID, "state": m.NewStateValue,
		"metric": m.Trigger.MetricName, "namespace": m.Trigger.Namespace, "region_name": m.Region,
	}
	if parts := strings.Split(m.AlarmArn, ":"); len(parts) > 3 {
		labels["region"] = parts[3]
	}
	for _, d := range m.Trigger.Dimensions {
		labels["dimension_"+d.Name] = d.Value
	}
	at, err := time.Parse("2006-01-02T15:04:05.000-0700", m.StateChangeTime)
	if err != nil {
		at, _ = time.Parse(time.RFC3339, m.StateChangeTime)
	}
	status := "resolved"
	if m.NewStateValue == "ALARM" {
		status = "firing"
	}
	fp := m.AlarmArn
	if fp == "" {
		fp = m.AWSAccountID + "/" + m.AlarmName
	}
	return []alert{{Fingerprint: fp, Status: status, Labels: labels, StartsAt: at,
		Annotations: map[string]string{"description": m.AlarmDescription, "reason": m.NewStateReason}}}, nil
}

// pick returns the firing alert that matches, oldest first, or false.
func pick(alerts []alert, match map[string]string) (alert, bool) {
	var firing []alert
	for _, a := range alerts {
		if a.Status == "firing" && a.matches(match) {
			firing = append(firing, a)
		}
	}
	if len(firing) == 0 {
		return alert{}, false
	}
	sort.SliceStable(firing, func(i, j int) bool {
		if !firing[i].StartsAt.Equal(firing[j].StartsAt) {
			return firing[i].StartsAt.Before(firing[j].StartsAt)
		}
		return firing[i].key() < firing[j].key()
	})
	return firing[0], true
}

// triggerRunPrefix starts the id of every run a trigger starts for one alert.
func triggerRunPrefix(trigger string, a alert) string {
	return fmt.Sprintf("trigger-%s-%s-", trigger, a.key())
}

// triggerRunID is the deterministic id of the run a trigger starts for one firing of an
// alert: the alert's identity and the time it began firing (now, for a sender that does
// not say). The engine refuses a second run of the same id.
func triggerRunID(trigger string, a alert, now time.Time) string {
	at := a.StartsAt
	if at.IsZero() {
		at = now
	}
	return fmt.Sprintf("%s%d", triggerRunPrefix(trigger, a), at.Unix())
}
