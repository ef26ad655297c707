package webhook

// Event names, the "type" of a webhook body and the Parley-Event header.
const (
	// EventConversationCreated is sent when a visitor opens a conversation.
	EventConversationCreated = "conversation.created"
	// EventConversationAssigned is sent when an agent or bot takes a
	// conversation, including by transfer.
	EventConversationAssigned = "conversation.assigned"
	// EventMessageCreated is sent for every message stored in a conversation.
	EventMessageCreated = "message.created"
	// EventConversationHandedOff is sent when a bot hands a conversation to
	// the human agents' queue.
	EventConversationHandedOff = "conversation.handed_off"
	// EventConversationClosed is sent when a conversation ends.
	EventConversationClosed = "conversation.closed"
)

// Events lists every event name, for validating configuration.
func Events() []string {
	return []string{
		EventConversationCreated,
		EventConversationAssigned,
		EventMessageCreated,
		EventConversationHandedOff,
		EventConversationClosed,
	}
}
