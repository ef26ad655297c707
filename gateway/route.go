package gateway

import (
	"context"
	"errors"
	"time"

	"golang.org/x/text/language"

	"github.com/parley-chat/parley/session"
	"github.com/parley-chat/parley/webhook"
)

// candidate is an agent who may be assigned a conversation in this pass.
type candidate struct {
	session.Agent
	matcher language.Matcher
}

// route assigns waiting conversations, first in line first, to online agents
// with spare capacity: one who speaks the customer's language if any,
// otherwise any; among those the one with the fewest active chats, and of
// equals the longest idle. Every node may route at once: Store.Assign lets
// only one assignment of a conversation win.
func (st *site) route(ctx context.Context) {
	queue, err := st.srv.store.Queue(ctx, st.cfg.Key)
	if err != nil || len(queue) == 0 {
		return
	}
	avail := st.available(ctx)
	for _, conv := range queue {
		if len(avail) == 0 {
			return
		}
		for range 4 { // bounded retries when an agent filled up meanwhile
			i := pickAgent(avail, conv.Language)
			updated, err := st.srv.store.Assign(ctx, conv.ID, avail[i].ID, avail[i].Capacity)
			if errors.Is(err, session.ErrCapacity) {
				avail = append(avail[:i], avail[i+1:]...)
				if len(avail) == 0 {
					return
				}
				continue
			}
			if err != nil {
				if !errors.Is(err, session.ErrConflict) {
					st.srv.log.Warn("assigning", "conv", conv.ID, "agent", avail[i].ID, "err", err)
				}
				break
			}
			st.srv.metrics.assigned.Inc()
			st.srv.changed(ctx, updated, webhook.EventConversationAssigned)
			avail[i].Active++
			avail[i].IdleSince = time.Now()
			if avail[i].Active >= avail[i].Capacity {
				avail = append(avail[:i], avail[i+1:]...)
			}
			break
		}
	}
}

// available returns the site's agents that can take a conversation now.
func (st *site) available(ctx context.Context) []candidate {
	agents, err := st.srv.store.Agents(ctx, st.cfg.Key)
	if err != nil {
		st.srv.log.Warn("reading agents", "site", st.cfg.Key, "err", err)
		return nil
	}
	var avail []candidate
	for _, a := range agents {
		acct := st.accounts[a.ID]
		if acct == nil || acct.Bot || a.Status != session.StatusOnline ||
			time.Since(a.LastSeen) > st.srv.cfg.AgentGrace || a.Active >= a.Capacity {
			continue
		}
		avail = append(avail, candidate{Agent: a, matcher: language.NewMatcher(parseTags(a.Languages))})
	}
	return avail
}

// pickAgent returns the index of the best candidate for a customer speaking
// lang.
func pickAgent(avail []candidate, lang string) int {
	best, bestSpeaks := -1, false
	tag, err := language.Parse(lang)
	for i := range avail {
		speaks := false
		if err == nil && lang != "" {
			_, _, conf := avail[i].matcher.Match(tag)
			speaks = conf != language.No
		}
		if best < 0 || better(&avail[i], speaks, &avail[best], bestSpeaks) {
			best, bestSpeaks = i, speaks
		}
	}
	return best
}

// better reports whether a beats b: speaking the language first, then fewer
// active chats, then idle longer.
func better(a *candidate, aSpeaks bool, b *candidate, bSpeaks bool) bool {
	if aSpeaks != bSpeaks {
		return aSpeaks
	}
	if a.Active != b.Active {
		return a.Active < b.Active
	}
	return a.IdleSince.Before(b.IdleSince)
}

// parseTags parses BCP 47 tags, skipping invalid ones.
func parseTags(tags []string) []language.Tag {
	out := make([]language.Tag, 0, len(tags))
	for _, t := range tags {
		if tag, err := language.Parse(t); err == nil {
			out = append(out, tag)
		}
	}
	if len(out) == 0 {
		out = append(out, language.English)
	}
	return out
}
