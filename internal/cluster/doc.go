// Package cluster runs bcdr on a real Temporal cluster on one machine, for the cluster
// tests (`make cluster-test`) and the cluster benchmarks: PostgreSQL started as an
// unprivileged user in a throwaway folder on 127.0.0.1, Temporal's schema applied with
// Temporal's own SQL tool from the go.temporal.io/server version go.mod pins, the
// frontend, history, matching and worker services as four separate processes of that
// server (configured as Temporal's Helm chart renders it), and the namespace and search
// attributes created by the production guide's own `temporal operator` commands
// (docs/production.md) with the Temporal CLI. On it, regions of bcdr: a `bcdr server`
// and `bcdr worker` processes each, running bin/bcdr, the binary `make build` makes and
// deploy/Dockerfile ships: Start refuses a bin/bcdr whose recorded build settings are not
// make build's (the Makefile's tags, CGO_ENABLED=0, -trimpath).
//
// Every process can be SIGKILLed and restarted (Process.Kill, Process.Restart,
// Cluster.Kill and Cluster.Restart for Temporal's services, Region.Kill for a whole
// region). The package imports neither the Temporal server nor bcdr's commands: it runs
// their binaries. Its tests are behind the build tag "cluster" (make cluster-test), so
// `go test ./...` compiles none of them.
//
// It is not a deployment: one PostgreSQL without durability, no TLS, no authorization,
// everything on loopback.
package cluster
