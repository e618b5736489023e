package config

import (
	"fmt"
	"net"
	"strconv"

	"github.com/bcdr/bcdr/internal/egress"
)

// Egress lists the addresses runbook steps that make HTTP calls to URLs a runbook gives
// (http.check, http.request, notify to a URL) may reach. See package internal/egress
// for the order the lists and the built-in rules apply in. Notification channels under
// notify.channels are the administrator's own and are not limited by it.
type Egress struct {
	// Allow lists host names, *.domains, IPs and CIDRs (each optionally :port) steps may
	// reach. An IP or CIDR here also opens a built-in refusal (loopback, link-local,
	// metadata); a name never does, so a name cannot be pointed at one. When not empty,
	// nothing else is reachable.
	Allow []string `mapstructure:"allow" yaml:"allow" json:"allow"`
	// Deny lists what steps may never reach, in the same forms; it wins over Allow.
	Deny []string `mapstructure:"deny" yaml:"deny" json:"deny"`
}

// StepEgress is the egress policy of the steps a worker runs. dev (bcdr dev) lets steps
// reach loopback; running are listeners known only once started (the embedded engine's
// ports, the Web UI's), beside the configured http.address, metrics.address and
// temporal.address.
func (c *Config) StepEgress(dev bool, running ...egress.Listener) egress.Config {
	ls := []egress.Listener{
		{What: "the bcdr HTTP server (http.address)", Address: c.HTTP.Address},
		{What: "bcdr's metrics listener (metrics.address)", Address: c.Metrics.Address},
		{What: "the Temporal frontend (temporal.address)", Address: c.Temporal.Address},
	}
	if dev && c.Dev.UIPort != 0 {
		ls = append(ls, egress.Listener{What: "the Temporal Web UI (dev.ui_port)",
			Address: net.JoinHostPort(c.Dev.IP, strconv.Itoa(c.Dev.UIPort))})
	}
	return egress.Config{Allow: c.Egress.Allow, Deny: c.Egress.Deny, Loopback: dev, Listeners: append(ls, running...)}
}

func (c *Config) validateEgress(bad func(key, format string, args ...any)) {
	for key, list := range map[string][]string{"egress.allow": c.Egress.Allow, "egress.deny": c.Egress.Deny} {
		for i, entry := range list {
			if err := egress.CheckEntry(entry); err != nil {
				bad(fmt.Sprintf("%s[%d]", key, i), "%v", err)
			}
		}
	}
}

func (c *Config) validateOutageWindow(bad func(key, format string, args ...any)) {
	if c.OutageWindow.Std() <= 0 {
		bad("outage_window", "must be longer than 0 (how long before a run its outage start may lie, e.g. 720h)")
	}
}
