package gateway

import (
	"encoding/json"
	"testing"
)

// FuzzDecodeFrame checks that no input makes the decoder panic, that every
// rejection carries a stable code, and that whatever it accepts encodes
// and decodes to the same frame.
func FuzzDecodeFrame(f *testing.F) {
	for _, seed := range []string{
		`{"type":"hello","role":"customer","site":"demo","languages":["es","en"],"resume":{"abc":3}}`,
		`{"type":"hello","role":"agent","site":"demo","agent":"demo","secret":"demo"}`,
		`{"type":"message","id":"c-1","text":"Hola, mi pedido no llegó"}`,
		`{"type":"message","id":"a-1","conv":"6f1c","text":"ok 👍"}`,
		`{"type":"typing","conv":"6f1c","typing":true}`,
		`{"type":"read","conv":"6f1c","seq":14}`,
		`{"type":"presence","status":"online","capacity":3}`,
		`{"type":"transfer","id":"t","conv":"6f1c","agent":"maria"}`,
		`{"type":"translate","conv":"6f1c","enabled":false}`,
		`{"type":"ping","id":"p"}`,
		`{"type":"message","id":"x","text":42}`,
		"{\"type\":\"message\",\"id\":\"m\",\"text\":\"\xff\"}",
		`[]`, `null`, `{`, ``,
	} {
		f.Add([]byte(seed))
	}
	codes := map[string]bool{CodeBadJSON: true, CodeBadFrame: true, CodeUnknownType: true, CodeInvalidUTF8: true, CodeTooLarge: true}
	f.Fuzz(func(t *testing.T, data []byte) {
		fr, ferr := decodeFrame(data, 16<<10)
		if ferr != nil {
			if !codes[ferr.Code] {
				t.Fatalf("rejection with code %q", ferr.Code)
			}
			if len(ferr.ID) > maxIDLen {
				t.Fatalf("error names an id of %d bytes", len(ferr.ID))
			}
			return
		}
		again, err := json.Marshal(&fr)
		if err != nil {
			t.Fatalf("accepted frame does not encode: %v", err)
		}
		back, ferr := decodeFrame(again, 1<<20)
		if ferr != nil {
			t.Fatalf("re-encoded frame %s rejected: %v", again, ferr)
		}
		if back.Type != fr.Type || back.ID != fr.ID || back.Conv != fr.Conv || back.Text != fr.Text || back.Seq != fr.Seq {
			t.Fatalf("round trip changed the frame: %+v != %+v", back, fr)
		}
	})
}
