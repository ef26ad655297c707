package gateway

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/text/language"
)

// Config configures a gateway Server. The zero value of every field but
// Sites means its default.
type Config struct {
	// Sites are the tenants the gateway serves; at least one is required.
	Sites []Site `json:"sites"`
	// TokenKey signs visitor and agent session tokens. Defaults to a random
	// key, which makes tokens die with the process: set it (32 random bytes
	// or more) when tokens must survive a restart or work across nodes.
	TokenKey string `json:"token_key"`
	// TokenTTL is how long a visitor token stays valid. Defaults to 90 days.
	TokenTTL time.Duration `json:"token_ttl"`
	// MaxFrameBytes is the largest frame accepted. Defaults to 16 KiB. A
	// frame of up to four times that gets a too_large error; a larger one
	// closes the connection with 1009.
	MaxFrameBytes int `json:"max_frame_bytes"`
	// RatePerSecond is the sustained number of frames a connection may send
	// per second. Defaults to 20.
	RatePerSecond float64 `json:"rate_per_second"`
	// RateBurst is how many frames a connection may send at once. Defaults
	// to 40.
	RateBurst int `json:"rate_burst"`
	// MaxViolations is how many rate-limited frames in a row close the
	// connection with 1008. Defaults to 50.
	MaxViolations int `json:"max_violations"`
	// SendQueue is how many frames may wait for a slow client before it is
	// closed with 1008 (it resumes from history after reconnecting).
	// Defaults to 512.
	SendQueue int `json:"send_queue"`
	// AgentGrace is how long an agent may be disconnected before their open
	// conversations go back to the queue. Defaults to 30 s.
	AgentGrace time.Duration `json:"agent_grace"`
	// HelloTimeout is how long a new connection may wait before sending
	// hello. Defaults to 10 s.
	HelloTimeout time.Duration `json:"hello_timeout"`
	// WriteTimeout bounds one frame write to a client. Defaults to 10 s.
	WriteTimeout time.Duration `json:"write_timeout"`
	// Translation configures translation in flight; the zero value
	// translates nothing.
	Translation Translation `json:"-"`
	// Registry receives the gateway's metrics. Defaults to a new registry
	// with the Go and process collectors.
	Registry *prometheus.Registry `json:"-"`
	// Logger receives the gateway's logs. Defaults to slog.Default().
	Logger *slog.Logger `json:"-"`
	// Webhooks receives the events webhooks deliver; nil sends none.
	Webhooks Emitter `json:"-"`
	// Assets serves everything that is not the gateway's own (the widget,
	// the console). Defaults to 404 for those paths.
	Assets http.Handler `json:"-"`
}

// Site is one tenant: a website with its widget, agents and bots.
type Site struct {
	// Key is the public site key that the widget embeds; it identifies the
	// site everywhere.
	Key string `json:"key"`
	// Name is shown to customers.
	Name string `json:"name"`
	// Origins are the web origins allowed to embed the widget, such as
	// "https://shop.example"; "*" allows every origin.
	Origins []string `json:"origins"`
	// IdentitySecret verifies logged-in users' identity hashes; empty
	// disables identity verification.
	IdentitySecret string `json:"identity_secret"`
	// Agents are the agents and bots that may sign in to the site.
	Agents []Account `json:"agents"`
	// Glossary lists terms never to translate, such as brand names.
	Glossary []string `json:"glossary"`
	// FirstResponder is the id of a bot account that answers new
	// conversations before any human; empty sends them to the queue.
	FirstResponder string `json:"first_responder"`
	// BotTimeout hands a conversation from the bot to the queue when a
	// customer's message has waited that long for the bot. Defaults to 30 s.
	BotTimeout Duration `json:"bot_timeout"`
	// Webhooks receive the site's events.
	Webhooks []Webhook `json:"webhooks"`
	// APIKeys authenticate the REST API for the site.
	APIKeys []APIKey `json:"api_keys"`
}

// Webhook is a receiver of a site's events.
type Webhook struct {
	// URL receives a POST per event.
	URL string `json:"url"`
	// Secret signs each request (HMAC-SHA256 over timestamp and body).
	Secret string `json:"secret"`
	// Events lists the event names to send; empty sends all.
	Events []string `json:"events"`
}

// APIKey is a REST API credential of a site.
type APIKey struct {
	ID string `json:"id"`
	// SecretHash is the key's hash from HashSecret; the key itself is
	// never stored.
	SecretHash string `json:"secret_hash"`
	// Scopes are among "read", "write" and "bot".
	Scopes []string `json:"scopes"`
	// Bot is the bot account a key with the bot scope writes as.
	Bot string `json:"bot"`
}

// Duration is a time.Duration that reads "30s" from JSON.
type Duration time.Duration

// UnmarshalJSON reads a duration string such as "30s" or "5m".
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return errors.New(`durations are strings such as "30s"`)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// Account is an agent's or bot's sign-in and profile.
type Account struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// SecretHash is the credential's hash from HashSecret ("sha256:" and
	// hex) or a bcrypt hash ("$2a$..."); the secret itself is never stored.
	SecretHash string `json:"secret_hash"`
	// Languages the agent reads and writes, BCP 47 tags, preferred first.
	// Defaults to English.
	Languages []string `json:"languages"`
	// Capacity is the most conversations at once. Defaults to 3.
	Capacity int `json:"capacity"`
	// Bot marks a bot account; it signs in with role bot.
	Bot bool `json:"bot"`
}

// HashSecret returns the SHA-256 hash of a high-entropy secret in the form
// Account.SecretHash expects. Use bcrypt for secrets people choose.
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// verify reports whether secret matches the account's hash.
func (a *Account) verify(secret string) bool {
	switch {
	case strings.HasPrefix(a.SecretHash, "sha256:"):
		want := HashSecret(secret)
		return subtle.ConstantTimeCompare([]byte(want), []byte(a.SecretHash)) == 1
	case strings.HasPrefix(a.SecretHash, "$2"):
		return bcrypt.CompareHashAndPassword([]byte(a.SecretHash), []byte(secret)) == nil
	}
	return false
}

func (c *Config) setDefaults() {
	if c.TokenTTL <= 0 {
		c.TokenTTL = 90 * 24 * time.Hour
	}
	if c.MaxFrameBytes <= 0 {
		c.MaxFrameBytes = 16 << 10
	}
	if c.RatePerSecond <= 0 {
		c.RatePerSecond = 20
	}
	if c.RateBurst <= 0 {
		c.RateBurst = 40
	}
	if c.MaxViolations <= 0 {
		c.MaxViolations = 50
	}
	if c.SendQueue <= 0 {
		c.SendQueue = 512
	}
	if c.AgentGrace <= 0 {
		c.AgentGrace = 30 * time.Second
	}
	if c.HelloTimeout <= 0 {
		c.HelloTimeout = 10 * time.Second
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = 10 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	for i := range c.Sites {
		if c.Sites[i].BotTimeout <= 0 {
			c.Sites[i].BotTimeout = Duration(30 * time.Second)
		}
		for j := range c.Sites[i].Agents {
			a := &c.Sites[i].Agents[j]
			if a.Capacity <= 0 {
				a.Capacity = 3
			}
			if len(a.Languages) == 0 {
				a.Languages = []string{"en"}
			}
		}
	}
}

// Validate reports the first problem that would keep the configuration from
// working.
func (c *Config) Validate() error {
	if len(c.Sites) == 0 {
		return errors.New("no sites configured")
	}
	keys := map[string]bool{}
	for _, s := range c.Sites {
		if s.Key == "" || !validID(s.Key) {
			return fmt.Errorf("site %q: key must be 1 to 64 letters, digits, '-' or '_'", s.Key)
		}
		if keys[s.Key] {
			return fmt.Errorf("site %q: configured twice", s.Key)
		}
		keys[s.Key] = true
		ids := map[string]bool{}
		bots := map[string]bool{}
		for _, a := range s.Agents {
			bots[a.ID] = a.Bot
			if !validID(a.ID) {
				return fmt.Errorf("site %q: agent id %q must be 1 to 64 letters, digits, '-' or '_'", s.Key, a.ID)
			}
			if ids[a.ID] {
				return fmt.Errorf("site %q: agent %q configured twice", s.Key, a.ID)
			}
			ids[a.ID] = true
			if !strings.HasPrefix(a.SecretHash, "sha256:") && !strings.HasPrefix(a.SecretHash, "$2") {
				return fmt.Errorf("site %q: agent %q: secret_hash must be \"sha256:<hex>\" or a bcrypt hash", s.Key, a.ID)
			}
			for _, l := range a.Languages {
				if _, err := language.Parse(l); err != nil {
					return fmt.Errorf("site %q: agent %q: language %q: %w", s.Key, a.ID, l, err)
				}
			}
		}
		if s.FirstResponder != "" && !bots[s.FirstResponder] {
			return fmt.Errorf("site %q: first_responder %q is not a bot account of the site", s.Key, s.FirstResponder)
		}
		for _, w := range s.Webhooks {
			if u, err := url.Parse(w.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return fmt.Errorf("site %q: webhook url %q must be an http or https URL", s.Key, w.URL)
			}
		}
		for _, k := range s.APIKeys {
			if !validID(k.ID) || !strings.HasPrefix(k.SecretHash, "sha256:") {
				return fmt.Errorf("site %q: api key %q needs an id and a sha256 secret_hash", s.Key, k.ID)
			}
			for _, sc := range k.Scopes {
				if sc != "read" && sc != "write" && sc != "bot" {
					return fmt.Errorf("site %q: api key %q: unknown scope %q", s.Key, k.ID, sc)
				}
			}
			if slices.Contains(k.Scopes, "bot") && !bots[k.Bot] {
				return fmt.Errorf("site %q: api key %q has the bot scope but no bot account in bot", s.Key, k.ID)
			}
		}
	}
	return nil
}

// validID reports whether s is a usable site, agent or client id.
func validID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		ok := r == '-' || r == '_' || r == '.' || r == ':' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
		if !ok {
			return false
		}
	}
	return true
}
