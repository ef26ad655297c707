package webhook

import (
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"time"
)

// Receiver is one endpoint that receives a site's events.
type Receiver struct {
	// URL receives one POST per event.
	URL string
	// Secret signs every request; see Verify.
	Secret string
	// Events lists the event names to send; empty sends all of them.
	Events []string
}

// wants reports whether the receiver subscribes to event.
func (r Receiver) wants(event string) bool {
	return len(r.Events) == 0 || slices.Contains(r.Events, event)
}

// Config configures a Dispatcher. The zero value sends nothing (no sites).
type Config struct {
	// Sites maps a site ID to its receivers. Default none.
	Sites map[string][]Receiver
	// Client sends the requests. Default: a client with a 10 s timeout that
	// does not follow redirects (a redirect counts as a failed attempt).
	Client *http.Client
	// MaxAttempts is how many attempts a delivery gets before it is given
	// up. Default 10.
	MaxAttempts int
	// BaseDelay is the wait after the first failed attempt; it doubles after
	// each further failure, with jitter. Default 1 s.
	BaseDelay time.Duration
	// MaxDelay caps the wait between attempts. Default 10 min.
	MaxDelay time.Duration
	// Lease is how long a claimed delivery is hidden from other dispatchers
	// sharing the outbox, and bounds one attempt: keep it above the
	// client's timeout. Default 1 min.
	Lease time.Duration
	// Poll is how often the outbox is checked for due deliveries. Default
	// 500 ms.
	Poll time.Duration
	// Workers is how many attempts run at once. Default 8.
	Workers int
	// Now tells the time. Default time.Now.
	Now func() time.Time
}

// Defaults of Config.
const (
	defaultTimeout     = 10 * time.Second
	defaultMaxAttempts = 10
	defaultBaseDelay   = time.Second
	defaultMaxDelay    = 10 * time.Minute
	defaultLease       = time.Minute
	defaultPoll        = 500 * time.Millisecond
	defaultWorkers     = 8
)

// withDefaults fills in the zero fields and copies Sites, so that the caller
// may change its map afterwards.
func (c Config) withDefaults() Config {
	sites := make(map[string][]Receiver, len(c.Sites))
	for id, rs := range maps.All(c.Sites) {
		cp := make([]Receiver, len(rs))
		for i, r := range rs {
			r.Events = slices.Clone(r.Events)
			cp[i] = r
		}
		sites[id] = cp
	}
	c.Sites = sites
	if c.Client == nil {
		c.Client = &http.Client{
			Timeout: defaultTimeout,
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
		}
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = defaultMaxAttempts
	}
	if c.BaseDelay <= 0 {
		c.BaseDelay = defaultBaseDelay
	}
	if c.MaxDelay <= 0 {
		c.MaxDelay = defaultMaxDelay
	}
	if c.MaxDelay < c.BaseDelay {
		c.MaxDelay = c.BaseDelay
	}
	if c.Lease <= 0 {
		c.Lease = defaultLease
	}
	if c.Poll <= 0 {
		c.Poll = defaultPoll
	}
	if c.Workers <= 0 {
		c.Workers = defaultWorkers
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// discardLogger is used when New gets no logger.
func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
