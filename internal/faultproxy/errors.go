package faultproxy

import (
	"fmt"
	"net/http"
	"strings"
)

// protocol is the wire protocol of a request, which decides the shape of its errors.
type protocol int

const (
	protoQuery    protocol = iota // form-encoded Action=...; XML ErrorResponse
	protoEC2                      // query, but EC2's Response/Errors shape
	protoJSON                     // X-Amz-Target; {"__type": ...}
	protoRESTJSON                 // REST with JSON bodies; X-Amzn-ErrorType header
	protoRESTXML                  // REST with XML bodies (Route 53)
	protoS3                       // S3's bare <Error>
)

// restJSON are services whose REST APIs speak JSON.
var restJSON = map[string]bool{"lambda": true, "backup": true, "drs": true, "route53-recovery-cluster": true, "ecs": true}

func protocolOf(r *http.Request, service string) protocol {
	switch {
	case r.Header.Get("X-Amz-Target") != "":
		return protoJSON
	case strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") && service == "ec2":
		return protoEC2
	case strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded"):
		return protoQuery
	case service == "s3":
		return protoS3
	case restJSON[service], strings.Contains(r.Header.Get("Content-Type"), "json"):
		return protoRESTJSON
	}
	return protoRESTXML
}

// faultAnswer is the fault's answer in the request's protocol: its status, and the
// function that writes it (called after the call is logged).
func faultAnswer(r *http.Request, service string, f Fault) (int, func(http.ResponseWriter)) {
	status, code, msg := http.StatusBadRequest, "ThrottlingException", "Rate exceeded"
	switch f {
	case SlowDown:
		status, code, msg = http.StatusServiceUnavailable, "SlowDown", "Please reduce your request rate."
	case ServerError:
		status, code, msg = http.StatusInternalServerError, "InternalError", "We encountered an internal error. Please try again."
	}
	proto := protocolOf(r, service)
	if f == Throttle {
		switch proto {
		case protoQuery, protoRESTXML:
			code = "Throttling"
		case protoEC2:
			code = "RequestLimitExceeded"
		case protoS3:
			status, code = http.StatusServiceUnavailable, "SlowDown"
		}
	}
	return status, func(w http.ResponseWriter) { writeFault(w, proto, status, code, msg) }
}

func writeFault(w http.ResponseWriter, proto protocol, status int, code, msg string) {
	h := w.Header()
	h.Set("X-Amzn-RequestId", "faultproxy")
	switch proto {
	case protoJSON:
		h.Set("Content-Type", "application/x-amz-json-1.1")
		h.Set("X-Amzn-ErrorType", code)
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"__type":%q,"message":%q}`, code, msg)
	case protoRESTJSON:
		h.Set("Content-Type", "application/json")
		h.Set("X-Amzn-ErrorType", code)
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"message":%q}`, msg)
	case protoEC2:
		h.Set("Content-Type", "text/xml")
		w.WriteHeader(status)
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>%s</Code><Message>%s</Message></Error></Errors><RequestID>faultproxy</RequestID></Response>`, code, msg)
	case protoS3:
		h.Set("Content-Type", "application/xml")
		w.WriteHeader(status)
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>%s</Message><RequestId>faultproxy</RequestId></Error>`, code, msg)
	default:
		h.Set("Content-Type", "text/xml")
		w.WriteHeader(status)
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>faultproxy</RequestId></ErrorResponse>`, code, msg)
	}
}
