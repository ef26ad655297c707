package translate

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the translation metrics, registered once per Registerer.
type metrics struct {
	cache    *prometheus.CounterVec   // result: hit, miss
	chars    *prometheus.CounterVec   // provider
	latency  *prometheus.HistogramVec // provider
	errors   *prometheus.CounterVec   // provider, kind
	breakers *prometheus.GaugeVec     // provider; 0 closed, 1 open, 2 half-open
}

// newMetrics creates the metrics and registers them on reg unless it is
// nil; collectors already registered by another Translator are reused.
func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		cache: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "parley", Subsystem: "translate", Name: "cache_requests_total",
			Help: "Translation cache lookups by result (hit or miss).",
		}, []string{"result"}),
		chars: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "parley", Subsystem: "translate", Name: "characters_total",
			Help: "Characters sent to each translation provider.",
		}, []string{"provider"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "parley", Subsystem: "translate", Name: "provider_duration_seconds",
			Help:    "Latency of translation provider calls.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"provider"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "parley", Subsystem: "translate", Name: "provider_errors_total",
			Help: "Translation provider errors by kind.",
		}, []string{"provider", "kind"}),
		breakers: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "parley", Subsystem: "translate", Name: "breaker_state",
			Help: "Circuit breaker state per provider: 0 closed, 1 open, 2 half-open.",
		}, []string{"provider"}),
	}
	if reg == nil {
		return m, nil
	}
	var err error
	m.cache, err = register(reg, m.cache)
	if err != nil {
		return nil, err
	}
	if m.chars, err = register(reg, m.chars); err != nil {
		return nil, err
	}
	if m.latency, err = register(reg, m.latency); err != nil {
		return nil, err
	}
	if m.errors, err = register(reg, m.errors); err != nil {
		return nil, err
	}
	if m.breakers, err = register(reg, m.breakers); err != nil {
		return nil, err
	}
	return m, nil
}

// register registers c on reg, returning the collector already registered
// under the same description if there is one.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	err := reg.Register(c)
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	return c, err
}
