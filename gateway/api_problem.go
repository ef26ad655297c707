package gateway

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// problem is an RFC 9457 problem details document.
type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
}

// The REST API's problem types, stable across versions.
var problemTitles = map[string]string{
	"bad-request":     "The request is malformed",
	"unauthorized":    "Missing or unknown API key",
	"forbidden":       "Not allowed for this key",
	"not-found":       "No such resource",
	"conflict":        "The conversation is not in the needed state",
	"too-large":       "The request body is too large",
	"rate-limited":    "Too many requests",
	"unavailable":     "The store is unavailable; retry",
	"internal":        "Internal error",
	"not-implemented": "Not configured on this gateway",
}

// writeProblem answers with a problem details document of the given type.
func writeProblem(w http.ResponseWriter, status int, typ, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(problem{Type: "/api/v1/problems/" + typ, Title: problemTitles[typ], Status: status, Detail: detail})
}

// writeRetryAfter answers 429 with the seconds to wait.
func writeRetryAfter(w http.ResponseWriter, wait time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(max(1, int(wait.Seconds()+0.999))))
	writeProblem(w, http.StatusTooManyRequests, "rate-limited", "retry after the time in Retry-After")
}

// writeStoreProblem maps a store error to its problem.
func writeStoreProblem(w http.ResponseWriter, err error) {
	switch storeCode(err) {
	case CodeNotFound:
		writeProblem(w, http.StatusNotFound, "not-found", "no such conversation or agent")
	case CodeConflict, CodeClosed, CodeCapacity:
		writeProblem(w, http.StatusConflict, "conflict", err.Error())
	case CodeUnavailable:
		writeProblem(w, http.StatusServiceUnavailable, "unavailable", "the store is unavailable; nothing was changed")
	default:
		writeProblem(w, http.StatusInternalServerError, "internal", "")
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
