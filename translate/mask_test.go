package translate

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMaskProtectsSpans(t *testing.T) {
	cases := []struct {
		name, text string
		glossary   []string
		protected  []string
	}{
		{"url", "see https://example.com/a?b=1. thanks", nil, []string{"https://example.com/a?b=1"}},
		{"bare domain", "go to shop.example.com/help now", nil, []string{"shop.example.com/help"}},
		{"email", "write to help@example.org please", nil, []string{"help@example.org"}},
		{"mention", "@anna can you check", nil, []string{"@anna"}},
		{"order ids", "order #A-12345 and ORD-99812 are late", nil, []string{"#A-12345", "ORD-99812"}},
		{"numbers", "it cost 19,99 and 3 items at 10:30", nil, []string{"19,99", "3", "10:30"}},
		{"code", "run `make test` then ```x := 1```", nil, []string{"`make test`", "```x := 1```"}},
		{"emoji", "thanks 👍🏽 and 👨‍👩‍👧 ok", nil, []string{"👍🏽", "👨‍👩‍👧"}},
		{"glossary", "Parley Pro is great, parley pro rocks", []string{"Parley Pro"}, []string{"Parley Pro", "parley pro"}},
		{"glossary word boundary", "Proton and Pro", []string{"Pro"}, []string{"Pro"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := Mask(c.text, c.glossary)
			require.NoError(t, err)
			assert.Equal(t, len(c.protected), m.Spans(), "masked: %q", m.Text)
			assert.Equal(t, c.protected, m.tokens)
			back, err := m.Unmask(m.Text)
			require.NoError(t, err)
			assert.Equal(t, c.text, back)
		})
	}
}

func TestMaskPrefixAvoidsText(t *testing.T) {
	text := "ZXQ1Z is a literal and zxj too, order 42"
	m, err := Mask(text, nil)
	require.NoError(t, err)
	assert.Equal(t, "ZXV", m.prefix)
	back, err := m.Unmask(m.Text)
	require.NoError(t, err)
	assert.Equal(t, text, back)
}

func TestUnmaskRejectsMangled(t *testing.T) {
	m, err := Mask("order 123 for @bob", nil)
	require.NoError(t, err)
	require.Equal(t, "order ZXQ1Z for ZXQ2Z", m.Text)

	_, err = m.Unmask("pedido ZXQ1Z para")
	require.ErrorIs(t, err, ErrBadResponse, "lost placeholder")
	_, err = m.Unmask("pedido ZXQ1Z ZXQ1Z para ZXQ2Z")
	require.ErrorIs(t, err, ErrBadResponse, "repeated placeholder")
	_, err = m.Unmask("pedido ZXQ3Z para ZXQ2Z ZXQ1Z")
	require.ErrorIs(t, err, ErrBadResponse, "unknown placeholder")

	got, err := m.Unmask("para zxq2z, pedido ZXQ 1Z")
	require.NoError(t, err, "case and a space are tolerated")
	assert.Equal(t, "para @bob, pedido 123", got)
}

func TestMaskNoSpans(t *testing.T) {
	m, err := Mask("hello there", nil)
	require.NoError(t, err)
	assert.Equal(t, "hello there", m.Text)
	got, err := m.Unmask("hola")
	require.NoError(t, err)
	assert.Equal(t, "hola", got)
}

func TestMaskLargeAndOddInput(t *testing.T) {
	big := strings.Repeat("ticket 123 for @ops at https://x.io 🙂 ", 16<<10/40)
	for _, text := range []string{
		big,
		"שלום, ההזמנה 123 שלי לא הגיעה",
		"مرحبا @ali الطلب #A-77 متأخر",
		"mixed Кириллица and ελληνικά 42",
		string([]byte{0xff, 0xfe, '1', ' ', '@', 'a'}),
		"",
	} {
		m, err := Mask(text, []string{"Parley"})
		require.NoError(t, err)
		back, err := m.Unmask(m.Text)
		require.NoError(t, err)
		require.Equal(t, text, back)
	}
}

func FuzzMask(f *testing.F) {
	for _, s := range []string{
		"order #A-12345 from help@example.com 👍",
		"see https://example.com/x?y=1, @bob",
		"`code` and ```block``` 10:30 19,99",
		"ZXQ1Z ZXJ ZXV literal",
		"",
	} {
		f.Add(s, "Parley")
	}
	f.Fuzz(func(t *testing.T, text, term string) {
		m, err := Mask(text, []string{term})
		if err != nil {
			if !utf8.ValidString(text) || len(text) > 1<<16 {
				t.Skip()
			}
			t.Fatalf("Mask(%q): %v", text, err)
		}
		back, err := m.Unmask(m.Text)
		if err != nil {
			t.Fatalf("Unmask(Mask(%q)) = %v; masked %q", text, err, m.Text)
		}
		if back != text {
			t.Fatalf("round trip: %q -> %q -> %q", text, m.Text, back)
		}
	})
}
