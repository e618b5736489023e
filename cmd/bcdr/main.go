// Command bcdr runs disaster-recovery runbooks as Temporal workflows: `bcdr dev` starts
// everything in one process on an embedded engine; `bcdr worker` serves runs on an
// existing Temporal cluster; `bcdr run`, `status`, `approve` and friends operate runs;
// `bcdr validate`, `plan` and `doc` check and explain runbooks without running them.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signalContext()
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv, os.Environ()))
}

// signalContext is cancelled on SIGINT or SIGTERM, for a clean shutdown.
func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// run is the whole program, callable from tests: it returns the exit status.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string, environ []string) int {
	root := NewRootCommand(&app{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv, environ: environ})
	root.SetArgs(args)
	if err := root.ExecuteContext(ctx); err != nil {
		if code, ok := err.(exitError); ok {
			return int(code)
		}
		root.PrintErrln("bcdr: " + err.Error())
		return 1
	}
	return 0
}

// exitError ends the program with a status after the command printed its own message.
type exitError int

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", int(e)) }
