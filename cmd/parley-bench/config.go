package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
)

// The benchmark's agents are numbered from 1; their ids and secrets derive
// from the number so that run and resume can sign in as them.

// agentID is the id of benchmark agent i.
func agentID(i int) string { return "bench-agent-" + strconv.Itoa(i) }

// agentSecret is the sign-in secret of benchmark agent i.
func agentSecret(i int) string { return "secret-" + strconv.Itoa(i) }

// hashSecret returns a secret's hash in the gateway's "sha256:<hex>" form.
func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// gatewayConfig mirrors the JSON config file the gateway binary reads: the
// fields the benchmark sets, nothing else.
type gatewayConfig struct {
	Addr          string       `json:"addr"`
	RatePerSecond float64      `json:"rate_per_second,omitempty"`
	RateBurst     int          `json:"rate_burst,omitempty"`
	Sites         []siteConfig `json:"sites"`
}

type siteConfig struct {
	Key     string          `json:"key"`
	Name    string          `json:"name"`
	Origins []string        `json:"origins"`
	Agents  []accountConfig `json:"agents"`
}

type accountConfig struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	SecretHash string   `json:"secret_hash"`
	Languages  []string `json:"languages"`
	Capacity   int      `json:"capacity"`
}

// configOptions are the choices of the config subcommand.
type configOptions struct {
	Addr      string
	Site      string
	Agents    int
	Capacity  int
	Rate      float64 // frames per second per connection the gateway allows
	RateBurst int
}

// benchConfig builds the gateway configuration for a benchmark run.
func benchConfig(o configOptions) gatewayConfig {
	site := siteConfig{Key: o.Site, Name: "Bench", Origins: []string{"*"}}
	site.Agents = make([]accountConfig, 0, o.Agents)
	for i := 1; i <= o.Agents; i++ {
		site.Agents = append(site.Agents, accountConfig{
			ID:         agentID(i),
			Name:       "Bench Agent " + strconv.Itoa(i),
			SecretHash: hashSecret(agentSecret(i)),
			Languages:  []string{"en"},
			Capacity:   o.Capacity,
		})
	}
	return gatewayConfig{Addr: o.Addr, RatePerSecond: o.Rate, RateBurst: o.RateBurst, Sites: []siteConfig{site}}
}

// writeConfig writes the benchmark configuration as indented JSON.
func writeConfig(w io.Writer, o configOptions) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(benchConfig(o)); err != nil {
		return fmt.Errorf("encode config: %w", err)
	}
	return nil
}

func runConfig(_ context.Context, args []string, e env) error {
	fs := newFlagSet("config", "[-agents N] [-capacity C] [-site KEY] [-addr HOST:PORT] [-out FILE]", e.stderr)
	var o configOptions
	fs.IntVar(&o.Agents, "agents", 100, "number of agents bench-agent-1..N (secret secret-<i>); run -pairs needs at least as many")
	fs.IntVar(&o.Capacity, "capacity", 1, "conversations per agent at once (run pairs one customer with one agent when 1)")
	fs.StringVar(&o.Site, "site", "bench", "site key")
	fs.StringVar(&o.Addr, "addr", "127.0.0.1:8080", "address the gateway listens on")
	fs.Float64Var(&o.Rate, "conn-rate", 1000, "frames per second each connection may send (gateway rate limit); 0 keeps the gateway default")
	fs.IntVar(&o.RateBurst, "conn-burst", 2000, "frames a connection may send at once (gateway rate limit burst); 0 keeps the gateway default")
	out := fs.String("out", "-", "file to write, - for stdout")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if o.Agents < 1 || o.Agents > 100000 {
		return fmt.Errorf("-agents %d: want 1 to 100000", o.Agents)
	}
	if o.Capacity < 1 || o.Capacity > 100 {
		return fmt.Errorf("-capacity %d: want 1 to 100", o.Capacity)
	}
	if o.Rate < 0 || o.RateBurst < 0 {
		return fmt.Errorf("-conn-rate and -conn-burst must not be negative")
	}
	if *out == "-" {
		return writeConfig(e.stdout, o)
	}
	f, err := os.Create(*out)
	if err != nil {
		return fmt.Errorf("create config: %w", err)
	}
	if err := writeConfig(f, o); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write config: %w", err)
	}
	e.log.Info("wrote gateway config", "file", *out, "site", o.Site, "agents", o.Agents)
	return nil
}
