package session

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMessageAppendJSONMatchesMarshal(t *testing.T) {
	at := time.Date(2026, 11, 27, 21, 30, 0, 123456789, time.UTC)
	for _, m := range []Message{
		{},
		{ConversationID: "c1", Seq: 7, Kind: KindText, Role: RoleCustomer, At: at},
		{ConversationID: "c1", Seq: 1 << 40, ClientID: "m-1", Kind: KindEvent, Event: "assigned", Role: RoleSystem,
			SenderID: "a", SenderName: "Zoë <admin> & co", Text: "line\nbreak\t\"quoted\" \\ \x00\x1f\u2028\u2029 \xff\xfe bad",
			Lang: "es", Translations: map[string]string{"fr": "b", "en": "a & <b>", "de": ""}, At: at.In(time.FixedZone("", 5*3600+1800))},
		{ConversationID: "c", Translations: map[string]string{}, At: at.Local()},
	} {
		want, err := json.Marshal(&m)
		require.NoError(t, err)
		got, err := m.AppendJSON([]byte("prefix"))
		require.NoError(t, err)
		assert.Equal(t, "prefix"+string(want), string(got))
	}

	// A time json cannot encode is an error here too.
	m := Message{At: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}
	_, err := json.Marshal(&m)
	require.Error(t, err)
	_, err = m.AppendJSON(nil)
	assert.Error(t, err)
}

func FuzzMessageAppendJSON(f *testing.F) {
	f.Add("c1", int64(3), "id", "text", "hello <b>", "Zoë", "es", "hola", int64(1700000000123456789))
	f.Add("\xff", int64(-1), "\u2028", "event", "\x00\"\\", "", "", "\u2029", int64(0))
	f.Fuzz(func(t *testing.T, conv string, seq int64, client, kind, text, name, lang, tr string, ns int64) {
		m := Message{ConversationID: conv, Seq: seq, ClientID: client, Kind: Kind(kind), Event: kind, Role: Role(name),
			SenderID: name, SenderName: name, Text: text, Lang: lang, At: time.Unix(0, ns).UTC()}
		if tr != "" {
			m.Translations = map[string]string{lang: tr, tr: text}
		}
		want, werr := json.Marshal(&m)
		got, gerr := m.AppendJSON(nil)
		if werr != nil || gerr != nil {
			if (werr == nil) != (gerr == nil) {
				t.Fatalf("json.Marshal error %v, AppendJSON error %v", werr, gerr)
			}
			return
		}
		if string(got) != string(want) {
			t.Fatalf("AppendJSON\n%s\njson.Marshal\n%s", got, want)
		}
	})
}
