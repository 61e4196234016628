package sapb1_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/sandbox"
	"github.com/datawald/datawald/internal/sandbox/sandboxtest"
	"github.com/datawald/datawald/internal/sandbox/sapb1"
)

func TestLoginSetsTheSessionAndRouteCookies(t *testing.T) {
	_, base := company(t, sapb1.Options{})
	c := newClient(t, base)
	r := c.do(http.MethodPost, "Login", map[string]any{"CompanyDB": sapb1.DefaultCompanyDB, "UserName": sapb1.DefaultUserName, "Password": sapb1.DefaultPassword}, nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	assert.EqualValues(t, 30, r.body["SessionTimeout"])
	assert.Contains(t, r.body["odata.metadata"], "$metadata#B1Sessions/@Element")
	names := map[string]string{}
	for _, ck := range (&http.Response{Header: r.header}).Cookies() {
		names[ck.Name] = ck.Value
	}
	assert.Equal(t, r.body["SessionId"], names["B1SESSION"])
	assert.Regexp(t, `^\.node\d$`, names["ROUTEID"])
	assert.Equal(t, http.StatusOK, c.get("Items?$top=1").status)

	require.Equal(t, http.StatusNoContent, c.do(http.MethodPost, "Logout", nil, nil).status)
	requireSAPError(t, c.get("Items?$top=1"), http.StatusUnauthorized, 301)
}

func TestLoginWithAWrongPasswordFails(t *testing.T) {
	_, base := company(t, sapb1.Options{})
	r := newClient(t, base).do(http.MethodPost, "Login", map[string]any{"CompanyDB": sapb1.DefaultCompanyDB, "UserName": sapb1.DefaultUserName, "Password": "nope"}, nil)
	assert.Equal(t, "Login failed", requireSAPError(t, r, http.StatusUnauthorized, 100000027))
}

func TestAnExpiredSessionAnswers401WithCode301(t *testing.T) {
	clock := newFakeClock()
	_, base := company(t, sapb1.Options{SessionTimeout: time.Minute, Clock: clock.Now})
	c := loggedIn(t, base)

	clock.Advance(50 * time.Second)
	require.Equal(t, http.StatusOK, c.get("BusinessPartners?$top=1").status)
	clock.Advance(50 * time.Second)
	require.Equal(t, http.StatusOK, c.get("BusinessPartners?$top=1").status, "the timeout slides with use")

	clock.Advance(61 * time.Second)
	msg := requireSAPError(t, c.get("BusinessPartners?$top=1"), http.StatusUnauthorized, 301)
	assert.Equal(t, "Invalid session or session already timeout.", msg)

	again := loggedIn(t, base)
	assert.Equal(t, http.StatusOK, again.get("BusinessPartners?$top=1").status)
}

func TestARequestWithoutTheRouteIDCookieLosesItsSession(t *testing.T) {
	_, base := company(t, sapb1.Options{})
	c := loggedIn(t, base)
	session := ""
	for _, ck := range c.http.Jar.Cookies(mustURL(t, base+"/b1s/v1/")) {
		if ck.Name == "B1SESSION" {
			session = ck.Value
		}
	}
	require.NotEmpty(t, session)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, base+"/b1s/v1/Items?$top=1", nil)
	require.NoError(t, err)
	req.AddCookie(&http.Cookie{Name: "B1SESSION", Value: session})
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)

	_, single := company(t, sapb1.Options{IgnoreRouteID: true})
	c2 := loggedIn(t, single)
	assert.Equal(t, http.StatusOK, c2.get("Items?$top=1").status)
}

func TestInjectedFaultsCarryTheServiceLayerErrorBody(t *testing.T) {
	v := sapb1.New(sapb1.Options{Catalog: smallCatalog})
	_, base := sandboxtest.Start(t, v, sandbox.Options{Faults: sandbox.Faults{ErrorRate: 1}})
	r := newClient(t, base).do(http.MethodPost, "Login", map[string]any{}, nil)
	require.Contains(t, []int{500, 502, 503}, r.status)
	requireSAPError(t, r, r.status, -1)
}
