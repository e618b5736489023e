package config

import (
	"net"
	"strconv"
)

// Metrics configures the Prometheus metrics of `bcdr worker` (bcdr dev and bcdr server
// serve /metrics on their HTTP server, http.address).
type Metrics struct {
	// Address is where `bcdr worker` serves /metrics, /healthz and /readyz; "" serves
	// nothing. Loopback by default: set 0.0.0.0:9464 in a container so Prometheus and
	// the kubelet's probes reach it.
	Address string `mapstructure:"address" yaml:"address" json:"address"`
}

// Tracing configures OpenTelemetry tracing of runs through the Temporal interceptors.
type Tracing struct {
	// Endpoint is the OTLP/gRPC collector's host:port; "" turns tracing off. The
	// standard OTEL_EXPORTER_OTLP_HEADERS variable adds headers (a vendor's API key).
	Endpoint string `mapstructure:"endpoint" yaml:"endpoint" json:"endpoint"`
	// Insecure sends spans in plaintext (a collector sidecar on loopback).
	Insecure bool `mapstructure:"insecure" yaml:"insecure" json:"insecure"`
	// SampleRatio is the share of new traces recorded, from 0 to 1.
	SampleRatio float64 `mapstructure:"sample_ratio" yaml:"sample_ratio" json:"sample_ratio"`
}

func (c *Config) validateTelemetry(bad func(key, format string, args ...any)) {
	if a := c.Metrics.Address; a != "" && !isHostPort(a) {
		bad("metrics.address", "%q is not host:port (or empty for none)", a)
	}
	if e := c.Tracing.Endpoint; e != "" && !isHostPort(e) {
		bad("tracing.endpoint", "%q is not host:port (the OTLP/gRPC collector, no scheme)", e)
	}
	if r := c.Tracing.SampleRatio; r < 0 || r > 1 {
		bad("tracing.sample_ratio", "%v is not between 0 and 1", r)
	}
}

// isHostPort reports whether s is host:port with a numeric port.
func isHostPort(s string) bool {
	_, port, err := net.SplitHostPort(s)
	if err != nil {
		return false
	}
	n, err := strconv.Atoi(port)
	return err == nil && n >= 0 && n <= 65535
}
