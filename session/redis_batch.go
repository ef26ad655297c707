package session

import (
	"context"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// batchTimeout bounds one pipeline of batched script calls, or a lone call
// whose ctx has no deadline; the client's own read and write timeouts
// usually end a failed one sooner.
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

// lead sends what is queued, its caller's call among it. A call alone
// runs on its caller's goroutine with its caller's ctx; several go in one
// pipeline on a goroutine of their own, so that each caller waits only as
// long as its own ctx lets it. Calls that queue up meanwhile go next.
func (b *scriptBatcher) lead(ctx context.Context) {
	batch := b.take()
	if len(batch) == 1 {
		b.exec(ctx, batch)
		if b.more() {
			go b.drain(context.WithoutCancel(ctx))
		}
		return
	}
	go func() {
		ctx := context.WithoutCancel(ctx)
		b.exec(ctx, batch)
		if b.more() {
			b.drain(ctx)
		}
	}()
}

// drain sends the queued calls, batch after batch, until none are left.
func (b *scriptBatcher) drain(ctx context.Context) {
	for range maxDrainRounds {
		b.exec(ctx, b.take())
		if !b.more() {
			return
		}
	}
	go b.drain(ctx) // each loop is bounded: the rest go on in another
}

// maxDrainRounds bounds one drain loop.
const maxDrainRounds = 1 << 16

// take empties the queue.
func (b *scriptBatcher) take() []*scriptCall {
	b.mu.Lock()
	defer b.mu.Unlock()
	batch := b.queue
	b.queue = nil
	return batch
}

// more reports whether calls queued up, and releases the batcher if not.
func (b *scriptBatcher) more() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.busy = len(b.queue) > 0
	return b.busy
}

// exec runs batch, in one pipeline when there are several, and completes
// its calls.
func (b *scriptBatcher) exec(ctx context.Context, batch []*scriptCall) {
	if _, ok := ctx.Deadline(); !ok {
		// A caller's ctx has its own bound, and a timer per message
		// costs; a pipeline's detached ctx needs one.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, batchTimeout)
		defer cancel()
	}
	if len(batch) == 1 {
		c := batch[0]
		c.cmd = b.script.Run(ctx, b.client, c.keys, c.args...)
		close(c.done)
		return
	}
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
