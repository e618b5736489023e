package api

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"time"

	"github.com/bcdr/bcdr/internal/identity"
	"github.com/bcdr/bcdr/workflows"
)

// A roll call's one-click acknowledgement link (package notify puts one per person in
// the notification) is GET /v1/ack?token=T: a page that says what the link does, with
// one button that POSTs the token to /v1/ack. The GET changes nothing, so a mail
// scanner or a chat preview that fetches the link acknowledges nobody (RFC 9110 section
// 9.2.1: GET is safe). The POST verifies the token (identity.VerifyAck: signature under
// the server's key, then expiry) and acknowledges the step for the person the link was
// made for, and for no one else, through the run's verified complete update, like
// bcdr complete. A second POST of one link answers that the person has already
// acknowledged. The token is a credential: it is never logged, and the page tells the
// browser to keep it out of caches and Referer headers.

// ackTimeout bounds the engine calls of one acknowledgement.
const ackTimeout = 30 * time.Second

var ackPage = template.Must(template.New("ack").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>bcdr: {{.Title}}</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40em; margin: 3em auto; padding: 0 1em">
<h1>{{.Title}}</h1>
<p id="message">{{.Message}}</p>
{{if .Token}}<form method="post" action="ack">
<input type="hidden" name="token" value="{{.Token}}">
<button type="submit" id="acknowledge" style="font-size: 1.2em; padding: .5em 1.5em">Acknowledge as {{.User}}</button>
</form>{{end}}
</body></html>
`))

type ackView struct{ Title, Message, Token, User string }

// writeAckPage answers a person's browser with a page.
func writeAckPage(w http.ResponseWriter, status int, v ackView) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
	w.WriteHeader(status)
	_ = ackPage.Execute(w, v)
}

// verifyAck checks a link's token; a refusal is the page to answer with.
func (s *Server) verifyAck(r *http.Request, token string) (identity.Ack, *ackView, int) {
	a, err := identity.VerifyAck(s.opts.IdentityKey, token, s.now())
	if err == nil {
		return a, nil, 0
	}
	status := http.StatusForbidden
	var expired *identity.ExpiredAckError
	switch {
	case errors.Is(err, identity.ErrNoKey):
		status = http.StatusServiceUnavailable
		err = errors.New("this server has no identity key (identity.key_file), so it cannot check acknowledgement links; acknowledge with bcdr complete RUN STEP")
	case errors.As(err, &expired):
		status = http.StatusGone
	}
	s.log.Warn("api: refused", "method", r.Method, "path", r.URL.Path, "who", "ack-link", "why", err.Error(), "remote", r.RemoteAddr)
	return a, &ackView{Title: "Link not accepted", Message: err.Error()}, status
}

// ackForm is GET /v1/ack: what the link does, and the button that does it.
func (s *Server) ackForm(w http.ResponseWriter, r *http.Request, _ *Identity) error {
	token := r.URL.Query().Get("token")
	a, refused, status := s.verifyAck(r, token)
	if refused != nil {
		writeAckPage(w, status, *refused)
		return nil
	}
	writeAckPage(w, http.StatusOK, ackView{Title: "Roll call",
		Message: "Acknowledge the roll call " + a.Step + " of run " + a.RunID + " as " + a.User + ": you have seen it and are available.",
		Token:   token, User: a.User})
	return nil
}

// ack is POST /v1/ack: the acknowledgement itself, for the link's person.
func (s *Server) ack(w http.ResponseWriter, r *http.Request, _ *Identity) error {
	body, err := readBodyMax(r, 8<<10, "application/x-www-form-urlencoded")
	if err != nil {
		return err
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return badRequest("token", "the form is not URL-encoded: post the page's form as it is")
	}
	a, refused, status := s.verifyAck(r, form.Get("token"))
	if refused != nil {
		writeAckPage(w, status, *refused)
		return nil
	}
	ctx, cancel := context.WithTimeout(r.Context(), ackTimeout)
	defer cancel()
	e := &Engine{opts: s.opts, now: s.now, by: workflows.Actor{Name: a.User}, trigger: "ack-link"}
	if at, ok := s.acknowledged(ctx, e, a); ok {
		writeAckPage(w, http.StatusOK, ackView{Title: "Already acknowledged", Message: a.User + " acknowledged the roll call " + a.Step + " of run " + a.RunID + " at " + at + "."})
		return nil
	}
	if _, err := e.Act(ctx, a.RunID, Action{Name: workflows.UpdateComplete, Step: a.Step, Comment: "acknowledged by link"}); err != nil {
		if at, ok := s.acknowledged(ctx, e, a); ok { // another click got there first
			writeAckPage(w, http.StatusOK, ackView{Title: "Already acknowledged", Message: a.User + " acknowledged the roll call " + a.Step + " of run " + a.RunID + " at " + at + "."})
			return nil
		}
		s.log.Warn("api: action refused", "run", a.RunID, "action", "acknowledge by link", "who", a.User, "why", err.Error())
		var ae *Error
		status := http.StatusBadGateway
		if errors.As(err, &ae) {
			status = ae.Status
		}
		writeAckPage(w, status, ackView{Title: "Not acknowledged", Message: err.Error()})
		return nil
	}
	s.log.Info("api: run operated", "run", a.RunID, "action", "acknowledge by link", "step", a.Step, "by", a.User)
	writeAckPage(w, http.StatusOK, ackView{Title: "Acknowledged", Message: "Thank you, " + a.User + ": your acknowledgement of the roll call " + a.Step + " of run " + a.RunID + " is recorded."})
	return nil
}

// acknowledged returns when a.User acknowledged a.Step, if they have.
func (s *Server) acknowledged(ctx context.Context, e *Engine, a identity.Ack) (string, bool) {
	st, err := e.run(ctx, a.RunID)
	if err != nil {
		return "", false
	}
	step := st.Step(a.Step)
	if step == nil {
		return "", false
	}
	for _, d := range step.Decisions {
		if d.By == a.User {
			return d.At.UTC().Format(time.RFC3339), true
		}
	}
	return "", false
}
