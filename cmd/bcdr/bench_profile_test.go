package main

import (
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
	"testing"
)

// A CPU profile of one phase of a measurement, taken inside the bcdr child process
// (where the work is done, not in the test that drives it):
//
//	BENCH_CPUPROFILE=/tmp/scale go test -run '^$' -bench 'Suite/scale' -benchtime 1x ./cmd/bcdr
//	go tool pprof -top /tmp/scale-concurrent.pprof
//
// It needs the child to be this test binary (BENCH_BCDR_BIN unset). The measurement
// names each phase (profilePhase); the child profiles from one SIGUSR1 to the next.

// childProfileEnv carries the profile's path prefix to the child.
const childProfileEnv = "E2E_BCDR_CPUPROFILE"

// profileOnSignal, in a child with childProfileEnv set, starts a CPU profile at each odd
// SIGUSR1 and writes it at the next, into the file the parent named in the file
// <prefix>.next. It returns a function that writes a profile still open at exit.
func profileOnSignal() (stop func()) {
	prefix := os.Getenv(childProfileEnv)
	if prefix == "" {
		return func() {}
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGUSR1)
	var f *os.File
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range sig {
			if f != nil {
				pprof.StopCPUProfile()
				_ = f.Close()
				f = nil
				continue
			}
			name, err := os.ReadFile(prefix + ".next")
			if err == nil {
				f, err = os.Create(string(name))
			}
			if err == nil {
				err = pprof.StartCPUProfile(f)
			}
			if err != nil {
				fmt.Fprintln(os.Stderr, "cpu profile:", err)
				f = nil
			}
		}
	}()
	return func() {
		signal.Stop(sig)
		close(sig)
		<-done
		if f != nil {
			pprof.StopCPUProfile()
			_ = f.Close()
		}
	}
}

// profilePhase starts the child's CPU profile of the phase name, when BENCH_CPUPROFILE
// asks for one, and returns the function that ends it.
func profilePhase(b *testing.B, pid int, name string) (end func()) {
	prefix := os.Getenv("BENCH_CPUPROFILE")
	if prefix == "" || os.Getenv("BENCH_BCDR_BIN") != "" {
		return func() {}
	}
	path := prefix + "-" + name + ".pprof"
	if err := os.WriteFile(prefix+".next", []byte(path), 0o600); err != nil {
		b.Fatal(err)
	}
	if err := syscall.Kill(pid, syscall.SIGUSR1); err != nil {
		b.Fatal(err)
	}
	b.Logf("CPU profile of %s: %s", name, path)
	return func() { _ = syscall.Kill(pid, syscall.SIGUSR1) }
}
