// Package webhook sends a site's events to its receivers as signed HTTP
// POSTs, at least once: Emit stores each event in a session.Outbox, and Run
// claims due deliveries, posts them from a bounded pool of workers, and
// retries failures with exponential backoff until they succeed or run out of
// attempts. Several gateways may run dispatchers on one shared outbox; a
// delivery is normally sent by one of them only.
package webhook

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/parley-chat/parley/session"
)

// Dispatcher emits events into an outbox and delivers them to receivers.
type Dispatcher struct {
	cfg    Config
	outbox session.Outbox
	log    *slog.Logger
	// wake asks Run to claim at once, after a local Emit.
	wake chan struct{}
}

// New returns a Dispatcher that keeps deliveries in outbox. A nil logger
// discards logs.
func New(cfg Config, outbox session.Outbox, logger *slog.Logger) *Dispatcher {
	if logger == nil {
		logger = discardLogger()
	}
	return &Dispatcher{
		cfg:    cfg.withDefaults(),
		outbox: outbox,
		log:    logger,
		wake:   make(chan struct{}, 1),
	}
}

// envelope is the JSON body of every webhook request.
type envelope struct {
	ID        string `json:"id"`
	Type      string `json:"type"`
	CreatedAt string `json:"created_at"`
	Site      string `json:"site"`
	Data      any    `json:"data"`
}

// Emit records one event of the site for delivery to every receiver that
// subscribes to it, and returns once it is stored: it makes no network call
// to a receiver. It does nothing when no receiver wants the event. Each
// receiver's body carries the same event ID, so that receivers can dedupe.
func (d *Dispatcher) Emit(ctx context.Context, siteID, event string, data any) error {
	var rcvs []Receiver
	for _, r := range d.cfg.Sites[siteID] {
		if r.wants(event) {
			rcvs = append(rcvs, r)
		}
	}
	if len(rcvs) == 0 {
		return nil
	}
	now := d.cfg.Now()
	id := session.NewID()
	body, err := json.Marshal(envelope{
		ID:        id,
		Type:      event,
		CreatedAt: now.UTC().Format(time.RFC3339Nano),
		Site:      siteID,
		Data:      data,
	})
	if err != nil {
		return fmt.Errorf("webhook: encode %s event: %w", event, err)
	}
	seen := make(map[string]bool, len(rcvs))
	var errs []error
	for _, r := range rcvs {
		key := receiverKey(r.URL)
		if seen[key] {
			continue // one delivery per URL, even when it is listed twice
		}
		seen[key] = true
		err := d.outbox.EnqueueDelivery(ctx, session.Delivery{
			ID:        id + "." + key,
			SiteID:    siteID,
			Event:     event,
			Body:      body,
			CreatedAt: now,
			NextAt:    now,
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("webhook: enqueue %s event for site %q: %w", event, siteID, err))
		}
	}
	select {
	case d.wake <- struct{}{}:
	default:
	}
	return errors.Join(errs...)
}

// receiverKey names a receiver inside a delivery ID, so that a delivery
// finds its receiver again even after the site's receivers were reordered.
func receiverKey(url string) string {
	sum := sha256.Sum256([]byte(url))
	return hex.EncodeToString(sum[:8])
}

// eventID returns the event ID part of a delivery ID.
func eventID(deliveryID string) string {
	id, _, _ := strings.Cut(deliveryID, ".")
	return id
}

// receiver returns the configured receiver a delivery is for.
func (d *Dispatcher) receiver(del session.Delivery) (Receiver, bool) {
	_, key, ok := strings.Cut(del.ID, ".")
	if !ok {
		return Receiver{}, false
	}
	for _, r := range d.cfg.Sites[del.SiteID] {
		if receiverKey(r.URL) == key {
			return r, true
		}
	}
	return Receiver{}, false
}
