package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTelemetryDefaultsAndEnvironment(t *testing.T) {
	getenv, environ := env(map[string]string{"HOME": "/home/x"})
	c, err := Load(Source{Getenv: getenv, Environ: environ})
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:9464", c.Metrics.Address, "the worker's metrics stay on loopback unless told")
	assert.Empty(t, c.Tracing.Endpoint, "tracing is off by default")
	assert.Equal(t, 1.0, c.Tracing.SampleRatio)

	getenv, environ = env(map[string]string{"HOME": "/home/x", "BCDR_METRICS_ADDRESS": "0.0.0.0:9464",
		"BCDR_TRACING_ENDPOINT": "otel-collector:4317", "BCDR_TRACING_INSECURE": "true", "BCDR_TRACING_SAMPLE_RATIO": "0.25"})
	c, err = Load(Source{Getenv: getenv, Environ: environ})
	require.NoError(t, err)
	assert.Equal(t, "0.0.0.0:9464", c.Metrics.Address)
	assert.Equal(t, Tracing{Endpoint: "otel-collector:4317", Insecure: true, SampleRatio: 0.25}, c.Tracing)
}

func TestTelemetryErrorsNameTheKey(t *testing.T) {
	file := writeFile(t, "metrics:\n  address: nine-four-six-four\ntracing:\n  endpoint: http://collector\n  sample_ratio: 2\n")
	_, err := Load(Source{File: file, Getenv: func(string) string { return "" }})
	require.Error(t, err)
	for _, key := range []string{"config metrics.address", "config tracing.endpoint", "config tracing.sample_ratio"} {
		assert.Contains(t, err.Error(), key)
	}

	file = writeFile(t, "metrics:\n  address: \"\"\n")
	c, err := Load(Source{File: file, Getenv: func(string) string { return "" }})
	require.NoError(t, err, "an empty metrics.address turns the worker's listener off")
	assert.Empty(t, c.Metrics.Address)
}
