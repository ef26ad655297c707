package session

import (
	"strconv"
	"strings"
)

// redisKeys names every Redis key the Redis store uses. All keys of one site
// (its queue, agents, conversations and their histories) carry the site's
// hash tag {s:SITE}, so that every script touches a single Cluster slot. The
// only keys outside a site's slot are the conversation index (conversation
// ID to site and visitor) and cache entries.
type redisKeys struct {
	prefix string
}

// newRedisKeys returns the key namer for prefix; braces are removed from the
// prefix because they would change the keys' hash slot.
func newRedisKeys(prefix string) redisKeys {
	prefix = strings.NewReplacer("{", "", "}", "").Replace(prefix)
	return redisKeys{prefix: prefix}
}

// siteTagEscaper escapes the characters that would end or confuse a site's
// hash tag, so that distinct site IDs never produce the same key.
var siteTagEscaper = strings.NewReplacer("%", "%25", "{", "%7B", "}", "%7D")

// site returns the site's key prefix, "parley:{s:SITE}".
func (k redisKeys) site(siteID string) string {
	return k.prefix + ":{s:" + siteTagEscaper.Replace(siteID) + "}"
}

// conv is the hash of a conversation's state.
func (k redisKeys) conv(siteID, id string) string { return k.site(siteID) + ":c:" + id }

// hist is the stream of a conversation's history.
func (k redisKeys) hist(siteID, id string) string { return k.conv(siteID, id) + ":hist" }

// tr is the hash of a conversation's translations: seq -> JSON {lang: text}.
func (k redisKeys) tr(siteID, id string) string { return k.conv(siteID, id) + ":tr" }

// idem is the idempotency key of one sender's client message ID.
func (k redisKeys) idem(siteID, id, senderID, clientID string) string {
	return k.conv(siteID, id) + ":idem:" + strconv.Itoa(len(senderID)) + ":" + senderID + ":" + clientID
}

// visitor maps a visitor to their open conversation's ID.
func (k redisKeys) visitor(siteID, visitorID string) string {
	return k.site(siteID) + ":v:" + visitorID
}

// queue is the sorted set of the site's queued conversations by order.
func (k redisKeys) queue(siteID string) string { return k.site(siteID) + ":queue" }

// convs is the sorted set of all the site's conversations by creation order.
func (k redisKeys) convs(siteID string) string { return k.site(siteID) + ":convs" }

// counter is the site's order counter, shared by convs and queue scores.
func (k redisKeys) counter(siteID string) string { return k.site(siteID) + ":n" }

// agent is the hash of an agent's profile and presence.
func (k redisKeys) agent(siteID, agentID string) string { return k.site(siteID) + ":a:" + agentID }

// agents is the set of the site's agent IDs.
func (k redisKeys) agents(siteID string) string { return k.site(siteID) + ":agents" }

// load is the hash of the site's agents' active conversation counts.
func (k redisKeys) load(siteID string) string { return k.site(siteID) + ":load" }

// index maps a conversation ID to its site and visitor.
func (k redisKeys) index(id string) string { return k.prefix + ":conv-site:{" + id + "}" }

// cache is a cache entry.
func (k redisKeys) cache(key string) string { return k.prefix + ":cache:" + key }

// validConvID reports whether id can name a conversation: conversation IDs
// are made by NewID, so anything that could confuse a key is rejected.
func validConvID(id string) bool {
	return id != "" && !strings.ContainsAny(id, ":{}%")
}

// encodeIndex packs a conversation's site and visitor into the index value.
func encodeIndex(siteID, visitorID string) string {
	return strconv.Itoa(len(siteID)) + ":" + siteID + visitorID
}

// decodeIndex unpacks an index value; ok is false when it is malformed.
func decodeIndex(v string) (siteID, visitorID string, ok bool) {
	n, rest, found := strings.Cut(v, ":")
	if !found {
		return "", "", false
	}
	l, err := strconv.Atoi(n)
	if err != nil || l < 0 || l > len(rest) {
		return "", "", false
	}
	return rest[:l], rest[l:], true
}
