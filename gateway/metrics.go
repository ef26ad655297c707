package gateway

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the gateway's Prometheus series.
type metrics struct {
	conns         *prometheus.GaugeVec
	framesIn      *prometheus.CounterVec
	framesOut     prometheus.Counter
	errors        *prometheus.CounterVec
	refused       *prometheus.CounterVec
	slow          prometheus.Counter
	publishErrors prometheus.Counter
	assigned      prometheus.Counter
	messages      *prometheus.CounterVec
	conversations prometheus.Counter
	pending       prometheus.Counter
	storeSeconds  prometheus.Histogram
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		conns: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "parley_connections", Help: "Open WebSocket connections by role.",
		}, []string{"role"}),
		framesIn: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parley_frames_received_total", Help: "Valid client frames by type.",
		}, []string{"type"}),
		framesOut: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "parley_frames_sent_total", Help: "Frames written to clients.",
		}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parley_errors_total", Help: "Error frames sent, by code.",
		}, []string{"code"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parley_connections_refused_total", Help: "Connections refused at handshake or hello, by reason.",
		}, []string{"reason"}),
		slow: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "parley_slow_clients_total", Help: "Connections closed because they did not read their frames.",
		}),
		publishErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "parley_publish_errors_total", Help: "Events the broker failed to publish (recovered from the store).",
		}),
		assigned: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "parley_assignments_total", Help: "Conversations assigned by routing.",
		}),
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parley_messages_total", Help: "Chat messages stored, by sender role.",
		}, []string{"role"}),
		conversations: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "parley_conversations_total", Help: "Conversations started.",
		}),
		pending: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "parley_translations_late_total", Help: "Messages delivered before their translation, which followed.",
		}),
		storeSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "parley_message_store_seconds",
			Help:    "Time from handing a chat message to the store to its answer (with Redis: the round trip of the script that stores and publishes it).",
			Buckets: []float64{50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2.5e-3, 5e-3, 10e-3, 25e-3, 50e-3, 100e-3, 250e-3, 1},
		}),
	}
	reg.MustRegister(m.conns, m.framesIn, m.framesOut, m.errors, m.refused, m.slow,
		m.publishErrors, m.assigned, m.messages, m.conversations, m.pending, m.storeSeconds)
	return m
}

// Metric returns the current value of one of the gateway's counters or
// gauges, or the number of observations of a histogram, summed over label
// values.
func (s *Server) Metric(name string) (float64, error) {
	families, err := s.cfg.Registry.Gather()
	if err != nil {
		return 0, err
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		var sum float64
		for _, m := range f.GetMetric() {
			sum += m.GetCounter().GetValue() + m.GetGauge().GetValue() + float64(m.GetHistogram().GetSampleCount())
		}
		return sum, nil
	}
	return 0, fmt.Errorf("gateway: no metric %q", name)
}
