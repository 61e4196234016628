package sandbox_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/sandbox"
	"github.com/datawald/datawald/internal/sandbox/sandboxtest"
)

// get performs a GET and returns the status and body.
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	return getWith(t, http.DefaultClient, url)
}

func getWith(t *testing.T, c *http.Client, url string) (int, string) {
	t.Helper()
	resp, err := c.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

func TestServer_CountsRequestsByEndpointTemplateAndStatus(t *testing.T) {
	srv, base := sandboxtest.Start(t, newFakeVendor(), sandbox.Options{})

	for _, path := range []string{"/items/1", "/items/2", "/items/99", "/items/x", "/nowhere"} {
		get(t, base+path)
	}
	resp, err := http.Post(base+"/items", "application/json", nil)
	require.NoError(t, err)
	resp.Body.Close()

	st := srv.Stats()
	assert.Equal(t, []sandbox.EndpointCount{
		{Endpoint: "(unmatched)", Status: 404, Count: 1},
		{Endpoint: "GET /items/{id}", Status: 200, Count: 2},
		{Endpoint: "GET /items/{id}", Status: 400, Count: 1},
		{Endpoint: "GET /items/{id}", Status: 404, Count: 1},
		{Endpoint: "POST /items", Status: 201, Count: 1},
	}, st.Requests)
	assert.EqualValues(t, 6, st.Total)
	assert.EqualValues(t, 4, st.EndpointTotal("GET /items/{id}"))
	assert.Zero(t, st.Count("GET /items/{id}", sandbox.StatusDropped), "no status 0 among them")
	assert.EqualValues(t, 2, st.Count("GET /items/{id}", 200))
	assert.Equal(t, st, sandboxtest.Stats(t, base), "GET /_sandbox/stats serves the same numbers")
}

func TestServer_StatsStayBoundedByTemplatesNotPaths(t *testing.T) {
	srv := sandbox.NewServer(newFakeVendor(), sandbox.Options{})
	for i := range 5000 {
		rec := serve(srv, http.MethodGet, fmt.Sprintf("/items/%d", i), "")
		require.Contains(t, []int{200, 404}, rec.Code)
	}
	st := srv.Stats()
	assert.Len(t, st.Requests, 2, "one entry per template and status: %v", st.Requests)
	assert.EqualValues(t, 5000, st.Total)
}

func TestServer_MaxConcurrencyIsTheHighWaterMarkOfRequestsInFlight(t *testing.T) {
	v := newFakeVendor()
	srv, base := sandboxtest.Start(t, v, sandbox.Options{})
	var wg sync.WaitGroup
	for range 5 {
		wg.Go(func() {
			status, _ := get(t, base+"/slow")
			assert.Equal(t, http.StatusNoContent, status)
		})
	}
	for range 5 {
		<-v.entered
	}
	close(v.release)
	wg.Wait()
	get(t, base+"/items/1") // one more, alone
	st := srv.Stats()
	assert.EqualValues(t, 5, st.MaxConcurrency)
	assert.EqualValues(t, 5, st.Count("GET /slow", http.StatusNoContent))
}

func TestServer_AdminRoutesAreNeitherCountedNorFaulted(t *testing.T) {
	srv, base := sandboxtest.Start(t, newFakeVendor(), sandbox.Options{Faults: sandbox.Faults{ErrorRate: 1}})
	for range 3 {
		st := sandboxtest.Stats(t, base)
		assert.Zero(t, st.Total)
	}
	sandboxtest.Mutate(t, base, sandbox.MutateRequest{Entity: "items", IDs: []string{"1"}})
	status, _ := get(t, base+"/_sandbox/faults")
	assert.Equal(t, http.StatusOK, status)
	status, _ = get(t, base+"/_sandbox/nothing-here")
	assert.Equal(t, http.StatusNotFound, status)
	assert.Zero(t, srv.Stats().Total)
	assert.Zero(t, srv.Stats().MaxConcurrency)
}

func TestServer_ResetRestoresDataAndClearsStats(t *testing.T) {
	v := newFakeVendor()
	srv, base := sandboxtest.Start(t, v, sandbox.Options{})
	sandboxtest.Mutate(t, base, sandbox.MutateRequest{Entity: "items", IDs: []string{"2"}, Set: map[string]any{"name": "zwei"}})
	_, body := get(t, base+"/items/2")
	require.Contains(t, body, "zwei")

	sandboxtest.Reset(t, base)

	assert.Equal(t, "two", v.item(2))
	assert.Zero(t, srv.Stats().Total)
	assert.Empty(t, srv.Stats().Requests)
	assert.Zero(t, srv.Stats().MaxConcurrency)
	assert.Equal(t, 2, v.resets, "one Reset at construction, one from the route")
}

func TestServer_ResetAnswers204AndRejectsGET(t *testing.T) {
	srv := sandbox.NewServer(newFakeVendor(), sandbox.Options{})
	assert.Equal(t, http.StatusNoContent, serve(srv, http.MethodPost, "/_sandbox/reset", "").Code)
	assert.Equal(t, http.StatusMethodNotAllowed, serve(srv, http.MethodGet, "/_sandbox/reset", "").Code)
}

func TestServer_StartTwiceFailsAndCloseIsIdempotentBeforeStart(t *testing.T) {
	srv := sandbox.NewServer(newFakeVendor(), sandbox.Options{})
	require.NoError(t, srv.Close(), "closing a server never started")
	base, err := srv.Start("127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Close() })
	assert.True(t, strings.HasPrefix(base, "http://127.0.0.1:"), base)
	_, err = srv.Start("127.0.0.1:0")
	assert.ErrorContains(t, err, "already started")
}

func TestServer_StartOnABusyAddressNamesTheVendor(t *testing.T) {
	_, base := sandboxtest.Start(t, newFakeVendor(), sandbox.Options{})
	_, err := sandbox.NewServer(newFakeVendor(), sandbox.Options{}).Start(strings.TrimPrefix(base, "http://"))
	assert.ErrorContains(t, err, "starting sandbox server for fake")
}

func TestServer_ShutdownWaitsForRequestsInFlight(t *testing.T) {
	v := newFakeVendor()
	srv, base := sandboxtest.Start(t, v, sandbox.Options{})
	done := make(chan int)
	go func() {
		status, _ := get(t, base+"/slow")
		done <- status
	}()
	<-v.entered
	shut := make(chan error)
	go func() { shut <- srv.Shutdown(t.Context()) }()
	close(v.release)
	assert.Equal(t, http.StatusNoContent, <-done)
	assert.NoError(t, <-shut)
}

func TestServer_HandlerThatWritesNothingIsCountedAs200(t *testing.T) {
	srv := sandbox.NewServer(newFakeVendor(), sandbox.Options{})
	assert.Equal(t, http.StatusOK, serve(srv, http.MethodGet, "/silent", "").Code)
	assert.EqualValues(t, 1, srv.Stats().Count("GET /silent", http.StatusOK))
}

func TestServer_PanickingHandlerIsCountedAsDroppedAndStillPanics(t *testing.T) {
	srv := sandbox.NewServer(newFakeVendor(), sandbox.Options{})
	assert.PanicsWithValue(t, "vendor bug", func() { serve(srv, http.MethodGet, "/panic", "") })
	st := srv.Stats()
	assert.EqualValues(t, 1, st.Count("GET /panic", sandbox.StatusDropped))
	assert.EqualValues(t, 1, st.Total)
}
