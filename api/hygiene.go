package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"regexp"
	"slices"
	"strings"
)

// MaxBody is the largest request body the API reads (a runbook upload fits easily).
const MaxBody = 1 << 20

// Error is an API error: its HTTP status and the JSON body {"error", "field"}.
type Error struct {
	Status  int    `json:"-"`
	Message string `json:"error"`
	// Field names the request field at fault, when one is.
	Field string `json:"field,omitempty"`
	// Diagnostics are a runbook's problems, each with its place.
	Diagnostics any `json:"diagnostics,omitempty"`
}

func (e *Error) Error() string {
	if e.Field != "" {
		return e.Field + ": " + e.Message
	}
	return e.Message
}

func errorf(status int, field, format string, args ...any) *Error {
	return &Error{Status: status, Field: field, Message: fmt.Sprintf(format, args...)}
}

func badRequest(field, format string, args ...any) *Error {
	return errorf(http.StatusBadRequest, field, format, args...)
}

// reply writes v as JSON with status, or returns err (for the route's error handling)
// when the call that produced v failed.
func reply(w http.ResponseWriter, status int, v any, err error) error {
	if err != nil {
		return err
	}
	writeJSON(w, status, v)
	return nil
}

// writeJSON writes v with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// writeError writes err as JSON; an error that is not an *Error is a 500 whose detail
// stays in the log.
func writeError(w http.ResponseWriter, err error) {
	var e *Error
	if !errors.As(err, &e) {
		e = &Error{Status: http.StatusInternalServerError, Message: err.Error()}
	}
	writeJSON(w, e.Status, e)
}

// readBody reads a request body of at most MaxBody bytes with one of the allowed media
// types (application/json when none is given).
func readBody(r *http.Request, allowed ...string) ([]byte, error) {
	return readBodyMax(r, MaxBody, allowed...)
}

// MaxAlertBody is the largest body a webhook trigger reads. Alertmanager sends every alert
// of a group in one notification (2,200 alerts are about 1.1 MB) and does not retry a
// 413, so a trigger reads far more than the rest of the API.
const MaxAlertBody = 32 << 20

// readBodyMax is readBody with its own limit.
func readBodyMax(r *http.Request, limit int64, allowed ...string) ([]byte, error) {
	if len(allowed) == 0 {
		allowed = []string{"application/json"}
	}
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if ct == "" || err != nil || !slices.Contains(allowed, mt) {
		return nil, errorf(http.StatusUnsupportedMediaType, "", "Content-Type must be %s, not %q", strings.Join(allowed, " or "), ct)
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, limit))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, errorf(http.StatusRequestEntityTooLarge, "", "request body is larger than %d bytes", limit)
		}
		return nil, badRequest("", "read request body: %v", err)
	}
	return body, nil
}

var unknownField = regexp.MustCompile(`json: unknown field "([^"]*)"`)

// decode reads a JSON request into v: JSON only, at most MaxBody bytes, one value, no
// unknown fields. Its errors name the field at fault.
func decode(r *http.Request, v any) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	return decodeBytes(body, v)
}

func decodeBytes(body []byte, v any) error { return decodeJSON(body, v, true) }

// decodeForeign reads a payload another system defines (Alertmanager, SNS): fields it
// adds in a later version are ignored, not refused.
func decodeForeign(body []byte, v any) error { return decodeJSON(body, v, false) }

func decodeJSON(body []byte, v any, strict bool) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		var typeErr *json.UnmarshalTypeError
		var syntaxErr *json.SyntaxError
		switch {
		case errors.Is(err, io.EOF):
			return badRequest("", "request body is empty; want a JSON object")
		case errors.As(err, &typeErr):
			return badRequest(typeErr.Field, "want %s, got JSON %s", typeErr.Type, typeErr.Value)
		case errors.As(err, &syntaxErr):
			return badRequest("", "malformed JSON at byte %d: %v", syntaxErr.Offset, err)
		}
		if m := unknownField.FindStringSubmatch(err.Error()); m != nil {
			return badRequest(m[1], "unknown field %q", m[1])
		}
		return badRequest("", "malformed JSON: %v", err)
	}
	if dec.More() {
		return badRequest("", "request body holds more than one JSON value")
	}
	return nil
}

// safeValue is what a filter value may hold: it goes into a visibility query.
var safeValue = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,199}$`)
