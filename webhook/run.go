package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/parley-chat/parley/session"
)

// recordTimeout bounds storing an attempt's outcome, also after Run's
// context ended.
const recordTimeout = 10 * time.Second

// maxErrorBody is how much of a failed response's body is kept in
// Delivery.LastError.
const maxErrorBody = 256

// Run delivers due deliveries until ctx ends, then waits for the attempts
// in flight to finish (each is bounded by the client's timeout and the
// lease) and returns. Each tick claims at most as many deliveries as there
// are idle workers, so a slow receiver only occupies its worker.
func (d *Dispatcher) Run(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	busy := make(chan struct{}, d.cfg.Workers) // one token per attempt in flight
	freed := make(chan struct{}, 1)
	ticker := time.NewTicker(d.cfg.Poll)
	defer ticker.Stop()
	for {
		if idle := d.cfg.Workers - len(busy); idle > 0 {
			ds, err := d.outbox.ClaimDeliveries(ctx, d.cfg.Now(), d.cfg.Lease, idle)
			if err != nil && ctx.Err() == nil {
				d.log.WarnContext(ctx, "webhook: claim deliveries", "err", err)
			}
			for _, del := range ds {
				busy <- struct{}{} // never blocks: at most idle were claimed
				wg.Go(func() {
					defer func() {
						<-busy
						select {
						case freed <- struct{}{}:
						default:
						}
					}()
					d.deliver(ctx, del)
				})
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		case <-d.wake:
		case <-freed:
		}
	}
}

// deliver makes one attempt and records its outcome. Neither is cut short
// when ctx ends: an attempt that reached the receiver is recorded, so that it
// is not sent again after a restart.
func (d *Dispatcher) deliver(ctx context.Context, del session.Delivery) {
	base := context.WithoutCancel(ctx)
	actx, cancel := context.WithTimeout(base, d.cfg.Lease)
	del = d.attempt(actx, del)
	cancel()

	rctx, cancel := context.WithTimeout(base, recordTimeout)
	defer cancel()
	if err := d.outbox.RecordAttempt(rctx, del); err != nil {
		d.log.WarnContext(ctx, "webhook: record attempt", "delivery", del.ID, "err", err)
	}
}

// attempt posts del to its receiver and returns it updated with the outcome
// and, after a failure, the time of the next attempt.
func (d *Dispatcher) attempt(ctx context.Context, del session.Delivery) session.Delivery {
	del.Attempts++
	rcv, ok := d.receiver(del)
	var status int
	var err error
	if ok {
		status, err = d.post(ctx, rcv, del)
	} else {
		err = fmt.Errorf("no receiver of site %q matches this delivery any more", del.SiteID)
	}
	now := d.cfg.Now()
	del.UpdatedAt = now
	del.LastStatus = status
	if err == nil {
		del.Delivered, del.LastError, del.NextAt = true, "", time.Time{}
		return del
	}
	del.LastError = err.Error()
	if !ok || del.Attempts >= d.cfg.MaxAttempts {
		del.GaveUp, del.NextAt = true, time.Time{}
		d.log.WarnContext(ctx, "webhook: gave up delivery", "delivery", del.ID, "site", del.SiteID,
			"event", del.Event, "attempts", del.Attempts, "err", err)
		return del
	}
	del.NextAt = now.Add(backoff(d.cfg.BaseDelay, d.cfg.MaxDelay, del.Attempts, rand.Float64()))
	d.log.DebugContext(ctx, "webhook: attempt failed", "delivery", del.ID, "site", del.SiteID,
		"attempts", del.Attempts, "next_at", del.NextAt, "err", err)
	return del
}

// post sends one signed request and returns the response status; err is
// nil only for a 2xx answer.
func (d *Dispatcher) post(ctx context.Context, rcv Receiver, del session.Delivery) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rcv.URL, bytes.NewReader(del.Body))
	if err != nil {
		return 0, fmt.Errorf("build request: %w", err)
	}
	ts := d.cfg.Now().Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Parley-Webhook/1")
	req.Header.Set(HeaderEventID, eventID(del.ID))
	req.Header.Set(HeaderEvent, del.Event)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSignature, Sign(rcv.Secret, ts, del.Body))
	resp, err := d.cfg.Client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	head, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp.StatusCode, nil
	}
	msg := "status " + strconv.Itoa(resp.StatusCode)
	if text := printable(head); text != "" {
		msg += ": " + text
	}
	return resp.StatusCode, errors.New(msg)
}

// printable returns b as one trimmed line of valid UTF-8.
func printable(b []byte) string {
	s := strings.ToValidUTF8(string(b), "")
	return strings.Join(strings.Fields(s), " ")
}
