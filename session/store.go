// Package session keeps Parley's state: conversations, their histories, site
// queues and agent presence, behind one Store interface with an in-memory and
// a Redis implementation, and a Broker that fans events out to every gateway.
package session

import (
	"context"
	"errors"
	"time"
)

// Errors returned by Store implementations; check them with errors.Is.
var (
	// ErrNotFound means the conversation, message or agent does not exist.
	ErrNotFound = errors.New("session: not found")
	// ErrConflict means the conversation is not in the state the operation
	// needs, for example accepting a conversation someone else already took.
	ErrConflict = errors.New("session: state conflict")
	// ErrClosed means the conversation is closed and takes no more messages.
	ErrClosed = errors.New("session: conversation closed")
	// ErrCapacity means the agent already has as many conversations as allowed.
	ErrCapacity = errors.New("session: agent at capacity")
	// ErrForbidden means the sender may not write into the conversation:
	// an agent it is not assigned to, a bot that does not hold it.
	ErrForbidden = errors.New("session: not the sender's conversation")
	// ErrUnavailable means the backing store cannot be reached; the operation
	// may be retried and nothing was written.
	ErrUnavailable = errors.New("session: store unavailable")
)

// Limits bounds what a Store keeps, so that a deployment running for weeks
// does not grow without end. The zero value is ready to use.
type Limits struct {
	// MaxLen is the approximate number of messages kept in a conversation's
	// history; older ones are trimmed. Default 10000.
	MaxLen int64
	// Retention is how long a closed conversation, its history and its
	// translations are kept after their last write. Open conversations do
	// not expire. Default 30 days.
	Retention time.Duration
	// IdempotencyTTL is how long a client message ID is remembered to detect
	// a resent message. Default 24 hours.
	IdempotencyTTL time.Duration
}

func (l Limits) withDefaults() Limits {
	if l.MaxLen <= 0 {
		l.MaxLen = 10000
	}
	if l.Retention <= 0 {
		l.Retention = 30 * 24 * time.Hour
	}
	if l.IdempotencyTTL <= 0 {
		l.IdempotencyTTL = 24 * time.Hour
	}
	return l
}

// Store holds conversations, histories, queues and presence. Every method is
// safe for concurrent use, also from several gateway processes sharing one
// backend, and every state change is atomic: of two agents accepting the same
// conversation at once, exactly one wins.
//
// Each state change also appends a KindEvent message (EventAssigned,
// EventTransferred, EventRequeued, EventClosed) to the conversation's
// history, so that history alone replays everything a participant saw.
type Store interface {
	// OpenConversation returns the visitor's conversation at the site that
	// is not closed, or creates one from c (ID, timestamps and LastSeq are
	// filled in; State must be StateQueued or StateBot) and reports
	// created. A new queued conversation joins the back of its site's queue
	// and gets an EventQueued message. Concurrent calls for one visitor
	// create at most one conversation.
	OpenConversation(ctx context.Context, c Conversation) (conv Conversation, created bool, err error)
	// Conversation returns the conversation with the given ID or ErrNotFound.
	Conversation(ctx context.Context, id string) (Conversation, error)
	// VisitorConversation returns the visitor's open conversation at the
	// site, or ErrNotFound when they have none.
	VisitorConversation(ctx context.Context, siteID, visitorID string) (Conversation, error)
	// Conversations returns the site's conversations that match f, newest
	// first, at most limit (no limit when limit <= 0).
	Conversations(ctx context.Context, siteID string, f Filter, limit int) ([]Conversation, error)

	// Append stores m at the end of its conversation's history, filling in
	// Seq (one more than the last) and At, and returns the stored message.
	// When m.ClientID is not empty and a message with the same
	// ConversationID, SenderID and ClientID is already stored, Append stores
	// nothing and returns the stored one with duplicate set. A KindText
	// message to a closed conversation fails with ErrClosed, to an unknown
	// one with ErrNotFound. A KindText message with Role RoleAgent or RoleBot
	// fails with ErrForbidden unless the conversation is active with
	// AgentID == SenderID, or held by the bot (StateBot, BotID == SenderID):
	// the check and the write are one step, so a transfer or hand-off cannot
	// slip between them.
	Append(ctx context.Context, m Message) (stored Message, duplicate bool, err error)
	// History returns the conversation's messages with Seq > afterSeq, in
	// order, at most limit of them (all when limit <= 0).
	History(ctx context.Context, conversationID string, afterSeq int64, limit int) ([]Message, error)
	// SetTranslation records text as the message's translation into lang.
	SetTranslation(ctx context.Context, conversationID string, seq int64, lang, text string) error

	// Queue returns the site's queued conversations, first in line first.
	Queue(ctx context.Context, siteID string) ([]Conversation, error)
	// Assign gives a queued (or bot-held) conversation to the agent, making
	// it active, removing it from the queue and counting it in the agent's
	// Active. It fails with ErrConflict when the conversation is not queued
	// or bot-held, and with ErrCapacity when maxActive > 0 and the agent
	// already has maxActive active conversations.
	Assign(ctx context.Context, conversationID, agentID string, maxActive int) (Conversation, error)
	// Transfer moves an active conversation from one agent to another,
	// adjusting both agents' Active counts. It fails with ErrConflict when
	// the conversation is not active with fromAgentID, and with ErrCapacity
	// as Assign does for toAgentID.
	Transfer(ctx context.Context, conversationID, fromAgentID, toAgentID string, maxActive int) (Conversation, error)
	// Requeue puts an active or bot-held conversation back in its site's
	// queue, at the front when front is set, releasing its agent. reason is
	// recorded in the EventRequeued message's Text. It fails with
	// ErrConflict when the conversation is closed or already queued.
	Requeue(ctx context.Context, conversationID string, front bool, reason string) (Conversation, error)
	// Close ends the conversation, releasing its agent and leaving the
	// queue. by names who closed it (recorded in the EventClosed message's
	// SenderID). Closing a closed conversation fails with ErrConflict.
	Close(ctx context.Context, conversationID, by string) (Conversation, error)

	// SetAgent creates or updates an agent's profile and presence; Active is
	// kept by the store. Setting a status other than offline also records a
	// heartbeat in LastSeen.
	SetAgent(ctx context.Context, a Agent) error
	// Heartbeat records that the agent is still connected.
	Heartbeat(ctx context.Context, siteID, agentID string) error
	// Agent returns one agent of the site, or ErrNotFound.
	Agent(ctx context.Context, siteID, agentID string) (Agent, error)
	// Agents returns every agent of the site the store has seen.
	Agents(ctx context.Context, siteID string) ([]Agent, error)

	// CacheGet returns a value stored by CacheSet, or ErrNotFound.
	CacheGet(ctx context.Context, key string) (string, error)
	// CacheSet stores value under key for ttl (forever when ttl <= 0).
	CacheSet(ctx context.Context, key, value string, ttl time.Duration) error

	// Ping reports whether the store can be reached; nil means ready.
	Ping(ctx context.Context) error
}

// Broker fans events out to every gateway sharing a Store: conversation
// messages, typing, queue changes, presence. Delivery is best effort and may
// skip events while a backend connection is down; subscribers recover missed
// messages from Store.History.
type Broker interface {
	// Publish sends payload to every current subscriber of topic.
	Publish(ctx context.Context, topic string, payload []byte) error
	// Subscribe calls fn with every payload published to topic until cancel
	// is called; ctx bounds only the wait for the subscription to be made,
	// not its life. fn must not block. A nil payload tells the subscriber that
	// events may have been lost (for example while a connection to Redis was
	// being re-established) and it should resynchronise from the Store.
	Subscribe(ctx context.Context, topic string, fn func(payload []byte)) (cancel func(), err error)
}

// Topic names for Broker, so that every implementation and gateway agrees.

// ConversationTopic is the topic of a conversation's messages and signals.
func ConversationTopic(conversationID string) string { return "conv:" + conversationID }

// SiteTopic is the topic of a site's queue and presence changes.
func SiteTopic(siteID string) string { return "site:" + siteID }

// AgentTopic is the topic of signals addressed to one agent, such as an
// assignment.
func AgentTopic(siteID, agentID string) string { return "agent:" + siteID + ":" + agentID }

// VisitorTopic is the topic of signals addressed to every connection of one
// visitor, such as a conversation started from another tab.
func VisitorTopic(siteID, visitorID string) string { return "visitor:" + siteID + ":" + visitorID }
