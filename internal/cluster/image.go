package cluster

import (
	"debug/buildinfo"
	"fmt"
	"os"
	"regexp"
	"strings"
)

// makeTags is the Makefile's default build tags (`TAGS ?= ...`).
var makeTags = regexp.MustCompile(`(?m)^TAGS\s*\?=\s*(.*)$`)

// checkImageBuild refuses a bcdr binary that `make build` did not build: deploy/Dockerfile
// runs `make build` (deploy's TestDockerfile checks it), so a binary with the Makefile's
// tags, static (CGO_ENABLED=0) and -trimpath, as its build settings record them, is the
// binary the image ships. A plain `go build` would test something else.
func checkImageBuild(makefile, bin string) error {
	src, err := os.ReadFile(makefile)
	if err != nil {
		return err
	}
	m := makeTags.FindSubmatch(src)
	if m == nil {
		return fmt.Errorf("%s sets no TAGS", makefile)
	}
	want := map[string]string{"-tags": strings.Join(strings.Fields(string(m[1])), ","), "-trimpath": "true", "CGO_ENABLED": "0"}
	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		return fmt.Errorf("read the build settings of %s: %w", bin, err)
	}
	got := map[string]string{}
	for _, s := range info.Settings {
		got[s.Key] = s.Value
	}
	var wrong []string
	for _, k := range []string{"-tags", "-trimpath", "CGO_ENABLED"} {
		if got[k] != want[k] {
			wrong = append(wrong, fmt.Sprintf("%s=%q, make build's is %q", k, got[k], want[k]))
		}
	}
	if len(wrong) > 0 {
		return fmt.Errorf("%s is not the binary make build makes (the image's): %s; run make build", bin, strings.Join(wrong, "; "))
	}
	return nil
}
