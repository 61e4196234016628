// Package crash holds crash-safety tests: they run the datawald binary as a
// subprocess, kill it with SIGKILL at chosen points and check that nothing
// was lost or committed ahead of processing.
package crash

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	buildOut  []byte
)

// datawaldBinary builds the datawald binary once per test run.
func datawaldBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("crash tests build and run the datawald binary; skipped with -short")
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "datawald-crash-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "datawald")
		cmd := exec.Command("go", "build", "-o", binPath, "github.com/datawald/datawald")
		buildOut, buildErr = cmd.CombinedOutput()
	})
	require.NoError(t, buildErr, "building datawald: %s", buildOut)
	return binPath
}

// process is a running datawald subprocess.
type process struct {
	cmd    *exec.Cmd
	out    *syncBuffer
	exited chan struct{}
}

// startDatawald runs `datawald run <config>` with the config written to dir.
func startDatawald(t *testing.T, dir, config string) *process {
	t.Helper()
	path := filepath.Join(dir, "config.yaml")
	require.NoError(t, os.WriteFile(path, []byte(config), 0o600))
	cmd := exec.Command(datawaldBinary(t), "run", path)
	cmd.Dir = dir
	p := &process{cmd: cmd, out: &syncBuffer{}, exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	require.NoError(t, cmd.Start())
	go func() { _ = cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() { p.kill() })
	return p
}

// kill sends SIGKILL to the subprocess started here and waits for it.
func (p *process) kill() {
	select {
	case <-p.exited:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.exited
}

// stop sends SIGTERM and waits for a graceful exit.
func (p *process) stop(t *testing.T) {
	t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(30 * time.Second):
		p.kill()
		t.Fatalf("datawald did not stop on SIGTERM: %s", p.out.String())
	}
}

// waitFor polls cond until it holds or the process dies or d passes.
func (p *process) waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	for !cond() {
		select {
		case <-p.exited:
			t.Fatalf("datawald exited while waiting for %s: %s", what, p.out.String())
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s; datawald output: %s", what, p.out.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
