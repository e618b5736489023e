package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestUnknownFlagsAndCommandsGetSuggestions(t *testing.T) {
	_, errs, code := cli(t, "", "run", "runbooks/library/demo-failover.yaml", "--mod", "drill")
	assert.Equal(t, 1, code)
	assert.Contains(t, errs, "unknown flag: --mod (did you mean --mode?); see 'bcdr run --help'")

	_, errs, code = cli(t, "", "finding", "r-1", "--ownr", "sre")
	assert.Equal(t, 1, code)
	assert.Contains(t, errs, "did you mean --owner?")

	_, errs, code = cli(t, "", "stauts", "r-1")
	assert.Equal(t, 1, code)
	assert.Contains(t, errs, `unknown command "stauts"`)
	assert.Contains(t, errs, "status")
}

func TestAnActionItemAsksForOwnerByItsFlag(t *testing.T) {
	_, errs, code := cli(t, "http://127.0.0.1:1", "finding", "r-1", "--kind", "action", "-m", "keep an offline share map")
	assert.Equal(t, 1, code)
	assert.Contains(t, errs, "an action item needs an owner: give --owner NAME")
	assert.NotContains(t, errs, "127.0.0.1:1", "checked before anything is sent")
}
