package session

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// outboxKeep is how many deliveries the stores list per site for Deliveries;
// older finished ones are dropped, older pending ones are still delivered
// but no longer listed.
const outboxKeep = 1000

var (
	_ Outbox = (*Memory)(nil)
	_ Outbox = (*Redis)(nil)
)

// errNoDeliveryID is returned when a delivery to enqueue has no ID.
var errNoDeliveryID = errors.New("session: enqueue delivery without an ID")

// memOutbox is the Memory store's outbox; its zero value is empty and ready,
// and it is guarded by the Memory's mutex.
type memOutbox struct {
	byID    map[string]*memDelivery
	pending map[string]*memDelivery // not finished, by ID
	sites   map[string][]*memDelivery
}

// memDelivery is one stored delivery and when a claim may next return it.
type memDelivery struct {
	d      Delivery
	due    time.Time // NextAt, or the end of the current lease
	listed bool      // still in its site's list
}

func (o *memOutbox) init() {
	if o.byID == nil {
		o.byID = make(map[string]*memDelivery)
		o.pending = make(map[string]*memDelivery)
		o.sites = make(map[string][]*memDelivery)
	}
}

// finished reports whether a delivery needs no more attempts.
func (d Delivery) finished() bool { return d.Delivered || d.GaveUp }

// copyDelivery returns d with its own copy of the body.
func copyDelivery(d Delivery) Delivery {
	d.Body = slices.Clone(d.Body)
	return d
}

// EnqueueDelivery implements Outbox. A zero CreatedAt becomes now, a zero
// NextAt becomes CreatedAt.
func (s *Memory) EnqueueDelivery(ctx context.Context, d Delivery) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d.ID == "" {
		return errNoDeliveryID
	}
	d = copyDelivery(d)
	if d.CreatedAt.IsZero() {
		d.CreatedAt = time.Now()
	}
	if d.UpdatedAt.IsZero() {
		d.UpdatedAt = d.CreatedAt
	}
	if d.finished() {
		d.NextAt = time.Time{}
	} else if d.NextAt.IsZero() {
		d.NextAt = d.CreatedAt
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	o := &s.outbox
	o.init()
	if _, ok := o.byID[d.ID]; ok {
		return nil
	}
	md := &memDelivery{d: d, due: d.NextAt, listed: true}
	o.byID[d.ID] = md
	if !d.finished() {
		o.pending[d.ID] = md
	}
	list := append(o.sites[d.SiteID], md)
	if drop := len(list) - outboxKeep; drop > 0 {
		for _, old := range list[:drop] {
			old.listed = false
			if old.d.finished() {
				delete(o.byID, old.d.ID)
			}
		}
		list = slices.Clone(list[drop:])
	}
	o.sites[d.SiteID] = list
	return nil
}

// ClaimDeliveries implements Outbox.
func (s *Memory) ClaimDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]Delivery, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if limit <= 0 {
		return []Delivery{}, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var due []*memDelivery
	for _, md := range s.outbox.pending {
		if !md.due.After(now) {
			due = append(due, md)
		}
	}
	slices.SortFunc(due, func(a, b *memDelivery) int {
		return cmp.Or(a.due.Compare(b.due), a.d.CreatedAt.Compare(b.d.CreatedAt), cmp.Compare(a.d.ID, b.d.ID))
	})
	if len(due) > limit {
		due = due[:limit]
	}
	out := make([]Delivery, 0, len(due))
	for _, md := range due {
		md.due = now.Add(lease)
		out = append(out, copyDelivery(md.d))
	}
	return out, nil
}

// RecordAttempt implements Outbox. Recording an attempt on a delivery that
// is already finished changes nothing, so that a late report from a worker
// whose lease ran out cannot revive it. A zero UpdatedAt becomes now.
func (s *Memory) RecordAttempt(ctx context.Context, d Delivery) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d.UpdatedAt.IsZero() {
		d.UpdatedAt = time.Now()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o := &s.outbox
	md, ok := o.byID[d.ID]
	if !ok {
		return fmt.Errorf("session: record attempt of delivery %q: %w", d.ID, ErrNotFound)
	}
	if md.d.finished() {
		return nil
	}
	md.d.Attempts = d.Attempts
	md.d.LastStatus = d.LastStatus
	md.d.LastError = d.LastError
	md.d.Delivered = d.Delivered
	md.d.GaveUp = d.GaveUp
	md.d.UpdatedAt = d.UpdatedAt
	if md.d.finished() {
		md.d.NextAt = time.Time{}
		delete(o.pending, d.ID)
		if !md.listed {
			delete(o.byID, d.ID)
		}
		return nil
	}
	md.d.NextAt = d.NextAt
	if md.d.NextAt.IsZero() {
		md.d.NextAt = d.UpdatedAt
	}
	md.due = md.d.NextAt
	return nil
}

// Deliveries implements Outbox; Memory keeps the last 1000 per site. No
// limit applies when limit <= 0.
func (s *Memory) Deliveries(ctx context.Context, siteID string, limit int) ([]Delivery, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	list := s.outbox.sites[siteID]
	out := make([]Delivery, 0, len(list))
	for i := len(list) - 1; i >= 0; i-- {
		out = append(out, copyDelivery(list[i].d))
	}
	s.mu.RUnlock()
	slices.SortStableFunc(out, func(a, b Delivery) int { return b.CreatedAt.Compare(a.CreatedAt) })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}
