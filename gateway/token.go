package gateway

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// errBadToken means a token is malformed, forged, expired or for another site.
var errBadToken = errors.New("bad or expired token")

// claims is what a token vouches for.
type claims struct {
	Site    string `json:"s"`
	Subject string `json:"u"` // visitor or agent id
	Role    string `json:"r"`
	Expires int64  `json:"e"` // unix seconds
}

// tokens signs and checks visitor and agent session tokens: base64url JSON
// claims, a dot, and the base64url HMAC-SHA256 of the claims.
type tokens struct {
	key []byte
	ttl time.Duration
}

func (t tokens) sign(c claims, now time.Time) string {
	c.Expires = now.Add(t.ttl).Unix()
	body, _ := json.Marshal(c) // a struct of strings and an int always marshals
	payload := base64.RawURLEncoding.EncodeToString(body)
	return payload + "." + base64.RawURLEncoding.EncodeToString(t.mac(payload))
}

func (t tokens) verify(token, site, role string, now time.Time) (claims, error) {
	payload, sig, ok := strings.Cut(token, ".")
	if !ok || len(token) > 1024 {
		return claims{}, errBadToken
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, t.mac(payload)) {
		return claims{}, errBadToken
	}
	body, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return claims{}, errBadToken
	}
	var c claims
	if json.Unmarshal(body, &c) != nil || c.Site != site || c.Role != role || now.Unix() > c.Expires || c.Subject == "" {
		return claims{}, errBadToken
	}
	return c, nil
}

func (t tokens) mac(payload string) []byte {
	m := hmac.New(sha256.New, t.key)
	m.Write([]byte(payload))
	return m.Sum(nil)
}

// identityHash returns the hex HMAC-SHA256 of a user id under a site's
// identity secret, as the embedding site computes it.
func identityHash(secret, id string) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(id))
	return m.Sum(nil)
}
