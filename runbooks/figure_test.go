package runbooks

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFigureJSONSaysItsDurationsInText: the JSON keeps the machine form and adds the
// one human format (issue 20: the Web UI showed "rto": 300000000000).
func TestFigureJSONSaysItsDurationsInText(t *testing.T) {
	b, err := json.Marshal(MeasuredFigure(227*time.Second, 5*time.Minute, ""))
	require.NoError(t, err)
	assert.JSONEq(t, `{"measured":true,"actual":227000000000,"target":300000000000,"verdict":"met","actualText":"3m47s","targetText":"5m"}`, string(b))
	b, err = json.Marshal(UnmeasuredFigure(0, "a tabletop"))
	require.NoError(t, err)
	assert.NotContains(t, string(b), "Text", "nothing measured, no target: no text")
}
