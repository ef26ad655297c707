package gateway

import (
	"context"
	"sync"
	"time"

	"golang.org/x/text/language"

	"github.com/parley-chat/parley/session"
	"github.com/parley-chat/parley/translate"
)

// Translator translates text between two languages given as BCP 47 tags.
type Translator interface {
	Translate(ctx context.Context, text, from, to string) (string, error)
}

// Detector finds the language a short text is written in; ok is false when
// it cannot tell with confidence.
type Detector interface {
	Detect(text string) (lang string, ok bool)
}

// Translation configures translation in flight.
type Translation struct {
	// Translator translates messages; nil translates nothing.
	Translator Translator
	// Detector finds each message's language; nil takes the sender's
	// language (browser languages for customers, profile for agents).
	Detector Detector
	// Budget is how long a message may wait for its translations before it
	// goes out in the original, marked pending, with the translations
	// following. Defaults to 1 s.
	Budget time.Duration
	// Timeout bounds a translation that missed the budget. Defaults to 30 s.
	Timeout time.Duration
}

// inFlight translates messages on their way into the store.
type inFlight struct {
	s  *Server
	tr Translation
	wg sync.WaitGroup // translations that missed the budget
}

func newInFlight(s *Server) *inFlight {
	tr := s.cfg.Translation
	if tr.Budget <= 0 {
		tr.Budget = time.Second
	}
	if tr.Timeout <= 0 {
		tr.Timeout = 30 * time.Second
	}
	return &inFlight{s: s, tr: tr}
}

func (fl *inFlight) wait() { fl.wg.Wait() }

// detect returns the language of text, or sticky when it cannot tell.
func (fl *inFlight) detect(text, sticky string) string {
	if fl.tr.Detector == nil {
		return sticky
	}
	if lang, ok := fl.tr.Detector.Detect(text); ok {
		return lang
	}
	return sticky
}

// translated is one finished translation.
type translated struct {
	lang, text string
	err        error
}

// translate translates m into its readers' languages for at most the
// budget and returns it with the translations that made it. When others are
// still coming, late is not nil: call it once the message is stored (ok) or
// was not; it stores and sends each remaining translation as it arrives. A
// failed translation leaves the original to stand.
func (fl *inFlight) translate(ctx context.Context, conv session.Conversation, m session.Message, translating bool) (_ session.Message, late func(stored session.Message, ok bool)) {
	var targets []string
	if translating && fl.tr.Translator != nil {
		targets = fl.targets(conv, m)
	}
	if len(targets) == 0 {
		return m, nil
	}
	results := make(chan translated, len(targets))
	tctx, cancel := context.WithTimeout(fl.s.ctx, fl.tr.Timeout)
	if st := fl.s.sites[conv.SiteID]; st != nil && len(st.cfg.Glossary) > 0 {
		tctx = translate.WithGlossary(tctx, st.cfg.Glossary...)
	}
	for _, to := range targets {
		go func() {
			text, err := fl.tr.Translator.Translate(tctx, m.Text, m.Lang, to)
			results <- translated{to, text, err}
		}()
	}
	budget := time.NewTimer(fl.tr.Budget)
	defer budget.Stop()
	left := len(targets)
collect:
	for left > 0 {
		select {
		case r := <-results:
			left--
			fl.keep(&m, r)
		case <-budget.C:
			break collect
		case <-ctx.Done():
			break collect
		}
	}
	if left == 0 {
		cancel()
		return m, nil
	}
	return m, func(stored session.Message, ok bool) {
		if !ok {
			cancel()
			return
		}
		fl.s.metrics.pending.Inc()
		fl.wg.Add(1)
		go func() {
			defer fl.wg.Done()
			defer cancel()
			fl.follow(tctx, stored, results, left)
		}()
	}
}

// keep adds a successful translation to m.
func (fl *inFlight) keep(m *session.Message, r translated) {
	if r.err != nil || r.text == "" {
		if r.err != nil {
			fl.s.log.Debug("translation failed; the original stands", "from", m.Lang, "to", r.lang, "err", r.err)
		}
		return
	}
	if m.Translations == nil {
		m.Translations = map[string]string{}
	}
	m.Translations[r.lang] = r.text
}

// follow stores and sends translations that missed the budget.
func (fl *inFlight) follow(ctx context.Context, m session.Message, results <-chan translated, left int) {
	for ; left > 0; left-- {
		var r translated
		select {
		case r = <-results:
		case <-ctx.Done():
			return
		}
		if r.err != nil || r.text == "" {
			continue
		}
		if err := fl.s.store.SetTranslation(ctx, m.ConversationID, m.Seq, r.lang, r.text); err != nil {
			fl.s.log.Warn("storing a late translation", "conv", m.ConversationID, "seq", m.Seq, "err", err)
		}
		fl.s.publish(ctx, session.ConversationTopic(m.ConversationID), evSignal, 0,
			&Frame{Type: TypeTranslation, Conv: m.ConversationID, Seq: m.Seq, Lang: r.lang, Text: r.text})
	}
}

// targets returns the languages m's readers need that differ from its own:
// the customer's for a message to them, the agent's (or, while nobody is
// assigned, every agent's first language) for a customer's message.
func (fl *inFlight) targets(conv session.Conversation, m session.Message) []string {
	if m.Lang == "" {
		return nil
	}
	st := fl.s.sites[conv.SiteID]
	var want []string
	switch {
	case m.Role != session.RoleCustomer:
		want = []string{conv.Language}
	case conv.AgentID != "" && st != nil && st.accounts[conv.AgentID] != nil:
		want = st.accounts[conv.AgentID].Languages[:1]
	case conv.BotID != "" && st != nil && st.accounts[conv.BotID] != nil:
		want = st.accounts[conv.BotID].Languages[:1]
	case st != nil:
		for _, a := range st.cfg.Agents {
			want = append(want, a.Languages[0])
		}
	}
	return differentLanguages(m.Lang, want)
}

// differentLanguages returns the distinct tags of want whose base language
// differs from from's.
func differentLanguages(from string, want []string) []string {
	fromBase := baseOf(from)
	seen := map[string]bool{}
	var out []string
	for _, w := range want {
		b := baseOf(w)
		if w == "" || b == "" || b == fromBase || seen[b] {
			continue
		}
		seen[b] = true
		out = append(out, w)
	}
	return out
}

// baseOf returns the base language of a BCP 47 tag, or "" when invalid.
func baseOf(tag string) string {
	t, err := language.Parse(tag)
	if err != nil {
		return ""
	}
	b, _ := t.Base()
	return b.String()
}
