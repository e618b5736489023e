package runbooks

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestADiagnosticWithoutAPlaceNamesTheFileAlone(t *testing.T) {
	// A file that cannot be read has no line or column: "nothere.yaml:0:0: open ..." read
	// as a place in a file that does not exist.
	d := Diagnostic{File: "nothere.yaml", Message: "cannot read the runbook: no such file; check the path"}
	assert.Equal(t, "nothere.yaml: cannot read the runbook: no such file; check the path", d.String())
	d = Diagnostic{File: "rb.yaml", Line: 8, Col: 3, Message: "unknown field"}
	assert.Equal(t, "rb.yaml:8:3: unknown field", d.String())
	d = Diagnostic{File: "rb.yaml", Line: 8, Message: "bad indentation"}
	assert.Equal(t, "rb.yaml:8: bad indentation", d.String())
}
