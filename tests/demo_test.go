package tests

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/netsuite"
	nssandbox "github.com/datawald/datawald/internal/sandbox/netsuite"
	"github.com/datawald/datawald/internal/synctask"
)

func TestDemo_OnceSyncsBothWaysAndAReadAgainSendsNothing(t *testing.T) {
	dir := t.TempDir()
	args := []string{"demo", "--once", "--data-dir", dir, "--orders", "80", "--poll-interval", "1s", "--timeout", "90s"}

	out, err := runCLI(t, append(args, "--http-address", freeAddr(t))...)
	require.NoError(t, err, out)
	assert.Contains(t, out, "embedded Kafka (kfake, DEVELOPMENT ONLY")
	assert.Contains(t, out, "first full sync settled")
	assert.Contains(t, out, "✓ NetSuite holds exactly one sales order per exported storefront order")
	assert.Contains(t, out, "✓ Magento holds the stock NetSuite has")
	assert.Contains(t, out, "✓ SAP B1 holds exactly one order per exported storefront order")
	assert.Contains(t, out, "✓ HubSpot holds a contact with the storefront's name for every storefront customer")
	assert.NotContains(t, out, "✗")

	// Second run on the same store, every source read from the start again:
	// the content dedupe stages everything I and nothing is written.
	out, err = runCLI(t, append(args, "--reread", "--http-address", freeAddr(t))...)
	require.NoError(t, err, out)
	assert.Contains(t, out, "expecting nothing new to be sent")
	assert.Contains(t, out, "✓ nothing was written to any system")
	assert.NotContains(t, out, "✗")
}

func TestDemo_AStorefrontOrderChangedWhileRunningReachesNetSuiteWithinTwoPollIntervals(t *testing.T) {
	const poll = 5 * time.Second
	dir := t.TempDir()
	cmd := exec.Command(binary, "demo", "--data-dir", dir, "--orders", "60", "--poll-interval", poll.String(), "--http-address", freeAddr(t))
	cmd.Dir = repoRoot
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("demo output:\n%s", out.String())
		}
	})
	require.Eventually(t, func() bool { return strings.Contains(out.String(), "first full sync settled") }, 2*time.Minute, 200*time.Millisecond)

	urls := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^\s+(\w+)\s+simulator: (http://\S+)$`).FindAllStringSubmatch(out.String(), -1) {
		urls[m[1]] = m[2]
	}
	require.NotEmpty(t, urls["magento"])
	require.NotEmpty(t, urls["netsuite"])

	// An order the flow exported, from the demo's own store.
	st, err := synctask.Acquire(t.Context(), "sqlite://"+filepath.Join(dir, "synctask.db"))
	require.NoError(t, err)
	defer func() { _ = st.Release(context.Background()) }()
	page, err := st.ListEntities(t.Context(), synctask.EntityFilter{TxType: "order", Statuses: []synctask.Status{synctask.StatusSent}, PageRequest: synctask.PageRequest{Limit: 1}})
	require.NoError(t, err)
	require.NotEmpty(t, page.Items)
	orderID := page.Items[0].SrcID

	// A customer service agent corrects the order's contact email in the
	// storefront.
	email := fmt.Sprintf("corrected-%d@example.com", time.Now().UnixNano())
	body, _ := json.Marshal(map[string]any{"entity": "orders", "ids": []string{orderID}, "set": map[string]any{"customer_email": email}})
	resp, err := http.Post(urls["magento"]+"/_sandbox/mutate", "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	changed := time.Now()

	ns := netsuiteClient(t, urls["netsuite"])
	var took time.Duration
	require.Eventually(t, func() bool {
		raw, err := ns.GetRecord(t.Context(), "salesOrder", "eid:magento-order-"+orderID, false)
		if err != nil {
			return false
		}
		var so struct {
			Email string `json:"email"`
		}
		if json.Unmarshal(raw, &so) != nil || so.Email != email {
			return false
		}
		took = time.Since(changed)
		return true
	}, 2*poll+5*time.Second, 100*time.Millisecond, "the corrected email never reached the sales order")
	t.Logf("the change reached NetSuite %s after it was made (poll interval %s)", took.Round(time.Millisecond), poll)
	assert.LessOrEqual(t, took, 2*poll+time.Second, "within two poll intervals")
}

// netsuiteClient talks to the demo's NetSuite simulator with the sandbox's
// fixed credentials.
func netsuiteClient(t *testing.T, baseURL string) *netsuite.Client {
	t.Helper()
	v, err := nssandbox.New(nssandbox.Options{})
	require.NoError(t, err)
	creds := v.Credentials()
	account, err := netsuite.ParseAccountID(creds["account_id"])
	require.NoError(t, err)
	c, err := netsuite.New(netsuite.Config{
		Account: account, BaseURL: baseURL, ConcurrencyLimit: 5,
		Auth: netsuite.Auth{Mode: netsuite.AuthTBA, TBA: netsuite.TBA{
			ConsumerKey: creds["consumer_key"], ConsumerSecret: creds["consumer_secret"],
			TokenID: creds["token_id"], TokenSecret: creds["token_secret"],
		}},
	})
	require.NoError(t, err)
	return c
}
