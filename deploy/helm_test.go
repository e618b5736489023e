package deploy

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"helm.sh/helm/v3/pkg/lint"
	"helm.sh/helm/v3/pkg/lint/support"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"sigs.k8s.io/yaml"

	"github.com/bcdr/bcdr/internal/config"
)

const chartDir = "helm/bcdr"

// exampleValues are the values files the production guide installs the chart with.
var exampleValues = []string{"helm/examples/primary-region.yaml", "helm/examples/recovery-region.yaml"}

func readValues(t *testing.T, files ...string) map[string]any {
	t.Helper()
	vals := map[string]any{}
	for _, f := range files {
		v, err := chartutil.ReadValuesFile(f)
		require.NoError(t, err, f)
		vals = chartutil.CoalesceTables(v.AsMap(), vals)
	}
	return vals
}

// TestChartLints runs helm lint on the chart with its defaults and with each example's
// values: no error and no warning.
func TestChartLints(t *testing.T) {
	for _, files := range append([][]string{nil}, exampleFiles()...) {
		t.Run(strings.Join(append([]string{"defaults"}, files...), "+"), func(t *testing.T) {
			l := lint.All(chartDir, readValues(t, files...), "bcdr", false)
			var problems []string
			for _, m := range l.Messages {
				t.Log(m.Error())
				if m.Severity >= support.WarningSev {
					problems = append(problems, m.Error())
				}
			}
			assert.Empty(t, problems)
			assert.Less(t, l.HighestSeverity, support.WarningSev)
		})
	}
}

func exampleFiles() [][]string {
	var out [][]string
	for _, f := range exampleValues {
		out = append(out, []string{f})
	}
	return out
}

// manifests is a rendered chart, decoded: kind/name -> YAML.
type manifests map[string][]byte

func render(t *testing.T, vals map[string]any) manifests {
	t.Helper()
	ch, err := loader.Load(chartDir)
	require.NoError(t, err)
	caps := chartutil.DefaultCapabilities.Copy()
	rv, err := chartutil.ToRenderValues(ch, vals, chartutil.ReleaseOptions{Name: "bcdr", Namespace: "bcdr", IsInstall: true}, caps)
	require.NoError(t, err)
	out, err := engine.Render(ch, rv)
	require.NoError(t, err)
	m := manifests{}
	for name, body := range out {
		if strings.HasSuffix(name, "NOTES.txt") {
			continue
		}
		for _, doc := range strings.Split(body, "\n---") {
			if strings.TrimSpace(stripComments(doc)) == "" {
				continue
			}
			var meta struct {
				Kind     string
				Metadata struct{ Name string }
			}
			require.NoError(t, yaml.Unmarshal([]byte(doc), &meta), "%s:\n%s", name, doc)
			key := meta.Kind + "/" + meta.Metadata.Name
			require.NotContains(t, m, key, "rendered twice")
			m[key] = []byte(doc)
		}
	}
	return m
}

func stripComments(doc string) string {
	var b strings.Builder
	for _, line := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

// decode decodes a manifest strictly: a misspelled or misplaced field is an error.
func decode[T any](t *testing.T, m manifests, key string) *T {
	t.Helper()
	doc, ok := m[key]
	require.True(t, ok, "no %s among %v", key, m.keys())
	var obj T
	require.NoError(t, yaml.UnmarshalStrict(doc, &obj), "%s:\n%s", key, doc)
	return &obj
}

func (m manifests) keys() []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func env(c corev1.Container) map[string]corev1.EnvVar {
	out := map[string]corev1.EnvVar{}
	for _, e := range c.Env {
		out[e.Name] = e
	}
	return out
}

// configEnvNames are the BCDR_* variables bcdr reads.
func configEnvNames() map[string]bool {
	known := map[string]bool{"BCDR_CONFIG": true}
	for _, k := range config.Keys() {
		known["BCDR_"+strings.ToUpper(strings.ReplaceAll(k, ".", "_"))] = true
	}
	return known
}

func TestChartRendersWorkersAndServer(t *testing.T) {
	m := render(t, nil)
	assert.Equal(t, []string{
		"Deployment/bcdr-server", "Deployment/bcdr-worker", "NetworkPolicy/bcdr",
		"PodDisruptionBudget/bcdr-server", "PodDisruptionBudget/bcdr-worker",
		"Service/bcdr-server", "Service/bcdr-worker", "ServiceAccount/bcdr",
	}, m.keys())

	w := decode[appsv1.Deployment](t, m, "Deployment/bcdr-worker")
	assert.Equal(t, int32(2), *w.Spec.Replicas)
	pod := w.Spec.Template.Spec
	require.Len(t, pod.Containers, 1)
	c := pod.Containers[0]
	assert.Equal(t, []string{"worker"}, c.Args)
	assert.Equal(t, "ghcr.io/bcdr/bcdr:dev", c.Image)
	e := env(c)
	assert.Equal(t, "0.0.0.0:9464", e["BCDR_METRICS_ADDRESS"].Value)
	assert.Equal(t, "temporal-frontend.temporal.svc.cluster.local:7233", e["BCDR_TEMPORAL_ADDRESS"].Value)
	assert.Equal(t, "json", e["BCDR_LOG_FORMAT"].Value)
	assert.Equal(t, "/healthz", c.LivenessProbe.HTTPGet.Path)
	assert.Equal(t, "/readyz", c.ReadinessProbe.HTTPGet.Path)
	assert.Equal(t, "metrics", c.ReadinessProbe.HTTPGet.Port.String())
	assert.True(t, *c.SecurityContext.ReadOnlyRootFilesystem)
	assert.False(t, *c.SecurityContext.AllowPrivilegeEscalation)
	assert.True(t, *pod.SecurityContext.RunAsNonRoot)
	assert.False(t, *pod.AutomountServiceAccountToken)
	assert.Len(t, pod.TopologySpreadConstraints, 2, "spread over zones and nodes")
	mounts := map[string]string{}
	for _, vm := range c.VolumeMounts {
		mounts[vm.MountPath] = vm.Name
	}
	assert.Contains(t, mounts, "/var/lib/bcdr", "the data folder is writable with a read-only root")
	assert.Contains(t, mounts, "/tmp")

	s := decode[appsv1.Deployment](t, m, "Deployment/bcdr-server")
	sc := s.Spec.Template.Spec.Containers[0]
	assert.Equal(t, []string{"server"}, sc.Args)
	assert.Equal(t, "0.0.0.0:8080", env(sc)["BCDR_HTTP_ADDRESS"].Value)
	assert.Equal(t, "http", sc.LivenessProbe.HTTPGet.Port.String())

	for _, d := range []*appsv1.Deployment{w, s} {
		for name := range env(d.Spec.Template.Spec.Containers[0]) {
			assert.True(t, configEnvNames()[name], "%s sets %s, which bcdr does not read", d.Name, name)
		}
	}
	for _, comp := range []string{"server", "worker"} {
		pdb := decode[policyv1.PodDisruptionBudget](t, m, "PodDisruptionBudget/bcdr-"+comp)
		assert.Equal(t, "1", pdb.Spec.MinAvailable.String())
		assert.Equal(t, comp, pdb.Spec.Selector.MatchLabels["app.kubernetes.io/component"])
	}
	svc := decode[corev1.Service](t, m, "Service/bcdr-worker")
	assert.Equal(t, "None", svc.Spec.ClusterIP, "headless: Prometheus scrapes each worker")

	np := decode[networkingv1.NetworkPolicy](t, m, "NetworkPolicy/bcdr")
	assert.ElementsMatch(t, []networkingv1.PolicyType{"Ingress", "Egress"}, np.Spec.PolicyTypes)
	var egressPorts []string
	for _, r := range np.Spec.Egress {
		for _, p := range r.Ports {
			egressPorts = append(egressPorts, p.Port.String())
		}
	}
	assert.ElementsMatch(t, []string{"53", "53", "7233", "443", "4317"}, egressPorts)
}

func TestChartTemporalTLSAndAPIKey(t *testing.T) {
	m := render(t, map[string]any{"temporal": map[string]any{
		"tls":    map[string]any{"enabled": true, "secretName": "temporal-mtls", "ca": true, "serverName": "frontend.temporal"},
		"apiKey": map[string]any{"secretName": "temporal-key", "key": "api-key"},
	}})
	w := decode[appsv1.Deployment](t, m, "Deployment/bcdr-worker")
	e := env(w.Spec.Template.Spec.Containers[0])
	assert.Equal(t, "true", e["BCDR_TEMPORAL_TLS_ENABLED"].Value)
	assert.Equal(t, "/etc/bcdr/tls/tls.crt", e["BCDR_TEMPORAL_TLS_CERT_FILE"].Value)
	assert.Equal(t, "/etc/bcdr/tls/tls.key", e["BCDR_TEMPORAL_TLS_KEY_FILE"].Value)
	assert.Equal(t, "/etc/bcdr/tls/ca.crt", e["BCDR_TEMPORAL_TLS_CA_FILE"].Value)
	assert.Equal(t, "frontend.temporal", e["BCDR_TEMPORAL_TLS_SERVER_NAME"].Value)
	require.NotNil(t, e["BCDR_TEMPORAL_API_KEY"].ValueFrom)
	assert.Equal(t, "temporal-key", e["BCDR_TEMPORAL_API_KEY"].ValueFrom.SecretKeyRef.Name)
	var tls *corev1.Volume
	for i, v := range w.Spec.Template.Spec.Volumes {
		if v.Name == "tls" {
			tls = &w.Spec.Template.Spec.Volumes[i]
		}
	}
	require.NotNil(t, tls, "the client certificate is mounted")
	assert.Equal(t, "temporal-mtls", tls.Secret.SecretName)
}

// TestExampleValues renders the guide's examples: IRSA, the config file (which bcdr must
// accept), the ServiceMonitor, and a recovery region's larger worker pool.
func TestExampleValues(t *testing.T) {
	primary := render(t, readValues(t, exampleValues[0]))
	sa := decode[corev1.ServiceAccount](t, primary, "ServiceAccount/bcdr")
	assert.Equal(t, "arn:aws:iam::111122223333:role/bcdr-worker-us-east-1", sa.Annotations["eks.amazonaws.com/role-arn"])
	assert.Contains(t, primary.keys(), "ServiceMonitor/bcdr")
	w := decode[appsv1.Deployment](t, primary, "Deployment/bcdr-worker")
	e := env(w.Spec.Template.Spec.Containers[0])
	assert.Equal(t, "us-east-1", e["BCDR_AWS_REGION"].Value)
	assert.Equal(t, "otel-collector.monitoring.svc.cluster.local:4317", e["BCDR_TRACING_ENDPOINT"].Value)
	assert.Equal(t, "/etc/bcdr/bcdr.yaml", e["BCDR_CONFIG"].Value)

	secret := decode[corev1.Secret](t, primary, "Secret/bcdr-config")
	file := filepath.Join(t.TempDir(), "bcdr.yaml")
	require.NoError(t, os.WriteFile(file, []byte(secret.StringData["bcdr.yaml"]), 0o600))
	cfg, err := config.Load(config.Source{File: file, Getenv: func(string) string { return "" }})
	require.NoError(t, err, "bcdr reads the config the chart mounts")
	assert.Equal(t, []string{"incident-commanders"}, cfg.GroupsOf("bob"))

	recovery := render(t, readValues(t, exampleValues[1]))
	rw := decode[appsv1.Deployment](t, recovery, "Deployment/bcdr-worker")
	assert.Equal(t, int32(3), *rw.Spec.Replicas)
	re := env(rw.Spec.Template.Spec.Containers[0])
	assert.Equal(t, "us-west-2", re["BCDR_AWS_REGION"].Value)
	assert.Equal(t, "bcdr-prod.a1b2c", re["BCDR_TEMPORAL_NAMESPACE"].Value, "both regions serve one namespace")
	assert.Equal(t, env(w.Spec.Template.Spec.Containers[0])["BCDR_TEMPORAL_TASK_QUEUE"], re["BCDR_TEMPORAL_TASK_QUEUE"], "and one task queue")
}

func TestChartOptionsOff(t *testing.T) {
	m := render(t, map[string]any{
		"server":        map[string]any{"enabled": false},
		"networkPolicy": map[string]any{"enabled": false},
		"worker":        map[string]any{"podDisruptionBudget": map[string]any{"enabled": false}},
	})
	assert.Equal(t, []string{"Deployment/bcdr-worker", "Service/bcdr-worker", "ServiceAccount/bcdr"}, m.keys())
}

// TestSchemaRejectsBadValues: values.schema.json names the value that is wrong.
func TestSchemaRejectsBadValues(t *testing.T) {
	ch, err := loader.Load(chartDir)
	require.NoError(t, err)
	for _, tc := range []struct {
		name string
		vals map[string]any
		want string
	}{
		{"address without port", map[string]any{"temporal": map[string]any{"address": "temporal.example.com"}}, "/temporal/address"},
		{"unknown value", map[string]any{"replicas": 3}, "replicas"},
		{"mtls without secret", map[string]any{"temporal": map[string]any{"tls": map[string]any{"enabled": true}}}, "secretName"},
		{"log format", map[string]any{"log": map[string]any{"format": "xml"}}, "/log/format"},
		{"irsa role", map[string]any{"aws": map[string]any{"irsaRoleArn": "bcdr-role"}}, "irsaRoleArn"},
		{"sample ratio", map[string]any{"tracing": map[string]any{"sampleRatio": 2}}, "sampleRatio"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := validate(ch, tc.vals)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	assert.NoError(t, validate(ch, nil), "the defaults are valid")
}

func validate(ch *chart.Chart, vals map[string]any) error {
	coalesced, err := chartutil.CoalesceValues(ch, vals)
	if err != nil {
		return err
	}
	return chartutil.ValidateAgainstSchema(ch, coalesced)
}

// TestChartVersionIsSemver keeps helm package from refusing the chart.
func TestChartFiles(t *testing.T) {
	ch, err := loader.Load(chartDir)
	require.NoError(t, err)
	assert.NoError(t, ch.Validate())
	assert.NotEmpty(t, ch.Schema, "values.schema.json is part of the chart")
	var names []string
	for _, f := range ch.Templates {
		names = append(names, filepath.Base(f.Name))
	}
	assert.True(t, slices.Contains(names, "NOTES.txt"))
	notes := bytes.Contains(ch.Templates[slices.Index(names, "NOTES.txt")].Data, []byte("smoke-test.yaml"))
	assert.True(t, notes, fmt.Sprintf("NOTES.txt tells how to run the smoke runbook: %v", names))
}
