package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/parley-chat/parley/session"
)

// messageEncoding is a message encoded once, before its seq is known, for
// everything it goes out as: its event to the broker, its frame and the
// sender's ack. On the hot path of every message, reflecting over the whole
// Frame envelope cost more than everything else the gateway does with a
// message.
type messageEncoding struct {
	conv    []byte // the conversation ID, JSON-encoded
	pending bool
	// The message's JSON is before, the seq, then after.
	before, after []byte
}

// seqKey is how the message's seq is encoded while it is 0; the key always
// has a field after it (kind).
var seqKey = []byte(`,"seq":0,`)

// encodeMessage encodes m, whose Seq must still be 0.
func encodeMessage(m *session.Message, pending bool) (messageEncoding, error) {
	if m.Seq != 0 {
		return messageEncoding{}, errors.New("gateway: encoding a message whose seq is set")
	}
	body, err := json.Marshal(m)
	if err != nil {
		return messageEncoding{}, err
	}
	conv, err := json.Marshal(m.ConversationID)
	if err != nil {
		return messageEncoding{}, err
	}
	// A JSON string never holds an unescaped quote, so the first match is
	// the key of the message's own seq.
	i := bytes.Index(body, seqKey)
	if i < 0 {
		return messageEncoding{}, errors.New("gateway: encoding a message: no seq key")
	}
	cut := i + len(seqKey) - 2
	return messageEncoding{conv: conv, pending: pending, before: body[:cut], after: body[cut+1:]}, nil
}

// ack returns the ack of the message stored with seq, sent for the frame
// with client ID id.
func (e *messageEncoding) ack(id string, seq int64) []byte {
	idJSON, _ := json.Marshal(id) // a string always encodes
	s := strconv.FormatInt(seq, 10)
	b := make([]byte, 0, e.size()+len(idJSON))
	b = append(b, `{"type":"ack","id":`...)
	b = append(b, idJSON...)
	b = appendConvSeq(b, e.conv, s)
	b = append(b, `,"message":`...)
	return e.appendFrameTail(b, s)
}

// publication returns the message's event, sent by the connection origin (0
// for none), as parts the seq joins: the event's head, the frame up to its
// seq, the frame up to the message's seq, the rest.
func (e *messageEncoding) publication(topic string, origin uint64) session.Publication {
	head := appendEventHead(nil, evMessage, origin)
	frame := appendMessageFrameHead([]byte{' '}, e.conv, "")
	return session.Publication{Topic: topic, Parts: []string{string(head), string(frame), messageKey(e.pending) + string(e.before), string(e.after) + "}"}}
}

// size is about the length of the message frame.
func (e *messageEncoding) size() int { return len(e.before) + len(e.after) + len(e.conv) + 80 }

func (e *messageEncoding) appendFrameTail(b []byte, seq string) []byte {
	b = append(b, e.before...)
	b = append(b, seq...)
	b = append(b, e.after...)
	return append(b, '}')
}

// messageFrame encodes the message frame of a stored message, as replays
// send it: the same bytes as the envelope's encoding, without reflecting
// over the envelope.
func messageFrame(m *session.Message) ([]byte, error) {
	body, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	conv, err := json.Marshal(m.ConversationID)
	if err != nil {
		return nil, err
	}
	b := appendMessageFrameHead(nil, conv, strconv.FormatInt(m.Seq, 10))
	b = append(b, messageKey(false)...)
	return append(append(b, body...), '}'), nil
}

// appendMessageFrameHead appends a message frame up to and including its
// seq.
func appendMessageFrameHead(b, conv []byte, seq string) []byte {
	return appendConvSeq(append(b, `{"type":"message"`...), conv, seq)
}

// messageKey is what comes between a message frame's seq and its message.
func messageKey(pending bool) string {
	if pending {
		return `,"pending":true,"message":`
	}
	return `,"message":`
}

func appendConvSeq(b, conv []byte, seq string) []byte {
	b = append(b, `,"conv":`...)
	b = append(b, conv...)
	b = append(b, `,"seq":`...)
	return append(b, seq...)
}
