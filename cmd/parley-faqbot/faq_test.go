package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAnswerPicksTheEntryWithTheMostHits(t *testing.T) {
	cases := []struct {
		text string
		want int // index into builtinFAQ
	}{
		{"How long does shipping take?", 0},
		{"WHEN WILL IT ARRIVE??", 0},
		{"Can I get a refund?", 1},
		{"I'd like to return these shoes and get my money back", 1},
		{"What are your opening hours", 2},
		{"are you open on the weekend?", 2},
		{"Where is my order? I need the tracking number", 3},
		{"which payment methods do you take, paypal?", 4},
		{"I forgot my password, how do I reset it", 5},
		{"i can't log-in!", 5},
	}
	for _, c := range cases {
		reply, handoff := answer(builtinFAQ, c.text)
		assert.False(t, handoff, c.text)
		assert.Equal(t, builtinFAQ[c.want].Answer, reply, c.text)
	}
}

func TestAnswerHandsOffWhenAPersonIsWanted(t *testing.T) {
	for _, text := range []string{
		"can I talk to a human",
		"Agent please!",
		"I want a REAL person.",
		"representative",
		"let me speak to someone about my refund",
	} {
		reply, handoff := answer(builtinFAQ, text)
		assert.True(t, handoff, text)
		assert.Equal(t, "customer asked for a person", reply, text)
	}
}

func TestAnswerMissesWithoutAMatch(t *testing.T) {
	for _, text := range []string{"what is the meaning of life", "", "?!", "personal shopper", "shipyard"} {
		reply, handoff := answer(builtinFAQ, text)
		assert.False(t, handoff, text)
		assert.Empty(t, reply, text)
	}
}

func TestAnswerBreaksTiesByOrder(t *testing.T) {
	faq := FAQ{{Keywords: []string{"alpha"}, Answer: "A"}, {Keywords: []string{"beta"}, Answer: "B"}, {Keywords: []string{"beta", "gamma"}, Answer: "C"}}
	reply, _ := answer(faq, "alpha beta")
	assert.Equal(t, "A", reply)
	reply, _ = answer(faq, "beta and gamma")
	assert.Equal(t, "C", reply)
}

func TestWordsAndEndings(t *testing.T) {
	assert.Equal(t, []string{"où", "est", "ma", "commande", "42"}, words("Où est ma commande #42?"))
	assert.True(t, sameWord("shipping", "ship"))
	assert.True(t, sameWord("refunds", "refund"))
	assert.True(t, sameWord("returned", "return"))
	assert.False(t, sameWord("shipyard", "ship"))
	assert.False(t, sameWord("ship", "shipping"))
	assert.True(t, contains(words("Opening hours, please"), words("opening hours")))
	assert.False(t, contains(words("hours of opening"), words("opening hours")))
}

func TestParseFAQ(t *testing.T) {
	faq, err := parseFAQ([]byte(`[{"keywords":["gift card","voucher"],"answer":"Gift cards never expire."}]`))
	require.NoError(t, err)
	reply, handoff := answer(faq, "Do vouchers expire?")
	assert.False(t, handoff)
	assert.Equal(t, "Gift cards never expire.", reply)

	for _, bad := range []string{`{}`, `[]`, `not json`, `[{"keywords":["x"],"answer":" "}]`, `[{"keywords":["?!"],"answer":"x"}]`} {
		_, err := parseFAQ([]byte(bad))
		assert.Error(t, err, bad)
	}
}
