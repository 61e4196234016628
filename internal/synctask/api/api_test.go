package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/synctask"
	"github.com/datawald/datawald/internal/synctask/api"
)

const specPath = "../../../docs/api/synctask.openapi.yaml"

func loadSpec(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromFile(specPath)
	require.NoError(t, err)
	require.NoError(t, doc.Validate(context.Background()), "the OpenAPI document itself is valid")
	return doc
}

// client talks to a real HTTP server and checks every request and response
// against the OpenAPI document.
type client struct {
	t      *testing.T
	base   string
	token  string
	router routers.Router
}

func newClient(t *testing.T, base, token string) *client {
	doc := loadSpec(t)
	doc.Servers = openapi3.Servers{{URL: base}}
	r, err := gorillamux.NewRouter(doc)
	require.NoError(t, err)
	return &client{t: t, base: base, token: token, router: r}
}

// do sends the request; strict also validates the request itself (off for
// tests that send deliberately invalid requests).
func (c *client) do(method, path string, body any, strict bool) (int, []byte) {
	c.t.Helper()
	var raw []byte
	if body != nil {
		var err error
		raw, err = json.Marshal(body)
		require.NoError(c.t, err)
	}
	req, err := http.NewRequest(method, c.base+path, bytes.NewReader(raw))
	require.NoError(c.t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(c.t, err)
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	require.NoError(c.t, err)

	vreq, err := http.NewRequest(method, c.base+path, bytes.NewReader(raw))
	require.NoError(c.t, err)
	vreq.Header = req.Header.Clone()
	route, params, err := c.router.FindRoute(vreq)
	require.NoError(c.t, err, "%s %s is documented", method, path)
	in := &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	if strict {
		require.NoError(c.t, openapi3filter.ValidateRequest(context.Background(), in), "request %s %s matches the document", method, path)
	}
	assert.Equal(c.t, "application/json", resp.Header.Get("Content-Type"))
	err = openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header, Body: io.NopCloser(bytes.NewReader(got)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true},
	})
	require.NoError(c.t, err, "response %d to %s %s matches the document: %s", resp.StatusCode, method, path, got)
	return resp.StatusCode, got
}

func decode[T any](t *testing.T, b []byte) T {
	t.Helper()
	var v T
	require.NoError(t, json.Unmarshal(b, &v), string(b))
	return v
}

func newStore(t *testing.T) *synctask.Shared {
	t.Helper()
	st, err := synctask.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "api.db"))
	require.NoError(t, err)
	s := synctask.NewShared(st)
	t.Cleanup(func() { _ = s.Release(context.Background()) })
	return s
}

var ctx = context.Background()

func k(id string) synctask.Key {
	return synctask.Key{Source: "ns", Target: "mage2", TxType: "order", SrcID: id}
}

// seed stages two tasks: t1 (Fail: SO-1 S, SO-2 F) and t2 (Processing: SO-1 v2).
func seed(t *testing.T, s *synctask.Shared) {
	t.Helper()
	spec := synctask.TaskSpec{ID: "t1", Source: "ns", Target: "mage2", TxType: "order", Seal: true}
	_, err := s.Stage(ctx, spec, []synctask.StageInput{
		{Key: k("SO-1"), Data: []byte(`{"total":1}`)}, {Key: k("SO-2"), Data: []byte(`{"total":2}`)},
	})
	require.NoError(t, err)
	require.NoError(t, s.RecordOutcomes(ctx, []synctask.Outcome{
		{Key: k("SO-1"), TaskID: "t1", Status: synctask.StatusSent, TgtID: "100"},
		{Key: k("SO-2"), TaskID: "t1", Status: synctask.StatusFailed, ErrorCode: "VALIDATION", Note: "email is invalid"},
	}))
	spec.ID = "t2"
	_, err = s.Stage(ctx, spec, []synctask.StageInput{{Key: k("SO-1"), Data: []byte(`{"total":1.5}`)}})
	require.NoError(t, err)
}

func serve(t *testing.T, s *synctask.Shared, token string) *client {
	srv := httptest.NewServer(api.NewHandler(s, token))
	t.Cleanup(srv.Close)
	return newClient(t, srv.URL, token)
}

func TestAPIServesExactlyTheRoutesTheOpenAPIDocumentDescribes(t *testing.T) {
	doc := loadSpec(t)
	var documented []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented = append(documented, method+" "+path)
		}
	}
	served := append([]string(nil), api.Routes...)
	sort.Strings(documented)
	sort.Strings(served)
	assert.Equal(t, documented, served)
}

func TestAPIListsAndGetsTasksAndEntities(t *testing.T) {
	s := newStore(t)
	seed(t, s)
	c := serve(t, s, "s3cret")

	status, body := c.do("GET", "/datawald/v1/tasks?status=Fail,Completed&tx_type=order&source=ns&target=mage2", nil, true)
	require.Equal(t, http.StatusOK, status)
	tasks := decode[struct {
		Items []map[string]any `json:"items"`
	}](t, body)
	require.Len(t, tasks.Items, 1)
	assert.Equal(t, "t1", tasks.Items[0]["id"])
	assert.Equal(t, "Fail", tasks.Items[0]["sync_status"])

	status, body = c.do("GET", "/datawald/v1/tasks?limit=1", nil, true)
	require.Equal(t, http.StatusOK, status)
	page := decode[struct {
		Items []map[string]any `json:"items"`
		Next  string           `json:"next"`
	}](t, body)
	require.Len(t, page.Items, 1)
	assert.Equal(t, "t2", page.Items[0]["id"], "newest first")
	require.NotEmpty(t, page.Next)
	status, body = c.do("GET", "/datawald/v1/tasks?limit=1&cursor="+url.QueryEscape(page.Next), nil, true)
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, string(body), `"id":"t1"`)

	from := url.QueryEscape(time.Now().Add(-time.Hour).Format(time.RFC3339))
	to := url.QueryEscape(time.Now().Add(time.Hour).Format(time.RFC3339))
	status, body = c.do("GET", "/datawald/v1/tasks?from="+from+"&to="+to, nil, true)
	require.Equal(t, http.StatusOK, status)
	assert.Len(t, decode[struct {
		Items []any `json:"items"`
	}](t, body).Items, 2)

	status, body = c.do("GET", "/datawald/v1/tasks/t1", nil, true)
	require.Equal(t, http.StatusOK, status)
	detail := decode[struct {
		Task struct {
			Counts map[string]int `json:"counts"`
		} `json:"task"`
		Entities struct {
			Items []map[string]string `json:"items"`
		} `json:"entities"`
	}](t, body)
	assert.Equal(t, map[string]int{"N": 0, "S": 1, "F": 1, "I": 0, "?": 0}, detail.Task.Counts)
	require.Len(t, detail.Entities.Items, 1, "SO-1 was re-staged into t2 and belongs to it now")
	assert.Equal(t, "SO-2", detail.Entities.Items[0]["src_id"])
	assert.Equal(t, "F", detail.Entities.Items[0]["tx_status"])

	status, body = c.do("GET", "/datawald/v1/entities?target=mage2&status=F", nil, true)
	require.Equal(t, http.StatusOK, status)
	ents := decode[struct {
		Items []map[string]any `json:"items"`
	}](t, body)
	require.Len(t, ents.Items, 1)
	assert.Equal(t, "SO-2", ents.Items[0]["src_id"])
	assert.Equal(t, "VALIDATION", ents.Items[0]["error_code"])
	assert.Equal(t, "email is invalid", ents.Items[0]["tx_note"])

	status, body = c.do("GET", "/datawald/v1/entity?source=ns&target=mage2&tx_type=order&src_id=SO-1", nil, true)
	require.Equal(t, http.StatusOK, status)
	one := decode[map[string]any](t, body)
	assert.Equal(t, map[string]any{"total": 1.5}, one["data"])
	assert.Equal(t, map[string]any{"total": 1.0}, one["old_data"])
	assert.Equal(t, "100", one["tgt_id"])

	status, _ = c.do("GET", "/datawald/v1/tasks/nope", nil, true)
	assert.Equal(t, http.StatusNotFound, status)
	status, _ = c.do("GET", "/datawald/v1/entity?source=ns&target=mage2&tx_type=order&src_id=nope", nil, true)
	assert.Equal(t, http.StatusNotFound, status)
}

func TestAPIAnswersBadFiltersWith400AndTheReason(t *testing.T) {
	s := newStore(t)
	c := serve(t, s, "s3cret")
	for path, reason := range map[string]string{
		"/datawald/v1/tasks?status=Done":                                       `status "Done"`,
		"/datawald/v1/tasks?from=yesterday":                                    "from",
		"/datawald/v1/tasks?limit=0":                                           "limit",
		"/datawald/v1/tasks?cursor=garbage":                                    "cursor",
		"/datawald/v1/entities?status=X":                                       `status "X"`,
		"/datawald/v1/tasks/t1?entity_limit=5000":                              "entity_limit",
		"/datawald/v1/entity?source=ns&target=mage2":                           "tx_type",
		"/datawald/v1/tasks?from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z": "before",
	} {
		status, body := c.do("GET", path, nil, false)
		assert.Equal(t, http.StatusBadRequest, status, path)
		assert.Contains(t, decode[map[string]string](t, body)["error"], reason, path)
	}
	status, body := c.do("POST", "/datawald/v1/retry", map[string]any{}, false)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, string(body), "at least one of")
	status, body = c.do("POST", "/datawald/v1/retry", map[string]any{"target": "mage2", "statuses": []string{"S"}}, false)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, string(body), "only F and ?")
	status, body = c.do("POST", "/datawald/v1/retry", map[string]any{"target": "mage2", "bogus": 1}, false)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, string(body), "bogus")
}

func TestAPIRetriesATaskAndAnEntityFilter(t *testing.T) {
	s := newStore(t)
	seed(t, s)
	c := serve(t, s, "s3cret")

	status, body := c.do("POST", "/datawald/v1/tasks/t1/retry", nil, true)
	require.Equal(t, http.StatusOK, status)
	assert.JSONEq(t, `{"entities":1,"tasks":["t1"]}`, string(body))
	status, body = c.do("POST", "/datawald/v1/tasks/t1/retry", nil, true)
	require.Equal(t, http.StatusOK, status)
	assert.JSONEq(t, `{"entities":0,"tasks":[]}`, string(body), "a pending entity is not queued twice")
	items, err := s.ClaimReplay(ctx, synctask.ReplaySelector{}, 10)
	require.NoError(t, err)
	require.Len(t, items, 1)
	assert.Equal(t, "SO-2", items[0].Entity.SrcID)

	require.NoError(t, s.RecordOutcomes(ctx, []synctask.Outcome{{Key: k("SO-2"), TaskID: "t1", Status: synctask.StatusFailed, Note: "still invalid"}}))
	status, body = c.do("POST", "/datawald/v1/retry", map[string]any{"target": "mage2", "statuses": []string{"F"}}, true)
	require.Equal(t, http.StatusOK, status)
	assert.JSONEq(t, `{"entities":1,"tasks":["t1"]}`, string(body))

	status, _ = c.do("POST", "/datawald/v1/tasks/nope/retry", nil, true)
	assert.Equal(t, http.StatusNotFound, status)
}

func TestAPIRefusesAMissingOrWrongBearerTokenWith401(t *testing.T) {
	s := newStore(t)
	good := serve(t, s, "s3cret")
	bad := newClient(t, good.base, "wrong")
	none := newClient(t, good.base, "")
	for _, c := range []*client{bad, none} {
		status, body := c.do("GET", "/datawald/v1/tasks", nil, true)
		assert.Equal(t, http.StatusUnauthorized, status)
		assert.Contains(t, string(body), "bearer token")
		assert.NotContains(t, string(body), "s3cret")
	}
	status, _ := good.do("GET", "/datawald/v1/tasks", nil, true)
	assert.Equal(t, http.StatusOK, status)
}

func TestAPIWithoutATokenAnswersOnlyOnLoopback(t *testing.T) {
	s := newStore(t)
	h := api.NewHandler(s, "")
	for addr, want := range map[string]int{"10.0.0.7:4195": http.StatusForbidden, "127.0.0.1:4195": http.StatusOK, "[::1]:4195": http.StatusOK} {
		tcp, err := net.ResolveTCPAddr("tcp", addr)
		require.NoError(t, err)
		req := httptest.NewRequest("GET", "/datawald/v1/tasks", nil)
		req = req.WithContext(context.WithValue(req.Context(), http.LocalAddrContextKey, net.Addr(tcp)))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		assert.Equal(t, want, rec.Code, addr)
		if want == http.StatusForbidden {
			assert.Contains(t, rec.Body.String(), "only answers on loopback")
		}
	}
}

func TestAPIServesUnderAStreamsModePrefixAndAnswersUnknownRoutesWithJSON404(t *testing.T) {
	s := newStore(t)
	seed(t, s)
	srv := httptest.NewServer(api.NewHandler(s, ""))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/orders/datawald/v1/tasks/t1")
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	resp2, err := http.Get(srv.URL + "/datawald/v1/nothing")
	require.NoError(t, err)
	defer resp2.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp2.StatusCode)
	b, _ := io.ReadAll(resp2.Body)
	assert.True(t, strings.HasPrefix(string(b), `{"error":`), string(b))
}
