package flows

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/datawald/datawald/internal/sandbox"
	sbhubspot "github.com/datawald/datawald/internal/sandbox/hubspot"
	"github.com/datawald/datawald/internal/sandbox/sandboxtest"
	"github.com/datawald/datawald/internal/sandbox/seed"
	"github.com/datawald/datawald/internal/synctask"
)

// hsBatch is the HubSpot simulator's endpoint template of the batch calls
// a contact upsert makes: existence check (read), create and update.
const hsBatch = "POST /crm/v3/objects/{objectType}/batch/"

// hsMirrored is how many of the flow env's Magento customers the HubSpot
// portal already holds as contacts (the seed mirrors the first ones); the
// others are new to it, so a run both updates and creates contacts.
const hsMirrored = 3

// hubspotPortal is a HubSpot simulator beside a flowEnv's Magento and
// NetSuite, loaded from the same seed, that the hubspot flows reach through
// HUBSPOT_BASE_URL and HUBSPOT_ACCESS_TOKEN.
type hubspotPortal struct {
	t     *testing.T
	srv   *sandbox.Server
	url   string
	token string
}

func startHubSpot(t *testing.T, e *flowEnv) *hubspotPortal {
	// newFlowEnv's seed, with only the first customers mirrored as contacts.
	cat := seed.Generate(seed.Config{Seed: 11, Counts: seed.Counts{Products: 10, Locations: 2, Customers: 6, Orders: 24, Contacts: hsMirrored}})
	require.Len(t, cat.Customers, len(e.cat.Customers))
	for i, c := range cat.Customers {
		require.Equal(t, e.cat.Customers[i].Email, c.Email, "the HubSpot portal mirrors the Magento customers")
	}
	v := sbhubspot.New(sbhubspot.Options{Catalog: cat})
	srv, base := sandboxtest.Start(t, v, sandbox.Options{})
	p := &hubspotPortal{t: t, srv: srv, url: base, token: v.Credentials()["access_token"]}
	t.Setenv("HUBSPOT_BASE_URL", p.url)
	t.Setenv("HUBSPOT_ACCESS_TOKEN", p.token)
	return p
}

// hsContact is a contact as the portal lists it.
type hsContact struct {
	ID         string            `json:"id"`
	Properties map[string]string `json:"properties"`
}

// contacts lists every contact of the portal with the properties the flow
// maps, by lower-case email; a second contact with one email fails the test.
func (p *hubspotPortal) contacts() map[string]hsContact {
	t := p.t
	props := "email,firstname,lastname,company,phone,address,city,zip,state,country"
	out := map[string]hsContact{}
	after := ""
	for {
		q := url.Values{"limit": {"100"}, "properties": {props}}
		if after != "" {
			q.Set("after", after)
		}
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, p.url+"/crm/v3/objects/contacts?"+q.Encode(), nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+p.token)
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		var page struct {
			Results []hsContact `json:"results"`
			Paging  struct {
				Next struct {
					After string `json:"after"`
				} `json:"next"`
			} `json:"paging"`
		}
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.NoError(t, json.NewDecoder(res.Body).Decode(&page))
		require.NoError(t, res.Body.Close())
		for _, c := range page.Results {
			email := strings.ToLower(c.Properties["email"])
			_, dup := out[email]
			require.False(t, dup, "one contact per email: %s is there twice", email)
			out[email] = c
		}
		if after = page.Paging.Next.After; after == "" {
			return out
		}
	}
}

// batchCalls counts the portal's batch calls by operation (read, create,
// update).
func (p *hubspotPortal) batchCalls() map[string]int64 {
	st := p.srv.Stats()
	out := map[string]int64{}
	for _, op := range []string{"read", "create", "update"} {
		out[op] = st.EndpointTotal(hsBatch + op)
	}
	return out
}

// seedCountryNames are the English short names of the seed's countries, as
// HubSpot's country property takes them.
var seedCountryNames = map[string]string{
	"US": "United States", "DE": "Germany", "FR": "France", "JP": "Japan", "GB": "United Kingdom", "BR": "Brazil",
}

// wantContact is the contact a seeded Magento customer must end as: its
// names and company, and the phone and postal address of its default
// billing address.
func wantContact(t *testing.T, c seed.Customer) map[string]string {
	a := c.Addresses[c.DefaultBilling]
	country, ok := seedCountryNames[a.CountryCode]
	require.True(t, ok, "country %s of customer %d has a name here", a.CountryCode, c.ID)
	want := map[string]string{
		"email": strings.ToLower(c.Email), "firstname": c.FirstName, "lastname": c.LastName, "phone": a.Phone,
		"address": strings.Join(a.Street, ", "), "city": a.City, "zip": a.Postcode, "state": a.Region, "country": country,
	}
	if c.Company != "" {
		want["company"] = c.Company
	}
	return want
}

func (e *flowEnv) hubspotCustomers(ctx context.Context, st *synctask.Shared) map[synctask.Status][]synctask.Entity {
	return e.entities(ctx, st, synctask.EntityFilter{Source: "magento", Target: "hubspot", TxType: "customer"})
}

// assertContacts checks that every seeded customer is one contact holding
// its mapped properties, whose id is the entity's recorded target id.
func assertContacts(t *testing.T, e *flowEnv, p *hubspotPortal, sent []synctask.Entity) {
	contacts := p.contacts()
	tgt := map[string]string{}
	for _, en := range sent {
		tgt[en.SrcID] = en.TgtID
	}
	for _, c := range e.cat.Customers {
		want := wantContact(t, c)
		got, ok := contacts[want["email"]]
		if !assert.True(t, ok, "customer %d (%s) is a HubSpot contact", c.ID, want["email"]) {
			continue
		}
		for k, v := range want {
			assert.Equal(t, v, got.Properties[k], "customer %d property %s", c.ID, k)
		}
		if c.Company == "" {
			assert.Empty(t, got.Properties["company"], "customer %d is a person", c.ID)
		}
		assert.Equal(t, got.ID, tgt[seedID(c.ID)], "customer %d: tgt_id is the contact's id", c.ID)
	}
}

// seedID is a seed entity's id as Magento and the store spell it.
func seedID(id int) string { return strconv.Itoa(id) }

// The one-stream customers → HubSpot flow, as shipped, against the Magento
// and HubSpot simulators: every Magento customer ends as exactly one
// contact with its mapped properties (the contacts the portal already had
// are updated, the others created), recorded S with the contact id; a
// second full read stages every customer I and makes no HubSpot call; a
// customer changed in Magento is then updated in HubSpot, alone.
func TestDirectMagentoCustomersToHubSpotFlow_UpsertsOneContactPerCustomerAndWritesOnlyChanges(t *testing.T) {
	e := newFlowEnv(t)
	p := startHubSpot(t, e)
	ctx := t.Context()
	st, err := synctask.Acquire(ctx, e.store)
	require.NoError(t, err)
	defer func() { _ = st.Release(context.Background()) }()
	const config = "configs/direct/magento_customers_to_hubspot.yaml"
	total := len(e.cat.Customers)
	require.Greater(t, total, hsMirrored)
	before := len(p.contacts())

	e.runConfigs(func() bool { return len(e.hubspotCustomers(ctx, st)[synctask.StatusSent]) == total }, config)

	byStatus := e.hubspotCustomers(ctx, st)
	assert.Empty(t, byStatus[synctask.StatusFailed], "no contact is refused by HubSpot")
	assert.Empty(t, e.deadLetters(), "no customer is quarantined")
	assert.Len(t, p.contacts(), before+total-hsMirrored, "only the customers HubSpot did not have are created")
	assertContacts(t, e, p, byStatus[synctask.StatusSent])
	first := p.batchCalls()
	assert.Positive(t, first["create"], "the new customers are created")
	assert.Positive(t, first["update"], "the mirrored customers are updated")

	// A second full read (a new checkpoint) finds every customer unchanged:
	// staged I, and HubSpot is not called at all.
	t.Setenv("DATAWALD_CHECKPOINT_DIR", t.TempDir())
	e.runConfigs(func() bool { return len(e.hubspotCustomers(ctx, st)[synctask.StatusIgnored]) == total }, config)
	assert.Equal(t, first, p.batchCalls(), "nothing is read or written again")
	assert.Len(t, p.contacts(), before+total-hsMirrored)

	// A customer renamed in Magento is read by a later poll cycle from the
	// same checkpoint (cycles stop the input's 5 s lag behind now, hence the
	// short interval) and updated in HubSpot; nothing else is written.
	t.Setenv("MAGENTO_POLL_INTERVAL", "1s")
	changed := e.cat.Customers[total-1]
	res := sandboxtest.Mutate(t, e.mgURL, sandbox.MutateRequest{Entity: "customers", IDs: []string{seedID(changed.ID)}, Set: map[string]any{"firstname": "Zofia"}})
	require.Equal(t, []string{seedID(changed.ID)}, res.Changed)
	e.runConfigs(func() bool {
		for _, en := range e.hubspotCustomers(ctx, st)[synctask.StatusSent] {
			if en.SrcID == seedID(changed.ID) {
				return true
			}
		}
		return false
	}, config)
	got := p.contacts()[strings.ToLower(changed.Email)]
	assert.Equal(t, "Zofia", got.Properties["firstname"], "the change reached HubSpot")
	assert.Equal(t, changed.LastName, got.Properties["lastname"])
	after := p.batchCalls()
	assert.Equal(t, first["create"], after["create"], "the changed customer is not created again")
	assert.Equal(t, first["update"]+1, after["update"], "one update call, for the changed customer")
	byStatus = e.hubspotCustomers(ctx, st)
	assert.Len(t, byStatus[synctask.StatusSent], 1)
	assert.Len(t, byStatus[synctask.StatusIgnored], total-1)
	assert.Len(t, p.contacts(), before+total-hsMirrored)
}

// The Kafka variant, both halves as shipped, through an in-process Kafka
// (kfake): every customer reaches HubSpot through the backbone as one
// contact with its mapped properties, and the target half records it S.
func TestKafkaMagentoCustomersToHubSpotFlow_DeliversEveryCustomerThroughTheBackbone(t *testing.T) {
	e := newFlowEnv(t)
	p := startHubSpot(t, e)
	ctx := t.Context()
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, "datawald.magento_customers_to_hubspot"))
	require.NoError(t, err)
	t.Cleanup(cluster.Close)
	t.Setenv("KAFKA_BROKERS", strings.Join(cluster.ListenAddrs(), ","))
	st, err := synctask.Acquire(ctx, e.store)
	require.NoError(t, err)
	defer func() { _ = st.Release(context.Background()) }()
	total := len(e.cat.Customers)
	before := len(p.contacts())

	e.runConfigs(func() bool { return len(e.hubspotCustomers(ctx, st)[synctask.StatusSent]) == total },
		"configs/kafka/magento_customers_to_hubspot.source.yaml", "configs/kafka/magento_customers_to_hubspot.target.yaml")

	assert.Empty(t, e.deadLetters())
	assert.Len(t, p.contacts(), before+total-hsMirrored)
	assertContacts(t, e, p, e.hubspotCustomers(ctx, st)[synctask.StatusSent])
	require.Eventually(t, func() bool { return e.tasksFinished(ctx, st) }, 10*time.Second, 100*time.Millisecond, "the poll cycle's task finishes")
}

// tasksFinished reports whether every magento → hubspot task has finished.
func (e *flowEnv) tasksFinished(ctx context.Context, st *synctask.Shared) bool {
	page, err := st.ListTasks(ctx, synctask.TaskFilter{PageRequest: synctask.PageRequest{Limit: 100}})
	require.NoError(e.t, err)
	n := 0
	for _, task := range page.Items {
		if task.Target != "hubspot" {
			continue
		}
		n++
		if task.Status == synctask.TaskProcessing {
			return false
		}
	}
	return n > 0
}
