package sandbox_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/sandbox"
	"github.com/datawald/datawald/internal/sandbox/sandboxtest"
)

func TestMutate_ChangesRecordsThroughTheVendor(t *testing.T) {
	v := newFakeVendor()
	at := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	v.clock = func() time.Time { return at }
	_, base := sandboxtest.Start(t, v, sandbox.Options{})

	res := sandboxtest.Mutate(t, base, sandbox.MutateRequest{Entity: "items", Count: 2, SameSecond: true})

	assert.Equal(t, []string{"1", "2"}, res.Changed)
	assert.Equal(t, at, res.ModifiedAt)
	assert.Equal(t, "renamed", v.item(1))
	assert.Equal(t, "renamed", v.item(2))
	assert.Equal(t, "three", v.item(3))
}

func TestMutate_AnswersTheVendorsBadRequestErrorWith400(t *testing.T) {
	srv := sandbox.NewServer(newFakeVendor(), sandbox.Options{})
	rec := serve(srv, http.MethodPost, "/_sandbox/mutate", `{"entity":"widgets"}`)
	assert.Equal(t, http.StatusBadRequest, rec.Code)
	assertAdminError(t, rec.Body.Bytes(), `mutating widgets: unknown entity "widgets"`)

	rec = serve(srv, http.MethodPost, "/_sandbox/mutate", `{"entity":"items","ids":["42"]}`)
	assert.Equal(t, http.StatusBadRequest, rec.Code)
	assertAdminError(t, rec.Body.Bytes(), `mutating items: no item "42"`)
}

func TestMutate_AnswersOtherVendorErrorsWith500(t *testing.T) {
	srv := sandbox.NewServer(newFakeVendor(), sandbox.Options{})
	rec := serve(srv, http.MethodPost, "/_sandbox/mutate", `{"entity":"broken"}`)
	assert.Equal(t, http.StatusInternalServerError, rec.Code)
	assertAdminError(t, rec.Body.Bytes(), "mutating broken: vendor storage broken")
}

func TestMutate_RejectsMalformedRequestsBeforeTheVendor(t *testing.T) {
	srv := sandbox.NewServer(newFakeVendor(), sandbox.Options{})
	for _, tc := range []struct{ name, body, want string }{
		{"no entity", `{"count":1}`, "entity is required"},
		{"negative count", `{"entity":"items","count":-1}`, "count must not be negative"},
		{"unknown field", `{"entity":"items","sameSecond":true}`, "unknown field"},
		{"not JSON", `entity=items`, "decoding mutate request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := serve(srv, http.MethodPost, "/_sandbox/mutate", tc.body)
			assert.Equal(t, http.StatusBadRequest, rec.Code)
			assertAdminError(t, rec.Body.Bytes(), tc.want)
		})
	}
}

func TestMutate_EmptyChangeListIsAnArrayNotNull(t *testing.T) {
	srv := sandbox.NewServer(newFakeVendor(), sandbox.Options{})
	rec := serve(srv, http.MethodPost, "/_sandbox/mutate", `{"entity":"items","count":0}`)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	assert.Contains(t, rec.Body.String(), `"changed":[]`)
}

func assertAdminError(t *testing.T, body []byte, want string) {
	t.Helper()
	var e sandbox.AdminError
	require.NoError(t, json.Unmarshal(body, &e), string(body))
	assert.Contains(t, e.Error, want)
}
