package gateway

import (
	"encoding/json"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// FuzzDecodeFlat checks the fast path against encoding/json: whatever
// decodeFlat accepts, json.Unmarshal accepts too, with the same frame.
func FuzzDecodeFlat(f *testing.F) {
	for _, seed := range []string{
		`{"type":"message","id":"c-1","conv":"6f1c","text":"Hola, mi pedido no llegó"}`,
		` { "type" : "message" , "id":"x", "text":"ok 👍" } `,
		`{}`, `{"type":"ping","id":"p"}`,
		`{"type":"message","type":"typing"}`,
		`{"Type":"message"}`,
		`{"type":"message","text":"a \"quote\""}`,
		`{"type":"message","text":"tab	in"}`,
		`{"type":"message","seq":3}`,
		`{"type":"message",}`,
		`{"type":"message"} x`,
		`{"type":null}`,
		`{"type":"message"`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !utf8.Valid(data) {
			return // decodeFrame rejects it before
		}
		var flat Frame
		if !decodeFlat(data, &flat) {
			return
		}
		var std Frame
		if err := json.Unmarshal(data, &std); err != nil {
			t.Fatalf("decodeFlat accepted %q, which json.Unmarshal rejects: %v", data, err)
		}
		if flat.Type != std.Type || flat.ID != std.ID || flat.Conv != std.Conv || flat.Text != std.Text {
			t.Fatalf("decodeFlat(%q) = %+v, json.Unmarshal = %+v", data, flat, std)
		}
		std.Type, std.ID, std.Conv, std.Text = "", "", "", ""
		if !assert.ObjectsAreEqual(Frame{}, std) {
			t.Fatalf("json.Unmarshal set fields decodeFlat does not read in %q: %+v", data, std)
		}
	})
}

// TestDecodeFlatLeavesTheRestToEncodingJSON checks which frames take the
// fast path, and that a frame it gives up on half way decodes whole.
func TestDecodeFlatLeavesTheRestToEncodingJSON(t *testing.T) {
	for data, want := range map[string]bool{
		`{"type":"message","id":"c-1","conv":"6f1c","text":"hi"}`: true,
		` {"text" : "hi" , "type":"message","id":"c"}` + "\n":     true,
		`{}`:                                  true,
		`{"type":"message","text":"a \"q\""}`: false, // an escape
		`{"type":"read","conv":"c","seq":3}`:  false, // a number
		`{"type":"message","type":"message"}`: false, // a repeated name
		`{"TYPE":"message"}`:                  false, // json matches names without case
		`{"type":"message"} {}`:               false,
		`{"type":"message",}`:                 false,
	} {
		var f Frame
		assert.Equal(t, want, decodeFlat([]byte(data), &f), data)
	}

	// The text comes first, then a member the fast path does not read: the
	// whole frame must still decode, with its escaped text.
	f, ferr := decodeFrame([]byte(`{"type":"message","id":"c-1","text":"plain","conv":"6f1c","typing":true,"text":"say \"hi\""}`), 16<<10)
	require.Nil(t, ferr)
	assert.Equal(t, Frame{Type: TypeMessage, ID: "c-1", Conv: "6f1c", Text: `say "hi"`, Typing: f.Typing}, f)
	require.NotNil(t, f.Typing)
}
