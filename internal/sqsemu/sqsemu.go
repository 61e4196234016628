// Package sqsemu starts a real SQS emulator process on 127.0.0.1 for tests:
// fauxqs (npm, installed with `npm ci --prefix tools/sqs-emulator`), which is
// preferred because it is about ten times faster, or else moto_server (on
// the datawald CI image). Tests that need SQS call Start and
// are skipped, with the reason, where neither can be started.
//
// DATAWALD_SQS_EMULATOR=moto|fauxqs forces one of them; a forced emulator
// that cannot start fails the test instead of skipping it.
package sqsemu

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// Region and static credentials the emulators accept.
const (
	Region    = "us-east-1"
	AccessKey = "test"
	SecretKey = "test"
)

// Emulator is a running SQS emulator.
type Emulator struct {
	// Kind is "moto" or "fauxqs".
	Kind string
	// Endpoint is the base URL, e.g. http://127.0.0.1:41234.
	Endpoint string
}

// Start starts an emulator for the duration of the test.
func Start(t testing.TB) *Emulator {
	t.Helper()
	forced := os.Getenv("DATAWALD_SQS_EMULATOR")
	var reasons []string
	for _, kind := range []string{"fauxqs", "moto"} {
		if forced != "" && forced != kind {
			continue
		}
		args, why := command(kind)
		if args == nil {
			reasons = append(reasons, why)
			continue
		}
		e, err := launch(t, kind, args)
		if err == nil {
			return e
		}
		reasons = append(reasons, fmt.Sprintf("%s: %v", kind, err))
	}
	if forced != "" {
		t.Fatalf("DATAWALD_SQS_EMULATOR=%s cannot be started: %v", forced, reasons)
	}
	t.Skipf("no SQS emulator can be started (install moto_server, or run `npm ci --prefix tools/sqs-emulator`): %v", reasons)
	return nil
}

// command returns the argv (with a %PORT% placeholder) for kind, or nil and
// the reason it is unavailable.
func command(kind string) ([]string, string) {
	switch kind {
	case "moto":
		bin, err := exec.LookPath("moto_server")
		if err != nil {
			return nil, "moto: moto_server not on PATH"
		}
		return []string{bin, "-H", "127.0.0.1", "-p", "%PORT%"}, ""
	case "fauxqs":
		node, err := exec.LookPath("node")
		if err != nil {
			return nil, "fauxqs: node not on PATH"
		}
		dir := ToolDir()
		if _, err := os.Stat(filepath.Join(dir, "node_modules", "fauxqs")); err != nil {
			return nil, "fauxqs: not installed (npm ci --prefix tools/sqs-emulator)"
		}
		return []string{node, filepath.Join(dir, "serve.mjs"), "%PORT%"}, ""
	}
	return nil, "unknown emulator " + kind
}

// ToolDir is the repository's tools/sqs-emulator directory.
func ToolDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "tools", "sqs-emulator")
}

func launch(t testing.TB, kind string, argv []string) (*Emulator, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	args := make([]string, len(argv))
	for i, a := range argv {
		if a == "%PORT%" {
			a = strconv.Itoa(port)
		}
		args[i] = a
	}
	cmd := exec.Command(args[0], args[1:]...)
	var out lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", args[0], err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	stop := func() {
		// The process group is the one started here (Setpgid).
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			break
		}
		select {
		case <-exited:
			return nil, fmt.Errorf("%s exited before listening: %s", kind, out.String())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			stop()
			return nil, fmt.Errorf("%s did not listen on %s within 30s: %s", kind, addr, out.String())
		}
	}
	t.Cleanup(stop)
	return &Emulator{Kind: kind, Endpoint: "http://" + addr}, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Client returns an SQS client for the emulator.
func (e *Emulator) Client() *sqs.Client {
	return sqs.New(sqs.Options{
		Region:       Region,
		BaseEndpoint: aws.String(e.Endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider(AccessKey, SecretKey, ""),
	})
}

// CreateQueue creates a queue and returns the URL the emulator reports
// (fauxqs answers only to its own URL form, never to a path-only URL).
// Names ending in .fifo create FIFO queues with content-based deduplication.
func (e *Emulator) CreateQueue(t testing.TB, name string, attrs map[string]string) string {
	t.Helper()
	a := map[string]string{}
	if len(name) > 5 && name[len(name)-5:] == ".fifo" {
		a["FifoQueue"] = "true"
		a["ContentBasedDeduplication"] = "true"
	}
	for k, v := range attrs {
		a[k] = v
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := e.Client().CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: a})
	if err != nil {
		t.Fatalf("creating sqs queue %s on %s: %v", name, e.Kind, err)
	}
	return aws.ToString(out.QueueUrl)
}

// YAML returns the session fields for a datawald aws_sqs component that
// talks to this emulator, indented for a component body.
func (e *Emulator) YAML(indent string) string {
	return fmt.Sprintf("%[1]sregion: %[2]s\n%[1]sendpoint: %[3]s\n%[1]scredentials:\n%[1]s  id: %[4]s\n%[1]s  secret: %[5]s\n",
		indent, Region, e.Endpoint, AccessKey, SecretKey)
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.b.Len() > 64<<10 {
		return len(p), nil
	}
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// CallCounter counts SQS API calls by action (e.g. "SendMessageBatch").
type CallCounter struct {
	mu     sync.Mutex
	counts map[string]int
}

// Count returns how many calls of action were made.
func (c *CallCounter) Count(action string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.counts[action]
}

// CountingProxy starts a reverse proxy in front of the emulator that counts
// calls by their X-Amz-Target action, and returns an Emulator view whose
// Endpoint is the proxy. Queue URLs are unchanged: the JSON protocol posts
// to the endpoint.
func (e *Emulator) CountingProxy(t testing.TB) (*Emulator, *CallCounter) {
	t.Helper()
	target, err := url.Parse(e.Endpoint)
	if err != nil {
		t.Fatalf("parsing emulator endpoint: %v", err)
	}
	counter := &CallCounter{counts: map[string]int{}}
	rp := httputil.NewSingleHostReverseProxy(target)
	// Long polls cut short by a closing client are expected, not errors.
	rp.ErrorLog = log.New(io.Discard, "", 0)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		action := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "AmazonSQS.")
		counter.mu.Lock()
		counter.counts[action]++
		counter.mu.Unlock()
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return &Emulator{Kind: e.Kind, Endpoint: srv.URL}, counter
}
