package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// Entry is one question the bot knows: the keywords that point to it and
// the answer it gives.
type Entry struct {
	// Keywords are words or phrases ("opening hours") that, found in a
	// customer's message, point to this entry. Matching ignores case and
	// punctuation and accepts simple English endings ("ship" matches
	// "shipping" and "ships").
	Keywords []string `json:"keywords"`
	// Answer is the reply, in the bot's language.
	Answer string `json:"answer"`
}

// FAQ is the list of entries the bot answers from; the first entry wins a
// tie.
type FAQ []Entry

// builtinFAQ is the English FAQ of a generic web shop, used when no file is
// given.
var builtinFAQ = FAQ{
	{
		Keywords: []string{"shipping", "ship", "delivery", "deliver", "arrive", "how long", "dispatch", "courier"},
		Answer:   "We ship within 1 business day. Standard delivery takes 3 to 5 business days, express delivery 1 to 2.",
	},
	{
		Keywords: []string{"return", "refund", "money back", "exchange", "send back", "cancel"},
		Answer:   "You can return any item within 30 days for a full refund. Start a return from your account page; refunds reach your card within 5 business days of our receiving the parcel.",
	},
	{
		Keywords: []string{"opening hours", "hours", "open", "opening", "close", "closing", "weekend"},
		Answer:   "Our support team is here Monday to Friday, 9:00 to 18:00, and Saturday 10:00 to 14:00 (CET).",
	},
	{
		Keywords: []string{"order status", "track", "tracking", "where is my order", "parcel", "package", "order"},
		Answer:   "You can follow your order from the link in your shipping confirmation email, or under Orders in your account. Tracking starts a few hours after dispatch.",
	},
	{
		Keywords: []string{"payment", "pay", "card", "credit card", "paypal", "invoice", "bank transfer", "payment methods"},
		Answer:   "We accept Visa, Mastercard, American Express, PayPal and bank transfer. Business customers can pay by invoice.",
	},
	{
		Keywords: []string{"password", "reset", "forgot", "log in", "login", "sign in", "account locked"},
		Answer:   "To reset your password, choose \"Forgot password?\" on the sign-in page and follow the link we email you. The link works for one hour.",
	},
}

// humanWords are what a customer writes when they want a person rather
// than the bot.
var humanWords = []string{
	"human", "agent", "person", "representative", "operator", "staff",
	"someone real", "real person", "talk to someone", "speak to someone",
}

// parseFAQ reads a FAQ from JSON: a list of {"keywords": [...], "answer": "..."}.
func parseFAQ(data []byte) (FAQ, error) {
	var faq FAQ
	if err := json.Unmarshal(data, &faq); err != nil {
		return nil, fmt.Errorf("faq: %w", err)
	}
	if len(faq) == 0 {
		return nil, errors.New("faq: no entries")
	}
	for i, e := range faq {
		if strings.TrimSpace(e.Answer) == "" {
			return nil, fmt.Errorf("faq: entry %d has no answer", i+1)
		}
		n := 0
		for _, k := range e.Keywords {
			if len(words(k)) > 0 {
				n++
			}
		}
		if n == 0 {
			return nil, fmt.Errorf("faq: entry %d has no keywords", i+1)
		}
	}
	return faq, nil
}

// answer chooses the reply to a customer's message: the answer of the entry
// with the most keyword hits. When the customer asks for a person, handoff
// is true and reply is the hand-off reason. When nothing matches, reply is
// empty and handoff false: the caller decides what a miss means.
func answer(faq FAQ, text string) (reply string, handoff bool) {
	msg := words(text)
	for _, h := range humanWords {
		if contains(msg, words(h)) {
			return "customer asked for a person", true
		}
	}
	best, bestHits := -1, 0
	for i, e := range faq {
		hits := 0
		for _, k := range e.Keywords {
			if kw := words(k); len(kw) > 0 && contains(msg, kw) {
				hits++
			}
		}
		if hits > bestHits {
			best, bestHits = i, hits
		}
	}
	if best < 0 {
		return "", false
	}
	return faq[best].Answer, false
}

// words lower-cases s and splits it into words of letters and digits;
// everything else separates words.
func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// contains reports whether the keyword's words appear in a row in msg.
func contains(msg, kw []string) bool {
	for i := 0; i+len(kw) <= len(msg); i++ {
		ok := true
		for j, w := range kw {
			if !sameWord(msg[i+j], w) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// endings are the English inflections a keyword matches besides itself.
var endings = []string{"s", "es", "ed", "d", "ing", "ping", "ped", "er", "ers"}

// sameWord reports whether the message word is the keyword or the keyword
// with a common ending.
func sameWord(word, kw string) bool {
	if word == kw {
		return true
	}
	rest, ok := strings.CutPrefix(word, kw)
	if !ok {
		return false
	}
	for _, e := range endings {
		if rest == e {
			return true
		}
	}
	return false
}
