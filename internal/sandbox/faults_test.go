package sandbox_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/sandbox"
	"github.com/datawald/datawald/internal/sandbox/sandboxtest"
)

func TestFaults_ErrorRateOneAnswersEvery5xxStatusAndCountsThem(t *testing.T) {
	srv := sandbox.NewServer(newFakeVendor(), sandbox.Options{Faults: sandbox.Faults{ErrorRate: 1}, FaultSeed: 11})
	seen := map[int]int{}
	for range 90 {
		rec := serve(srv, http.MethodGet, "/items/1", "")
		seen[rec.Code]++
		assert.JSONEq(t, `{"error":"sandbox injected fault","status":`+itoa(rec.Code)+`}`, rec.Body.String())
	}
	assert.Len(t, seen, 3, "500, 502 and 503 all occur: %v", seen)
	for _, code := range []int{500, 502, 503} {
		assert.Positive(t, seen[code], "status %d", code)
		assert.EqualValues(t, seen[code], srv.Stats().Count("GET /items/{id}", code), "counted under the template")
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestFaults_RateLimitWithoutVendorBodyAnswers429WithRetryAfter(t *testing.T) {
	srv := sandbox.NewServer(newFakeVendor(), sandbox.Options{Faults: sandbox.Faults{RateLimitRate: 1}})
	rec := serve(srv, http.MethodGet, "/items/1", "")
	assert.Equal(t, http.StatusTooManyRequests, rec.Code)
	assert.Equal(t, "1", rec.Header().Get("Retry-After"))
	assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
	assert.EqualValues(t, 1, srv.Stats().Count("GET /items/{id}", 429))
}

func TestFaults_VendorFaultBodyWriterWritesEveryInjectedStatus(t *testing.T) {
	srv := sandbox.NewServer(faultyVendor{newFakeVendor()}, sandbox.Options{Faults: sandbox.Faults{RateLimitRate: 1}})
	rec := serve(srv, http.MethodGet, "/items/1", "")
	assert.Equal(t, http.StatusTooManyRequests, rec.Code)
	assert.Equal(t, "7", rec.Header().Get("Retry-After"))
	assert.JSONEq(t, `{"vendor":"fake","status":429}`, rec.Body.String())

	srv.SetFaults(sandbox.Faults{ErrorRate: 1})
	rec = serve(srv, http.MethodGet, "/items/1", "")
	assert.Contains(t, []int{500, 502, 503}, rec.Code)
	assert.JSONEq(t, `{"vendor":"fake","status":`+itoa(rec.Code)+`}`, rec.Body.String())
}

func TestFaults_FaultedRequestsNeverReachTheVendor(t *testing.T) {
	v := newFakeVendor()
	srv := sandbox.NewServer(v, sandbox.Options{Faults: sandbox.Faults{ErrorRate: 0.5, RateLimitRate: 0.5}})
	for range 20 {
		rec := serve(srv, http.MethodPost, "/items", "")
		assert.NotEqual(t, http.StatusCreated, rec.Code)
	}
	assert.Len(t, v.items, 3, "no POST was handled")
}

func TestFaults_FractionalRatesHoldOverManyRequests(t *testing.T) {
	srv := sandbox.NewServer(newFakeVendor(), sandbox.Options{
		Faults:    sandbox.Faults{ErrorRate: 0.2, RateLimitRate: 0.1},
		FaultSeed: 3,
	})
	const n = 5000
	codes := map[int]int{}
	for range n {
		codes[serve(srv, http.MethodGet, "/items/1", "").Code]++
	}
	share := func(c ...int) float64 {
		s := 0
		for _, x := range c {
			s += codes[x]
		}
		return float64(s) / n
	}
	assert.InDelta(t, 0.2, share(500, 502, 503), 0.03, "%v", codes)
	assert.InDelta(t, 0.1, share(429), 0.03, "%v", codes)
	assert.InDelta(t, 0.7, share(200), 0.03, "%v", codes)
}

func TestFaults_SameSeedGivesTheSameSequence(t *testing.T) {
	run := func() []int {
		srv := sandbox.NewServer(newFakeVendor(), sandbox.Options{Faults: sandbox.Faults{ErrorRate: 0.5}, FaultSeed: 99})
		var out []int
		for range 50 {
			out = append(out, serve(srv, http.MethodGet, "/items/1", "").Code)
		}
		return out
	}
	assert.Equal(t, run(), run())
}

func TestFaults_DropClosesTheConnectionWithoutAResponse(t *testing.T) {
	srv, base := sandboxtest.Start(t, newFakeVendor(), sandbox.Options{})
	// A fresh connection per request: on a reused connection Go's transport
	// may retry the GET behind the client's back.
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	status, _ := getWith(t, client, base+"/items/1")
	require.Equal(t, http.StatusOK, status)

	sandboxtest.SetFaults(t, base, sandbox.Faults{DropRate: 1})
	resp, err := client.Get(base + "/items/1")
	if err == nil {
		resp.Body.Close()
	}
	require.Error(t, err)
	assert.ErrorIs(t, err, io.EOF)
	assert.Equal(t, []sandbox.EndpointCount{
		{Endpoint: "GET /items/{id}", Status: sandbox.StatusDropped, Count: 1},
		{Endpoint: "GET /items/{id}", Status: http.StatusOK, Count: 1},
	}, srv.Stats().Requests)

	// The server keeps serving after a drop.
	sandboxtest.SetFaults(t, base, sandbox.Faults{})
	status, _ = getWith(t, client, base+"/items/1")
	assert.Equal(t, http.StatusOK, status)
}

func TestFaults_DropInProcessAbortsTheHandler(t *testing.T) {
	srv := sandbox.NewServer(newFakeVendor(), sandbox.Options{Faults: sandbox.Faults{DropRate: 1}})
	// httptest.ResponseRecorder cannot be hijacked, so the drop falls back
	// to http.ErrAbortHandler, which net/http turns into a closed connection.
	assert.PanicsWithValue(t, http.ErrAbortHandler, func() { serve(srv, http.MethodGet, "/items/1", "") })
	assert.EqualValues(t, 1, srv.Stats().Count("GET /items/{id}", sandbox.StatusDropped), "counted even so")
}

func TestFaults_LatencyIsAddedToEveryRequest(t *testing.T) {
	const latency = 60 * time.Millisecond
	_, base := sandboxtest.Start(t, newFakeVendor(), sandbox.Options{Faults: sandbox.Faults{Latency: sandbox.Duration(latency)}})
	for _, path := range []string{"/items/1", "/items/404"} {
		start := time.Now()
		get(t, base+path)
		assert.GreaterOrEqual(t, time.Since(start), latency, path)
	}
	start := time.Now()
	get(t, base+"/_sandbox/stats")
	assert.Less(t, time.Since(start), latency, "admin routes get no latency")
}

func TestFaults_ClientGoneDuringLatencyIsCountedAs499(t *testing.T) {
	srv, base := sandboxtest.Start(t, newFakeVendor(), sandbox.Options{Faults: sandbox.Faults{Latency: sandbox.Duration(time.Hour)}})
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/items/1", nil)
	require.NoError(t, err)
	_, err = http.DefaultClient.Do(req)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.EventuallyWithT(t, func(c *assert.CollectT) {
		assert.EqualValues(c, 1, srv.Stats().Count("GET /items/{id}", sandbox.StatusClientClosed))
	}, 2*time.Second, 10*time.Millisecond)
}

func TestFaults_SetAtRunTimeThroughPUTAndReadBackWithGET(t *testing.T) {
	srv, base := sandboxtest.Start(t, newFakeVendor(), sandbox.Options{})
	want := sandbox.Faults{ErrorRate: 0.25, RateLimitRate: 0.5, DropRate: 0.125, Latency: sandbox.Duration(20 * time.Millisecond)}
	sandboxtest.SetFaults(t, base, want)
	assert.Equal(t, want, srv.Faults())

	status, body := get(t, base+"/_sandbox/faults")
	require.Equal(t, http.StatusOK, status)
	assert.JSONEq(t, `{"error_rate":0.25,"rate_limit_rate":0.5,"drop_rate":0.125,"latency":"20ms","slow_rate":0,"slow_latency":"0s"}`, body)

	sandboxtest.SetFaults(t, base, sandbox.Faults{RateLimitRate: 1})
	status, _ = get(t, base+"/items/1")
	assert.Equal(t, http.StatusTooManyRequests, status, "the new faults apply at once")
}

func TestFaults_PUTRejectsInvalidFaultsAndKeepsTheOldOnes(t *testing.T) {
	initial := sandbox.Faults{ErrorRate: 0.1}
	srv := sandbox.NewServer(newFakeVendor(), sandbox.Options{Faults: initial})
	for _, tc := range []struct{ name, body, want string }{
		{"rate above one", `{"error_rate":1.5}`, "error_rate must be between 0 and 1"},
		{"negative rate", `{"drop_rate":-0.1}`, "drop_rate must be between 0 and 1"},
		{"rates summing above one", `{"error_rate":0.6,"rate_limit_rate":0.6}`, "at most 1"},
		{"negative latency", `{"latency":"-5ms"}`, "latency must not be negative"},
		{"latency not a duration", `{"latency":"soon"}`, "parsing duration"},
		{"latency as a number", `{"latency":20}`, "want a string"},
		{"unknown field", `{"errors":0.5}`, "unknown field"},
		{"empty body", ``, "empty body"},
		{"trailing data", `{} {}`, "trailing data"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := serve(srv, http.MethodPut, "/_sandbox/faults", tc.body)
			assert.Equal(t, http.StatusBadRequest, rec.Code)
			var e sandbox.AdminError
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &e))
			assert.Contains(t, e.Error, tc.want)
			assert.Equal(t, initial, srv.Faults())
		})
	}
}

func TestFaults_PUTReplacesEveryField(t *testing.T) {
	srv := sandbox.NewServer(newFakeVendor(), sandbox.Options{Faults: sandbox.Faults{ErrorRate: 0.1, Latency: sandbox.Duration(time.Second)}})
	rec := serve(srv, http.MethodPut, "/_sandbox/faults", `{"drop_rate":0.2}`)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	assert.Equal(t, sandbox.Faults{DropRate: 0.2}, srv.Faults())
}

func TestNewServer_PanicsOnInvalidFaults(t *testing.T) {
	assert.PanicsWithValue(t, "sandbox: invalid faults: error_rate must be between 0 and 1, got 2", func() {
		sandbox.NewServer(newFakeVendor(), sandbox.Options{Faults: sandbox.Faults{ErrorRate: 2}})
	})
}

func TestDuration_RoundTripsAsAGoDurationString(t *testing.T) {
	b, err := json.Marshal(sandbox.Duration(1500 * time.Millisecond))
	require.NoError(t, err)
	assert.JSONEq(t, `"1.5s"`, string(b))
	for in, want := range map[string]time.Duration{`"1.5s"`: 1500 * time.Millisecond, `""`: 0, `null`: 0, `"250us"`: 250 * time.Microsecond} {
		var d sandbox.Duration
		require.NoError(t, json.Unmarshal([]byte(in), &d), in)
		assert.Equal(t, want, time.Duration(d), in)
	}
}

func TestFaults_SlowResponseTakesEffectAlthoughTheClientTimesOut(t *testing.T) {
	v := newFakeVendor()
	srv, base := sandboxtest.Start(t, v, sandbox.Options{Faults: sandbox.Faults{SlowRate: 1, SlowLatency: sandbox.Duration(2 * time.Second)}})
	client := &http.Client{Timeout: 200 * time.Millisecond}
	start := time.Now()
	_, err := client.Post(base+"/items", "application/json", nil)
	require.Error(t, err, "the client gives up waiting")
	assert.Less(t, time.Since(start), time.Second)

	srv.SetFaults(sandbox.Faults{})
	resp, err := http.Get(base + "/items/4")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode, "the item was created although the client saw a timeout: %s", body)
	require.Eventually(t, func() bool {
		return srv.Stats().Count("POST /items", sandbox.StatusClientClosed) == 1
	}, 3*time.Second, 20*time.Millisecond, "the abandoned response is counted as closed by the client")
}

func TestFaults_SlowResponseArrivesAfterTheDelayWithTheVendorsAnswer(t *testing.T) {
	srv := sandbox.NewServer(newFakeVendor(), sandbox.Options{Faults: sandbox.Faults{SlowRate: 1, SlowLatency: sandbox.Duration(100 * time.Millisecond)}})
	start := time.Now()
	rec := serve(srv, http.MethodGet, "/items/1", "")
	assert.GreaterOrEqual(t, time.Since(start), 100*time.Millisecond)
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Contains(t, rec.Body.String(), `"id":1`)
	assert.EqualValues(t, 1, srv.Stats().Count("GET /items/{id}", http.StatusOK))
}

func TestFaults_SlowRateNeedsASlowLatency(t *testing.T) {
	assert.ErrorContains(t, sandbox.Faults{SlowRate: 0.1}.Validate(), "slow_latency")
	assert.ErrorContains(t, sandbox.Faults{SlowRate: 0.6, ErrorRate: 0.6, SlowLatency: 1}.Validate(), "at most 1")
}
