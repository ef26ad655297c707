package main

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// errRemote refuses a gateway that is not on this machine.
var errRemote = errors.New("not a loopback address (pass -allow-remote to load a remote gateway)")

// target is a validated gateway address.
type target struct {
	base *url.URL // ws:// or wss:// URL with an empty path
	site string
}

// parseTarget validates a gateway URL given as ws://, wss://, http:// or
// https:// host[:port]; unless allowRemote, the host must be a loopback IP or
// "localhost".
func parseTarget(raw, site string, allowRemote bool) (target, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return target{}, fmt.Errorf("gateway url %q: %w", raw, err)
	}
	switch u.Scheme {
	case "ws", "wss":
	case "http":
		u.Scheme = "ws"
	case "https":
		u.Scheme = "wss"
	default:
		return target{}, fmt.Errorf("gateway url %q: scheme must be ws, wss, http or https", raw)
	}
	if u.Host == "" {
		return target{}, fmt.Errorf("gateway url %q: no host", raw)
	}
	if !allowRemote && !isLoopback(u.Hostname()) {
		return target{}, fmt.Errorf("gateway url %q: %w", raw, errRemote)
	}
	if site == "" {
		return target{}, errors.New("site key is empty")
	}
	u.Path, u.RawPath, u.RawQuery, u.Fragment = "", "", "", ""
	return target{base: u, site: site}, nil
}

// isLoopback reports whether host is a loopback IP literal or localhost. It
// resolves nothing.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// wsURL is the WebSocket endpoint for a role at the target's site.
func (t target) wsURL(role string) string {
	u := *t.base
	u.Path = "/ws"
	u.RawQuery = url.Values{"site": {t.site}, "role": {role}}.Encode()
	return u.String()
}

// httpURL is the plain HTTP URL of a path on the gateway.
func (t target) httpURL(path string) string {
	u := *t.base
	if u.Scheme == "wss" {
		u.Scheme = "https"
	} else {
		u.Scheme = "http"
	}
	u.Path = path
	return u.String()
}
