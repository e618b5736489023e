package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"os"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"

	"github.com/bcdr/bcdr/internal/codec"
	"github.com/bcdr/bcdr/internal/config"
	"github.com/bcdr/bcdr/internal/telemetry"
)

// dial connects to the Temporal frontend the configuration names.
func dial(ctx context.Context, cfg *config.Config, logger *slog.Logger) (client.Client, error) {
	return dialWith(ctx, cfg, logger, nil)
}

// dialObserved is dial for the long-running processes (dev, worker, server): the client,
// and the workers built on it, report the SDK's and the runs' metrics to this process's
// /metrics and trace through the OpenTelemetry interceptors when tracing.endpoint is set.
func (a *app) dialObserved(ctx context.Context, logger *slog.Logger) (client.Client, error) {
	tel, err := a.telemetry()
	if err != nil {
		return nil, err
	}
	return dialWith(ctx, a.cfg, logger, tel)
}

// dialWith connects with tel's metrics handler and interceptors; nil tel means none.
func dialWith(ctx context.Context, cfg *config.Config, logger *slog.Logger, tel *telemetry.Telemetry) (client.Client, error) {
	opts, err := clientOptions(ctx, cfg, logger, tel)
	if err != nil {
		return nil, err
	}
	c, err := client.DialContext(ctx, opts)
	if err != nil {
		return nil, dialError(cfg, err)
	}
	return c, nil
}

// dialLazy returns a client that connects on its first call: for a command that may not
// need the engine at all (a report read from the evidence store).
func dialLazy(ctx context.Context, cfg *config.Config, logger *slog.Logger) (client.Client, error) {
	opts, err := clientOptions(ctx, cfg, logger, nil)
	if err != nil {
		return nil, err
	}
	return client.NewLazyClient(opts)
}

// clientOptions are the options of a client of the Temporal frontend cfg names.
func clientOptions(ctx context.Context, cfg *config.Config, logger *slog.Logger, tel *telemetry.Telemetry) (client.Options, error) {
	opts := client.Options{
		HostPort:  cfg.Temporal.Address,
		Namespace: cfg.Temporal.Namespace,
		Identity:  "bcdr@" + hostname(),
		Logger:    sdklog.NewStructuredLogger(logger),
	}
	t := cfg.Temporal.TLS
	if t.Enabled || t.CertFile != "" || t.CAFile != "" || cfg.Temporal.APIKey != "" {
		tc, err := tlsConfig(t)
		if err != nil {
			return client.Options{}, err
		}
		opts.ConnectionOptions.TLS = tc
	}
	if cfg.Temporal.APIKey != "" {
		opts.Credentials = client.NewAPIKeyStaticCredentials(cfg.Temporal.APIKey)
	}
	if tel != nil {
		opts.MetricsHandler = tel.MetricsHandler()
		opts.Interceptors = tel.Interceptors()
	}
	pc, err := payloadCodec(ctx, cfg)
	if err != nil {
		return client.Options{}, err
	}
	if pc != nil { // run inputs, outputs and failure messages are stored encrypted
		opts.DataConverter = codec.DataConverter(pc)
		opts.FailureConverter = temporal.NewDefaultFailureConverter(temporal.DefaultFailureConverterOptions{
			DataConverter: opts.DataConverter, EncodeCommonAttributes: true,
		})
	}
	return opts, nil
}

func tlsConfig(t config.TLS) (*tls.Config, error) {
	tc := &tls.Config{ServerName: t.ServerName, MinVersion: tls.VersionTLS12}
	if t.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("config temporal.tls.cert_file/key_file: %w", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, fmt.Errorf("config temporal.tls.ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("config temporal.tls.ca_file: %s holds no PEM certificate", t.CAFile)
		}
		tc.RootCAs = pool
	}
	return tc, nil
}

func hostname() string {
	h, err := os.Hostname()
	if err != nil {
		return "unknown"
	}
	return h
}
