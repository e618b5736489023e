package faultproxy

import (
	"errors"
	"fmt"
	"os"
	"testing"

	"github.com/bcdr/bcdr/activities/aws/awstest"
)

// motoURL is the one moto server the package's tests share.
var motoURL string

func TestMain(m *testing.M) {
	srv, err := awstest.Start()
	if errors.Is(err, awstest.ErrNoMoto) && os.Getenv("CI") != "true" {
		fmt.Fprintln(os.Stderr, "*** SKIPPING faultproxy tests:", err)
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for k, v := range awstest.Env() {
		os.Setenv(k, v)
	}
	motoURL = srv.Endpoint
	code := m.Run()
	srv.Stop()
	os.Exit(code)
}
