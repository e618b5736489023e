// Command precompress writes the Temporal Web UI's files, gzip-compressed, into the folder
// that a build with -tags uigz embeds (internal/engine/webui/gz). `make build` runs it:
//
//	go run ./internal/engine/webui/precompress "$(go list -m -f '{{.Dir}}' github.com/temporalio/ui-server/v2)/ui/assets/local" internal/engine/webui/gz
//
// It copies only the current build of the UI: the files outside _app/immutable (index.html,
// the icons) and the files those reference by name, transitively. The ui-server module ships
// the content-hashed chunks of many earlier builds beside the current one (v2.45.0: 27,466
// files, 214 MiB, of which 324 files, 3.3 MiB, are the current build); nothing references
// the others. The output is deterministic, so an unchanged UI leaves the build cache warm.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: precompress UI_ASSETS_DIR OUTPUT_DIR\n(UI_ASSETS_DIR is ui/assets/local of the github.com/temporalio/ui-server/v2 module)")
		os.Exit(2)
	}
	n, err := precompress(os.DirFS(os.Args[1]), os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "precompress:", err)
		os.Exit(1)
	}
	fmt.Printf("precompress: %d Web UI files, %s of gzip, in %s\n", n.files, mib(n.gzipped), os.Args[2])
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
