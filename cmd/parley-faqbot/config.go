package main

import (
	"log/slog"
	"time"
)

// Config configures the bot's client loop. The zero value of every field
// but Secret means its default.
type Config struct {
	// URL is the gateway's base URL (ws, wss, http or https). Defaults to
	// ws://127.0.0.1:8080.
	URL string
	// Site is the site key. Defaults to "demo".
	Site string
	// Bot is the bot account's id. Defaults to "faqbot".
	Bot string
	// Secret is the bot account's credential; required.
	Secret string
	// FAQ is what the bot answers from. Defaults to the built-in English FAQ.
	FAQ FAQ
	// MinBackoff is the first pause before reconnecting after a drop.
	// Defaults to 500 ms; it doubles on every failed attempt.
	MinBackoff time.Duration
	// MaxBackoff caps the pause between reconnects. Defaults to 30 s.
	MaxBackoff time.Duration
	// DialTimeout bounds connecting and the hello. Defaults to 10 s.
	DialTimeout time.Duration
	// WriteTimeout bounds one frame write. Defaults to 10 s.
	WriteTimeout time.Duration
	// PingInterval is how often the bot pings the gateway to notice a dead
	// connection. Defaults to 20 s.
	PingInterval time.Duration
	// PendingWait is how long the bot waits for a translation that missed
	// the gateway's latency budget before answering from the original.
	// Defaults to 3 s.
	PendingWait time.Duration
	// RetryWait is the pause before resending a frame refused as rate
	// limited or unavailable; it grows with each try. Defaults to 1 s.
	RetryWait time.Duration
	// Logger receives the bot's logs. Defaults to slog.Default().
	Logger *slog.Logger
}

func (c *Config) setDefaults() {
	if c.URL == "" {
		c.URL = "ws://127.0.0.1:8080"
	}
	if c.Site == "" {
		c.Site = "demo"
	}
	if c.Bot == "" {
		c.Bot = "faqbot"
	}
	if len(c.FAQ) == 0 {
		c.FAQ = builtinFAQ
	}
	if c.MinBackoff <= 0 {
		c.MinBackoff = 500 * time.Millisecond
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = 30 * time.Second
	}
	if c.MaxBackoff < c.MinBackoff {
		c.MaxBackoff = c.MinBackoff
	}
	if c.DialTimeout <= 0 {
		c.DialTimeout = 10 * time.Second
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = 10 * time.Second
	}
	if c.PingInterval <= 0 {
		c.PingInterval = 20 * time.Second
	}
	if c.PendingWait <= 0 {
		c.PendingWait = 3 * time.Second
	}
	if c.RetryWait <= 0 {
		c.RetryWait = time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}
