package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat.
// Linux fixes it at 100 on every architecture Go supports.
const clockTicks = 100

// proc is one child process whose stdout and stderr go to a log file.
type proc struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
	err  error // exit error, valid once done is closed
}

// startProc starts argv in dir with env added to this process's
// environment; its output goes to <logDir>/<name>.log.
func startProc(name, dir, logDir string, env []string, argv ...string) (*proc, error) {
	logPath := filepath.Join(logDir, name+".log")
	f, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("starting %s: creating log: %w", name, err)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		_ = f.Close()
		close(p.done)
	}()
	return p, nil
}

// exited reports whether the process has ended.
func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM, waits up to grace, then kills.
func (p *proc) stop(grace time.Duration) {
	if p.exited() {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// usage is what one process cost: CPU seconds (user + system) and peak
// resident set size.
type usage struct {
	CPU     time.Duration
	PeakRSS int64 // bytes
}

// sample reads the process's CPU time so far and its peak RSS (VmHWM) from
// /proc while it is still running.
func (p *proc) sample() (usage, error) {
	pid := p.cmd.Process.Pid
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return usage{}, fmt.Errorf("sampling %s: %w", p.name, err)
	}
	// Fields after the command name, which is in parentheses and may hold
	// spaces: state is field 3, utime 14 and stime 15.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return usage{}, fmt.Errorf("sampling %s: unexpected /proc stat %q", p.name, stat)
	}
	fields := strings.Fields(string(stat[i+1:]))
	if len(fields) < 13 {
		return usage{}, fmt.Errorf("sampling %s: short /proc stat %q", p.name, stat)
	}
	ut, err1 := strconv.ParseInt(fields[11], 10, 64)
	st, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return usage{}, fmt.Errorf("sampling %s: parsing utime/stime: %w", p.name, err)
	}
	u := usage{CPU: time.Duration(ut+st) * time.Second / clockTicks}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return usage{}, fmt.Errorf("sampling %s: %w", p.name, err)
	}
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				return usage{}, fmt.Errorf("sampling %s: parsing VmHWM %q: %w", p.name, rest, err)
			}
			u.PeakRSS = kb * 1024
		}
	}
	return u, nil
}

// final is the usage of an ended process, from wait4's rusage.
func (p *proc) final() usage {
	st := p.cmd.ProcessState
	u := usage{CPU: st.UserTime() + st.SystemTime()}
	if ru, ok := st.SysUsage().(*syscall.Rusage); ok {
		u.PeakRSS = ru.Maxrss * 1024 // kilobytes on Linux
	}
	return u
}

// errorLines returns the log lines at level error (logfmt or JSON), at most
// max of them, and how many there were.
func errorLines(path string, max int) ([]string, int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, fmt.Errorf("reading log: %w", err)
	}
	defer f.Close()
	var lines []string
	n := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
	for sc.Scan() {
		l := sc.Text()
		if strings.Contains(l, "level=error") || strings.Contains(l, `"level":"error"`) || strings.Contains(l, "level=fatal") {
			n++
			if len(lines) < max {
				if len(l) > 400 {
					l = l[:400] + "…"
				}
				lines = append(lines, l)
			}
		}
	}
	return lines, n, sc.Err()
}

// waitForLines waits until p has written n address lines to its log (the
// sandbox's JSON objects, the broker's "broker <addr>" line), for processes
// that announce where they listen.
func waitForLines(ctx context.Context, p *proc, n int) ([]string, error) {
	for {
		data, err := os.ReadFile(p.log)
		if err == nil {
			var got []string
			for _, l := range strings.Split(string(data), "\n") {
				if strings.HasPrefix(l, "{") || strings.HasPrefix(l, "broker ") {
					got = append(got, l)
				}
			}
			if len(got) >= n {
				return got[:n], nil
			}
		}
		if p.exited() {
			return nil, fmt.Errorf("waiting for %s: exited early (%v); see %s", p.name, p.err, p.log)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for %s: %w; see %s", p.name, ctx.Err(), p.log)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
