package outputs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/sapb1"
	"github.com/datawald/datawald/internal/synctask"
)

// lateCommit stands for a Service Layer that is still committing a request
// when the client gives up: the first request with method whose path ends
// with suffix reaches the simulator only when it is released, after the
// client's timeout ended it on the client's side. The simulator commits
// the moment it handles a request (its slow fault only delays the answer),
// so the delay before the commit is the transport's. It is released after
// delay, or, when afterRead is set, right after the answer to the first
// later request afterRead matches (the commit lands between a lookup and
// the next write).
type lateCommit struct {
	next           http.RoundTripper
	method, suffix string
	delay          time.Duration
	afterRead      func(*http.Request) bool

	once    sync.Once
	held    atomic.Bool
	release chan struct{}
	landed  chan struct{}
}

func newLateCommit(next http.RoundTripper, method, suffix string) *lateCommit {
	return &lateCommit{next: next, method: method, suffix: suffix, release: make(chan struct{}), landed: make(chan struct{})}
}

func (l *lateCommit) RoundTrip(req *http.Request) (*http.Response, error) {
	hold := false
	if req.Method == l.method && strings.HasSuffix(req.URL.Path, l.suffix) {
		l.once.Do(func() { hold = true })
	}
	if !hold {
		resp, err := l.next.RoundTrip(req)
		if l.afterRead != nil && l.held.Load() && l.afterRead(req) {
			l.afterRead = nil
			close(l.release)
			<-l.landed
		}
		return resp, err
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, err
	}
	late := req.Clone(context.WithoutCancel(req.Context()))
	late.Body = io.NopCloser(bytes.NewReader(body))
	l.held.Store(true)
	if l.afterRead == nil {
		time.AfterFunc(l.delay, func() { close(l.release) })
	}
	go func() {
		defer close(l.landed)
		<-l.release
		if resp, err := l.next.RoundTrip(late); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
		}
	}()
	<-req.Context().Done()
	return nil, req.Context().Err()
}

// nackedErr returns the error WriteBatch gave message 0 of a batch it nacked.
func nackedErr(t *testing.T, err error) error {
	t.Helper()
	var berr *service.BatchError
	require.True(t, errors.As(err, &berr), "want a batch error, got %v", err)
	var got error
	berr.WalkMessages(func(i int, _ *service.Message, err error) bool {
		if i == 0 {
			got = err
		}
		return true
	})
	require.Error(t, got, "message 0 is nacked")
	return got
}

func TestSAPB1OutputDoesNotPostAnInDoubtOrderAgainBeforeTheTimeoutHasPassed(t *testing.T) {
	h := startSAPB1Output(t)
	const timeout = 300 * time.Millisecond
	var late *lateCommit
	out := h.output(sapb1.Orders, func(c *sapB1OutputConfig) {
		c.client.HTTP.Timeout = timeout
		late = newLateCommit(c.client.Transport, http.MethodPost, "/Orders")
		late.delay = timeout + 150*time.Millisecond // committed after the reporter's quick retry, within the window
		c.client.Transport = late
	})
	batch := h.messages("order", []string{"WEB-LATE"}, []string{h.orderBody("WEB-LATE", 3)})

	firstErr := out.WriteBatch(t.Context(), batch)
	againErr := out.WriteBatch(t.Context(), batch) // a redelivery inside the window
	<-late.landed
	require.Len(t, h.ordersWith("WEB-LATE"), 1, "no second POST while the first may still be committing")
	assert.Equal(t, synctask.StatusNew, h.outcomes("order", []string{"WEB-LATE"})["WEB-LATE"].Status, "nothing recorded while in doubt")
	first := nackedErr(t, firstErr)
	assert.Contains(t, first.Error(), "creating order NumAtCard WEB-LATE")
	assert.Contains(t, first.Error(), "looked up again after 300ms")
	again := nackedErr(t, againErr)
	assert.Contains(t, again.Error(), "order NumAtCard WEB-LATE is in doubt")

	time.Sleep(timeout) // past the window: the lookup decides
	require.NoError(t, out.WriteBatch(t.Context(), batch))
	got := h.outcomes("order", []string{"WEB-LATE"})["WEB-LATE"]
	orders := h.ordersWith("WEB-LATE")
	require.Len(t, orders, 1, "created once")
	assert.Equal(t, synctask.StatusSent, got.Status, "the create that got no answer landed: S")
	assert.Equal(t, fmt.Sprint(orders[0].DocEntry), got.TgtID)
	assert.EqualValues(t, 1, h.sb.Server.Stats().EndpointTotal("POST /b1s/v1/Orders"), "the order was posted once")

	// Decided: the next delivery is an ordinary one.
	require.NoError(t, out.WriteBatch(t.Context(), h.messages("order", []string{"WEB-LATE"}, []string{h.orderBody("WEB-LATE", 3)})))
	assert.Equal(t, synctask.StatusIgnored, h.outcomes("order", []string{"WEB-LATE"})["WEB-LATE"].Status)
}

func TestSAPB1OutputCreatesAnOrderWhoseInDoubtCreateNeverLanded(t *testing.T) {
	h := startSAPB1Output(t)
	const timeout = 200 * time.Millisecond
	out := h.output(sapb1.Orders, func(c *sapB1OutputConfig) {
		c.client.HTTP.Timeout = timeout
		// The first POST is lost on its way: it never reaches SAP B1.
		c.client.Transport = &lostOnce{next: c.client.Transport, method: http.MethodPost, suffix: "/Orders"}
	})
	batch := h.messages("order", []string{"WEB-LOST"}, []string{h.orderBody("WEB-LOST", 1)})
	nackedErr(t, out.WriteBatch(t.Context(), batch))
	time.Sleep(timeout + 20*time.Millisecond)
	require.NoError(t, out.WriteBatch(t.Context(), batch))
	got := h.outcomes("order", []string{"WEB-LOST"})["WEB-LOST"]
	assert.Equal(t, synctask.StatusSent, got.Status, got.Note)
	assert.Len(t, h.ordersWith("WEB-LOST"), 1)
}

// lostOnce loses the first request with method whose path ends with
// suffix: it never reaches the simulator and the client times out.
type lostOnce struct {
	next           http.RoundTripper
	method, suffix string
	once           sync.Once
}

func (l *lostOnce) RoundTrip(req *http.Request) (*http.Response, error) {
	lost := false
	if req.Method == l.method && strings.HasSuffix(req.URL.Path, l.suffix) {
		l.once.Do(func() { lost = true })
	}
	if !lost {
		return l.next.RoundTrip(req)
	}
	<-req.Context().Done()
	return nil, req.Context().Err()
}

func TestSAPB1OutputComparesABusinessPartnerSAPReportsAsDuplicateOnCreate(t *testing.T) {
	h := startSAPB1Output(t)
	const code = "W00777"
	out := h.output(sapb1.BusinessPartners, func(c *sapB1OutputConfig) {
		c.client.HTTP.Timeout = 300 * time.Millisecond
		late := newLateCommit(c.client.Transport, http.MethodPost, "/BusinessPartners")
		// The timed-out create commits right after the retry's read found
		// nothing, so the retry's create is refused as a duplicate.
		late.afterRead = func(r *http.Request) bool { return r.Method == http.MethodGet && strings.Contains(r.URL.Path, code) }
		c.client.Transport = late
	})
	body := fmt.Sprintf(`{"CardCode":%q,"CardName":"Late Shop","EmailAddress":"late@example.com"}`, code)
	got := h.deliver(out, "customer", []string{code}, []string{body})[code]
	assert.Equal(t, synctask.StatusSent, got.Status, "%s %s", got.ErrorCode, got.Note)
	assert.Equal(t, code, got.TgtID)
	st := h.sb.Server.Stats()
	assert.EqualValues(t, 1, st.Count("POST /b1s/v1/BusinessPartners", http.StatusCreated), "the late create")
	assert.EqualValues(t, 1, st.Count("POST /b1s/v1/BusinessPartners", http.StatusBadRequest), "the retry's create, refused -2035")
	assert.Zero(t, st.EndpointTotal("PATCH /b1s/v1/{resource}"), "it holds the values: nothing to update")
}

func TestSAPB1OutputNeverResendsAMergeUpdateWhoseOutcomeIsUnknown(t *testing.T) {
	h := startSAPB1Output(t)
	bp := h.cat.BusinessPartners[2].CardCode
	out := h.output(sapb1.BusinessPartners, func(c *sapB1OutputConfig) {
		c.mode = sapb1.MergeCollections
		c.client.HTTP.Timeout = 300 * time.Millisecond
		c.client.Transport = &slowOnce{next: c.client.Transport, srv: h.sb.Server, method: http.MethodPatch, suffix: ")"}
	})
	body := fmt.Sprintf(`{"CardCode":%q,"BPAddresses":[{"AddressName":"Warehouse","AddressType":"bo_ShipTo","City":"Lyon"}]}`, bp)
	got := h.deliver(out, "customer", []string{bp}, []string{body})[bp]
	assert.Equal(t, synctask.StatusFailed, got.Status)
	assert.Equal(t, sapB1OutcomeUnknown, got.ErrorCode)
	assert.Contains(t, got.Note, "updating business partner "+bp+" (collections: merge) got no answer and may have been applied")
	// The simulator counts the PATCH once it sees the client gone.
	require.Eventually(t, func() bool { return h.sb.Server.Stats().EndpointTotal("PATCH /b1s/v1/{resource}") > 0 }, 5*time.Second, 10*time.Millisecond)
	assert.EqualValues(t, 1, h.sb.Server.Stats().EndpointTotal("PATCH /b1s/v1/{resource}"), "the merge PATCH was sent once")

	raw, err := h.client.Get(t.Context(), sapb1.BusinessPartners, bp)
	require.NoError(t, err)
	var rec struct {
		BPAddresses []struct{ AddressName string }
	}
	require.NoError(t, json.Unmarshal(raw, &rec))
	warehouses := 0
	for _, a := range rec.BPAddresses {
		if a.AddressName == "Warehouse" {
			warehouses++
		}
	}
	assert.Equal(t, 1, warehouses, "the address was merged in once")
}

// passwordChange stands for an administrator changing the B1 user's
// password while the output runs (the simulator's credentials are fixed
// when it starts): once changed, every login the client sends carries a
// password the Service Layer refuses.
type passwordChange struct {
	next    http.RoundTripper
	changed atomic.Bool
}

func (p *passwordChange) RoundTrip(req *http.Request) (*http.Response, error) {
	if !p.changed.Load() || !strings.HasSuffix(req.URL.Path, "/Login") {
		return p.next.RoundTrip(req)
	}
	var login map[string]any
	if err := json.NewDecoder(req.Body).Decode(&login); err != nil {
		return nil, err
	}
	login["Password"] = "no-longer-" + fmt.Sprint(login["Password"])
	body, err := json.Marshal(login)
	if err != nil {
		return nil, err
	}
	req = req.Clone(req.Context())
	req.Body, req.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	return p.next.RoundTrip(req)
}

func TestSAPB1OutputNacksWhenTheLoginFailsMidRun(t *testing.T) {
	h := startSAPB1Output(t)
	var pw *passwordChange
	var cfg sapb1.Config
	out := h.output(sapb1.Orders, func(c *sapB1OutputConfig) {
		pw = &passwordChange{next: c.client.Transport}
		c.client.Transport = pw
		cfg = c.client
	})
	ids := []string{"WEB-A1", "WEB-A2"}
	bodies := []string{h.orderBody("WEB-A1", 1), h.orderBody("WEB-A2", 2)}
	batch := h.messages("order", ids, bodies)

	pw.changed.Store(true)
	h.sb.Vendor.Reset() // every session ends: the next request gets 401 and logs in again
	err := out.WriteBatch(t.Context(), batch)
	for id, e := range h.outcomes("order", ids) {
		assert.Equal(t, synctask.StatusNew, e.Status, "%s: not recorded F (%s)", id, e.Note)
	}
	var berr *service.BatchError
	require.True(t, errors.As(err, &berr), "%v", err)
	nacked := 0
	berr.WalkMessages(func(_ int, _ *service.Message, err error) bool {
		if err != nil {
			nacked++
			assert.Contains(t, err.Error(), fmt.Sprintf("logging in to sap b1 company %s as %s", cfg.CompanyDB, cfg.UserName))
			assert.Contains(t, err.Error(), "Login failed")
			assert.NotContains(t, err.Error(), cfg.Password)
		}
		return true
	})
	assert.Equal(t, 2, nacked, "both messages are nacked")
	assert.Zero(t, h.sb.Server.Stats().EndpointTotal("POST /b1s/v1/Orders"))

	pw.changed.Store(false) // the output's password is valid again
	require.NoError(t, out.WriteBatch(t.Context(), batch))
	for id, e := range h.outcomes("order", ids) {
		assert.Equal(t, synctask.StatusSent, e.Status, "%s: %s", id, e.Note)
	}
}
