package main

import (
	"fmt"

	"github.com/coder/websocket"
	"io"
	"text/tabwriter"
	"time"
)

// durationOf converts clock nanoseconds to a duration.
func durationOf(ns int64) time.Duration { return time.Duration(ns) }

// fmtDur prints a latency in µs below 10 ms and in ms above.
func fmtDur(d time.Duration) string {
	switch {
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.0fµs", float64(d)/float64(time.Microsecond))
	case d < 10*time.Second:
		return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
	}
	return d.Round(time.Millisecond).String()
}

// quantiles are the percentiles every latency table reports.
var quantiles = []struct {
	name string
	q    float64
}{{"p50", 0.50}, {"p90", 0.90}, {"p99", 0.99}, {"p99.9", 0.999}}

// latencyHeader writes the heading of a latency table with extra leading
// columns.
func latencyHeader(w io.Writer, lead string) {
	fmt.Fprint(w, lead)
	for _, q := range quantiles {
		fmt.Fprintf(w, "\t%s", q.name)
	}
	fmt.Fprint(w, "\tmax\tmean\t\n")
}

// latencyRow writes a histogram's percentiles after the given leading cells.
func latencyRow(w io.Writer, lead string, h *histogram) {
	fmt.Fprint(w, lead)
	for _, q := range quantiles {
		fmt.Fprintf(w, "\t%s", fmtDur(h.Quantile(q.q)))
	}
	fmt.Fprintf(w, "\t%s\t%s\t\n", fmtDur(h.Max()), fmtDur(h.Mean()))
}

// runResult is the outcome of a load run.
type runResult struct {
	opts    runOptions
	stats   *runStats
	senders int           // sender goroutines in all
	late    time.Duration // how long after the schedule's end the last send finished
	cpu     cpuUse        // during the measurement window
	dropped map[websocket.StatusCode]int
}

// Print writes the run's results as tables.
func (r *runResult) Print(out io.Writer) {
	o, st := r.opts, r.stats
	secs := o.Duration.Seconds()
	fmt.Fprintf(out, "\nparley-bench run: %d pairs, %g msg/s offered (%g/s each way, %d senders), %v measured after %v warm-up\n\n",
		o.Pairs, o.Rate, o.Rate/2, r.senders, o.Duration, o.Warmup)

	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	latencyHeader(w, "latency from scheduled send\tsent\tdelivered\tlost")
	row := func(name string, sent, recv uint64, h *histogram) {
		lost := int64(sent) - int64(recv)
		latencyRow(w, fmt.Sprintf("%s\t%d\t%d\t%d", name, sent, recv, lost), h)
	}
	row("customer→agent", st.sentC2A.Load(), st.recvC2A.Load(), &st.c2a)
	row("agent→customer", st.sentA2C.Load(), st.recvA2C.Load(), &st.a2c)
	row("both", st.SentTotal(), st.Delivered(), &st.all)
	fmt.Fprintln(w, "\t\t\t\t\t\t\t\t\t\t")
	latencyHeader(w, "other latencies\t\t\t")
	latencyRow(w, "customer→agent from write start\t\t\t", &st.c2aWrite)
	latencyRow(w, "agent→customer from write start\t\t\t", &st.a2cWrite)
	latencyRow(w, "ack to the sender\t\t\t", &st.ack)
	latencyRow(w, "generator lag (schedule→write)\t\t\t", &st.lag)
	w.Flush()

	codes, counts, total := st.ErrorCodes()
	fmt.Fprintf(out, "\ndelivered: %.0f msg/s (offered %g msg/s)\n", float64(st.Delivered())/secs, o.Rate)
	fmt.Fprintf(out, "errors: %d error frames", total)
	for _, c := range codes {
		fmt.Fprintf(out, ", %s=%d", c, counts[c])
	}
	fmt.Fprintf(out, "; %d failed writes\n", st.writeErrs.Load())
	fmt.Fprintf(out, "senders' own messages echoed back to them: %d; deliveries of warm-up messages: %d\n", st.echoes.Load(), st.outside.Load())
	fmt.Fprintf(out, "CPU while measuring: %v\n", r.cpu)
	if len(r.dropped) > 0 {
		fmt.Fprint(out, "warning: connections ended during the run, by close status:")
		for code, n := range r.dropped {
			fmt.Fprintf(out, " %d=%d", int(code), n)
		}
		fmt.Fprintln(out, " (1008 includes clients the gateway found too slow to read; -1 is no close frame)")
	}
	if r.late > 10*time.Millisecond {
		fmt.Fprintf(out, "warning: the senders finished %v behind schedule; the generator could not keep the rate\n", r.late.Round(time.Millisecond))
	}
}
