package gateway

import (
	"encoding/json"
	"strconv"

	"github.com/parley-chat/parley/session"
)

// messageFrames encodes the ack of a stored message and the message frame
// its followers get, marshaling the message once for both: on the hot path
// of every message, reflecting over the whole Frame envelope twice cost more
// than everything else the gateway does with a message.
func messageFrames(ackID string, m *session.Message, pending bool) (ack, msg []byte, err error) {
	body, err := json.Marshal(m)
	if err != nil {
		return nil, nil, err
	}
	id, err := json.Marshal(ackID)
	if err != nil {
		return nil, nil, err
	}
	conv, err := json.Marshal(m.ConversationID)
	if err != nil {
		return nil, nil, err
	}
	seq := strconv.FormatInt(m.Seq, 10)
	ack = make([]byte, 0, len(body)+len(id)+len(conv)+64)
	ack = append(ack, `{"type":"ack","id":`...)
	ack = append(ack, id...)
	ack = appendConvSeq(ack, conv, seq)
	ack = append(ack, `,"message":`...)
	ack = append(append(ack, body...), '}')
	return ack, appendMessageFrame(nil, conv, seq, body, pending), nil
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
	return appendMessageFrame(nil, conv, strconv.FormatInt(m.Seq, 10), body, false), nil
}

func appendMessageFrame(b, conv []byte, seq string, body []byte, pending bool) []byte {
	b = append(b, `{"type":"message"`...)
	b = appendConvSeq(b, conv, seq)
	if pending {
		b = append(b, `,"pending":true`...)
	}
	b = append(b, `,"message":`...)
	return append(append(b, body...), '}')
}

func appendConvSeq(b, conv []byte, seq string) []byte {
	b = append(b, `,"conv":`...)
	b = append(b, conv...)
	b = append(b, `,"seq":`...)
	return append(b, seq...)
}
