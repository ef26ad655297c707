package main

import (
	"bytes"
)

// A benchmark message carries its scheduled send time s and the time its
// write started w, both in nanoseconds on the generator's clock, in its text:
//
//	{"type":"message","id":"b<s>","conv":"<conv>","text":"bench <dir> s=<s> w=<w>"}
//
// dir is 'c' for customer to agent and 'a' for agent to customer. Numbers are
// 19 zero-padded digits, so the frame is built once per connection and only
// its digits are rewritten for each send. The id doubles as the idempotency
// key (one sender's scheduled times never repeat) and lets the ack carry s
// back.

const (
	stampDigits = 19
	dirCustomer = 'c'
	dirAgent    = 'a'
)

var (
	textMarker = []byte(`"text":"bench `)
	ackPrefix  = []byte(`{"type":"ack","id":"b`)
	msgPrefix  = []byte(`{"type":"message"`)
	seqMarker  = []byte(`"seq":`)
)

// payload is one connection's pre-built message frame.
type payload struct {
	buf  []byte
	idAt int // offset of the id's digits
	sAt  int // offset of s's digits
	wAt  int // offset of w's digits
}

// newPayload builds the message frame a connection sends into conv.
func newPayload(dir byte, conv string) *payload {
	var p payload
	zeros := bytes.Repeat([]byte{'0'}, stampDigits)
	b := append([]byte(nil), `{"type":"message","id":"b`...)
	p.idAt = len(b)
	b = append(b, zeros...)
	b = append(b, `","conv":"`...)
	b = append(b, conv...)
	b = append(b, `","text":"bench `...)
	b = append(b, dir)
	b = append(b, " s="...)
	p.sAt = len(b)
	b = append(b, zeros...)
	b = append(b, " w="...)
	p.wAt = len(b)
	b = append(b, zeros...)
	b = append(b, `"}`...)
	p.buf = b
	return &p
}

// Stamp writes the scheduled and write-start times into the frame and
// returns it; the bytes stay valid until the next Stamp.
func (p *payload) Stamp(s, w int64) []byte {
	putDigits(p.buf[p.idAt:p.idAt+stampDigits], s)
	putDigits(p.buf[p.sAt:p.sAt+stampDigits], s)
	putDigits(p.buf[p.wAt:p.wAt+stampDigits], w)
	return p.buf
}

// putDigits writes v (clamped to zero or more) as zero-padded decimal
// filling dst.
func putDigits(dst []byte, v int64) {
	v = max(v, 0)
	for i := len(dst) - 1; i >= 0; i-- {
		dst[i] = byte('0' + v%10)
		v /= 10
	}
}

// parseDigits reads n decimal digits at the start of b.
func parseDigits(b []byte, n int) (int64, bool) {
	if len(b) < n {
		return 0, false
	}
	var v int64
	for _, c := range b[:n] {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	return v, true
}

// stamp is what a received benchmark message carries.
type stamp struct {
	dir  byte
	s, w int64
}

// parseBenchText reads the stamp from a message's text ("bench c s=... w=...").
func parseBenchText(text []byte) (stamp, bool) {
	const head = len("bench c s=")
	if len(text) < head+stampDigits+len(" w=")+stampDigits || !bytes.HasPrefix(text, []byte("bench ")) {
		return stamp{}, false
	}
	st := stamp{dir: text[6]}
	if st.dir != dirCustomer && st.dir != dirAgent || string(text[7:head]) != " s=" {
		return stamp{}, false
	}
	var ok bool
	if st.s, ok = parseDigits(text[head:], stampDigits); !ok {
		return stamp{}, false
	}
	rest := text[head+stampDigits:]
	if string(rest[:3]) != " w=" {
		return stamp{}, false
	}
	if st.w, ok = parseDigits(rest[3:], stampDigits); !ok {
		return stamp{}, false
	}
	return st, true
}

// fastMessageStamp finds the stamp in a server message frame without
// decoding it, when the frame starts with its type as the gateway encodes
// it. ok is false for anything else, which then takes the slow path.
func fastMessageStamp(data []byte) (stamp, bool) {
	if !bytes.HasPrefix(data, msgPrefix) {
		return stamp{}, false
	}
	i := bytes.Index(data, textMarker)
	if i < 0 {
		return stamp{}, false
	}
	return parseBenchText(data[i+len(`"text":"`):])
}

// fastMessageSeq reads the seq of a server message frame without decoding
// it, when the frame starts with its type as the gateway encodes it and the
// message's seq comes before its text. ok is false for anything else, which
// then takes the slow path.
func fastMessageSeq(data []byte) (int64, bool) {
	if !bytes.HasPrefix(data, msgPrefix) {
		return 0, false
	}
	i := bytes.Index(data, seqMarker)
	if i < 0 {
		return 0, false
	}
	if t := bytes.Index(data, []byte(`"text":`)); t >= 0 && t < i {
		return 0, false // the first "seq" could be in the text
	}
	digits := data[i+len(seqMarker):]
	n, k := int64(0), 0
	for ; k < len(digits) && k < 18 && digits[k] >= '0' && digits[k] <= '9'; k++ {
		n = n*10 + int64(digits[k]-'0')
	}
	if k == 0 || k == len(digits) || digits[k] != ',' && digits[k] != '}' {
		return 0, false
	}
	return n, true
}

// fastAckStamp reads s from the id of an ack of a benchmark message.
func fastAckStamp(data []byte) (int64, bool) {
	if !bytes.HasPrefix(data, ackPrefix) {
		return 0, false
	}
	return parseDigits(data[len(ackPrefix):], stampDigits)
}
