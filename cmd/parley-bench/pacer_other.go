//go:build !linux

package main

import "time"

// pacer sleeps until points on a clock, with the Go timer's precision.
type pacer struct{ clk clock }

func newPacer(clk clock, _ bool) *pacer { return &pacer{clk: clk} }

// SleepUntil returns when the clock reads t, at once if it has passed.
func (p *pacer) SleepUntil(t int64) {
	if d := t - p.clk.Now(); d > 0 {
		time.Sleep(time.Duration(d))
	}
}

// Stop does nothing.
func (p *pacer) Stop() {}
