package session

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// This file converts between Redis replies and session types. Every decoder
// tolerates unexpected data: a malformed field becomes its zero value, and a
// reply of the wrong shape becomes an error, never a panic.

// msString renders t as Unix milliseconds.
func msString(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

// parseMS turns Unix milliseconds into a UTC time; "" or junk is the zero time.
func parseMS(s string) time.Time {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n == 0 {
		return time.Time{}
	}
	return time.UnixMilli(n).UTC()
}

// replyString returns a reply element as a string.
func replyString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case nil:
		return ""
	default:
		return fmt.Sprint(x)
	}
}

// replyInt returns a reply element as an integer, 0 when it is not one.
func replyInt(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	default:
		n, _ := strconv.ParseInt(replyString(v), 10, 64)
		return n
	}
}

// replyPairs turns a flat [field, value, ...] reply into a map.
func replyPairs(v any) map[string]string {
	arr, _ := v.([]any)
	m := make(map[string]string, len(arr)/2)
	for i := 0; i+1 < len(arr); i += 2 {
		m[replyString(arr[i])] = replyString(arr[i+1])
	}
	return m
}

// decodeConversation builds a Conversation from its hash; ok is false when
// the hash is empty or has no ID.
func decodeConversation(h map[string]string) (Conversation, bool) {
	if h["id"] == "" {
		return Conversation{}, false
	}
	seq, _ := strconv.ParseInt(h["seq"], 10, 64)
	return Conversation{
		ID:          h["id"],
		SiteID:      h["site"],
		VisitorID:   h["visitor"],
		VisitorName: h["vname"],
		Language:    h["lang"],
		State:       State(h["state"]),
		AgentID:     h["agent"],
		BotID:       h["bot"],
		LastSeq:     seq,
		CreatedAt:   parseMS(h["created"]),
		QueuedAt:    parseMS(h["queued"]),
		UpdatedAt:   parseMS(h["updated"]),
	}, true
}

// decodeEntry builds a Message from one XRANGE entry [id, [field, value,
// ...]] and its translations JSON; ok is false when the entry is malformed.
func decodeEntry(conversationID string, entry any, translations string) (Message, bool) {
	pair, _ := entry.([]any)
	if len(pair) != 2 {
		return Message{}, false
	}
	id := replyString(pair[0])
	seqStr, _, _ := strings.Cut(id, "-")
	seq, err := strconv.ParseInt(seqStr, 10, 64)
	if err != nil {
		return Message{}, false
	}
	m := Message{ConversationID: conversationID, Seq: seq}
	fields, _ := pair[1].([]any)
	for i := 0; i+1 < len(fields); i += 2 {
		v := replyString(fields[i+1])
		switch replyString(fields[i]) {
		case "c":
			m.ClientID = v
		case "k":
			m.Kind = Kind(v)
		case "e":
			m.Event = v
		case "r":
			m.Role = Role(v)
		case "s":
			m.SenderID = v
		case "n":
			m.SenderName = v
		case "t":
			m.Text = v
		case "l":
			m.Lang = v
		case "at":
			m.At = parseMS(v)
		}
	}
	if translations != "" {
		var tr map[string]string
		if json.Unmarshal([]byte(translations), &tr) == nil && len(tr) > 0 {
			m.Translations = tr
		}
	}
	return m, true
}

// decodeAgent builds an Agent from its hash and load count; an agent whose
// last heartbeat is older than expiry is reported offline. ok is false when
// the hash is empty.
func decodeAgent(h map[string]string, load string, now time.Time, expiry time.Duration) (Agent, bool) {
	if h["id"] == "" {
		return Agent{}, false
	}
	capacity, _ := strconv.Atoi(h["cap"])
	active, _ := strconv.Atoi(load)
	a := Agent{
		ID:        h["id"],
		SiteID:    h["site"],
		Name:      h["name"],
		Status:    Presence(h["status"]),
		Capacity:  capacity,
		Active:    max(active, 0),
		LastSeen:  parseMS(h["seen"]),
		IdleSince: parseMS(h["idle"]),
	}
	if h["langs"] != "" {
		_ = json.Unmarshal([]byte(h["langs"]), &a.Languages)
	}
	if a.Status != StatusOffline && now.Sub(a.LastSeen) > expiry {
		a.Status = StatusOffline
	}
	return a, true
}
