package session

import (
	"crypto/rand"
	"encoding/hex"
	"time"
)

// State is where a conversation is in its lifecycle.
type State string

// The states of a conversation. A conversation starts in StateBot when its
// site has a first-responder bot and in StateQueued otherwise; it becomes
// StateActive when an agent is assigned and StateClosed at the end. Closed is
// final.
const (
	StateBot    State = "bot"
	StateQueued State = "queued"
	StateActive State = "active"
	StateClosed State = "closed"
)

// Role is the kind of participant that wrote a message.
type Role string

// The participant roles. RoleSystem marks events the server itself records.
const (
	RoleCustomer Role = "customer"
	RoleAgent    Role = "agent"
	RoleBot      Role = "bot"
	RoleSystem   Role = "system"
)

// Kind tells a chat message from a lifecycle event in a conversation's history.
type Kind string

// The message kinds. An event message carries its name in Message.Event.
const (
	KindText  Kind = "text"
	KindEvent Kind = "event"
)

// The lifecycle events that Store records in a conversation's history as
// KindEvent messages, so that a client resuming from a seq replays them too.
const (
	EventQueued      = "queued"
	EventAssigned    = "assigned"
	EventTransferred = "transferred"
	EventRequeued    = "requeued"
	EventClosed      = "closed"
)

// Conversation is one customer's chat with a site.
type Conversation struct {
	ID          string    `json:"id"`
	SiteID      string    `json:"site_id"`
	VisitorID   string    `json:"visitor_id"`
	VisitorName string    `json:"visitor_name,omitempty"`
	Language    string    `json:"language,omitempty"` // the customer's language, a BCP 47 tag
	State       State     `json:"state"`
	AgentID     string    `json:"agent_id,omitempty"` // set while active
	BotID       string    `json:"bot_id,omitempty"`   // set while in StateBot
	LastSeq     int64     `json:"last_seq"`           // seq of the newest message in its history
	CreatedAt   time.Time `json:"created_at"`
	QueuedAt    time.Time `json:"queued_at,omitzero"` // when it last entered the queue
	UpdatedAt   time.Time `json:"updated_at"`
}

// Message is one entry of a conversation's history: a chat message or an event.
type Message struct {
	ConversationID string `json:"conversation_id"`
	Seq            int64  `json:"seq"`                 // assigned by Store.Append, 1 for the first
	ClientID       string `json:"client_id,omitempty"` // chosen by the sender; unique per sender and conversation
	Kind           Kind   `json:"kind"`
	Event          string `json:"event,omitempty"` // for KindEvent: one of the Event constants
	Role           Role   `json:"role"`
	SenderID       string `json:"sender_id,omitempty"`
	SenderName     string `json:"sender_name,omitempty"`
	Text           string `json:"text,omitempty"` // the original text
	// Lang is the language Text is written in (BCP 47), when known.
	Lang string `json:"lang,omitempty"`
	// Translations holds Text translated, by target language tag.
	Translations map[string]string `json:"translations,omitempty"`
	At           time.Time         `json:"at"`
}

// Agent is an agent's (or bot's) profile and presence at a site.
type Agent struct {
	ID        string   `json:"id"`
	SiteID    string   `json:"site_id"`
	Name      string   `json:"name"`
	Languages []string `json:"languages,omitempty"` // BCP 47 tags, preferred first
	Status    Presence `json:"status"`
	Capacity  int      `json:"capacity"` // most active conversations at once
	// Active is the number of conversations assigned to the agent. Store
	// maintains it; the value passed to Store.SetAgent is ignored.
	Active   int       `json:"active"`
	LastSeen time.Time `json:"last_seen"` // the last heartbeat
	// IdleSince is when the agent was last assigned a conversation or came
	// online; routing breaks ties in favour of the longest idle.
	IdleSince time.Time `json:"idle_since"`
}

// Presence is an agent's availability.
type Presence string

// The agent availabilities. Only StatusOnline agents are assigned new work.
const (
	StatusOnline  Presence = "online"
	StatusAway    Presence = "away"
	StatusOffline Presence = "offline"
)

// Filter selects conversations in Store.Conversations; zero fields match all.
type Filter struct {
	State   State
	AgentID string
}

// NewID returns a random identifier of 32 hexadecimal digits.
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b[:])
}

// mayWrite reports whether m's sender may write into c now: agents into
// the conversations assigned to them, bots into the ones they hold or are
// assigned; customers and the system always (the gateway checks that a
// customer writes only into their own).
func mayWrite(c Conversation, m Message) bool {
	switch m.Role {
	case RoleAgent:
		return c.State == StateActive && c.AgentID == m.SenderID
	case RoleBot:
		return c.State == StateBot && c.BotID == m.SenderID || c.State == StateActive && c.AgentID == m.SenderID
	}
	return true
}
