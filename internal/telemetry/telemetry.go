package telemetry

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.temporal.io/sdk/client"
	temporalotel "go.temporal.io/sdk/contrib/opentelemetry"
	"go.temporal.io/sdk/interceptor"
)

// Options configure New.
type Options struct {
	// Service names the process in traces (service.name): bcdr-worker, bcdr-server.
	Service string
	// Version is the build's version (service.version).
	Version string
	// TracingEndpoint is the OTLP/gRPC collector's host:port; "" turns tracing off
	// unless SpanExporter is set.
	TracingEndpoint string
	// TracingInsecure sends spans in plaintext.
	TracingInsecure bool
	// SampleRatio is the share of new traces recorded (parent-based: a run started
	// from a sampled trace is always recorded).
	SampleRatio float64
	// SpanExporter, when set, receives the spans instead of an OTLP exporter (tests).
	SpanExporter sdktrace.SpanExporter
}

// Telemetry is one process's metrics registry and tracer. Create it once per process,
// hand MetricsHandler and Interceptors to the Temporal client, serve Handler on /metrics,
// and call Shutdown before exit so the last spans are sent.
type Telemetry struct {
	registry *prometheus.Registry
	meters   *sdkmetric.MeterProvider
	handler  client.MetricsHandler
	tracer   *sdktrace.TracerProvider // nil when tracing is off
	tracing  interceptor.Interceptor
}

// durationBuckets are the histogram bounds, in seconds, of every duration: from the
// SDK's millisecond latencies to a recovery's hours.
var durationBuckets = []float64{
	0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600,
	1200, 1800, 3600, 7200, 14400, 28800, 86400,
}

// New builds the metrics pipeline and, when configured, the tracer.
func New(ctx context.Context, o Options) (*Telemetry, error) {
	t := &Telemetry{registry: prometheus.NewRegistry()}
	t.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	exporter, err := otelprom.New(otelprom.WithRegisterer(t.registry), otelprom.WithoutScopeInfo(), otelprom.WithoutTargetInfo())
	if err != nil {
		return nil, fmt.Errorf("telemetry: prometheus exporter: %w", err)
	}
	t.meters = sdkmetric.NewMeterProvider(
		sdkmetric.WithReader(exporter),
		sdkmetric.WithView(sdkmetric.NewView(
			sdkmetric.Instrument{Kind: sdkmetric.InstrumentKindHistogram},
			sdkmetric.Stream{Aggregation: sdkmetric.AggregationExplicitBucketHistogram{Boundaries: durationBuckets}},
		)),
	)
	t.handler = temporalotel.NewMetricsHandler(temporalotel.MetricsHandlerOptions{
		Meter:                t.meters.Meter("bcdr"),
		UseMonotonicCounters: true,
		// A metric the meter refuses (a name clash) must not take down a worker.
		OnError: func(error) {},
	})
	if o.TracingEndpoint == "" && o.SpanExporter == nil {
		return t, nil
	}
	if err := t.startTracing(ctx, o); err != nil {
		_ = t.meters.Shutdown(ctx)
		return nil, err
	}
	return t, nil
}

func (t *Telemetry) startTracing(ctx context.Context, o Options) error {
	spans := o.SpanExporter
	if spans == nil {
		opts := []otlptracegrpc.Option{otlptracegrpc.WithEndpoint(o.TracingEndpoint)}
		if o.TracingInsecure {
			opts = append(opts, otlptracegrpc.WithInsecure())
		}
		var err error
		// The exporter connects lazily: an unreachable collector delays spans, not bcdr.
		if spans, err = otlptracegrpc.New(ctx, opts...); err != nil {
			return fmt.Errorf("telemetry: OTLP exporter for %s: %w", o.TracingEndpoint, err)
		}
	}
	res := resource.NewSchemaless(attribute.String("service.name", o.Service), attribute.String("service.version", o.Version))
	t.tracer = sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(spans),
		sdktrace.WithResource(res),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(o.SampleRatio))),
	)
	var err error
	t.tracing, err = temporalotel.NewTracingInterceptor(temporalotel.TracerOptions{
		Tracer: t.tracer.Tracer("bcdr"),
		// Status queries poll (the CLI, the dashboard): a span each would bury the run.
		DisableQueryTracing: true,
	})
	if err != nil {
		return fmt.Errorf("telemetry: tracing interceptor: %w", err)
	}
	return nil
}

// MetricsHandler is the Temporal SDK metrics handler (client.Options.MetricsHandler).
func (t *Telemetry) MetricsHandler() client.MetricsHandler { return t.handler }

// Interceptors are the Temporal client interceptors (client.Options.Interceptors): the
// tracing interceptor when tracing is on, none otherwise. A worker built from the client
// uses them too.
func (t *Telemetry) Interceptors() []interceptor.ClientInterceptor {
	if t.tracing == nil {
		return nil
	}
	return []interceptor.ClientInterceptor{t.tracing}
}

// Tracing reports whether spans are exported.
func (t *Telemetry) Tracing() bool { return t.tracer != nil }

// Handler serves the metrics in the Prometheus text format.
func (t *Telemetry) Handler() http.Handler {
	return promhttp.HandlerFor(t.registry, promhttp.HandlerOpts{Registry: t.registry})
}

// Shutdown flushes and stops the tracer and the meters.
func (t *Telemetry) Shutdown(ctx context.Context) error {
	var errs []error
	if t.tracer != nil {
		errs = append(errs, t.tracer.Shutdown(ctx))
	}
	errs = append(errs, t.meters.Shutdown(ctx))
	return errors.Join(errs...)
}
