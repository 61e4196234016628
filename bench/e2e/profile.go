package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// freeAddr is a loopback address with a port nothing listens on right now,
// for a process whose HTTP server must be reachable at a known address.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("finding a free port: %w", err)
	}
	addr := l.Addr().String()
	return addr, l.Close()
}

// cpuProfile fetches a CPU profile of d from a datawald process serving
// Benthos' debug endpoints at addr and writes it to dir/<name>.cpu.pprof.
// It runs beside the measurement, so its result is only reported.
func cpuProfile(ctx context.Context, name, addr, dir string, d time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, d+30*time.Second)
	defer cancel()
	u := fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", addr, int(d.Seconds()))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("profiling %s: %w", name, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("profiling %s: %s", name, res.Status)
	}
	path := filepath.Join(dir, name+".cpu.pprof")
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("profiling %s: %w", name, err)
	}
	if _, err := io.Copy(f, res.Body); err != nil {
		_ = f.Close()
		return fmt.Errorf("profiling %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("profiling %s: %w", name, err)
	}
	fmt.Printf("  %s CPU profile: %s (go tool pprof -top %s)\n", name, path, path)
	return nil
}
