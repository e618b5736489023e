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

// eventBridgeAlarm is the event CloudWatch sends to EventBridge when an alarm changes
// state ("detail-type": "CloudWatch Alarm State Change"), as the CloudWatch User Guide's
// "Alarm events and EventBridge" documents it. It reaches bcdr directly (an EventBridge
// API destination) or as the Message of an SNS notification (an SNS target).
type eventBridgeAlarm struct {
	DetailType string   `json:"detail-type"`
	Source     string   `json:"source"`
	Account    string   `json:"account"`
	Time       string   `json:"time"`
	Region     string   `json:"region"`
	Resources  []string `json:"resources"`
	Detail     struct {
		AlarmName     string `json:"alarmName"`
		Configuration struct {
			Description string `json:"description"`
			Metrics     []struct {
				MetricStat struct {
					Metric struct {
						Dimensions map[string]string `json:"dimensions"`
						Name       string            `json:"name"`
						Namespace  string            `json:"namespace"`
					} `json:"metric"`
				} `json:"metricStat"`
			} `json:"metrics"`
		} `json:"configuration"`
		State struct {
			Reason    string `json:"reason"`
			Timestamp string `json:"timestamp"`
			Value     string `json:"value"`
		} `json:"state"`
	} `json:"detail"`
}

// cloudWatchTime reads CloudWatch's timestamps: 2019-10-02T17:04:40.989+0000 in alarm
// messages and events, RFC 3339 elsewhere.
func cloudWatchTime(s string) time.Time {
	for _, layout := range []string{"2006-01-02T15:04:05.000-0700", "2006-01-02T15:04:05-0700", time.RFC3339Nano} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	return time.Time{}
}

// arnRegion is the region field of an ARN ("" when it has none).
func arnRegion(arn string) string {
	if parts := strings.Split(arn, ":"); len(parts) > 3 && strings.HasPrefix(arn, "arn:") {
		return parts[3]
	}
	return ""
}

// parseCloudWatch turns an alarm into an alert: labels alertname, region (the code from
// the alarm's ARN, else the topic's: older alarm messages carry no AlarmArn), account,
// state, metric, namespace and dimension_<name>; annotations description and reason. It
// reads both the message CloudWatch publishes to SNS and the EventBridge event. Only the
// ALARM state fires.
func parseCloudWatch(message, topicARN string) ([]alert, error) {
	var probe struct {
		DetailType string `json:"detail-type"`
	}
	if err := json.Unmarshal([]byte(message), &probe); err == nil && probe.DetailType != "" {
		return parseEventBridgeAlarm([]byte(message))
	}
	var m cloudWatchAlarm
	if err := json.Unmarshal([]byte(message), &m); err != nil || m.AlarmName == "" {
		return nil, badRequest("Message", "the SNS message is neither a CloudWatch alarm nor an EventBridge alarm state change event")
	}
	labels := map[string]string{
		"alertname": m.AlarmName, "account": m.AWSAccountID, "state": m.NewStateValue,
		"metric": m.Trigger.MetricName, "namespace": m.Trigger.Namespace, "region_name": m.Region,
	}
	if r := arnRegion(m.AlarmArn); r != "" {
		labels["region"] = r
	} else if r := arnRegion(topicARN); r != "" {
		labels["region"] = r // CloudWatch publishes to a topic in the alarm's region
	}
	for _, d := range m.Trigger.Dimensions {
		labels["dimension_"+d.Name] = d.Value
	}
	fp := m.AlarmArn
	if fp == "" {
		fp = m.AWSAccountID + "/" + labels["region"] + "/" + m.AlarmName
	}
	return []alert{{Fingerprint: fp, Status: alarmStatus(m.NewStateValue), Labels: labels, StartsAt: cloudWatchTime(m.StateChangeTime),
		Annotations: map[string]string{"description": m.AlarmDescription, "reason": m.NewStateReason}}}, nil
}

// parseEventBridgeAlarm turns a "CloudWatch Alarm State Change" event into an alert with
// the same labels an SNS alarm message gives.
func parseEventBridgeAlarm(body []byte) ([]alert, error) {
	var e eventBridgeAlarm
	if err := json.Unmarshal(body, &e); err != nil {
		return nil, badRequest("", "the EventBridge event is not valid JSON: %v", err)
	}
	if e.DetailType != "CloudWatch Alarm State Change" || e.Detail.AlarmName == "" {
		return nil, badRequest("detail-type", "%q is not a CloudWatch Alarm State Change event with an alarmName", e.DetailType)
	}
	labels := map[string]string{"alertname": e.Detail.AlarmName, "account": e.Account, "state": e.Detail.State.Value, "region": e.Region}
	if len(e.Detail.Configuration.Metrics) == 1 { // a single-metric alarm; math and composite alarms have no one metric
		m := e.Detail.Configuration.Metrics[0].MetricStat.Metric
		labels["metric"], labels["namespace"] = m.Name, m.Namespace
		for k, v := range m.Dimensions {
			labels["dimension_"+k] = v
		}
	}
	fp := e.Account + "/" + e.Region + "/" + e.Detail.AlarmName
	if len(e.Resources) > 0 {
		fp = e.Resources[0]
	}
	at := cloudWatchTime(e.Detail.State.Timestamp)
	if at.IsZero() {
		at = cloudWatchTime(e.Time)
	}
	return []alert{{Fingerprint: fp, Status: alarmStatus(e.Detail.State.Value), Labels: labels, StartsAt: at,
		Annotations: map[string]string{"description": e.Detail.Configuration.Description, "reason": e.Detail.State.Reason}}}, nil
}

func alarmStatus(state string) string {
	if state == "ALARM" {
		return "firing"
	}
	return "resolved"
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
