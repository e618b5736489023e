package awstest

import (
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStartMotoServesAndStops(t *testing.T) {
	var endpoint string
	t.Run("start", func(t *testing.T) {
		endpoint = StartMoto(t)
		assert.Equal(t, "testing", os.Getenv("AWS_ACCESS_KEY_ID"))
		assert.Equal(t, Region, os.Getenv("AWS_REGION"))
		resp, err := http.Get(endpoint + "/moto-api/data.json")
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusOK, resp.StatusCode)
	})
	if endpoint == "" {
		return // skipped: no moto
	}
	// the cleanup of the subtest killed the server
	client := &http.Client{Timeout: time.Second}
	_, err := client.Get(endpoint + "/moto-api/data.json")
	assert.Error(t, err, "the server is gone after the test")
}
