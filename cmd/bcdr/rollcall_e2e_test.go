package main

import (
	"encoding/base64"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/activities"
	"github.com/bcdr/bcdr/internal/identity"
	"github.com/bcdr/bcdr/workflows"
)

const rollCallE2ERunbook = `apiVersion: bcdr.io/v1
kind: Runbook
metadata:
  name: rollcall-e2e
  service: payments
steps:
  - id: roll
    uses: people.roll_call
    with:
      people: [alice, bob, frank]
      message: "payments database down: are you available?"
      timeout: 15s
      escalate_to: [irene]
      escalation_timeout: 5s
`

const rollCallE2ECatalogue = `apiVersion: bcdr.io/v1
kind: Catalogue
metadata: {name: payments-org}
contacts:
  - {name: alice, email: alice@example.com}
  - {name: irene, role: Incident commander, email: irene@example.com}
services:
  - {name: payments, tier: 1, owner: alice}
`

// mailTo waits for the mail written to addr and returns it.
func (a *apiEnv) mailTo(t *testing.T, addr string) string {
	t.Helper()
	var data string
	eventually(t, "a mail to "+addr, time.Minute, func() bool {
		for _, m := range a.mail.Mails() {
			if slices.Contains(m.To, addr) {
				data = m.Data
				return true
			}
		}
		return false
	})
	return data
}

// TestRollCallAcknowledgedByLinkAndCLI is issue 21's roll call through the real server
// (bcdr dev: embedded engine, worker, API): the notification carries one signed link
// per person, and alice and irene, whom the catalogue gives an email, get a mail each
// with their own link alone; alice acknowledges with the one in her mail (a GET that changes nothing, then the
// button's POST), bob with bcdr complete, frank not at all and is escalated on timeout.
// The attacks on the link are refused: edited for another person, signed with another
// key, expired, and a genuine link for someone the roll call does not name; a second
// click of alice's link is answered "already acknowledged" and records nothing more.
func TestRollCallAcknowledgedByLinkAndCLI(t *testing.T) {
	// the catalogue gives alice and irene an email: the roll call writes to them too
	// (notify.people_channel), each mail with its reader's link alone
	catalogue := filepath.Join(t.TempDir(), "catalogue.yaml")
	require.NoError(t, os.WriteFile(catalogue, []byte(rollCallE2ECatalogue), 0o600))
	a := newAPIEnv(t, "catalogue: "+catalogue)
	file := filepath.Join(a.dir, "rollcall.yaml")
	require.NoError(t, os.WriteFile(file, []byte(rollCallE2ERunbook), 0o600))
	runID := strings.TrimSpace(a.mustCLI("run", file))

	var needed activities.Event
	eventually(t, "the roll call's notification", time.Minute, func() bool {
		evs, _ := a.hook.received()
		for _, ev := range evs {
			if ev.Type == activities.EventRollCall && ev.RunID == runID {
				needed = ev
				return true
			}
		}
		return false
	})
	links := map[string]string{}
	for _, l := range needed.AckLinks {
		links[l.User] = l.URL
	}
	require.Len(t, links, 3, "one link per person: %+v", needed.AckLinks)
	require.True(t, strings.HasPrefix(links["alice"], a.base+"/v1/ack?token="), links["alice"])
	// alice's own mail carries her link, and no one else's: she uses the one she got
	alicesMail := a.mailTo(t, "alice@example.com")
	assert.NotContains(t, alicesMail, "acknowledge as bob")
	assert.Contains(t, alicesMail, "acknowledge as alice: "+links["alice"])
	links["alice"] = regexp.MustCompile(`acknowledge as alice: (\S+)`).FindStringSubmatch(alicesMail)[1]
	token := func(link string) string {
		u, err := url.Parse(link)
		require.NoError(t, err)
		return u.Query().Get("token")
	}
	post := func(tok string) (int, string) {
		resp, err := http.PostForm(a.base+"/v1/ack", url.Values{"token": {tok}})
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	acks := func() []string {
		var by []string
		st := a.status(runID)
		for _, d := range st.Step("roll").Decisions {
			by = append(by, d.By)
		}
		return by
	}

	// The attacks, before anyone acknowledged.
	key, err := identity.LoadKey(filepath.Join(a.vars["BCDR_DATA_DIR"], "identity.key"))
	require.NoError(t, err)
	payload, sig, _ := strings.Cut(token(links["alice"]), ".")
	asBob, _, _ := strings.Cut(identity.SignAck(key, identity.Ack{RunID: runID, Step: "roll", User: "bob", Expires: time.Now().Add(time.Hour)}), ".")
	code, page := post(asBob + "." + sig)
	assert.Equal(t, http.StatusForbidden, code, "alice's signature on a payload naming bob: %s", page)
	assert.Contains(t, page, "acknowledgement link is not valid")
	code, _ = post(identity.SignAck([]byte("a key that is not the server's!!"), identity.Ack{RunID: runID, Step: "roll", User: "frank", Expires: time.Now().Add(time.Hour)}))
	assert.Equal(t, http.StatusForbidden, code, "signed with another key")
	code, page = post(identity.SignAck(key, identity.Ack{RunID: runID, Step: "roll", User: "frank", Expires: time.Now().Add(-time.Minute)}))
	assert.Equal(t, http.StatusGone, code, "expired: %s", page)
	assert.Contains(t, page, "acknowledgement link expired at")
	code, page = post(identity.SignAck(key, identity.Ack{RunID: runID, Step: "roll", User: "eve", Expires: time.Now().Add(time.Hour)}))
	assert.Equal(t, http.StatusConflict, code, "eve is not on the roll call: %s", page)
	assert.Contains(t, page, "eve is not on the roll call")
	assert.Empty(t, acks(), "no attack acknowledged anyone")

	// alice: the GET is a page with a button, and changes nothing.
	resp, err := http.Get(links["alice"])
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	assert.Contains(t, string(body), "Acknowledge as alice")
	assert.Equal(t, "no-referrer", resp.Header.Get("Referrer-Policy"))
	assert.Empty(t, acks(), "a GET acknowledges no one")
	code, page = post(payload + "." + sig)
	require.Equal(t, http.StatusOK, code, page)
	assert.Contains(t, page, "alice: your acknowledgement of the roll call roll")
	code, page = post(token(links["alice"]))
	assert.Equal(t, http.StatusOK, code, "a second click is not an error: %s", page)
	assert.Contains(t, page, "Already acknowledged")

	// bob: the CLI.
	a.vars["BCDR_IDENTITY_USER"] = "bob"
	a.mustCLI("complete", runID, "roll", "-m", "on my way")

	var st workflows.Status
	eventually(t, "the roll call to end", time.Minute, func() bool { st = a.status(runID); return st.State.Done() })
	require.Equal(t, workflows.RunSucceeded, st.State, st.Error)
	roll := st.Step("roll")
	var by []string
	for _, ack := range roll.Outputs["acknowledged"].([]any) {
		by = append(by, ack.(map[string]any)["user"].(string))
	}
	assert.Equal(t, []string{"alice", "bob"}, by)
	assert.Equal(t, []any{"frank"}, roll.Outputs["missing"])
	assert.Equal(t, true, roll.Outputs["escalated"])
	require.Len(t, st.Refusals, 1, "eve's link reached the run and was refused there: %+v", st.Refusals)
	assert.Equal(t, "eve", st.Refusals[0].By)

	evs, forged := a.hook.received()
	assert.Zero(t, forged)
	var escalated *activities.Event
	for i, ev := range evs {
		if ev.Type == activities.EventRollCallEscalated && ev.RunID == runID {
			escalated = &evs[i]
		}
	}
	require.NotNil(t, escalated, "irene is told frank is missing")
	assert.Contains(t, escalated.Message, "frank did not acknowledge within 15s")
	require.Len(t, escalated.AckLinks, 1)
	assert.Equal(t, "irene", escalated.AckLinks[0].User)
	assert.Contains(t, a.mailTo(t, "irene@example.com"), "frank did not acknowledge within 15s", "irene is written to at her catalogue email")
	for _, m := range a.mail.Mails() {
		assert.NotContains(t, m.To, "frank@example.com", "frank has no email in the catalogue")
	}

	// The key is in no notification, no record and no log line; the tokens are in no log.
	record := a.mustCLI("status", runID, "--output", "json")
	for _, s := range []string{base64.StdEncoding.EncodeToString(key), base64.RawURLEncoding.EncodeToString(key)} {
		assert.NotContains(t, record, s)
		assert.NotContains(t, a.dev.logs.String(), s)
	}
	assert.NotContains(t, record, sig, "a link's signature is not in the record")
	assert.NotContains(t, a.dev.logs.String(), sig, "nor in the server's log")
}
