package sandbox_test

import (
	"crypto/tls"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/datawald/datawald/internal/sandbox"
)

func TestBaseURL_IsTheSchemeAndHostTheClientUsed(t *testing.T) {
	r := httptest.NewRequest("GET", "http://127.0.0.1:8480/services/rest/record/v1/customer/1?x=1", nil)
	assert.Equal(t, "http://127.0.0.1:8480", sandbox.BaseURL(r))

	r = httptest.NewRequest("GET", "https://sandbox.example:8443/b1s/v1/Items", nil)
	r.TLS = &tls.ConnectionState{}
	assert.Equal(t, "https://sandbox.example:8443", sandbox.BaseURL(r))
}
