package outputs

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/hubspot"
	"github.com/datawald/datawald/internal/sandbox"
	sbhubspot "github.com/datawald/datawald/internal/sandbox/hubspot"
	"github.com/datawald/datawald/internal/synctask"
)

// hubspotProxy sits between the output and the simulator, for what the
// simulator cannot stage on its own at the right moment: before forwarding
// a request, before may act on HubSpot or answer in its place (returning
// true); after may rewrite a forwarded answer's body.
type hubspotProxy struct {
	before func(w http.ResponseWriter, r *http.Request) bool
	after  func(r *http.Request, status int, body []byte) []byte
}

// proxied builds a hubspot output of object keyed by idProperty whose
// calls go through p to the harness's simulator.
func (h *hubspotOutputHarness) proxied(p *hubspotProxy, object, idProperty string) *hubspotOutput {
	h.t.Helper()
	target, err := url.Parse(h.sb.URL)
	require.NoError(h.t, err)
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.ModifyResponse = func(resp *http.Response) error {
		if p.after == nil {
			return nil
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		_ = resp.Body.Close()
		body = p.after(resp.Request, resp.StatusCode, body)
		resp.Body = io.NopCloser(bytes.NewReader(body))
		resp.ContentLength = int64(len(body))
		resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
		return nil
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p.before != nil && p.before(w, r) {
			return
		}
		rp.ServeHTTP(w, r)
	}))
	h.t.Cleanup(srv.Close)
	return h.output(object, idProperty, func(c *hubspotOutputConfig) { c.client.BaseURL = srv.URL })
}

func isBatchCreate(r *http.Request) bool {
	return r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/batch/create")
}

func TestHubSpotOutputCreateConflictOfOneRecordWritesTheOthersAndUpdatesIt(t *testing.T) {
	h := startHubSpotOutput(t, sandbox.Options{})
	ids, bodies := contactBodies(5, "Conflict")
	emails := emailsOf(bodies)
	// Another writer creates contact 2 between the output's existence
	// check and its batch create: HubSpot refuses the whole batch with 409.
	var raced atomic.Bool
	var otherID string
	out := h.proxied(&hubspotProxy{before: func(_ http.ResponseWriter, r *http.Request) bool {
		if isBatchCreate(r) && raced.CompareAndSwap(false, true) {
			res, err := h.sb.Client(t).BatchCreate(r.Context(), "contacts",
				[]hubspot.Input{{Properties: map[string]any{"email": emails[2], "firstname": "Other", "lastname": "Writer"}}},
				func(hubspot.Input) string { return emails[2] })
			if assert.NoError(t, err) && assert.Len(t, res.Results, 1) {
				otherID = res.Results[0].ID
			}
		}
		return false
	}}, "contacts", "email")
	before := h.contactCount()

	writeHubSpot(t, out, h.stage(ids, bodies))
	require.True(t, raced.Load())
	assert.Equal(t, before+5, h.contactCount(), "each contact exists once")
	got := h.contactsByEmail(emails)
	require.Len(t, got, 5)
	for i, id := range ids {
		e := h.entity(id)
		assert.Equal(t, synctask.StatusSent, e.Status, "record %s: %s", id, e.Note)
		assert.Equal(t, got[emails[i]].ID, e.TgtID)
	}
	assert.Equal(t, otherID, h.entity(ids[2]).TgtID, "the record the other writer created is updated")
	last, _ := got[emails[2]].Property("lastname")
	assert.Equal(t, "Conflict", last)
}

func TestHubSpotOutputKeylessCreatesGetTheirOwnObjectIDsWhateverTheResultOrder(t *testing.T) {
	h := startHubSpotOutput(t, sandbox.Options{})
	// HubSpot gives no order guarantee for a batch's results: the proxy
	// returns them reversed.
	out := h.proxied(&hubspotProxy{after: func(r *http.Request, status int, body []byte) []byte {
		if !isBatchCreate(r) || status >= 300 {
			return body
		}
		var ans map[string]any
		require.NoError(t, json.Unmarshal(body, &ans))
		results, _ := ans["results"].([]any)
		slices.Reverse(results)
		b, err := json.Marshal(ans)
		require.NoError(t, err)
		return b
	}}, "contacts", hubspot.PropObjectID)
	ids, bodies := contactBodies(3, "Keyless")
	emails := emailsOf(bodies)
	before := h.contactCount()

	writeHubSpot(t, out, h.stage(ids, bodies))
	assert.Equal(t, before+3, h.contactCount())
	assert.EqualValues(t, 3, h.sb.Server.Stats().EndpointTotal(hsBatchCreate), "one create per keyless record")
	got := h.contactsByEmail(emails)
	for i, id := range ids {
		e := h.entity(id)
		assert.Equal(t, synctask.StatusSent, e.Status)
		assert.Equal(t, got[emails[i]].ID, e.TgtID, "record %s's tgt_id is its own contact", id)
	}
}

func TestHubSpotOutputNacksRecordsWhileTheDailyLimitIsUsedUp(t *testing.T) {
	// The budget admits one call: the existence check passes, the create
	// meets the DAILY 429; the next batch's existence check meets it too.
	h := startHubSpotOutputWith(t, sbhubspot.Options{DailyLimit: 1}, sandbox.Options{})
	out := h.output("contacts", "email", nil)
	ids, bodies := contactBodies(3, "Daily")
	for _, call := range []string{"create", "existence check"} {
		err := out.WriteBatch(t.Context(), h.stage(ids, bodies))
		var berr *service.BatchError
		require.ErrorAs(t, err, &berr, call)
		assert.Equal(t, 3, berr.IndexedErrors(), call)
		berr.WalkMessages(func(_ int, _ *service.Message, err error) bool {
			if assert.Error(t, err, call) {
				assert.Contains(t, err.Error(), "daily API limit (policy DAILY)", call)
			}
			return true
		})
		for _, id := range ids {
			assert.Equal(t, synctask.StatusNew, h.entity(id).Status, "%s: a used-up daily budget is not recorded F", call)
		}
	}
	assert.EqualValues(t, 1, h.sb.Server.Stats().Count(hsBatchCreate, http.StatusTooManyRequests))
}

func TestHubSpotOutputForgetsAnInDoubtWriteOnceItsRecordIsDecided(t *testing.T) {
	h := startHubSpotOutput(t, sandbox.Options{})
	// The first create fails with a 503 before reaching HubSpot: its effect
	// is unknown to the output, which marks the key in doubt.
	var failed atomic.Bool
	out := h.proxied(&hubspotProxy{before: func(w http.ResponseWriter, r *http.Request) bool {
		if isBatchCreate(r) && failed.CompareAndSwap(false, true) {
			h.sb.Vendor.WriteFault(w, http.StatusServiceUnavailable)
			return true
		}
		return false
	}}, "contacts", "email")
	ids, bodies := contactBodies(1, "Doubt")

	// The redelivery finds no contact (the create had no effect) and
	// creates it: S.
	writeHubSpot(t, out, h.stage(ids, bodies))
	require.True(t, failed.Load())
	assert.Equal(t, synctask.StatusSent, h.entity(ids[0]).Status)

	// The same values again are a true no-op: I, not S.
	bodies[0]["run"] = 2
	writeHubSpot(t, out, h.stage(ids, bodies))
	e := h.entity(ids[0])
	assert.Equal(t, synctask.StatusIgnored, e.Status, e.Note)
	assert.Equal(t, noteUnchangedInHubSpot, e.Note)
}

func TestHubSpotOutputNeverCreatesAgainWhatABatchAnswerLeftOut(t *testing.T) {
	h := startHubSpotOutput(t, sandbox.Options{})
	// HubSpot creates all four contacts but its answer lists only three.
	var dropped atomic.Bool
	out := h.proxied(&hubspotProxy{after: func(r *http.Request, status int, body []byte) []byte {
		if !isBatchCreate(r) || status >= 300 || !dropped.CompareAndSwap(false, true) {
			return body
		}
		var ans map[string]any
		require.NoError(t, json.Unmarshal(body, &ans))
		ans["results"] = ans["results"].([]any)[1:]
		b, err := json.Marshal(ans)
		require.NoError(t, err)
		return b
	}}, "contacts", "email")
	ids, bodies := contactBodies(4, "Partial")
	before := h.contactCount()

	// The left-out record is nacked, not created again; its redelivery
	// finds it holding the values sent, the earlier create's effect: S.
	writeHubSpot(t, out, h.stage(ids, bodies))
	require.True(t, dropped.Load())
	assert.Equal(t, before+4, h.contactCount())
	assert.EqualValues(t, 1, h.sb.Server.Stats().EndpointTotal(hsBatchCreate), "no create is sent twice")
	got := h.contactsByEmail(emailsOf(bodies))
	for i, id := range ids {
		e := h.entity(id)
		assert.Equal(t, synctask.StatusSent, e.Status, "record %s: %s", id, e.Note)
		assert.Equal(t, got[emailsOf(bodies)[i]].ID, e.TgtID)
	}
}
