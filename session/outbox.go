package session

import (
	"context"
	"time"
)

// Delivery is one webhook event waiting for, or done with, delivery to a
// site's receiver.
type Delivery struct {
	ID         string    `json:"id"` // the event id, unique; receivers dedupe by it
	SiteID     string    `json:"site_id"`
	Event      string    `json:"event"` // such as "message.created"
	Body       []byte    `json:"-"`     // the JSON body to POST
	Attempts   int       `json:"attempts"`
	NextAt     time.Time `json:"next_at,omitzero"` // when the next attempt is due; zero once finished
	LastStatus int       `json:"last_status,omitempty"`
	LastError  string    `json:"last_error,omitempty"`
	Delivered  bool      `json:"delivered"`
	GaveUp     bool      `json:"gave_up"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// Outbox keeps webhook deliveries so that they survive a gateway restart and
// are delivered at least once by whichever node claims them.
type Outbox interface {
	// EnqueueDelivery stores a new delivery, due at d.NextAt (now when zero).
	// Enqueueing an ID that is already stored changes nothing.
	EnqueueDelivery(ctx context.Context, d Delivery) error
	// ClaimDeliveries returns up to limit deliveries due at now, oldest due
	// first, and leases them until now+lease: no other claim returns them
	// before the lease ends or RecordAttempt is called.
	ClaimDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]Delivery, error)
	// RecordAttempt stores the outcome of an attempt: d as the caller updated
	// it (Attempts, LastStatus, LastError, Delivered, GaveUp, NextAt). A
	// delivery neither delivered nor given up is due again at d.NextAt.
	RecordAttempt(ctx context.Context, d Delivery) error
	// Deliveries returns the site's deliveries, newest first, at most limit.
	Deliveries(ctx context.Context, siteID string, limit int) ([]Delivery, error)
}
