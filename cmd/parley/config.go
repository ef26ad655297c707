package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/parley-chat/parley/gateway"
	"github.com/parley-chat/parley/session"
)

// fileConfig is the JSON configuration file (README, "Configuration"). Every
// field may be left out; environment variables override it and flags
// override both.
type fileConfig struct {
	Addr              string           `json:"addr"`
	RedisURL          string           `json:"redis_url"`
	TokenKey          string           `json:"token_key"`
	TokenTTL          gateway.Duration `json:"token_ttl"`
	MaxFrameBytes     int              `json:"max_frame_bytes"`
	RatePerSecond     float64          `json:"rate_per_second"`
	RateBurst         int              `json:"rate_burst"`
	SendQueue         int              `json:"send_queue"`
	AgentGrace        gateway.Duration `json:"agent_grace"`
	TranslationBudget gateway.Duration `json:"translation_budget"`
	HistoryMaxLen     int64            `json:"history_max_len"`
	Retention         gateway.Duration `json:"retention"`
	IdempotencyTTL    gateway.Duration `json:"idempotency_ttl"`
	LogLevel          string           `json:"log_level"`
	Sites             []gateway.Site   `json:"sites"`
}

// loadFile reads a configuration file; unknown fields are errors, so that
// a typo does not pass silently.
func loadFile(path string, into *fileConfig) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil {
		return fmt.Errorf("config %s: %w", path, err)
	}
	return nil
}

// applyEnv overrides the configuration with PARLEY_* variables.
func applyEnv(c *fileConfig, getenv func(string) string) error {
	str := func(name string, dst *string) {
		if v := getenv(name); v != "" {
			*dst = v
		}
	}
	str("PARLEY_ADDR", &c.Addr)
	str("PARLEY_REDIS_URL", &c.RedisURL)
	str("PARLEY_TOKEN_KEY", &c.TokenKey)
	str("PARLEY_LOG_LEVEL", &c.LogLevel)
	var errs []error
	num := func(name string, set func(string) error) {
		if v := getenv(name); v != "" {
			if err := set(v); err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: %w", name, v, err))
			}
		}
	}
	num("PARLEY_MAX_FRAME_BYTES", func(v string) (err error) { c.MaxFrameBytes, err = strconv.Atoi(v); return })
	num("PARLEY_RATE_PER_SECOND", func(v string) (err error) { c.RatePerSecond, err = strconv.ParseFloat(v, 64); return })
	num("PARLEY_RATE_BURST", func(v string) (err error) { c.RateBurst, err = strconv.Atoi(v); return })
	num("PARLEY_SEND_QUEUE", func(v string) (err error) { c.SendQueue, err = strconv.Atoi(v); return })
	num("PARLEY_AGENT_GRACE", func(v string) error { return setDuration(&c.AgentGrace, v) })
	num("PARLEY_TOKEN_TTL", func(v string) error { return setDuration(&c.TokenTTL, v) })
	num("PARLEY_TRANSLATION_BUDGET", func(v string) error { return setDuration(&c.TranslationBudget, v) })
	num("PARLEY_HISTORY_MAX_LEN", func(v string) (err error) { c.HistoryMaxLen, err = strconv.ParseInt(v, 10, 64); return })
	num("PARLEY_RETENTION", func(v string) error { return setDuration(&c.Retention, v) })
	num("PARLEY_IDEMPOTENCY_TTL", func(v string) error { return setDuration(&c.IdempotencyTTL, v) })
	return errors.Join(errs...)
}

func setDuration(d *gateway.Duration, v string) error {
	t, err := time.ParseDuration(v)
	*d = gateway.Duration(t)
	return err
}

// demoSite is the site served when no configuration names one: two agents,
// one English and one Spanish, whose secret is "demo".
func demoSite(addr string) gateway.Site {
	host := addr
	if strings.HasPrefix(host, ":") {
		host = "127.0.0.1" + host
	}
	return gateway.Site{
		Key:            "demo",
		Name:           "Parley demo shop",
		Origins:        []string{"http://" + host, "http://" + strings.Replace(host, "127.0.0.1", "localhost", 1)},
		IdentitySecret: "demo-identity-secret",
		Agents: []gateway.Account{
			{ID: "demo", Name: "Demo Agent", SecretHash: gateway.HashSecret("demo"), Languages: []string{"en"}, Capacity: 5},
			{ID: "maria", Name: "María", SecretHash: gateway.HashSecret("demo"), Languages: []string{"es", "en"}, Capacity: 5},
			{ID: "faqbot", Name: "FAQ bot", SecretHash: gateway.HashSecret("demo"), Languages: []string{"en"}, Capacity: 50, Bot: true},
		},
		// While the bot is not connected, new conversations go straight
		// to the queue.
		FirstResponder: "faqbot",
		Glossary:       []string{"Parley"},
	}
}

// limits is what the store keeps, from the configuration; zero fields take
// the store's defaults.
func (c *fileConfig) limits() session.Limits {
	return session.Limits{
		MaxLen:         c.HistoryMaxLen,
		Retention:      time.Duration(c.Retention),
		IdempotencyTTL: time.Duration(c.IdempotencyTTL),
	}
}

// gatewayConfig turns the file configuration into the gateway's.
func (c *fileConfig) gatewayConfig() gateway.Config {
	return gateway.Config{
		Sites:         c.Sites,
		TokenKey:      c.TokenKey,
		TokenTTL:      time.Duration(c.TokenTTL),
		MaxFrameBytes: c.MaxFrameBytes,
		RatePerSecond: c.RatePerSecond,
		RateBurst:     c.RateBurst,
		SendQueue:     c.SendQueue,
		AgentGrace:    time.Duration(c.AgentGrace),
	}
}
