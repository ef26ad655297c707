package gateway

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parley-chat/parley/session"
)

// TestMessageFramesMatchTheEnvelope checks the hand-built frames against
// what encoding the Frame envelope gives.
func TestMessageFramesMatchTheEnvelope(t *testing.T) {
	m := &session.Message{ConversationID: "c\"1", Seq: 42, ClientID: "id<1>", Kind: session.KindText, Role: session.RoleAgent,
		SenderID: "alice", Text: "Hola \u2028 \"quoted\" <b>", Lang: "es", Translations: map[string]string{"en": "Hello"}, At: time.Unix(1700000000, 5).UTC()}
	for _, pending := range []bool{false, true} {
		ack, msg, err := messageFrames("id<1>", m, pending)
		require.NoError(t, err)
		var gotAck, gotMsg, wantAck, wantMsg map[string]any
		require.NoError(t, json.Unmarshal(ack, &gotAck))
		require.NoError(t, json.Unmarshal(msg, &gotMsg))
		a, _ := json.Marshal(&Frame{Type: TypeAck, ID: "id<1>", Conv: m.ConversationID, Seq: m.Seq, Message: m})
		b, _ := json.Marshal(&Frame{Type: TypeMessage, Conv: m.ConversationID, Seq: m.Seq, Message: m, Pending: pending})
		require.NoError(t, json.Unmarshal(a, &wantAck))
		require.NoError(t, json.Unmarshal(b, &wantMsg))
		assert.Equal(t, wantAck, gotAck)
		assert.Equal(t, wantMsg, gotMsg)
	}
	replay, err := messageFrame(m)
	require.NoError(t, err)
	want, _ := json.Marshal(&Frame{Type: TypeMessage, Conv: m.ConversationID, Seq: m.Seq, Message: m})
	assert.JSONEq(t, string(want), string(replay))
}

func BenchmarkMessageFrames(b *testing.B) {
	m := &session.Message{ConversationID: "6f1c0d2e", Seq: 42, ClientID: "c-1", Kind: session.KindText, Role: session.RoleCustomer,
		SenderID: "v:1b2c", SenderName: "Ana", Text: "Hola, mi pedido no llegó", Lang: "es", At: time.Now()}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := messageFrames("c-1", m, false); err != nil {
			b.Fatal(err)
		}
	}
}
