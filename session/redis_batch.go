package session

import (
	"context"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// batchTimeout bounds one pipeline of batched script calls; the client's
// own read and write timeouts usually end a failed one sooner.
const batchTimeout = 10 * time.Second

// scriptBatcher runs the calls of one script made by concurrent callers in
// pipelines: a call made while no pipeline is out goes at once, alone; the
// calls made while one is out wait for it and then go together, in one write
// and one read. Under load a message then costs Redis and the gateway a
// fraction of a round trip (one Redis serves only some 30,000 unpipelined
// round trips a second on two cores), and a lone message waits for nothing.
type scriptBatcher struct {
	client redis.UniversalClient
	script *redis.Script

	mu    sync.Mutex
	queue []*scriptCall
	busy  bool // a pipeline is out
}

// scriptCall is one call waiting for its pipeline.
type scriptCall struct {
	keys []string
	args []any
	cmd  *redis.Cmd // set before done is closed
	done chan struct{}
}

func newScriptBatcher(client redis.UniversalClient, script *redis.Script) *scriptBatcher {
	return &scriptBatcher{client: client, script: script}
}

// run calls the script, in a pipeline with the calls of others when some
// are waiting, and returns its reply; it returns when ctx ends, even if
// the script may still run.
func (b *scriptBatcher) run(ctx context.Context, keys []string, args ...any) *redis.Cmd {
	call := &scriptCall{keys: keys, args: args, done: make(chan struct{})}
	b.mu.Lock()
	b.queue = append(b.queue, call)
	lead := !b.busy
	b.busy = true
	b.mu.Unlock()
	if lead {
		b.lead(ctx)
	}
	select {
	case <-call.done:
		return call.cmd
	case <-ctx.Done():
		cmd := redis.NewCmd(ctx)
		cmd.SetErr(ctx.Err())
		return cmd
	}
}

// lead sends what is queued in one pipeline, then hands what queued up
// meanwhile to a goroutine of its own, so that its caller returns as soon
// as its own reply is in. A call alone in its pipeline runs with its
// caller's ctx; a pipeline of several runs until batchTimeout, each caller
// waiting only as long as its own ctx lets it.
func (b *scriptBatcher) lead(ctx context.Context) {
	b.mu.Lock()
	batch := b.queue
	b.queue = nil
	b.mu.Unlock()
	if len(batch) == 1 {
		c := batch[0]
		c.cmd = b.script.Run(ctx, b.client, c.keys, c.args...)
		close(c.done)
	} else {
		b.exec(context.WithoutCancel(ctx), batch)
	}
	b.mu.Lock()
	more := len(b.queue) > 0
	b.busy = more
	b.mu.Unlock()
	if more {
		go b.lead(context.WithoutCancel(ctx))
	}
}

// exec runs batch in one pipeline and completes its calls.
func (b *scriptBatcher) exec(ctx context.Context, batch []*scriptCall) {
	ctx, cancel := context.WithTimeout(ctx, batchTimeout)
	defer cancel()
	pipe := b.client.Pipeline()
	for _, c := range batch {
		c.cmd = b.script.EvalSha(ctx, pipe, c.keys, c.args...)
	}
	_, _ = pipe.Exec(ctx) // each call's error is in its own cmd
	for _, c := range batch {
		if redis.HasErrorPrefix(c.cmd.Err(), "NOSCRIPT") {
			// Redis lost its scripts (a restart): Run loads it again.
			c.cmd = b.script.Run(ctx, b.client, c.keys, c.args...)
		}
		close(c.done)
	}
}
