package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Request headers of every webhook POST.
const (
	// HeaderEventID carries the event ID; receivers dedupe by it.
	HeaderEventID = "Parley-Event-Id"
	// HeaderEvent carries the event name, such as "message.created".
	HeaderEvent = "Parley-Event"
	// HeaderTimestamp carries the Unix time in seconds of the attempt.
	HeaderTimestamp = "Parley-Timestamp"
	// HeaderSignature carries "v1=" and the hex HMAC-SHA256 of the
	// timestamp, ".", and the body, keyed with the receiver's secret.
	HeaderSignature = "Parley-Signature"
)

// DefaultTolerance is the timestamp tolerance Verify applies when given none.
const DefaultTolerance = 5 * time.Minute

// Errors returned by Verify; check them with errors.Is.
var (
	// ErrNoSignature means the timestamp or signature header is missing or
	// malformed.
	ErrNoSignature = errors.New("webhook: missing or malformed signature headers")
	// ErrBadSignature means no signature matches the body and secret.
	ErrBadSignature = errors.New("webhook: signature does not match")
	// ErrStale means the timestamp is further from now than the tolerance,
	// as a replayed request's would be.
	ErrStale = errors.New("webhook: timestamp outside tolerance")
)

// signaturePrefix starts every signature of the current scheme.
const signaturePrefix = "v1="

// Sign returns the Parley-Signature value of body sent at timestamp (Unix
// seconds) to a receiver with secret.
func Sign(secret string, timestamp int64, body []byte) string {
	return signaturePrefix + hex.EncodeToString(mac(secret, timestamp, body))
}

func mac(secret string, timestamp int64, body []byte) []byte {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(strconv.FormatInt(timestamp, 10)))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// Verify checks a webhook request as a receiver: that the Parley-Signature
// header holds a v1 signature of the Parley-Timestamp header and the raw
// body under secret, and that the timestamp is within tolerance of now
// (DefaultTolerance when tolerance <= 0), so that a captured request cannot
// be replayed later. The signature header may list several comma-separated
// signatures; one match is enough.
func Verify(secret string, header http.Header, body []byte, tolerance time.Duration, now time.Time) error {
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	tsText, sigs := header.Get(HeaderTimestamp), header.Get(HeaderSignature)
	ts, err := strconv.ParseInt(strings.TrimSpace(tsText), 10, 64)
	if err != nil || sigs == "" {
		return ErrNoSignature
	}
	want := mac(secret, ts, body)
	found := false
	for sig := range strings.SplitSeq(sigs, ",") {
		hexSig, ok := strings.CutPrefix(strings.TrimSpace(sig), signaturePrefix)
		if !ok {
			continue
		}
		found = true
		got, err := hex.DecodeString(hexSig)
		if err == nil && hmac.Equal(got, want) {
			return fresh(ts, now, tolerance)
		}
	}
	if !found {
		return ErrNoSignature
	}
	return ErrBadSignature
}

// fresh checks that the signed timestamp is within tolerance of now.
func fresh(ts int64, now time.Time, tolerance time.Duration) error {
	age := now.Sub(time.Unix(ts, 0))
	if age > tolerance || age < -tolerance {
		return fmt.Errorf("%w: signed %v from now", ErrStale, age.Round(time.Second))
	}
	return nil
}
