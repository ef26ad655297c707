package session

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// The Redis outbox keeps every key under one hash tag, {outbox}, so that its
// scripts run on a single Cluster slot: the whole outbox of a deployment
// lives on one Cluster node. That is acceptable for webhook traffic, which is
// a few writes per chat event.
//
//	PREFIX:{outbox}:due      sorted set of pending delivery IDs by due time
//	                         (the next attempt, or the end of a lease), ms
//	PREFIX:{outbox}:d:ID     hash of one delivery
//	PREFIX:{outbox}:s:SITE   sorted set of a site's delivery IDs by creation
//	                         time, the newest outboxKeep of them
//
// A finished delivery's hash expires outboxRetention after it finished; a
// site's list expires outboxRetention after its last enqueue, and entries
// whose hash expired are dropped when Deliveries meets them.

// outboxRetention is how long finished deliveries are kept.
const outboxRetention = 7 * 24 * time.Hour

// outboxTag returns the prefix of every outbox key.
func (k redisKeys) outboxTag() string { return k.prefix + ":{outbox}" }

// outboxDue is the sorted set of pending deliveries by due time.
func (k redisKeys) outboxDue() string { return k.outboxTag() + ":due" }

// outboxDeliveryPrefix starts every delivery hash key; the ID follows.
func (k redisKeys) outboxDeliveryPrefix() string { return k.outboxTag() + ":d:" }

// outboxDelivery is the hash of one delivery.
func (k redisKeys) outboxDelivery(id string) string { return k.outboxDeliveryPrefix() + id }

// outboxSite is the sorted set of a site's deliveries by creation time.
func (k redisKeys) outboxSite(siteID string) string { return k.outboxTag() + ":s:" + siteID }

// scriptEnqueueDelivery stores a new delivery unless its ID is stored.
// KEYS: delivery, due, site list. ARGV: id, site, event, body, attempts,
// next, status, error, delivered, gave up, created, updated, keep,
// retention ms, delivery key prefix.
var scriptEnqueueDelivery = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return {'dup'} end
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'site', ARGV[2], 'event', ARGV[3], 'body', ARGV[4],
  'n', ARGV[5], 'next', ARGV[6], 'status', ARGV[7], 'err', ARGV[8], 'ok', ARGV[9], 'gaveup', ARGV[10],
  'created', ARGV[11], 'updated', ARGV[12])
if ARGV[9] == '1' or ARGV[10] == '1' then
  redis.call('PEXPIRE', KEYS[1], ARGV[14])
else
  redis.call('ZADD', KEYS[2], ARGV[6], ARGV[1])
end
redis.call('ZADD', KEYS[3], ARGV[11], ARGV[1])
local n = redis.call('ZCARD', KEYS[3])
local drop = n - tonumber(ARGV[13])
if drop > 0 then
  for _, id in ipairs(redis.call('ZRANGE', KEYS[3], 0, drop - 1)) do
    local k = ARGV[15] .. id
    if redis.call('HGET', k, 'ok') == '1' or redis.call('HGET', k, 'gaveup') == '1' then
      redis.call('DEL', k)
    end
  end
  redis.call('ZREMRANGEBYRANK', KEYS[3], 0, drop - 1)
end
redis.call('PEXPIRE', KEYS[3], ARGV[14])
return {'ok'}
`)

// scriptClaimDeliveries leases the oldest due deliveries and returns them.
// KEYS: due. ARGV: now, lease end, limit, delivery key prefix.
var scriptClaimDeliveries = redis.NewScript(`
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local out = {'ok'}
for _, id in ipairs(ids) do
  local h = redis.call('HGETALL', ARGV[4] .. id)
  if #h == 0 then
    redis.call('ZREM', KEYS[1], id)
  else
    redis.call('ZADD', KEYS[1], ARGV[2], id)
    out[#out + 1] = h
  end
end
return out
`)

// scriptRecordAttempt stores an attempt's outcome and re-schedules or
// finishes the delivery; a finished delivery is left as it is.
// KEYS: delivery, due. ARGV: id, attempts, status, error, delivered, gave
// up, next, updated, retention ms.
var scriptRecordAttempt = redis.NewScript(`
local st = redis.call('HMGET', KEYS[1], 'id', 'ok', 'gaveup')
if not st[1] then return {'notfound'} end
if st[2] == '1' or st[3] == '1' then return {'ok'} end
local fin = ARGV[5] == '1' or ARGV[6] == '1'
local nxt = ARGV[7]
if fin then nxt = '' end
redis.call('HSET', KEYS[1], 'n', ARGV[2], 'status', ARGV[3], 'err', ARGV[4], 'ok', ARGV[5],
  'gaveup', ARGV[6], 'next', nxt, 'updated', ARGV[8])
if fin then
  redis.call('ZREM', KEYS[2], ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ARGV[9])
else
  redis.call('ZADD', KEYS[2], ARGV[7], ARGV[1])
end
return {'ok'}
`)

// flag renders a boolean as a script argument.
func flag(b bool) string {
	if b {
		return "1"
	}
	return ""
}

// decodeDelivery turns a delivery hash into a Delivery; ok is false when the
// hash is empty or has no ID.
func decodeDelivery(h map[string]string) (Delivery, bool) {
	if h["id"] == "" {
		return Delivery{}, false
	}
	n, _ := strconv.Atoi(h["n"])
	status, _ := strconv.Atoi(h["status"])
	return Delivery{
		ID:         h["id"],
		SiteID:     h["site"],
		Event:      h["event"],
		Body:       []byte(h["body"]),
		Attempts:   n,
		NextAt:     parseMS(h["next"]),
		LastStatus: status,
		LastError:  h["err"],
		Delivered:  h["ok"] == "1",
		GaveUp:     h["gaveup"] == "1",
		CreatedAt:  parseMS(h["created"]),
		UpdatedAt:  parseMS(h["updated"]),
	}, true
}

// EnqueueDelivery stores a new delivery unless its ID is stored. A zero
// CreatedAt becomes now, a zero NextAt becomes CreatedAt; times are kept to
// the millisecond.
func (r *Redis) EnqueueDelivery(ctx context.Context, d Delivery) error {
	if d.ID == "" {
		return errNoDeliveryID
	}
	if d.CreatedAt.IsZero() {
		d.CreatedAt = now()
	}
	if d.UpdatedAt.IsZero() {
		d.UpdatedAt = d.CreatedAt
	}
	if d.NextAt.IsZero() {
		d.NextAt = d.CreatedAt
	}
	next := msString(d.NextAt)
	if d.finished() {
		next = ""
	}
	_, _, err := r.run(ctx, "enqueue delivery", scriptEnqueueDelivery,
		[]string{r.keys.outboxDelivery(d.ID), r.keys.outboxDue(), r.keys.outboxSite(d.SiteID)},
		d.ID, d.SiteID, d.Event, d.Body, d.Attempts, next, d.LastStatus, d.LastError,
		flag(d.Delivered), flag(d.GaveUp), msString(d.CreatedAt), msString(d.UpdatedAt),
		outboxKeep, outboxRetention.Milliseconds(), r.keys.outboxDeliveryPrefix())
	return err
}

// ClaimDeliveries leases up to limit due deliveries in one script, so that
// concurrent claims from any number of gateways never return the same one.
func (r *Redis) ClaimDeliveries(ctx context.Context, at time.Time, lease time.Duration, limit int) ([]Delivery, error) {
	if limit <= 0 {
		return []Delivery{}, nil
	}
	arr, _, err := r.run(ctx, "claim deliveries", scriptClaimDeliveries,
		[]string{r.keys.outboxDue()},
		msString(at), msString(at.Add(lease)), limit, r.keys.outboxDeliveryPrefix())
	if err != nil {
		return nil, err
	}
	out := make([]Delivery, 0, len(arr)-1)
	for _, v := range arr[1:] {
		if d, ok := decodeDelivery(replyPairs(v)); ok {
			out = append(out, d)
		}
	}
	return out, nil
}

// RecordAttempt stores an attempt's outcome. Recording an attempt on a
// delivery that is already finished changes nothing, so that a late report
// from a worker whose lease ran out cannot revive it. A zero UpdatedAt
// becomes now.
func (r *Redis) RecordAttempt(ctx context.Context, d Delivery) error {
	if d.ID == "" {
		return fmt.Errorf("session: record attempt of a delivery without an ID: %w", ErrNotFound)
	}
	if d.UpdatedAt.IsZero() {
		d.UpdatedAt = now()
	}
	if d.NextAt.IsZero() {
		d.NextAt = d.UpdatedAt
	}
	_, _, err := r.run(ctx, "record attempt", scriptRecordAttempt,
		[]string{r.keys.outboxDelivery(d.ID), r.keys.outboxDue()},
		d.ID, d.Attempts, d.LastStatus, d.LastError, flag(d.Delivered), flag(d.GaveUp),
		msString(d.NextAt), msString(d.UpdatedAt), outboxRetention.Milliseconds())
	return err
}

// deliveriesPage is how many deliveries Deliveries reads per round trip.
const deliveriesPage = 100

// Deliveries returns the site's deliveries, newest first; Redis keeps the
// last 1000 per site, finished ones for 7 days. No limit applies when
// limit <= 0.
func (r *Redis) Deliveries(ctx context.Context, siteID string, limit int) ([]Delivery, error) {
	list := r.keys.outboxSite(siteID)
	out := []Delivery{}
	start := int64(0)
	for range outboxKeep/deliveriesPage + 2 {
		ids, err := r.client.ZRevRange(ctx, list, start, start+deliveriesPage-1).Result()
		if err != nil {
			return nil, redisError("deliveries", err)
		}
		if len(ids) == 0 {
			return out, nil
		}
		pipe := r.client.Pipeline()
		cmds := make([]*redis.MapStringStringCmd, len(ids))
		for i, id := range ids {
			cmds[i] = pipe.HGetAll(ctx, r.keys.outboxDelivery(id))
		}
		if _, err := pipe.Exec(ctx); err != nil {
			return nil, redisError("deliveries", err)
		}
		var gone []any
		for i, cmd := range cmds {
			d, ok := decodeDelivery(cmd.Val())
			if !ok {
				gone = append(gone, ids[i])
				continue
			}
			out = append(out, d)
			if limit > 0 && len(out) >= limit {
				return out, nil
			}
		}
		if len(ids) < deliveriesPage {
			if len(gone) > 0 {
				r.client.ZRem(ctx, list, gone...) // best effort cleanup of expired ones
			}
			return out, nil
		}
		start += deliveriesPage
		if len(gone) > 0 && r.client.ZRem(ctx, list, gone...).Err() == nil {
			start -= int64(len(gone)) // the later ones moved up
		}
	}
	return out, nil
}
