package session

import (
	"slices"
	"strconv"

	"github.com/parley-chat/parley/internal/jsonstr"
)

// AppendJSON appends m encoded as JSON, the same bytes as json.Marshal(m)
// gives, without reflection: every message is encoded on the hot path.
func (m *Message) AppendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"conversation_id":`...)
	b = jsonstr.Append(b, m.ConversationID)
	b = append(b, `,"seq":`...)
	b = strconv.AppendInt(b, m.Seq, 10)
	b = appendJSONField(b, "client_id", m.ClientID)
	b = append(b, `,"kind":`...)
	b = jsonstr.Append(b, string(m.Kind))
	b = appendJSONField(b, "event", m.Event)
	b = append(b, `,"role":`...)
	b = jsonstr.Append(b, string(m.Role))
	b = appendJSONField(b, "sender_id", m.SenderID)
	b = appendJSONField(b, "sender_name", m.SenderName)
	b = appendJSONField(b, "text", m.Text)
	b = appendJSONField(b, "lang", m.Lang)
	if len(m.Translations) > 0 {
		b = append(b, `,"translations":{`...)
		keys := make([]string, 0, len(m.Translations))
		for k := range m.Translations {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = jsonstr.Append(b, k)
			b = append(b, ':')
			b = jsonstr.Append(b, m.Translations[k])
		}
		b = append(b, '}')
	}
	b = append(b, `,"at":"`...)
	b, err := m.At.AppendText(b)
	if err != nil {
		return nil, err
	}
	return append(b, `"}`...), nil
}

// appendJSONField appends ,"key":"v" unless v is empty (omitempty).
func appendJSONField(b []byte, key, v string) []byte {
	if v == "" {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, key...)
	b = append(b, '"', ':')
	return jsonstr.Append(b, v)
}
