package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/synctask"
	"github.com/datawald/datawald/internal/synctask/api"
)

// seedDSN stages the seed tasks in a SQLite store named by its DSN and
// closes it again, so that no component of the process holds it.
func seedDSN(t *testing.T) string {
	t.Helper()
	dsn := "sqlite://" + filepath.Join(t.TempDir(), "api.db")
	s, err := synctask.Acquire(ctx, dsn)
	require.NoError(t, err)
	seed(t, s)
	require.NoError(t, s.Release(ctx))
	return dsn
}

func get(t *testing.T, h http.Handler, path string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	return rec
}

func TestDSNHandlerServesAStoreNoComponentHasOpened(t *testing.T) {
	h := api.NewDSNHandler(seedDSN(t), "")
	rec := get(t, h, "/datawald/v1/tasks/t1")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	task := decode[struct {
		Task struct {
			Status string `json:"sync_status"`
		} `json:"task"`
	}](t, rec.Body.Bytes()).Task
	assert.Equal(t, "Fail", task.Status)
}

func TestDSNHandlerAnswers503NamingTheFailureWithoutTheDSNPassword(t *testing.T) {
	h := api.NewDSNHandler("postgres://ops:pg-s3cret@127.0.0.1:1/none?connect_timeout=2", "")
	rec := get(t, h, "/datawald/v1/tasks")
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
	assert.Contains(t, rec.Body.String(), "opening the sync-task store")
	assert.NotContains(t, rec.Body.String(), "pg-s3cret")
}

func TestProcessHandlerServesTheFirstMountedStoreAtTheUnprefixedPath(t *testing.T) {
	api.ResetProcessWide()
	t.Cleanup(api.ResetProcessWide)
	h := api.ProcessHandler()
	before := get(t, h, "/datawald/v1/tasks")
	assert.Equal(t, http.StatusServiceUnavailable, before.Code)
	assert.Contains(t, before.Body.String(), "no stream of this process serves the sync-task API yet")

	dsn := seedDSN(t)
	require.NoError(t, api.Mount(service.MockResources(), dsn, api.Config{Enabled: true, TokenEnv: "DW_TEST_NO_SUCH_TOKEN"}))
	// A second stream on another store does not take the process-wide path.
	other := "sqlite://" + filepath.Join(t.TempDir(), "other.db")
	require.NoError(t, api.Mount(service.MockResources(), other, api.Config{Enabled: true, TokenEnv: "DW_TEST_NO_SUCH_TOKEN"}))

	rec := get(t, h, "/datawald/v1/tasks/t1")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	task := decode[struct {
		Task struct {
			ID string `json:"id"`
		} `json:"task"`
	}](t, rec.Body.Bytes()).Task
	assert.Equal(t, "t1", task.ID)
}

func TestProcessHandlerKeepsTheMountersBearerToken(t *testing.T) {
	api.ResetProcessWide()
	t.Cleanup(api.ResetProcessWide)
	t.Setenv("DW_TEST_API_TOKEN", "tok-123")
	require.NoError(t, api.Mount(service.MockResources(), seedDSN(t), api.Config{Enabled: true, TokenEnv: "DW_TEST_API_TOKEN"}))
	h := api.ProcessHandler()
	assert.Equal(t, http.StatusUnauthorized, get(t, h, "/datawald/v1/tasks").Code)
	req := httptest.NewRequest("GET", "/datawald/v1/tasks", nil)
	req.Header.Set("Authorization", "Bearer tok-123")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req.WithContext(context.Background()))
	assert.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
}
