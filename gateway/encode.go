package gateway

import (
	"bytes"
	"errors"
	"strconv"

	"github.com/parley-chat/parley/internal/jsonstr"
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
	body, err := m.AppendJSON(make([]byte, 0, messageSizeHint(m)))
	if err != nil {
		return messageEncoding{}, err
	}
	conv := jsonstr.Append(nil, m.ConversationID)
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
	idJSON := jsonstr.Append(nil, id)
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
	// One string holds the parts, which are slices of it.
	b := appendEventHead(make([]byte, 0, e.size()+32), evMessage, origin)
	cuts := [3]int{len(b)}
	b = appendMessageFrameHead(append(b, ' '), e.conv, "")
	cuts[1] = len(b)
	b = append(append(b, messageKey(e.pending)...), e.before...)
	cuts[2] = len(b)
	all := string(append(append(b, e.after...), '}'))
	return session.Publication{Topic: topic, Parts: []string{all[:cuts[0]], all[cuts[0]:cuts[1]], all[cuts[1]:cuts[2]], all[cuts[2]:]}}
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
	conv := jsonstr.Append(nil, m.ConversationID)
	b := appendMessageFrameHead(make([]byte, 0, 2*len(conv)+messageSizeHint(m)+48), conv, strconv.FormatInt(m.Seq, 10))
	b = append(b, messageKey(false)...)
	b, err := m.AppendJSON(b)
	if err != nil {
		return nil, err
	}
	return append(b, '}'), nil
}

// messageSizeHint is about the length of m's JSON, so that it is encoded
// into one allocation.
func messageSizeHint(m *session.Message) int {
	n := 224 + len(m.ConversationID) + len(m.ClientID) + len(m.SenderID) + len(m.SenderName) + len(m.Text)
	for k, v := range m.Translations {
		n += len(k) + len(v) + 8
	}
	return n
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
