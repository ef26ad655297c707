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

	msg = make([]byte, 0, len(body)+len(conv)+64)
	msg = append(msg, `{"type":"message"`...)
	msg = appendConvSeq(msg, conv, seq)
	if pending {
		msg = append(msg, `,"pending":true`...)
	}
	msg = append(msg, `,"message":`...)
	msg = append(append(msg, body...), '}')
	return ack, msg, nil
}

func appendConvSeq(b, conv []byte, seq string) []byte {
	b = append(b, `,"conv":`...)
	b = append(b, conv...)
	b = append(b, `,"seq":`...)
	return append(b, seq...)
}
