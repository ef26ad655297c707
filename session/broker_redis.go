package session

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Broker timing: how long a receive waits before the connection is checked
// with a PING, and the bounds of the pause between reconnection attempts.
const (
	brokerHealthInterval = 5 * time.Second
	brokerMinBackoff     = 50 * time.Millisecond
	brokerMaxBackoff     = 2 * time.Second
	// brokerMoveAttempts bounds the resubscription of a topic whose Cluster
	// slot moved to another master.
	brokerMoveAttempts = 20
)

// RedisBroker is a Broker over Redis Pub/Sub, for gateways sharing a Redis
// Store. It multiplexes every topic over one Pub/Sub connection (one per
// master on a Cluster, where it uses sharded SSUBSCRIBE and SPUBLISH),
// subscribing to a topic's channel when its first subscriber arrives and
// unsubscribing when the last one leaves. When a connection drops it
// reconnects, resubscribes and calls every affected subscriber with a nil
// payload once the subscription is active again.
type RedisBroker struct {
	client  redis.UniversalClient
	cluster *redis.ClusterClient // nil unless client is a Cluster client
	log     *slog.Logger
	ctx     context.Context // ends when the broker is closed
	stop    context.CancelFunc
	wg      sync.WaitGroup

	mu     sync.Mutex
	shards map[string]*brokerShard // by master address; "" without Cluster
	topics map[string]*brokerTopic
	nextID uint64
	closed bool
}

var _ Broker = (*RedisBroker)(nil)

// brokerShard is one Pub/Sub connection and the goroutine reading it.
type brokerShard struct {
	addr string
	ps   *redis.PubSub
	// sharded tells SSUBSCRIBE (Cluster) from SUBSCRIBE.
	sharded bool
}

// brokerTopic is one subscribed channel and its local subscribers. Fields
// are guarded by RedisBroker.mu.
type brokerTopic struct {
	shard *brokerShard
	subs  map[uint64]func([]byte)
	// active is set once Redis confirmed the subscription; ready is closed
	// then.
	active bool
	ready  chan struct{}
	// stale is set when the connection dropped: on the next confirmation
	// the subscribers are told that events may have been lost.
	stale bool
}

// NewRedisBroker returns a Broker over client's Pub/Sub; logger receives
// connection problems (slog.Default when nil). Close stops it; the caller
// owns and closes client.
func NewRedisBroker(client redis.UniversalClient, logger *slog.Logger) *RedisBroker {
	if logger == nil {
		logger = slog.Default()
	}
	ctx, stop := context.WithCancel(context.Background())
	b := &RedisBroker{
		client: client,
		log:    logger,
		ctx:    ctx,
		stop:   stop,
		shards: make(map[string]*brokerShard),
		topics: make(map[string]*brokerTopic),
	}
	b.cluster, _ = client.(*redis.ClusterClient)
	return b
}

// Publish sends payload to every subscriber of topic on every gateway.
func (b *RedisBroker) Publish(ctx context.Context, topic string, payload []byte) error {
	var err error
	if b.cluster != nil {
		err = b.cluster.SPublish(ctx, topic, payload).Err()
	} else {
		err = b.client.Publish(ctx, topic, payload).Err()
	}
	return redisError("publish", err)
}

// Subscribe calls fn with every payload published to topic until cancel is
// called. It returns once Redis has confirmed the subscription. fn runs on
// the connection's reader, so it must not block, and must not call
// Subscribe, which waits for that reader.
func (b *RedisBroker) Subscribe(ctx context.Context, topic string, fn func(payload []byte)) (func(), error) {
	if fn == nil {
		return nil, errors.New("session: subscribe with a nil func")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	shard, err := b.shardFor(ctx, topic)
	if err != nil {
		return nil, err
	}

	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil, errors.New("session: redis broker closed")
	}
	b.nextID++
	id := b.nextID
	t, ok := b.topics[topic]
	if !ok {
		t = &brokerTopic{shard: shard, subs: make(map[uint64]func([]byte)), ready: make(chan struct{})}
		b.topics[topic] = t
	}
	t.subs[id] = fn
	ready := t.ready
	b.mu.Unlock()

	// The first subscriber sends SUBSCRIBE, outside the lock so that a slow
	// connection does not hold up deliveries. Until Redis confirms it, the
	// topic stays pending even if everyone cancels, so that confirmations
	// and subscriptions never get out of step.
	if !ok {
		if err := shard.subscribe(ctx, topic); err != nil {
			b.abandon(topic, id)
			return nil, redisError("subscribe", err)
		}
	}
	cancel := func() { b.unsubscribe(topic, id) }
	select {
	case <-ready:
		return cancel, nil
	case <-ctx.Done():
		cancel()
		return nil, fmt.Errorf("session: subscribe to %q: %w", topic, ctx.Err())
	case <-b.ctx.Done():
		cancel()
		return nil, errors.New("session: redis broker closed")
	}
}

// shardFor returns the connection that carries topic, starting it if needed.
func (b *RedisBroker) shardFor(ctx context.Context, topic string) (*brokerShard, error) {
	addr := ""
	var node *redis.Client
	if b.cluster != nil {
		var err error
		node, err = b.cluster.MasterForKey(ctx, topic)
		if err != nil {
			return nil, redisError("subscribe", err)
		}
		addr = node.Options().Addr
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, errors.New("session: redis broker closed")
	}
	if sh, ok := b.shards[addr]; ok {
		return sh, nil
	}
	sh := &brokerShard{addr: addr}
	if node != nil {
		sh.ps, sh.sharded = node.SSubscribe(b.ctx), true
	} else {
		sh.ps = b.client.Subscribe(b.ctx)
	}
	b.shards[addr] = sh
	b.wg.Add(1)
	go b.run(sh)
	return sh, nil
}

func (sh *brokerShard) subscribe(ctx context.Context, topic string) error {
	if sh.sharded {
		return sh.ps.SSubscribe(ctx, topic)
	}
	return sh.ps.Subscribe(ctx, topic)
}

func (sh *brokerShard) unsubscribe(ctx context.Context, topic string) error {
	if sh.sharded {
		return sh.ps.SUnsubscribe(ctx, topic)
	}
	return sh.ps.Unsubscribe(ctx, topic)
}

// unsubscribe removes one subscriber; the last one of a confirmed topic
// unsubscribes its channel. A topic whose confirmation is still pending is
// unsubscribed when the confirmation arrives, so that confirmations and
// subscriptions never get out of step.
func (b *RedisBroker) unsubscribe(topic string, id uint64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	t, ok := b.topics[topic]
	if !ok {
		return
	}
	if _, ok := t.subs[id]; !ok {
		return // cancelled before
	}
	delete(t.subs, id)
	if len(t.subs) == 0 && t.active {
		b.dropTopic(topic, t)
	}
}

// abandon removes a subscriber whose SUBSCRIBE could not be sent, and the
// topic with it when nobody else waits for it.
func (b *RedisBroker) abandon(topic string, id uint64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	t, ok := b.topics[topic]
	if !ok {
		return
	}
	delete(t.subs, id)
	if len(t.subs) == 0 && !t.active {
		b.dropTopic(topic, t)
	}
}

// dropTopic unsubscribes an idle topic. The caller holds b.mu.
func (b *RedisBroker) dropTopic(topic string, t *brokerTopic) {
	delete(b.topics, topic)
	if b.closed {
		return
	}
	if err := t.shard.unsubscribe(b.ctx, topic); err != nil {
		// The channel is forgotten by the client either way; the server
		// drops it with the broken connection.
		b.log.Debug("redis broker: unsubscribe failed", "topic", topic, "err", err)
	}
}

// run reads one shard's connection until the broker is closed.
func (b *RedisBroker) run(sh *brokerShard) {
	defer b.wg.Done()
	backoff := brokerMinBackoff
	for b.ctx.Err() == nil {
		msg, err := sh.ps.ReceiveTimeout(b.ctx, brokerHealthInterval)
		if err != nil {
			if b.ctx.Err() != nil {
				return
			}
			var nerr net.Error
			if errors.As(err, &nerr) && nerr.Timeout() {
				// Quiet connection: a PING proves it alive or, by failing,
				// makes the client reconnect and resubscribe.
				if perr := sh.ps.Ping(b.ctx); perr != nil {
					b.connectionLost(sh, perr)
				}
				continue
			}
			var rerr redis.Error
			serverErr := errors.As(err, &rerr)
			if !serverErr {
				b.connectionLost(sh, err)
			}
			select {
			case <-time.After(backoff):
			case <-b.ctx.Done():
				return
			}
			backoff = min(2*backoff, brokerMaxBackoff)
			if serverErr {
				// Redis refused a (re)subscription, for example with
				// CLUSTERDOWN while a restarted node rejoins; the client
				// will not retry it, so the broker does.
				b.retrySubscriptions(sh, err)
			}
			continue
		}
		backoff = brokerMinBackoff
		switch m := msg.(type) {
		case *redis.Subscription:
			b.confirmed(sh, m)
		case *redis.Message:
			b.deliver(m.Channel, m.Payload)
		}
	}
}

// connectionLost marks every topic of the shard stale, so that its
// subscribers hear of the gap once the client has resubscribed.
func (b *RedisBroker) connectionLost(sh *brokerShard, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, t := range b.topics {
		if t.shard == sh && t.active && !t.stale {
			t.stale = true
			n++
		}
	}
	if n > 0 {
		b.log.Warn("redis broker: connection lost; resubscribing", "node", sh.addr, "topics", n, "err", err)
	}
}

// retrySubscriptions sends SUBSCRIBE again for the shard's topics that are
// not confirmed or not confirmed since the connection dropped.
func (b *RedisBroker) retrySubscriptions(sh *brokerShard, cause error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for topic, t := range b.topics {
		if t.shard != sh || (t.active && !t.stale) {
			continue
		}
		if err := sh.subscribe(b.ctx, topic); err != nil {
			b.log.Debug("redis broker: resubscribe failed", "topic", topic, "err", err)
		}
	}
	b.log.Warn("redis broker: Redis refused a subscription; retrying", "node", sh.addr, "err", cause)
}

// confirmed handles a subscription change reported by Redis.
func (b *RedisBroker) confirmed(sh *brokerShard, s *redis.Subscription) {
	var resync []func([]byte)
	b.mu.Lock()
	t, ok := b.topics[s.Channel]
	if ok && t.shard == sh {
		switch s.Kind {
		case "subscribe", "ssubscribe":
			if len(t.subs) == 0 {
				b.dropTopic(s.Channel, t) // everyone left while it was pending
				break
			}
			if !t.active {
				t.active = true
				close(t.ready)
			}
			if t.stale {
				t.stale = false
				for _, fn := range t.subs {
					resync = append(resync, fn)
				}
			}
		case "sunsubscribe":
			// Redis unsubscribes sharded channels whose slot moved to
			// another master: follow the slot.
			if t.active {
				t.active, t.stale, t.ready = false, true, make(chan struct{})
				b.wg.Add(1)
				go b.move(s.Channel, t)
			}
		}
	}
	b.mu.Unlock()
	for _, fn := range resync {
		fn(nil)
	}
}

// move resubscribes a topic through the master that now owns its slot. Its
// subscribers are told that events may have been lost once it is active
// again.
func (b *RedisBroker) move(topic string, t *brokerTopic) {
	defer b.wg.Done()
	b.mu.Lock()
	old := t.shard
	_ = old.unsubscribe(b.ctx, topic) // forget it in the old connection
	b.mu.Unlock()
	backoff := brokerMinBackoff
	for attempt := 0; attempt < brokerMoveAttempts && b.ctx.Err() == nil; attempt++ {
		if b.cluster != nil {
			b.cluster.ReloadState(b.ctx) // learn the slot's new owner
		}
		ctx, cancel := context.WithTimeout(b.ctx, brokerMaxBackoff)
		sh, err := b.shardFor(ctx, topic)
		cancel()
		if err == nil && sh == old {
			err = errors.New("slot map still names the old master")
		}
		if err == nil {
			b.mu.Lock()
			if b.topics[topic] != t {
				b.mu.Unlock()
				return
			}
			t.shard = sh
			b.mu.Unlock()
			if err = sh.subscribe(b.ctx, topic); err == nil {
				return
			}
		}
		b.log.Debug("redis broker: resubscribe after slot move", "topic", topic, "attempt", attempt, "err", err)
		select {
		case <-time.After(backoff):
		case <-b.ctx.Done():
			return
		}
		backoff = min(2*backoff, brokerMaxBackoff)
	}
	b.log.Warn("redis broker: topic lost after its slot moved", "topic", topic)
}

// deliver calls the topic's subscribers with payload.
func (b *RedisBroker) deliver(topic, payload string) {
	b.mu.Lock()
	t, ok := b.topics[topic]
	var few [4]func([]byte) // a topic has a subscriber or two on a node
	fns := few[:0]
	if ok && t.active {
		for _, fn := range t.subs {
			fns = append(fns, fn)
		}
	}
	b.mu.Unlock()
	if len(fns) == 0 {
		return
	}
	p := make([]byte, len(payload))
	copy(p, payload)
	for _, fn := range fns {
		fn(p)
	}
}

// Close unsubscribes everything, closes the Pub/Sub connections and waits
// for their goroutines to end.
func (b *RedisBroker) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	shards := make([]*brokerShard, 0, len(b.shards))
	for _, sh := range b.shards {
		shards = append(shards, sh)
	}
	b.topics = make(map[string]*brokerTopic)
	b.mu.Unlock()

	b.stop()
	var errs []error
	for _, sh := range shards {
		if err := sh.ps.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	b.wg.Wait()
	return errors.Join(errs...)
}
