package flows

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/datawald/datawald/internal/httpx"
	"github.com/datawald/datawald/internal/sandbox"
	sbsapb1 "github.com/datawald/datawald/internal/sandbox/sapb1"
	"github.com/datawald/datawald/internal/sapb1"
	"github.com/datawald/datawald/internal/synctask"
)

const (
	sapB1FlowDirect = "configs/direct/magento_orders_to_sap_b1.yaml"
	sapB1FlowSource = "configs/kafka/magento_orders_to_sap_b1.source.yaml"
	sapB1FlowTarget = "configs/kafka/magento_orders_to_sap_b1.target.yaml"
)

// sapB1FlowEnv is a flowEnv plus an SAP B1 Service Layer simulator holding
// the catalog's master data (items under their SKUs, one business partner
// per customer) but none of its documents: a company before its storefront
// integration, so every order it holds afterwards came through the flow.
type sapB1FlowEnv struct {
	*flowEnv
	sb    *sandbox.Server
	sbURL string
	st    *synctask.Shared
}

func newSAPB1FlowEnv(t *testing.T) *sapB1FlowEnv {
	e := &sapB1FlowEnv{flowEnv: newFlowEnv(t)}
	master := *e.cat
	master.Orders, master.Shipments, master.Invoices = nil, nil, nil
	e.sb = sandbox.NewServer(sbsapb1.New(sbsapb1.Options{Catalog: &master}), sandbox.Options{})
	var err error
	e.sbURL, err = e.sb.Start("127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = e.sb.Close() })
	t.Setenv("SAPB1_BASE_URL", e.sbURL)

	e.st, err = synctask.Acquire(t.Context(), e.store)
	require.NoError(t, err)
	t.Cleanup(func() { _ = e.st.Release(context.Background()) })
	return e
}

func (e *sapB1FlowEnv) sapB1Client() *sapb1.Client {
	creds := e.sb.Vendor().Credentials()
	c, err := sapb1.New(sapb1.Config{
		BaseURL: e.sbURL, CompanyDB: creds["company_db"], UserName: creds["username"], Password: creds["password"],
		HTTP: httpx.Settings{Timeout: 5 * time.Second, Retry: httpx.RetryPolicy{MaxAttempts: 3, InitialInterval: 10 * time.Millisecond, MaxInterval: 100 * time.Millisecond, MaxElapsed: 10 * time.Second}},
	})
	require.NoError(e.t, err)
	require.NoError(e.t, c.Login(e.t.Context()))
	e.t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c
}

// staged lists this flow's entities of txType by status.
func (e *sapB1FlowEnv) staged(txType string) map[synctask.Status][]synctask.Entity {
	return e.entities(e.t.Context(), e.st, synctask.EntityFilter{Source: "magento", Target: "sap_b1", TxType: txType})
}

// settled reports whether every Magento order has an outcome, S or I, and
// at least one was sent.
func (e *sapB1FlowEnv) settled() bool {
	o := e.staged("order")
	return len(o[synctask.StatusSent]) > 0 && len(o[synctask.StatusSent])+len(o[synctask.StatusIgnored]) == len(e.cat.Orders)
}

// writes counts the requests that changed the company: POST and PATCH
// other than logging in and out.
func (e *sapB1FlowEnv) writes() int64 {
	var n int64
	for _, r := range e.sb.Stats().Requests {
		method, path, _ := strings.Cut(r.Endpoint, " ")
		if (method == "POST" || method == "PATCH") && !strings.HasSuffix(path, "/Login") && !strings.HasSuffix(path, "/Logout") {
			n += r.Count
		}
	}
	return n
}

// canonicalOrder is the part of a staged canonical order the checks read.
type canonicalOrder struct {
	Number   string `json:"number"`
	Currency string `json:"currency"`
	Customer struct {
		ExternalIDs map[string]string `json:"external_ids"`
	} `json:"customer"`
	Lines []struct {
		SKU       string `json:"sku"`
		Quantity  string `json:"quantity"`
		UnitPrice string `json:"unit_price"`
		Discount  string `json:"discount"`
	} `json:"lines"`
}

// b1Order is the part of an SAP B1 Orders document the checks read.
type b1Order struct {
	DocEntry      int     `json:"DocEntry"`
	CardCode      string  `json:"CardCode"`
	NumAtCard     string  `json:"NumAtCard"`
	DocCurrency   string  `json:"DocCurrency"`
	DocTotal      float64 `json:"DocTotal"`
	DocumentLines []struct {
		ItemCode  string  `json:"ItemCode"`
		Quantity  float64 `json:"Quantity"`
		UnitPrice float64 `json:"UnitPrice"`
	} `json:"DocumentLines"`
}

func (e *sapB1FlowEnv) stagedOrder(en synctask.Entity) canonicalOrder {
	full, err := e.st.GetEntity(e.t.Context(), en.Key) // listings leave the payload out
	require.NoError(e.t, err)
	var o canonicalOrder
	require.NoError(e.t, json.Unmarshal(full.Data, &o))
	return o
}

// b1OrderOf returns the only SAP B1 order whose NumAtCard is number.
func (e *sapB1FlowEnv) b1OrderOf(c *sapb1.Client, number string) b1Order {
	found, err := c.FindByNumAtCard(e.t.Context(), sapb1.Orders, number)
	require.NoError(e.t, err)
	require.Len(e.t, found, 1, "exactly one SAP B1 order has NumAtCard %s", number)
	var o b1Order
	require.NoError(e.t, json.Unmarshal(found[0], &o))
	return o
}

// assertSameOrder checks that the B1 order holds the canonical order's
// lines (positive quantities, in order) and that its total is theirs: the
// lines net of their discounts (tax is left to B1's tax codes and the
// sandbox items carry none; the flow sends no freight line by default).
func assertSameOrder(t *testing.T, want canonicalOrder, got b1Order) {
	t.Helper()
	net, n := 0.0, 0
	for _, l := range want.Lines {
		q, _ := strconv.ParseFloat(l.Quantity, 64)
		if q <= 0 {
			continue
		}
		p, _ := strconv.ParseFloat(l.UnitPrice, 64)
		d, _ := strconv.ParseFloat(l.Discount, 64)
		net += q*p - d
		if assert.Greater(t, len(got.DocumentLines), n, "order %s has line %d", want.Number, n) {
			gl := got.DocumentLines[n]
			assert.Equal(t, l.SKU, gl.ItemCode, "order %s line %d item", want.Number, n)
			assert.InDelta(t, q, gl.Quantity, 1e-9, "order %s line %d quantity", want.Number, n)
			assert.InDelta(t, p, gl.UnitPrice, 1e-9, "order %s line %d unit price", want.Number, n)
		}
		n++
	}
	assert.Len(t, got.DocumentLines, n, "order %s lines", want.Number)
	// B1 rounds each line's discounted price to cents.
	assert.InDelta(t, net, got.DocTotal, 0.01*float64(n)+1e-9, "order %s total", want.Number)
}

// The one-stream flow, as shipped, against the Magento and SAP B1
// simulators: every exportable Magento order becomes exactly one SAP B1
// order keyed by its number, with its lines and their total, after its
// customer's business partner; canceled and closed orders are recorded I
// with the reason; a second full read stages everything I and writes
// nothing; an order changed in Magento is updated in place, its lines
// replaced rather than appended.
func TestSAPB1DirectMagentoOrdersFlow_CreatesEachOrderOnceAfterItsPartnerAndUpdatesItInPlace(t *testing.T) {
	e := newSAPB1FlowEnv(t)
	e.runConfigs(e.settled, sapB1FlowDirect)

	orders := e.staged("order")
	sent := orders[synctask.StatusSent]
	require.NotEmpty(t, sent)
	assert.Empty(t, orders[synctask.StatusFailed], "no order is refused by SAP B1")
	assert.Empty(t, e.deadLetters(), "nothing is quarantined")
	skipped := orders[synctask.StatusIgnored]
	require.NotEmpty(t, skipped, "the seed has canceled and closed orders")
	for _, en := range skipped {
		assert.Regexp(t, `is (canceled|closed): canceled and closed orders are not exported to SAP Business One`, en.Note, "order %s", en.SrcID)
	}
	stats := e.sb.Stats()
	assert.EqualValues(t, len(sent), stats.EndpointTotal("POST /b1s/v1/Orders"), "one create per exported order")

	c := e.sapB1Client()
	customers := map[string]bool{}
	for _, en := range sent {
		want := e.stagedOrder(en)
		got := e.b1OrderOf(c, want.Number)
		assert.Equal(t, strconv.Itoa(got.DocEntry), en.TgtID, "tgt_id is the DocEntry")
		customerID := want.Customer.ExternalIDs["magento"]
		assert.Equal(t, "W"+customerID, got.CardCode, "order %s goes to its customer's partner", want.Number)
		assertSameOrder(t, want, got)
		customers[customerID] = true
	}

	// Each customer's partner was created once, before its first order, and
	// recorded as its own entity (customers whose orders were all canceled or
	// closed included: their partner is written all the same).
	ordering := map[string]bool{}
	for _, o := range e.cat.Orders {
		ordering[strconv.Itoa(o.CustomerID)] = true
	}
	partners := e.staged("customer")
	assert.Empty(t, partners[synctask.StatusFailed])
	assert.Len(t, append(partners[synctask.StatusSent], partners[synctask.StatusIgnored]...), len(ordering), "one partner entity per customer")
	assert.EqualValues(t, len(ordering), stats.EndpointTotal("POST /b1s/v1/BusinessPartners"), "one partner created per customer")
	for id := range customers {
		raw, err := c.Get(t.Context(), sapb1.BusinessPartners, "W"+id)
		require.NoError(t, err, "partner of customer %s", id)
		var bp struct{ CardType, EmailAddress string }
		require.NoError(t, json.Unmarshal(raw, &bp))
		assert.Equal(t, "cCustomer", bp.CardType)
		assert.NotEmpty(t, bp.EmailAddress)
	}
	writes := e.writes()

	// A second full read (a new checkpoint) finds everything unchanged:
	// staged I, nothing written.
	t.Setenv("DATAWALD_CHECKPOINT_DIR", t.TempDir())
	e.runConfigs(func() bool {
		return len(e.staged("order")[synctask.StatusIgnored]) == len(e.cat.Orders)
	}, sapB1FlowDirect)
	assert.Equal(t, writes, e.writes(), "nothing is written again")
	assert.Empty(t, e.staged("customer")[synctask.StatusNew], "unchanged partners are not sent again")

	// An order changed in Magento is updated: the same document, its lines
	// replaced by the order's, not appended to. (The simulator changes an
	// order's scalar fields only; its currency stands in for any change.)
	en := sent[0]
	before := e.b1OrderOf(c, e.stagedOrder(en).Number)
	currency := "EUR"
	if before.DocCurrency == currency {
		currency = "GBP"
	}
	_, err := e.mg.Vendor().Mutate(sandbox.MutateRequest{Entity: "orders", IDs: []string{en.SrcID}, Set: map[string]any{"order_currency_code": currency}})
	require.NoError(t, err)
	// The input reads up to 5s (its lag) before now: poll until it is old enough.
	t.Setenv("MAGENTO_POLL_INTERVAL", "1s")
	e.runConfigs(func() bool {
		o, err := e.st.GetEntity(t.Context(), en.Key)
		return err == nil && o.Status == synctask.StatusSent && o.OldData != nil
	}, sapB1FlowDirect)
	after := e.b1OrderOf(c, e.stagedOrder(en).Number)
	assert.Equal(t, before.DocEntry, after.DocEntry, "the same document is updated")
	assert.Equal(t, currency, after.DocCurrency)
	assertSameOrder(t, e.stagedOrder(en), after)
	assert.EqualValues(t, 1, e.sb.Stats().EndpointTotal("PATCH /b1s/v1/{resource}"), "one update")
	assert.Equal(t, stats.EndpointTotal("POST /b1s/v1/Orders"), e.sb.Stats().EndpointTotal("POST /b1s/v1/Orders"), "no order is created")
}

// The Kafka variant, both halves as shipped, through an in-process Kafka
// (kfake): every exportable order reaches SAP B1 once through the backbone,
// after its partner, and its outcome is recorded by the target half.
func TestSAPB1KafkaMagentoOrdersFlow_DeliversEveryOrderThroughTheBackbone(t *testing.T) {
	e := newSAPB1FlowEnv(t)
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, "datawald.magento_orders_to_sap_b1"))
	require.NoError(t, err)
	t.Cleanup(cluster.Close)
	t.Setenv("KAFKA_BROKERS", strings.Join(cluster.ListenAddrs(), ","))

	e.runConfigs(e.settled, sapB1FlowSource, sapB1FlowTarget)

	orders := e.staged("order")
	sent := orders[synctask.StatusSent]
	assert.Empty(t, orders[synctask.StatusFailed], "no order is refused by SAP B1")
	assert.Empty(t, e.deadLetters())
	assert.EqualValues(t, len(sent), e.sb.Stats().EndpointTotal("POST /b1s/v1/Orders"), "one create per exported order")
	c := e.sapB1Client()
	for _, en := range sent {
		want := e.stagedOrder(en)
		assertSameOrder(t, want, e.b1OrderOf(c, want.Number))
	}
}
