package translatetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// ModesDir is where Debian's apertium language packages install modes.
const ModesDir = "/usr/share/apertium/modes"

// startTimeout bounds how long APY may take to answer /listPairs.
const startTimeout = 60 * time.Second

// missing skips the test when APY is not installed, or fails it when integration tests are required.
func missing(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("PARLEY_REQUIRE_INTEGRATION") == "1" {
		t.Fatalf("integration dependency missing: %s", msg)
	}
	t.Skipf("integration dependency missing (set up apertium-apy and apertium-eng-spa to run): %s", msg)
}

// StartAPY runs apertium-apy on a free port, waits until it lists its pairs and
// returns its base URL on 127.0.0.1. The server (its whole process group)
// is stopped when the test ends.
func StartAPY(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("apertium-apy")
	if err != nil {
		missing(t, "apertium-apy not found in PATH")
	}
	if _, err := os.Stat(ModesDir); err != nil {
		missing(t, "no Apertium modes installed: %v", err)
	}
	port, err := freePort()
	if err != nil {
		t.Fatalf("translatetest: free port: %v", err)
	}
	var out bytes.Buffer
	var outMu sync.Mutex
	cmd := exec.Command(bin, "-p", strconv.Itoa(port), ModesDir)
	// APY is a Python program; make sure the system Python and its
	// packages come first.
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8", "PATH=/usr/bin:/bin:"+os.Getenv("PATH"))
	cmd.Stdout = lockedWriter{&out, &outMu}
	cmd.Stderr = lockedWriter{&out, &outMu}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("translatetest: starting apertium-apy: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	})
	url := "http://127.0.0.1:" + strconv.Itoa(port)
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	for {
		err := ping(ctx, url)
		if err == nil {
			return url
		}
		select {
		case <-exited:
			outMu.Lock()
			defer outMu.Unlock()
			t.Fatalf("translatetest: apertium-apy exited: %s", out.String())
		case <-ctx.Done():
			outMu.Lock()
			defer outMu.Unlock()
			t.Fatalf("translatetest: apertium-apy not ready after %v: %v\n%s", startTimeout, err, out.String())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// ping asks APY for its pairs.
func ping(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/listPairs", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return errors.New(resp.Status)
	}
	return nil
}

// freePort returns a TCP port that was free on loopback a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// lockedWriter serialises writes of the process's two output streams.
type lockedWriter struct {
	b  *bytes.Buffer
	mu *sync.Mutex
}

// Write implements io.Writer.
func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}
