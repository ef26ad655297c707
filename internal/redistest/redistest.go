// Package redistest starts real redis-server processes for tests: a single
// server on a free loopback port in a temporary directory, or a small Redis
// Cluster. Everything it starts is stopped when the test ends.
package redistest

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// RequireEnv is the environment variable that turns a missing integration
// dependency from a skipped test into a failed one when set to "1".
const RequireEnv = "PARLEY_REQUIRE_INTEGRATION"

// startTimeout bounds how long a server may take to accept connections.
const startTimeout = 10 * time.Second

// Server is one redis-server process listening on 127.0.0.1.
type Server struct {
	// Addr is the host:port the server listens on.
	Addr string
	// Dir is the server's working directory (AOF, RDB, logs).
	Dir string

	t    testing.TB
	port int
	args []string

	mu  sync.Mutex
	cmd *exec.Cmd
	// exited is closed when the running process has been reaped.
	exited chan struct{}
}

// Binary returns the path of redis-server, or skips (or fails, when
// RequireEnv is set) the test when it is not installed.
func Binary(t testing.TB) string {
	t.Helper()
	return lookup(t, "redis-server")
}

func lookup(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	for _, dir := range []string{"/usr/bin", "/usr/local/bin"} {
		p := filepath.Join(dir, name)
		if _, statErr := os.Stat(p); statErr == nil {
			return p
		}
	}
	msg := fmt.Sprintf("%s not found (install redis-server to run the Redis integration tests): %v", name, err)
	if os.Getenv(RequireEnv) == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// Start runs a redis-server with persistence off (unless extra arguments
// turn it on) in a fresh temporary directory and returns it once it answers
// PING. extra are appended to the command line, for example
// "--appendonly", "yes".
func Start(t testing.TB, extra ...string) *Server {
	t.Helper()
	bin := Binary(t)
	dir := t.TempDir()
	var lastErr error
	for range 5 { // a free port can be taken between probe and bind; retry
		port, err := FreePort(false)
		if err != nil {
			t.Fatalf("redistest: free port: %v", err)
		}
		s := &Server{
			Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
			Dir:  dir,
			t:    t,
			port: port,
		}
		s.args = append([]string{
			"--port", strconv.Itoa(port),
			"--bind", "127.0.0.1",
			"--dir", dir,
			"--save", "",
			"--daemonize", "no",
			"--logfile", "redis.log",
		}, extra...)
		if lastErr = s.start(bin); lastErr == nil {
			t.Cleanup(s.Kill)
			return s
		}
	}
	t.Fatalf("redistest: start redis-server: %v", lastErr)
	return nil
}

func (s *Server) start(bin string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return nil
	}
	cmd := exec.Command(bin, s.args...)
	cmd.Dir = s.Dir
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start: %w", err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	if err := waitReady(s.Addr, exited); err != nil {
		_ = cmd.Process.Kill()
		<-exited
		return fmt.Errorf("%w (log: %s)", err, tail(filepath.Join(s.Dir, "redis.log")))
	}
	s.cmd, s.exited = cmd, exited
	return nil
}

// Restart starts the server again on the same port and directory after Kill
// or Stop, so that it reloads whatever it persisted there.
func (s *Server) Restart() {
	s.t.Helper()
	if err := s.start(Binary(s.t)); err != nil {
		s.t.Fatalf("redistest: restart redis-server on %s: %v", s.Addr, err)
	}
}

// Kill ends the server abruptly with SIGKILL, like a crash. It is a no-op
// when the server is not running.
func (s *Server) Kill() { s.stop(os.Kill) }

// Stop ends the server gracefully with SIGTERM. It is a no-op when the
// server is not running.
func (s *Server) Stop() { s.stop(syscall.SIGTERM) }

func (s *Server) stop(sig os.Signal) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(sig)
	select {
	case <-s.exited:
	case <-time.After(startTimeout):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
	s.cmd, s.exited = nil, nil
}

// waitReady polls addr with PING until it answers PONG, the process exits or
// startTimeout passes.
func waitReady(addr string, exited <-chan struct{}) error {
	deadline := time.Now().Add(startTimeout)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return fmt.Errorf("redis-server on %s exited during start", addr)
		default:
		}
		if ping(addr) == nil {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("redis-server on %s not ready after %v", addr, startTimeout)
}

// ping sends one inline PING and expects +PONG.
func ping(addr string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(time.Second))
	if _, err := conn.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, "+PONG") {
		return fmt.Errorf("unexpected reply %q", strings.TrimSpace(line))
	}
	return nil
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago. With
// bus set it also checks port+10000, which Redis Cluster uses for its bus.
func FreePort(bus bool) (int, error) {
	for range 50 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		port := l.Addr().(*net.TCPAddr).Port
		_ = l.Close()
		if !bus {
			return port, nil
		}
		if port+10000 > 65535 {
			continue
		}
		l2, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port+10000)))
		if err != nil {
			continue
		}
		_ = l2.Close()
		return port, nil
	}
	return 0, fmt.Errorf("no free port pair found")
}

// tail returns the last lines of a log file, for error messages.
func tail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "unavailable"
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > 5 {
		lines = lines[len(lines)-5:]
	}
	return strings.Join(lines, " | ")
}
