package gateway

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parley-chat/parley/session"
)

// TestMessageEncodingMatchesTheEnvelope checks the hand-built frames and
// event, encoded before the seq is known, against what encoding the Frame
// envelope of the stored message gives.
func TestMessageEncodingMatchesTheEnvelope(t *testing.T) {
	draft := session.Message{ConversationID: "c\"1", ClientID: "id<1>,\"seq\":0,", Kind: session.KindText, Role: session.RoleAgent,
		SenderID: "alice", Text: "Hola \u2028 \"quoted\" ,\"seq\":0, <b>", Lang: "es", Translations: map[string]string{"en": "Hello"}, At: time.Unix(1700000000, 5).UTC()}
	stored := draft
	stored.Seq = 42
	for _, pending := range []bool{false, true} {
		enc, err := encodeMessage(&draft, pending)
		require.NoError(t, err)
		var gotAck, gotMsg, wantAck, wantMsg map[string]any
		require.NoError(t, json.Unmarshal(enc.ack("id<1>", 42), &gotAck))
		ev, ok := decodeEvent(enc.publication("conv:x", 7).Payload(42))
		require.True(t, ok)
		assert.Equal(t, event{kind: evMessage, origin: 7, seq: 42, frame: ev.frame}, ev)
		require.NoError(t, json.Unmarshal(ev.frame, &gotMsg))
		a, _ := json.Marshal(&Frame{Type: TypeAck, ID: "id<1>", Conv: stored.ConversationID, Seq: 42, Message: &stored})
		b, _ := json.Marshal(&Frame{Type: TypeMessage, Conv: stored.ConversationID, Seq: 42, Message: &stored, Pending: pending})
		require.NoError(t, json.Unmarshal(a, &wantAck))
		require.NoError(t, json.Unmarshal(b, &wantMsg))
		assert.Equal(t, wantAck, gotAck)
		assert.Equal(t, wantMsg, gotMsg)
	}
	_, err := encodeMessage(&stored, false)
	assert.Error(t, err, "a message with its seq set")

	replay, err := messageFrame(&stored)
	require.NoError(t, err)
	want, _ := json.Marshal(&Frame{Type: TypeMessage, Conv: stored.ConversationID, Seq: 42, Message: &stored})
	assert.JSONEq(t, string(want), string(replay))
}

// TestDecodeEventRejectsMalformed checks that a broken broker payload is
// refused, not misread.
func TestDecodeEventRejectsMalformed(t *testing.T) {
	good := encodeEvent(evSignal, 3, 0, []byte(`{}`))
	ev, ok := decodeEvent(good)
	require.True(t, ok)
	assert.Equal(t, event{kind: evSignal, origin: 3, frame: []byte(`{}`)}, ev)
	for _, p := range [][]byte{
		nil,
		[]byte("m"),
		good[:9],
		append(good[:9:9], " {}"...),
		append(good[:9:9], "-1 {}"...),
		append(good[:9:9], "12x {}"...),
		append(good[:9:9], "+5 {}"...),
		append(good[:9:9], "99999999999999999999 {}"...),
	} {
		_, ok := decodeEvent(p)
		assert.False(t, ok, "%q", p)
	}
}

func BenchmarkMessageEncoding(b *testing.B) {
	m := &session.Message{ConversationID: "6f1c0d2e", ClientID: "c-1", Kind: session.KindText, Role: session.RoleCustomer,
		SenderID: "v:1b2c", SenderName: "Ana", Text: "Hola, mi pedido no llegó", Lang: "es", At: time.Now()}
	b.ReportAllocs()
	for b.Loop() {
		enc, err := encodeMessage(m, false)
		if err != nil {
			b.Fatal(err)
		}
		_ = enc.ack("c-1", 42)
		_ = enc.publication("conv:6f1c0d2e", 1).Payload(42)
	}
}
