package hubspot_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/httpx"
	"github.com/datawald/datawald/internal/hubspot"
	"github.com/datawald/datawald/internal/hubspot/hubspottest"
	"github.com/datawald/datawald/internal/sandbox"
	sbhubspot "github.com/datawald/datawald/internal/sandbox/hubspot"
	"github.com/datawald/datawald/internal/sandbox/sandboxtest"
)

const batchRead = "POST /crm/v3/objects/{objectType}/batch/read"

func TestBatchReadSplitsIntoCallsOfOneHundredAndReportsOnlyUnmatchedIDsAsNotFound(t *testing.T) {
	cat := catalog(230)
	sb := hubspottest.Start(t, sbhubspot.Options{Catalog: cat}, sandbox.Options{})
	c := sb.Client(t)

	var emails []string
	for _, ct := range cat.Contacts {
		emails = append(emails, ct.Email)
	}
	emails = append(emails, "nobody-1@example.invalid", "nobody-2@example.invalid")
	res, err := c.BatchRead(t.Context(), "contacts", "email", emails, []string{"email", "firstname"})
	require.NoError(t, err)
	assert.Len(t, res.Results, 230)
	assert.Equal(t, map[string]bool{"nobody-1@example.invalid": true, "nobody-2@example.invalid": true}, res.NotFound())
	assert.EqualValues(t, 2, sb.Server.Stats().Count(batchRead, 200), "232 ids are read in 3 calls")
	assert.EqualValues(t, 1, sb.Server.Stats().Count(batchRead, 207), "the call with unmatched ids answers 207")
}

func TestBatchReadFailureIsAnErrorNamingTheObjectsNeverNotFound(t *testing.T) {
	cat := catalog(20)
	sb := hubspottest.Start(t, sbhubspot.Options{Catalog: cat}, sandbox.Options{})
	c := sb.Client(t)

	for _, f := range []sandbox.Faults{{ErrorRate: 1}, {RateLimitRate: 1}} {
		sandboxtest.SetFaults(t, sb.URL, f)
		res, err := c.BatchRead(t.Context(), "contacts", "email", []string{cat.Contacts[0].Email}, nil)
		require.Error(t, err)
		assert.Empty(t, res.NotFound(), "a failed read finds nothing missing")
		assert.True(t, hubspot.IsRetryable(err))
		assert.False(t, hubspot.IsNotFound(err))
		var oe *hubspot.ObjectError
		require.ErrorAs(t, err, &oe)
		assert.Contains(t, err.Error(), "reading hubspot contacts "+cat.Contacts[0].Email)
	}
}

func TestBatchCallsOverOneHundredInputsAreSplitNotRefused(t *testing.T) {
	sb := hubspottest.Start(t, sbhubspot.Options{Catalog: catalog(10)}, sandbox.Options{})
	c := sb.Client(t)
	inputs := make([]hubspot.Input, 150)
	for i := range inputs {
		inputs[i] = hubspot.Input{Properties: map[string]any{"email": fmt.Sprintf("bulk-%03d@example.com", i), "firstname": "Bulk"}}
	}
	name := func(in hubspot.Input) string { return fmt.Sprint(in.Properties["email"]) }
	res, err := c.BatchCreate(t.Context(), "contacts", inputs, name)
	require.NoError(t, err)
	require.Len(t, res.Results, 150)
	assert.EqualValues(t, 2, sb.Server.Stats().Count("POST /crm/v3/objects/{objectType}/batch/create", http.StatusCreated))

	updates := make([]hubspot.Input, len(res.Results))
	for i, o := range res.Results {
		updates[i] = hubspot.Input{ID: o.ID, Properties: map[string]any{"lastname": "Updated"}}
	}
	res, err = c.BatchUpdate(t.Context(), "contacts", updates, func(in hubspot.Input) string { return in.ID })
	require.NoError(t, err)
	require.Len(t, res.Results, 150)
	for _, o := range res.Results {
		v, _ := o.Property("lastname")
		assert.Equal(t, "Updated", v)
	}
}

func TestErrorsCarryHubSpotsMessageAndNeverTheToken(t *testing.T) {
	sb := hubspottest.Start(t, sbhubspot.Options{Catalog: catalog(10)}, sandbox.Options{})
	cfg := sb.Config()
	cfg.Token = "pat-na1-wrong-token-value-1234"
	c, err := hubspot.New(cfg)
	require.NoError(t, err)
	_, err = c.BatchRead(t.Context(), "contacts", "", []string{"1000001"}, nil)
	require.Error(t, err)
	assert.Equal(t, http.StatusUnauthorized, hubspot.Status(err))
	assert.NotContains(t, err.Error(), cfg.Token)
	assert.Contains(t, err.Error(), "INVALID_AUTHENTICATION")

	// A property validation error names the property, and is permanent.
	c = sb.Client(t)
	_, err = c.BatchCreate(t.Context(), "contacts", []hubspot.Input{{Properties: map[string]any{"email": "x@example.com", "no_such_property": "1"}}},
		func(in hubspot.Input) string { return "x@example.com" })
	require.Error(t, err)
	assert.False(t, hubspot.IsRetryable(err))
	assert.Contains(t, err.Error(), "no_such_property")
	var he *httpx.HTTPError
	require.ErrorAs(t, err, &he)
	assert.Equal(t, hubspot.CategoryValidation, he.Code)
}

func TestNewRefusesAMissingTokenAndABadAPIPrefix(t *testing.T) {
	_, err := hubspot.New(hubspot.Config{})
	require.ErrorContains(t, err, "access token is required")
	_, err = hubspot.New(hubspot.Config{Token: "t0ken-value", APIPrefix: "crm/v3"})
	require.ErrorContains(t, err, "API prefix")
	c, err := hubspot.New(hubspot.Config{Token: "t0ken-value", APIPrefix: "/crm/objects/2026-03/"})
	require.NoError(t, err)
	require.NotNil(t, c)
}
