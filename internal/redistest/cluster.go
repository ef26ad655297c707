package redistest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Cluster is a Redis Cluster of master-only redis-server processes on
// 127.0.0.1, each in its own temporary directory.
type Cluster struct {
	// Addrs are the masters' host:port addresses.
	Addrs []string
	// Servers are the masters' processes, in the order of Addrs.
	Servers []*Server
}

// StartCluster starts masters redis-server processes with cluster mode on,
// joins them with redis-cli --cluster create (no replicas) and returns once
// every node reports cluster_state:ok. It skips like Start when redis-server
// or redis-cli is missing.
func StartCluster(t testing.TB, masters int) *Cluster {
	t.Helper()
	bin := Binary(t)
	cli := lookup(t, "redis-cli")
	if masters < 3 {
		masters = 3 // redis-cli refuses to create a cluster of fewer masters
	}
	c := &Cluster{}
	for i := range masters {
		var s *Server
		var lastErr error
		for range 5 {
			port, err := FreePort(true)
			if err != nil {
				t.Fatalf("redistest: free port: %v", err)
			}
			dir := filepath.Join(t.TempDir(), "node"+strconv.Itoa(i))
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatalf("redistest: %v", err)
			}
			s = &Server{
				Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
				Dir:  dir,
				t:    t,
				port: port,
				args: []string{
					"--port", strconv.Itoa(port),
					"--bind", "127.0.0.1",
					"--dir", dir,
					"--save", "",
					"--appendonly", "no",
					"--daemonize", "no",
					"--logfile", "redis.log",
					"--cluster-enabled", "yes",
					"--cluster-config-file", "nodes.conf",
					"--cluster-node-timeout", "5000",
				},
			}
			if lastErr = s.start(bin); lastErr == nil {
				break
			}
			s = nil
		}
		if s == nil {
			t.Fatalf("redistest: start cluster node: %v", lastErr)
		}
		t.Cleanup(s.Kill)
		c.Servers = append(c.Servers, s)
		c.Addrs = append(c.Addrs, s.Addr)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	args := append([]string{"--cluster", "create"}, c.Addrs...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	out, err := exec.CommandContext(ctx, cli, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("redistest: redis-cli --cluster create: %v: %s", err, out)
	}
	if err := c.waitOK(ctx, cli); err != nil {
		t.Fatalf("redistest: %v", err)
	}
	return c
}

// waitOK polls CLUSTER INFO on every node until all say cluster_state:ok and
// know every slot.
func (c *Cluster) waitOK(ctx context.Context, cli string) error {
	for {
		ok := true
		for _, s := range c.Servers {
			host, port, _ := net.SplitHostPort(s.Addr)
			out, err := exec.CommandContext(ctx, cli, "-h", host, "-p", port, "cluster", "info").Output()
			if err != nil || !strings.Contains(string(out), "cluster_state:ok") ||
				!strings.Contains(string(out), "cluster_slots_ok:16384") {
				ok = false
				break
			}
		}
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("cluster not ok: %w", ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}
