package main

import (
	"context"
	"log/slog"
	"sync"

	"github.com/parley-chat/parley/gateway"
	"github.com/parley-chat/parley/session"
	"github.com/parley-chat/parley/webhook"
)

// startWebhooks runs a webhook dispatcher when a site has receivers and
// returns a function that stops it after its attempts in flight.
func startWebhooks(cfg *gateway.Config, store session.Store, logger *slog.Logger) (stop func()) {
	sites := map[string][]webhook.Receiver{}
	for _, s := range cfg.Sites {
		for _, w := range s.Webhooks {
			sites[s.Key] = append(sites[s.Key], webhook.Receiver{URL: w.URL, Secret: w.Secret, Events: w.Events})
		}
	}
	outbox, ok := store.(session.Outbox)
	if len(sites) == 0 || !ok {
		return func() {}
	}
	d := webhook.New(webhook.Config{Sites: sites}, outbox, logger)
	cfg.Webhooks = d
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { d.Run(ctx) })
	return func() {
		cancel()
		wg.Wait()
	}
}
