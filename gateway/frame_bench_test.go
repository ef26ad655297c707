package gateway

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parley-chat/parley/session"
)

// The frames below are the ones every chat message costs: the client's
// message, its ack, and the stored message fanned out to each participant.

var benchClientMessage = []byte(`{"type":"message","id":"c-1842","conv":"6f1c2a9e0b7d4c3f8a1e5d2b9c0f7a64","text":"Hola, mi pedido no llegó y necesito ayuda con el envío"}`)

func benchStoredMessage() *Frame {
	return &Frame{
		Type: TypeMessage,
		Conv: "6f1c2a9e0b7d4c3f8a1e5d2b9c0f7a64",
		Seq:  42,
		Message: &session.Message{
			ConversationID: "6f1c2a9e0b7d4c3f8a1e5d2b9c0f7a64",
			Seq:            42,
			ClientID:       "c-1842",
			Kind:           session.KindText,
			Role:           session.RoleCustomer,
			SenderID:       "v-1b2c3d4e5f60718293a4b5c6d7e8f901",
			SenderName:     "Ana",
			Text:           "Hola, mi pedido no llegó y necesito ayuda con el envío",
			Lang:           "es",
			Translations:   map[string]string{"en": "Hello, my order did not arrive and I need help with the shipment"},
			At:             time.Date(2026, 11, 27, 10, 0, 3, 0, time.UTC),
		},
	}
}

func benchAck() *Frame {
	return &Frame{Type: TypeAck, ID: "c-1842", Conv: "6f1c2a9e0b7d4c3f8a1e5d2b9c0f7a64", Seq: 42}
}

func benchMarshal(b *testing.B, f *Frame) {
	b.ReportAllocs()
	data, err := json.Marshal(f)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := json.Marshal(f); err != nil {
			b.Fatal(err)
		}
	}
}

func benchUnmarshal(b *testing.B, data []byte) {
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		var f Frame
		if err := json.Unmarshal(data, &f); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFrameMarshalMessage encodes the stored message frame the gateway
// sends to every participant.
func BenchmarkFrameMarshalMessage(b *testing.B) { benchMarshal(b, benchStoredMessage()) }

// BenchmarkFrameMarshalAck encodes the ack of a client message.
func BenchmarkFrameMarshalAck(b *testing.B) { benchMarshal(b, benchAck()) }

// BenchmarkFrameUnmarshalClientMessage decodes a message frame as a client
// sends it.
func BenchmarkFrameUnmarshalClientMessage(b *testing.B) { benchUnmarshal(b, benchClientMessage) }

// BenchmarkFrameUnmarshalMessage decodes the stored message frame, as a Go
// client (a bot, the load generator) does.
func BenchmarkFrameUnmarshalMessage(b *testing.B) {
	data, err := json.Marshal(benchStoredMessage())
	if err != nil {
		b.Fatal(err)
	}
	benchUnmarshal(b, data)
}

// BenchmarkFrameUnmarshalAck decodes an ack.
func BenchmarkFrameUnmarshalAck(b *testing.B) {
	data, err := json.Marshal(benchAck())
	if err != nil {
		b.Fatal(err)
	}
	benchUnmarshal(b, data)
}

// BenchmarkDecodeFrameClientMessage runs the gateway's own decoding and
// validation of a client message frame.
func BenchmarkDecodeFrameClientMessage(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(benchClientMessage)))
	for b.Loop() {
		if _, ferr := decodeFrame(benchClientMessage, 16<<10); ferr != nil {
			b.Fatal(ferr)
		}
	}
}

// TestBenchFramesRoundTrip keeps the benchmark frames honest: they encode to
// what the protocol documents and decode back unchanged.
func TestBenchFramesRoundTrip(t *testing.T) {
	for _, f := range []*Frame{benchStoredMessage(), benchAck()} {
		data, err := json.Marshal(f)
		require.NoError(t, err)
		var back Frame
		require.NoError(t, json.Unmarshal(data, &back))
		again, err := json.Marshal(&back)
		require.NoError(t, err)
		assert.JSONEq(t, string(data), string(again), "a round trip keeps the frame")
	}
	data, err := json.Marshal(benchAck())
	require.NoError(t, err)
	assert.JSONEq(t, `{"type":"ack","id":"c-1842","conv":"6f1c2a9e0b7d4c3f8a1e5d2b9c0f7a64","seq":42}`, string(data))
	_, ferr := decodeFrame(benchClientMessage, 16<<10)
	assert.Nil(t, ferr, "the client message frame is valid")
}
