package gateway

import (
	"github.com/parley-chat/parley/session"
)

// Protocol flow (parley.v1, JSON text frames, one Frame shape both ways):
//
//	client                                   server
//	GET /ws?site=KEY&role=R, subprotocol parley.v1
//	                                          (Origin checked against the site)
//	hello {role, site, credentials, resume}  ->
//	                                         <- welcome {token, conversations, queue...}
//	                                         <- missed history (message frames), then live
//	message {id, conv?, text}                ->
//	                                         <- ack {id, conv, seq}
//	                                         <- message {conv, seq, message} to every participant
//	typing / read / presence / accept /
//	transfer / close / resume / ping         ->
//	                                         <- queue / conversation / typing / read /
//	                                            translation / agents / error / pong
//
// docs/protocol.md describes every frame with an example.

// Subprotocol is the WebSocket subprotocol a client must offer.
const Subprotocol = "parley.v1"

// Frame types sent by clients.
const (
	TypeHello     = "hello"     // first frame: role, site, credentials, resume
	TypeMessage   = "message"   // also sent by the server: a stored message
	TypeTyping    = "typing"    // also sent by the server
	TypeRead      = "read"      // also sent by the server
	TypePresence  = "presence"  // agent: status and capacity
	TypeAccept    = "accept"    // agent: take a queued conversation
	TypeTransfer  = "transfer"  // agent: hand a conversation to another agent
	TypeClose     = "close"     // agent or customer: end a conversation
	TypeResume    = "resume"    // replay a conversation after a seq
	TypeTranslate = "translate" // agent: switch translation on or off
	TypeHandoff   = "handoff"   // bot: pass the conversation to the human queue
	TypePing      = "ping"
)

// Frame types sent by the server.
const (
	TypeWelcome      = "welcome"
	TypeAck          = "ack"
	TypeQueue        = "queue"        // customer: position; agent: the site queue
	TypeConversation = "conversation" // a conversation's new state
	TypeAgents       = "agents"       // agent: the site's agents and their presence
	TypeTranslation  = "translation"  // a translation that missed the latency budget
	TypeError        = "error"
	TypePong         = "pong"
)

// Roles a connection can take.
const (
	RoleCustomer = string(session.RoleCustomer)
	RoleAgent    = string(session.RoleAgent)
	RoleBot      = string(session.RoleBot)
)

// Error codes carried in error frames; stable, part of the protocol.
const (
	CodeBadJSON      = "bad_json"       // not a JSON object
	CodeBadFrame     = "bad_frame"      // a field is missing, of the wrong type or invalid
	CodeUnknownType  = "unknown_type"   // the type is not one of the protocol's
	CodeInvalidUTF8  = "invalid_utf8"   // the frame is not valid UTF-8
	CodeTooLarge     = "too_large"      // the frame is over the size limit
	CodeRateLimited  = "rate_limited"   // too many frames; resend later
	CodeUnauthorized = "unauthorized"   // wrong site key, credential or token
	CodeForbidden    = "forbidden"      // not your conversation, or not allowed for your role
	CodeNotFound     = "not_found"      // no such conversation or agent
	CodeConflict     = "conflict"       // the conversation is not in the needed state
	CodeClosed       = "closed"         // the conversation is closed
	CodeCapacity     = "capacity"       // the agent has no spare capacity
	CodeUnavailable  = "unavailable"    // temporary failure; the message was not stored; resend
	CodeInternal     = "internal"       // a bug; the message was not stored
	CodeHelloFirst   = "hello_required" // the first frame must be hello
)

// Frame is the one envelope of every parley.v1 frame. Which fields are set
// depends on Type; docs/protocol.md lists them for each.
type Frame struct {
	Type string `json:"type"`
	// ID is the client-chosen id of a client frame, echoed in its ack or
	// error. For message frames it is the idempotency key.
	ID   string `json:"id,omitempty"`
	Conv string `json:"conv,omitempty"` // conversation id
	Seq  int64  `json:"seq,omitempty"`

	// hello
	Role      string           `json:"role,omitempty"`
	Site      string           `json:"site,omitempty"`
	Token     string           `json:"token,omitempty"`  // customer: visitor token
	Agent     string           `json:"agent,omitempty"`  // agent/bot id; transfer target
	Secret    string           `json:"secret,omitempty"` // agent/bot credential
	Name      string           `json:"name,omitempty"`
	Email     string           `json:"email,omitempty"`
	Languages []string         `json:"languages,omitempty"`
	Identity  *Identity        `json:"identity,omitempty"`
	Resume    map[string]int64 `json:"resume,omitempty"` // conversation id -> last seq held

	// message, typing, presence, translate, handoff
	Text     string `json:"text,omitempty"`
	Typing   *bool  `json:"typing,omitempty"`
	Status   string `json:"status,omitempty"`
	Capacity int    `json:"capacity,omitempty"`
	Enabled  *bool  `json:"enabled,omitempty"`
	Reason   string `json:"reason,omitempty"`

	// server frames
	Message       *session.Message       `json:"message,omitempty"`
	Conversation  *session.Conversation  `json:"conversation,omitempty"`
	Conversations []session.Conversation `json:"conversations,omitempty"`
	Queue         []QueueEntry           `json:"queue,omitempty"`
	Position      int                    `json:"position,omitempty"` // 1 is next in line
	Agents        []session.Agent        `json:"agents,omitempty"`
	Duplicate     bool                   `json:"duplicate,omitempty"`
	Pending       bool                   `json:"pending,omitempty"` // message: translations follow in translation frames
	Lang          string                 `json:"lang,omitempty"`
	Code          string                 `json:"code,omitempty"`
	Error         string                 `json:"error,omitempty"` // human-readable detail of Code
	Visitor       string                 `json:"visitor,omitempty"`
}

// Identity is a logged-in user vouched for by the embedding site: Hash is the
// hex HMAC-SHA256 of ID under the site's identity secret.
type Identity struct {
	ID    string `json:"id"`
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
	Hash  string `json:"hash"`
}

// QueueEntry is one waiting conversation as agents see it.
type QueueEntry struct {
	Conv        string `json:"conv"`
	VisitorName string `json:"visitor_name,omitempty"`
	Language    string `json:"language,omitempty"`
	Position    int    `json:"position"`
	WaitingMS   int64  `json:"waiting_ms"`
	Preview     string `json:"preview,omitempty"`
}
