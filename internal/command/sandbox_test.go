package command

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/urfave/cli/v2"

	"github.com/datawald/datawald/internal/sandbox"
	"github.com/datawald/datawald/internal/sandbox/sandboxtest"
	"github.com/datawald/datawald/internal/sandbox/seed"
)

func countStatus(st sandbox.Stats, status int) int64 {
	var n int64
	for _, c := range st.Requests {
		if c.Status == status {
			n += c.Count
		}
	}
	return n
}

// runningCommand is `datawald sandbox` running in-process.
type runningCommand struct {
	lines  chan string // everything the command prints, line by line
	done   chan error
	cancel context.CancelFunc
}

// startSandboxCommand runs the sandbox subcommand with args in-process, as
// main does through the Benthos CLI, and stops it when the test ends. The
// output is read continuously so the command never blocks on printing.
func startSandboxCommand(t *testing.T, args ...string) *runningCommand {
	t.Helper()
	pr, pw := io.Pipe()
	app := &cli.App{Name: "datawald", Commands: All(), Writer: pw, ErrWriter: io.Discard}
	ctx, cancel := context.WithCancel(t.Context())
	rc := &runningCommand{lines: make(chan string, 1000), done: make(chan error, 1), cancel: cancel}
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			rc.lines <- sc.Text()
		}
		close(rc.lines)
	}()
	go func() {
		err := app.RunContext(ctx, append([]string{"datawald", "sandbox"}, args...))
		pw.CloseWithError(fmt.Errorf("command returned: %v", err))
		rc.done <- err
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-rc.done:
		case <-time.After(10 * time.Second):
			t.Error("sandbox command did not stop")
		}
	})
	return rc
}

// line returns the next printed line, failing the test when the command
// prints nothing more within ten seconds.
func (rc *runningCommand) line(t *testing.T) string {
	t.Helper()
	select {
	case l, ok := <-rc.lines:
		require.True(t, ok, "the command stopped printing")
		return l
	case <-time.After(10 * time.Second):
		t.Fatal("the command printed nothing for ten seconds")
		return ""
	}
}

func call(t *testing.T, method, url, body string, headers map[string]string) (int, string) {
	t.Helper()
	r := sandboxtest.Do(t, nil, method, url, body, headers)
	return r.Status, string(r.Body)
}

func TestSandboxCommand_PrintsEveryVendorsURLAndCredentialsThatWork(t *testing.T) {
	start := time.Now()
	rc := startSandboxCommand(t, "--base-port", "0", "--json", "--seed", "42")
	var lines []sandboxLine
	for range sandboxVendors {
		var l sandboxLine
		require.NoError(t, json.Unmarshal([]byte(rc.line(t)), &l))
		lines = append(lines, l)
	}
	// The whole start, data generation included, stays under a second
	// (the race detector's slowdown aside).
	if startup := time.Since(start); !raceEnabled {
		assert.Less(t, startup, time.Second, "started in %s", startup)
	}

	seen := map[string]bool{}
	for _, l := range lines {
		require.Regexp(t, `^http://127\.0\.0\.1:\d+$`, l.BaseURL)
		require.NotEmpty(t, l.Credentials, l.Vendor)
		seen[l.Vendor] = true

		vc, ok := vendorClients[l.Vendor]
		require.True(t, ok, "no API client for %s", l.Vendor)
		authorize := vc.authorize(t, l.BaseURL, l.Credentials)
		status, body := doGET(t, l.BaseURL+vc.simpleGET, authorize)
		require.Equal(t, http.StatusOK, status, "%s %s: %s", l.Vendor, vc.simpleGET, body)
		assert.Contains(t, body, vc.wantInBody, l.Vendor)
		status, body = doGET(t, l.BaseURL+vc.simpleGET, func(*http.Request) {})
		assert.Equal(t, http.StatusUnauthorized, status, "%s without credentials: %s", l.Vendor, body)

		st := sandboxtest.Stats(t, l.BaseURL)
		assert.Positive(t, countStatus(st, http.StatusOK), "%s counted the authorized call", l.Vendor)
		assert.Positive(t, countStatus(st, http.StatusUnauthorized), "%s counted the refused call", l.Vendor)
	}
	assert.Len(t, seen, len(sandboxVendors))
}

func TestSandboxCommand_TextOutputListsURLsAndCredentials(t *testing.T) {
	rc := startSandboxCommand(t, "--base-port", "0", "--orders", "50", "--latency", "5ms", "--error-rate", "0.01")
	urlLine := regexp.MustCompile(`^(\w+) (http://127\.0\.0\.1:\d+)$`)
	var header []string
	urls := map[string]string{}
	for {
		l := rc.line(t)
		if strings.HasPrefix(l, "ready in ") {
			break
		}
		header = append(header, l)
		if m := urlLine.FindStringSubmatch(l); m != nil {
			urls[m[1]] = m[2]
		}
	}
	assert.Contains(t, header[0], "seed 1, rate-limit profile vendor, faults error_rate=0.01 rate_limit_rate=0 drop_rate=0 latency=5ms")
	assert.Contains(t, header[1], "50 orders")
	assert.Len(t, urls, len(sandboxVendors))
	if u, ok := urls["hubspot"]; ok {
		assert.Contains(t, strings.Join(header, "\n"), "  access_token: ")
		status, body := call(t, http.MethodGet, u+"/_sandbox/faults", "", nil)
		require.Equal(t, http.StatusOK, status)
		assert.JSONEq(t, `{"error_rate":0.01,"rate_limit_rate":0,"drop_rate":0,"latency":"5ms","slow_rate":0,"slow_latency":"0s"}`, body)
	}
}

func TestSandboxCommand_ListensOnBasePortPlusTheVendorsOffset(t *testing.T) {
	base := freePortRange(t, 4)
	rc := startSandboxCommand(t, "--base-port", fmt.Sprint(base), "--json")
	for range sandboxVendors {
		var l sandboxLine
		require.NoError(t, json.Unmarshal([]byte(rc.line(t)), &l))
		for _, v := range sandboxVendors {
			if v.name == l.Vendor {
				assert.Equal(t, fmt.Sprintf("http://127.0.0.1:%d", base+v.portOffset), l.BaseURL)
			}
		}
	}
}

// freePortRange finds n consecutive free ports.
func freePortRange(t *testing.T, n int) int {
	t.Helper()
	for range 50 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		base := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		if base+n > 65535 {
			continue
		}
		ok := true
		for p := base; p < base+n && ok; p++ {
			l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
			if err != nil {
				ok = false
				continue
			}
			l.Close()
		}
		if ok {
			return base
		}
	}
	t.Fatal("no free port range")
	return 0
}

func TestSandboxCommand_ServesOnlyTheSelectedVendorOnItsOwnAddress(t *testing.T) {
	name := sandboxVendors[0].name
	rc := startSandboxCommand(t, "--vendors", name, "--"+name+"-listen", "127.0.0.1:0", "--base-port", "1", "--json")
	var l sandboxLine
	require.NoError(t, json.Unmarshal([]byte(rc.line(t)), &l))
	assert.Equal(t, name, l.Vendor)
	assert.NotEqual(t, "http://127.0.0.1:1", l.BaseURL, "the listen flag wins over --base-port")
}

func TestSandboxCommand_StopsCleanlyOnSIGTERM(t *testing.T) {
	rc := startSandboxCommand(t, "--base-port", "0", "--json")
	var l sandboxLine
	require.NoError(t, json.Unmarshal([]byte(rc.line(t)), &l))

	require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGTERM))

	select {
	case err := <-rc.done:
		require.NoError(t, err)
		rc.done <- err // for the cleanup
	case <-time.After(10 * time.Second):
		t.Fatal("the command did not stop on SIGTERM")
	}
	_, err := http.Get(l.BaseURL + "/_sandbox/stats")
	assert.Error(t, err, "the simulator no longer listens")
}

func TestSandboxCommand_RejectsBadFlags(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"error rate above one", []string{"--error-rate", "1.5"}, "error_rate must be between 0 and 1"},
		{"rates above one together", []string{"--error-rate", "0.6", "--drop-rate", "0.6"}, "at most 1"},
		{"unknown vendor", []string{"--vendors", "salesforce"}, `unknown simulator "salesforce"`},
		{"unknown profile", []string{"--rate-limit-profile", "fast"}, `"fast" is not one of vendor, none, strict`},
		{"negative orders", []string{"--orders", "-1"}, "--orders: must not be negative"},
		{"too many locations", []string{"--locations", "9"}, "--locations: at most 6"},
		{"bad listen address", []string{"--" + sandboxVendors[0].name + "-listen", "nowhere"}, "missing port"},
		{"port out of range", []string{"--base-port", "70000"}, "not a usable port"},
		{"zero SAP session timeout", []string{"--sapb1-session-timeout", "0s"}, "--sapb1-session-timeout: must be positive"},
		{"negative search lag", []string{"--hubspot-search-lag", "-1s"}, "--hubspot-search-lag: must not be negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app := &cli.App{Name: "datawald", Commands: All(), Writer: io.Discard, ErrWriter: io.Discard}
			err := app.RunContext(t.Context(), append([]string{"datawald", "sandbox", "--base-port", "0"}, tc.args...))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestSandboxCommand_BusyPortFailsNamingTheVendor(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	name := sandboxVendors[0].name
	app := &cli.App{Name: "datawald", Commands: All(), Writer: io.Discard, ErrWriter: io.Discard}
	err = app.RunContext(t.Context(), []string{"datawald", "sandbox", "--vendors", name, "--" + name + "-listen", ln.Addr().String()})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "starting sandbox server for "+name)
}

func TestSandboxCommand_MagentoBearerTokensFlagEnablesStandaloneBearer(t *testing.T) {
	for _, enabled := range []bool{false, true} {
		t.Run(fmt.Sprint(enabled), func(t *testing.T) {
			args := []string{"--vendors", "magento", "--base-port", "0", "--json"}
			if enabled {
				args = append(args, "--magento-bearer-tokens")
			}
			rc := startSandboxCommand(t, args...)
			var l sandboxLine
			require.NoError(t, json.Unmarshal([]byte(rc.line(t)), &l))
			status, body := doGET(t, l.BaseURL+"/rest/default/V1/orders/1", func(r *http.Request) {
				r.Header.Set("Authorization", "Bearer "+l.Credentials["access_token"])
			})
			if enabled {
				assert.Equal(t, http.StatusOK, status, body)
			} else {
				assert.Equal(t, http.StatusUnauthorized, status, body)
			}
		})
	}
}

func TestSandboxCommand_VendorsServeTheSameSKUs(t *testing.T) {
	cat := seed.Generate(seed.Config{Seed: 5})
	cfg := sandboxConfig{host: "127.0.0.1", profile: profileVendor, vendors: sandboxVendors, listen: map[string]string{}}
	running, err := startSandboxes(cfg, cat)
	require.NoError(t, err)
	t.Cleanup(func() { _ = shutdownSandboxes(running) })

	skus := []string{cat.Products[0].SKU, cat.Products[len(cat.Products)/2].SKU, cat.Products[len(cat.Products)-1].SKU}
	var checked []string
	for _, r := range running {
		vc := vendorClients[r.name]
		if vc.productPath == nil {
			continue
		}
		checked = append(checked, r.name)
		authorize := vc.authorize(t, r.baseURL, r.server.Vendor().Credentials())
		for _, sku := range skus {
			status, body := doGET(t, r.baseURL+vc.productPath(sku), authorize)
			require.Equal(t, http.StatusOK, status, "%s product %s: %s", r.name, sku, body)
			var doc map[string]any
			require.NoError(t, json.Unmarshal([]byte(body), &doc))
			assert.Equal(t, sku, jsonField(doc, vc.skuField), "%s product %s", r.name, sku)
		}
	}
	assert.Equal(t, vendorNames(), checked)
}

// jsonField follows a dotted path through decoded JSON objects.
func jsonField(doc map[string]any, path string) any {
	var cur any = doc
	for _, k := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[k]
	}
	return cur
}

func TestSandboxCommand_MutateAndResetReachEveryVendor(t *testing.T) {
	cat := seed.Generate(seed.Config{Seed: 5})
	cfg := sandboxConfig{host: "127.0.0.1", profile: profileVendor, vendors: sandboxVendors, listen: map[string]string{}}
	running, err := startSandboxes(cfg, cat)
	require.NoError(t, err)
	t.Cleanup(func() { _ = shutdownSandboxes(running) })

	var checked []string
	for _, r := range running {
		vc := vendorClients[r.name]
		if vc.mutateEntity == "" {
			continue
		}
		checked = append(checked, r.name)
		res := sandboxtest.Mutate(t, r.baseURL, sandbox.MutateRequest{Entity: vc.mutateEntity, Count: 3, SameSecond: true})
		assert.Len(t, res.Changed, 3, r.name)
		assert.False(t, res.ModifiedAt.IsZero(), r.name)

		status, body := call(t, http.MethodPost, r.baseURL+"/_sandbox/mutate", `{"entity":"no-such-entity","count":1}`, nil)
		assert.Equal(t, http.StatusBadRequest, status, "%s: %s", r.name, body)

		doGET(t, r.baseURL+vc.simpleGET, func(*http.Request) {})
		require.Positive(t, sandboxtest.Stats(t, r.baseURL).Total)
		sandboxtest.Reset(t, r.baseURL)
		assert.Zero(t, sandboxtest.Stats(t, r.baseURL).Total, "%s stats cleared", r.name)
	}
	assert.Equal(t, vendorNames(), checked)
}

func TestSandboxCommand_RateLimitProfilesReachTheVendors(t *testing.T) {
	cat := seed.Generate(seed.Config{Seed: 5, Counts: seed.Counts{Orders: 10}})
	hubspotOnly := []sandboxVendor{sandboxVendors[slices.IndexFunc(sandboxVendors, func(v sandboxVendor) bool { return v.name == "hubspot" })]}
	for _, tc := range []struct {
		profile string
		// firstLimited is the 1-based request that HubSpot's rolling
		// ten-second window refuses first; 0 means none of 150.
		firstLimited int
	}{
		{profileStrict, 21},
		{profileVendor, 101},
		{profileNone, 0},
	} {
		t.Run(tc.profile, func(t *testing.T) {
			cfg := sandboxConfig{host: "127.0.0.1", profile: tc.profile, vendors: hubspotOnly, listen: map[string]string{}}
			running, err := startSandboxes(cfg, cat)
			require.NoError(t, err)
			t.Cleanup(func() { _ = shutdownSandboxes(running) })
			authorize := vendorClients["hubspot"].authorize(t, running[0].baseURL, running[0].server.Vendor().Credentials())
			firstLimited := 0
			for i := 1; i <= 150 && firstLimited == 0; i++ {
				status, body := doGET(t, running[0].baseURL+vendorClients["hubspot"].simpleGET, authorize)
				if status == http.StatusTooManyRequests {
					firstLimited = i
					assert.Contains(t, body, "policyName")
				}
			}
			assert.Equal(t, tc.firstLimited, firstLimited)
		})
	}
}
