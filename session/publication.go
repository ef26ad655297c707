package session

import (
	"strconv"
	"strings"
)

// Publication is an event to publish with a message as it is stored, before
// its seq is known: its payload is Parts joined by the seq in decimal.
type Publication struct {
	Topic string
	Parts []string
}

// Payload returns the payload for seq.
func (p Publication) Payload(seq int64) []byte {
	return []byte(strings.Join(p.Parts, strconv.FormatInt(seq, 10)))
}
