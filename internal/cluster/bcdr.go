package cluster

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Region is one region's bcdr deployment on the cluster: a `bcdr server` and `bcdr
// worker` processes, all running the binary `make build` makes.
type Region struct {
	Name    string
	Server  *Process
	Workers []*Process
	// API is the server's base URL (http://127.0.0.1:PORT), for the API and the CLI's
	// server.url, once the server is started.
	API string

	c    *Cluster
	opts RegionOptions
}

// RegionOptions configure a region.
type RegionOptions struct {
	// Workers is how many `bcdr worker` processes StartRegion starts (default 2).
	Workers int
	// TaskQueue is temporal.task_queue (default bcdr's own default).
	TaskQueue string
	// Env is added to every process's environment: BCDR_CONFIG, AWS settings and the
	// like. The harness sets the Temporal address and namespace, the shared identity key
	// and evidence store, a data folder per process, and the server's and workers'
	// listeners.
	Env map[string]string
}

// StartRegion starts a region's `bcdr server` and workers on the cluster and returns
// once the server's and every worker's /readyz answer (Temporal answers them).
func (c *Cluster) StartRegion(name string, o RegionOptions) (*Region, error) {
	if o.Workers == 0 {
		o.Workers = 2
	}
	r := c.NewRegion(name, o)
	if err := r.StartServer(); err != nil {
		return r, err
	}
	return r, r.StartWorkers(o.Workers)
}

// NewRegion is a region with no process yet: start them with StartServer and
// StartWorkers.
func (c *Cluster) NewRegion(name string, o RegionOptions) *Region {
	return &Region{Name: name, c: c, opts: o}
}

// StartServer starts the region's `bcdr server` and waits until its /readyz answers.
func (r *Region) StartServer() error {
	port, err := freePort()
	if err != nil {
		return err
	}
	r.API = "http://127.0.0.1:" + strconv.Itoa(port)
	if r.Server, err = r.c.startBcdr(r.Name+"/server", r.opts, map[string]string{"BCDR_HTTP_ADDRESS": "127.0.0.1:" + strconv.Itoa(port)}, "server"); err != nil {
		return err
	}
	return r.Server.waitFor("/readyz", 2*time.Minute, answers200(r.API+"/readyz"))
}

// StartWorkers starts n more `bcdr worker` processes in the region and waits until each
// one's /readyz answers.
func (r *Region) StartWorkers(n int) error {
	for range n {
		mport, err := freePort()
		if err != nil {
			return err
		}
		metrics := "127.0.0.1:" + strconv.Itoa(mport)
		w, err := r.c.startBcdr(fmt.Sprintf("%s/worker-%d", r.Name, len(r.Workers)+1), r.opts, map[string]string{"BCDR_METRICS_ADDRESS": metrics}, "worker")
		if err != nil {
			return err
		}
		r.Workers = append(r.Workers, w)
		if err := w.waitFor("/readyz", 2*time.Minute, answers200("http://"+metrics+"/readyz")); err != nil {
			return err
		}
	}
	return nil
}

// Processes are the region's server and workers that were started.
func (r *Region) Processes() []*Process {
	var out []*Process
	if r.Server != nil {
		out = append(out, r.Server)
	}
	return append(out, r.Workers...)
}

// Kill SIGKILLs every process of the region, the server and the workers, at once.
func (r *Region) Kill() {
	done := make(chan struct{})
	for _, p := range r.Processes() {
		go func() { p.Kill(); done <- struct{}{} }()
	}
	for range r.Processes() {
		<-done
	}
}

// startBcdr starts bin/bcdr with args, the cluster's Temporal settings, a data folder
// of its own, o.Env and extra.
func (c *Cluster) startBcdr(name string, o RegionOptions, extra map[string]string, args ...string) (*Process, error) {
	data := filepath.Join(c.dir, "bcdr", name)
	if err := os.MkdirAll(data, 0o700); err != nil {
		return nil, err
	}
	vars := c.bcdrEnv()
	vars["PATH"], vars["HOME"], vars["BCDR_DATA_DIR"] = os.Getenv("PATH"), data, data
	if o.TaskQueue != "" {
		vars["BCDR_TEMPORAL_TASK_QUEUE"] = o.TaskQueue
	}
	for k, v := range o.Env {
		vars[k] = v
	}
	for k, v := range extra {
		vars[k] = v
	}
	env := make([]string, 0, len(vars))
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	sort.Strings(env)
	p := newProcess(name, c.logDir(), c.opts.Bcdr, args, env)
	if err := p.start(); err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.others = append(c.others, p)
	c.mu.Unlock()
	return p, nil
}

// bcdrEnv is what every bcdr process of the cluster shares, as one deployment's do: the
// Temporal address and namespace, the identity key (a Secret mounted everywhere) and the
// evidence store (one S3 bucket in production; a folder of the cluster here, with its
// anchor).
func (c *Cluster) bcdrEnv() map[string]string {
	return map[string]string{
		"BCDR_TEMPORAL_ADDRESS": c.Frontend, "BCDR_TEMPORAL_NAMESPACE": Namespace,
		"BCDR_IDENTITY_KEY_FILE": filepath.Join(c.dir, "identity.key"),
		"BCDR_EVIDENCE_DIR":      c.EvidenceDir(),
		"BCDR_EVIDENCE_ANCHOR":   filepath.Join(c.dir, "evidence.anchor"),
	}
}

// EvidenceDir is the evidence store every bcdr process of the cluster writes to.
func (c *Cluster) EvidenceDir() string { return filepath.Join(c.dir, "evidence") }

// Bcdr runs the bcdr binary (a CLI command) with the cluster's Temporal settings and env,
// in the repository's root folder, and returns its standard output; an error carries its
// standard error.
func (c *Cluster) Bcdr(env map[string]string, args ...string) (string, error) {
	cmd := exec.Command(c.opts.Bcdr, args...)
	cmd.Dir = c.opts.Root
	cmd.Env = os.Environ()
	vars := c.bcdrEnv()
	for k, v := range env {
		vars[k] = v
	}
	for k, v := range vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return string(out), fmt.Errorf("bcdr %s: %w\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out), nil
}
