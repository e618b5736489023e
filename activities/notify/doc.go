// Package notify delivers run events (run started, approval needed, roll call needed or
// escalated, step failed, run finished with RTO/RPO) to people: Slack incoming webhooks,
// generic webhooks signed with HMAC-SHA256, e-mail over SMTP and AWS SNS topics. Routes
// from configuration choose the channels per event type, runbook, service, mode and runbook label.
// The package owns that configuration (Config, Channel, Route, and Events, the events a
// route may select); package config reads, defaults and validates it (the notify section)
// and this package never imports config.
//
// The Notifier is the activity the interpreter calls (activities.EventActivity). It
// retries each channel a few times, remembers across activity attempts which channels
// already have the event (heartbeat details), and returns an error naming every channel
// it could not reach. The workflow never lets a failed notification fail a recovery.
package notify
