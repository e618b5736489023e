package config

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEgressAndOutageWindowFromFile(t *testing.T) {
	file := writeFile(t, "egress:\n  allow: [10.0.0.0/8, api.example.com]\n  deny: [\"10.9.0.0/16\"]\noutage_window: 48h\n")
	c, err := Load(Source{File: file, Getenv: func(string) string { return "" }})
	require.NoError(t, err)
	assert.Equal(t, []string{"10.0.0.0/8", "api.example.com"}, c.Egress.Allow)
	assert.Equal(t, 48*time.Hour, c.OutageWindow.Std())

	c, err = Load(Source{Getenv: func(string) string { return "" }})
	require.NoError(t, err)
	assert.Equal(t, 30*24*time.Hour, c.OutageWindow.Std(), "default: 30 days")
	assert.Empty(t, c.Egress.Allow)

	ec := c.StepEgress(false)
	assert.False(t, ec.Loopback, "bcdr server and worker refuse loopback")
	assert.True(t, c.StepEgress(true).Loopback, "bcdr dev allows it")
	var addrs []string
	for _, l := range c.StepEgress(true).Listeners {
		addrs = append(addrs, l.Address)
	}
	assert.Equal(t, []string{"127.0.0.1:8080", "127.0.0.1:9464", "127.0.0.1:7233", "127.0.0.1:8233"}, addrs)
}

func TestEgressBadEntryNamesTheKey(t *testing.T) {
	file := writeFile(t, "egress:\n  allow: [\"https://api.example.com/v1\"]\n  deny: [ok.example.com, \"10.0.0.0/40\"]\noutage_window: 0s\n")
	_, err := Load(Source{File: file, Getenv: func(string) string { return "" }})
	require.Error(t, err)
	assert.ErrorContains(t, err, `config egress.allow[0]: "https://api.example.com/v1" is not a host name`)
	assert.ErrorContains(t, err, `config egress.deny[1]: "10.0.0.0/40"`)
	assert.ErrorContains(t, err, "config outage_window: must be longer than 0")
}
