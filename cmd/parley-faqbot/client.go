package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/parley-chat/parley/gateway"
)

// errUnauthorized reports that the gateway refused the bot's credential;
// reconnecting would not help.
var errUnauthorized = errors.New("gateway refused the bot's credential")

// client runs the bot against a gateway over WebSocket, reconnecting after
// a drop and resuming every conversation from the last seq it holds.
type client struct {
	cfg Config
	bot *bot
	log *slog.Logger
	// sent, when set, sees every frame written; tests use it.
	sent func(gateway.Frame)
}

func newClient(cfg Config) *client {
	cfg.setDefaults()
	return &client{
		cfg: cfg,
		bot: newBot(cfg.Bot, cfg.FAQ, cfg.PendingWait, cfg.RetryWait, cfg.Logger),
		log: cfg.Logger.With("site", cfg.Site, "bot", cfg.Bot),
	}
}

// run connects and serves until ctx is done, which is a clean exit (nil).
// It returns an error only when reconnecting cannot help.
func (c *client) run(ctx context.Context) error {
	backoff := c.cfg.MinBackoff
	for {
		welcomed, err := c.session(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, errUnauthorized) {
			return err
		}
		if welcomed {
			backoff = c.cfg.MinBackoff
		}
		wait := backoff/2 + rand.N(backoff/2+1)
		backoff = min(2*backoff, c.cfg.MaxBackoff)
		c.log.Warn("disconnected from the gateway; reconnecting", "err", err, "in", wait)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

// wsURL is the gateway's WebSocket endpoint for the bot.
func (c *client) wsURL() string {
	q := url.Values{"site": {c.cfg.Site}, "role": {gateway.RoleBot}}
	return strings.TrimRight(c.cfg.URL, "/") + "/ws?" + q.Encode()
}

// session runs one connection: hello, welcome, then frames until the
// connection drops or ctx is done. welcomed reports that the gateway
// accepted the bot.
func (c *client) session(ctx context.Context) (welcomed bool, err error) {
	dctx, cancel := context.WithTimeout(ctx, c.cfg.DialTimeout)
	defer cancel()
	ws, _, err := websocket.Dial(dctx, c.wsURL(), &websocket.DialOptions{Subprotocols: []string{gateway.Subprotocol}})
	if err != nil {
		return false, fmt.Errorf("dial: %w", err)
	}
	defer ws.CloseNow()
	ws.SetReadLimit(1 << 20)
	if ws.Subprotocol() != gateway.Subprotocol {
		return false, fmt.Errorf("gateway does not speak %s", gateway.Subprotocol)
	}

	hello := gateway.Frame{Type: gateway.TypeHello, Role: gateway.RoleBot, Site: c.cfg.Site,
		Agent: c.cfg.Bot, Secret: c.cfg.Secret, Resume: c.bot.resume()}
	if err := c.write(dctx, ws, hello); err != nil {
		return false, err
	}
	w, err := readFrame(dctx, ws)
	if err != nil {
		return false, fmt.Errorf("waiting for welcome: %w", err)
	}
	switch {
	case w.Type == gateway.TypeError && w.Code == gateway.CodeUnauthorized:
		return false, fmt.Errorf("%w: %s", errUnauthorized, w.Error)
	case w.Type != gateway.TypeWelcome:
		return false, fmt.Errorf("expected welcome, got %s %s %s", w.Type, w.Code, w.Error)
	}
	again := c.bot.welcome(w)
	c.log.Info("connected", "lang", c.bot.lang, "conversations", len(c.bot.convs))
	if err := c.write(ctx, ws, again...); err != nil {
		return true, err
	}
	return true, c.serve(ctx, ws)
}

// serve reads frames and answers them until the connection fails or ctx
// is done, when it closes the connection normally.
func (c *client) serve(ctx context.Context, ws *websocket.Conn) error {
	// The reader outlives ctx until the closing handshake is done: a read
	// cancelled early would drop the connection without a clean close.
	rctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	defer stop()
	in := make(chan gateway.Frame, 64)
	errc := make(chan error, 1)
	go func() {
		for {
			f, err := readFrame(rctx, ws)
			if errors.Is(err, errNotJSON) {
				c.log.Warn("gateway sent a frame that is not JSON")
				continue
			}
			if err != nil {
				errc <- err
				return
			}
			select {
			case in <- f:
			case <-rctx.Done():
				return
			}
		}
	}()

	tick := time.NewTicker(max(50*time.Millisecond, min(c.cfg.PendingWait, c.cfg.RetryWait)/4))
	defer tick.Stop()
	ping := time.NewTicker(c.cfg.PingInterval)
	defer ping.Stop()
	heard := time.Now()
	var pings int64
	for {
		var send []gateway.Frame
		select {
		case <-ctx.Done():
			_ = ws.Close(websocket.StatusNormalClosure, "bot shutting down")
			return nil
		case err := <-errc:
			return fmt.Errorf("read: %w", err)
		case f := <-in:
			heard = time.Now()
			send = c.bot.handle(f, heard)
		case now := <-tick.C:
			send = c.bot.tick(now)
		case now := <-ping.C:
			if now.Sub(heard) > 2*c.cfg.PingInterval {
				return errors.New("gateway went silent")
			}
			pings++
			send = []gateway.Frame{{Type: gateway.TypePing, ID: fmt.Sprintf("ping-%d", pings)}}
		}
		if err := c.write(ctx, ws, send...); err != nil {
			return err
		}
	}
}

// write sends frames, each within the write timeout.
func (c *client) write(ctx context.Context, ws *websocket.Conn, frames ...gateway.Frame) error {
	for _, f := range frames {
		data, err := json.Marshal(f)
		if err != nil {
			return fmt.Errorf("encoding %s frame: %w", f.Type, err)
		}
		wctx, cancel := context.WithTimeout(ctx, c.cfg.WriteTimeout)
		err = ws.Write(wctx, websocket.MessageText, data)
		cancel()
		if err != nil {
			return fmt.Errorf("write: %w", err)
		}
		if f.Type != gateway.TypePing && f.Type != gateway.TypeHello {
			c.log.Debug("sent", "type", f.Type, "conv", f.Conv, "id", f.ID)
		}
		if c.sent != nil {
			c.sent(f)
		}
	}
	return nil
}

// errNotJSON reports a frame that did not decode; the connection goes on.
var errNotJSON = errors.New("frame is not JSON")

// readFrame reads and decodes one frame.
func readFrame(ctx context.Context, ws *websocket.Conn) (gateway.Frame, error) {
	var f gateway.Frame
	_, data, err := ws.Read(ctx)
	if err != nil {
		return f, err
	}
	if err := json.Unmarshal(data, &f); err != nil {
		return f, fmt.Errorf("%w: %w", errNotJSON, err)
	}
	return f, nil
}
