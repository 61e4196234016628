package outputs

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/hubspot"
	"github.com/datawald/datawald/internal/hubspot/hubspottest"
	"github.com/datawald/datawald/internal/sandbox"
	sbhubspot "github.com/datawald/datawald/internal/sandbox/hubspot"
	"github.com/datawald/datawald/internal/sandbox/sandboxtest"
	"github.com/datawald/datawald/internal/sandbox/seed"
	"github.com/datawald/datawald/internal/synctask"
)

const (
	hsBatchRead   = "POST /crm/v3/objects/{objectType}/batch/read"
	hsBatchCreate = "POST /crm/v3/objects/{objectType}/batch/create"
	hsBatchUpdate = "POST /crm/v3/objects/{objectType}/batch/update"
)

// hubspotOutputHarness is a HubSpot simulator, a sync-task store where the
// test stages the records it delivers, and outputs built on both.
type hubspotOutputHarness struct {
	t     *testing.T
	sb    *hubspottest.Sandbox
	cat   *seed.Catalog
	store *synctask.Shared
	dsn   string
	seq   int
}

func startHubSpotOutput(t *testing.T, so sandbox.Options) *hubspotOutputHarness {
	t.Helper()
	return startHubSpotOutputWith(t, sbhubspot.Options{}, so)
}

// startHubSpotOutputWith is startHubSpotOutput with a simulator built from
// o (its Catalog is the harness's own).
func startHubSpotOutputWith(t *testing.T, o sbhubspot.Options, so sandbox.Options) *hubspotOutputHarness {
	t.Helper()
	cat := seed.Generate(seed.Config{Seed: 3, Counts: seed.Counts{Products: 20, Customers: 20, Orders: 10, Companies: 10, Contacts: 60, Deals: 10}})
	o.Catalog = cat
	sb := hubspottest.Start(t, o, so)
	dsn := "sqlite://" + filepath.Join(t.TempDir(), "synctask.db")
	shared, err := synctask.Acquire(context.Background(), dsn)
	require.NoError(t, err)
	t.Cleanup(func() { _ = shared.Release(context.Background()) })
	return &hubspotOutputHarness{t: t, sb: sb, cat: cat, store: shared, dsn: dsn}
}

// output builds a hubspot output of object keyed by idProperty.
func (h *hubspotOutputHarness) output(object, idProperty string, tune func(*hubspotOutputConfig)) *hubspotOutput {
	h.t.Helper()
	typ, ok := hubspot.LookupObjectType(object)
	require.True(h.t, ok)
	cfg := hubspotOutputConfig{client: h.sb.Config(), object: typ, idProperty: idProperty}
	if tune != nil {
		tune(&cfg)
	}
	rep := synctask.NewReporter(h.store, synctask.ReporterConfig{MaxAttempts: 2, InitialBackoff: 5 * time.Millisecond}, nil)
	out, err := newHubSpotOutput(cfg, rep, service.MockResources())
	require.NoError(h.t, err)
	require.NoError(h.t, out.Connect(h.t.Context()))
	return out
}

// stage stages bodies as records of one task, as the sync_task processor
// does upstream, and returns them as messages carrying the envelope.
func (h *hubspotOutputHarness) stage(ids []string, bodies []map[string]any) service.MessageBatch {
	h.t.Helper()
	h.seq++
	spec := synctask.TaskSpec{ID: fmt.Sprintf("task-customer-%d", h.seq), TxType: "customer", Source: "erp", Target: "hubspot"}
	keys := make([]synctask.Key, len(ids))
	raw := make([][]byte, len(ids))
	for i, id := range ids {
		var err error
		raw[i], err = json.Marshal(bodies[i])
		require.NoError(h.t, err)
		keys[i] = h.key(id)
	}
	return stageTask(h.t, h.store, spec, keys, raw)
}

func (h *hubspotOutputHarness) key(id string) synctask.Key {
	return synctask.Key{Source: "erp", Target: "hubspot", TxType: "customer", SrcID: id}
}

func (h *hubspotOutputHarness) entity(id string) synctask.Entity {
	h.t.Helper()
	e, err := h.store.GetEntity(context.Background(), h.key(id))
	require.NoError(h.t, err)
	return e
}

// contactsByEmail reads contacts by email straight from HubSpot.
func (h *hubspotOutputHarness) contactsByEmail(emails []string) map[string]hubspot.Object {
	h.t.Helper()
	res, err := h.sb.Client(h.t).BatchRead(h.t.Context(), "contacts", "email", emails, []string{"email", "firstname", "lastname", "phone"})
	require.NoError(h.t, err)
	out := map[string]hubspot.Object{}
	for _, o := range res.Results {
		e, _ := o.Property("email")
		out[strings.ToLower(e)] = o
	}
	return out
}

// contactCount is the number of contacts in the portal, by search.
func (h *hubspotOutputHarness) contactCount() int {
	h.t.Helper()
	p, err := h.sb.Client(h.t).Search(h.t.Context(), "contacts", hubspot.SearchRequest{Limit: 1})
	require.NoError(h.t, err)
	return p.Total
}

func contactBodies(n int, lastname string) ([]string, []map[string]any) {
	ids := make([]string, n)
	bodies := make([]map[string]any, n)
	for i := range n {
		ids[i] = fmt.Sprintf("CUST-%04d", i)
		bodies[i] = map[string]any{"properties": map[string]any{
			"email": fmt.Sprintf("buyer-%04d@example.com", i), "firstname": "Buyer", "lastname": lastname, "phone": 4930000000 + i,
		}}
	}
	return ids, bodies
}

func emailsOf(bodies []map[string]any) []string {
	out := make([]string, len(bodies))
	for i, b := range bodies {
		out[i] = b["properties"].(map[string]any)["email"].(string)
	}
	return out
}

// writeHubSpot writes batch as Benthos does: messages nacked in a
// BatchError are written again until none is left.
func writeHubSpot(t *testing.T, out *hubspotOutput, batch service.MessageBatch) {
	t.Helper()
	writeRedelivering(t, out, batch, 30)
}

func TestHubSpotOutputCreatesContactsByEmailThenUpdatesThemWithoutDuplicates(t *testing.T) {
	h := startHubSpotOutput(t, sandbox.Options{})
	out := h.output("contacts", "email", nil)
	before := h.contactCount()

	ids, bodies := contactBodies(150, "First")
	writeHubSpot(t, out, h.stage(ids, bodies))
	st := h.sb.Server.Stats()
	created := h.contactsByEmail(emailsOf(bodies))
	require.Len(t, created, 150)
	assert.Equal(t, before+150, h.contactCount())
	for i, id := range ids {
		e := h.entity(id)
		assert.Equal(t, synctask.StatusSent, e.Status)
		assert.Equal(t, created[emailsOf(bodies)[i]].ID, e.TgtID, "tgt_id is the HubSpot id")
	}
	assert.EqualValues(t, 2, st.EndpointTotal(hsBatchRead), "150 existence checks in calls of at most 100")
	assert.EqualValues(t, 2, st.EndpointTotal(hsBatchCreate), "150 creates in calls of at most 100")

	// The second run updates the same contacts.
	_, bodies = contactBodies(150, "Second")
	writeHubSpot(t, out, h.stage(ids, bodies))
	updated := h.contactsByEmail(emailsOf(bodies))
	assert.Equal(t, before+150, h.contactCount(), "no duplicates")
	for email, o := range updated {
		assert.Equal(t, created[email].ID, o.ID)
		last, _ := o.Property("lastname")
		assert.Equal(t, "Second", last)
	}
	assert.EqualValues(t, 2, h.sb.Server.Stats().EndpointTotal(hsBatchUpdate))
	assert.Equal(t, synctask.StatusSent, h.entity(ids[0]).Status)

	// The third run sends what HubSpot holds already: nothing is written.
	for _, b := range bodies {
		b["run"] = 3 // staged as new data, same properties
	}
	writeHubSpot(t, out, h.stage(ids, bodies))
	assert.EqualValues(t, 2, h.sb.Server.Stats().EndpointTotal(hsBatchUpdate), "no update for unchanged contacts")
	e := h.entity(ids[7])
	assert.Equal(t, synctask.StatusIgnored, e.Status)
	assert.Equal(t, created[emailsOf(bodies)[7]].ID, e.TgtID)
}

func TestHubSpotOutputFailedExistenceCheckNeverCreatesADuplicate(t *testing.T) {
	h := startHubSpotOutput(t, sandbox.Options{FaultSeed: 42})
	out := h.output("contacts", "email", func(c *hubspotOutputConfig) { c.client.HTTP.Timeout = 300 * time.Millisecond })
	before := h.contactCount()
	ids, bodies := contactBodies(40, "Flaky")

	// Every call fails (5xx, then 429): the existence check fails after
	// its retries and nothing is created; every record is nacked.
	for _, f := range []sandbox.Faults{{ErrorRate: 1}, {RateLimitRate: 1}} {
		sandboxtest.SetFaults(t, h.sb.URL, f)
		err := out.WriteBatch(t.Context(), h.stage(ids, bodies))
		var berr *service.BatchError
		require.ErrorAs(t, err, &berr)
		assert.Equal(t, 40, berr.IndexedErrors())
		assert.Zero(t, h.sb.Server.Stats().EndpointTotal(hsBatchCreate), "a failed existence check creates nothing")
		assert.Equal(t, synctask.StatusNew, h.entity(ids[0]).Status, "a transient failure is not recorded F")
	}

	// A flaky portal, whose slow answers arrive after the client gave up
	// (a create that happened although the output saw a timeout):
	// redeliveries until everything is written, and each contact exists
	// exactly once, recorded S (never F for a unique-value conflict).
	sandboxtest.SetFaults(t, h.sb.URL, sandbox.Faults{ErrorRate: 0.3, RateLimitRate: 0.1, SlowRate: 0.2, SlowLatency: sandbox.Duration(time.Second)})
	batch := h.stage(ids, bodies)
	writeHubSpot(t, out, batch)
	sandboxtest.SetFaults(t, h.sb.URL, sandbox.Faults{})
	assert.Equal(t, before+40, h.contactCount(), "no duplicates")
	assert.Len(t, h.contactsByEmail(emailsOf(bodies)), 40)
	for _, id := range ids {
		assert.Equal(t, synctask.StatusSent, h.entity(id).Status)
	}
}

func TestHubSpotOutputFailsOnlyTheBadRecordsOfABatchNamingThem(t *testing.T) {
	h := startHubSpotOutput(t, sandbox.Options{})
	out := h.output("contacts", "email", nil)
	ids, bodies := contactBodies(6, "Mixed")
	bodies[2]["properties"].(map[string]any)["favourite_colour"] = "teal"
	delete(bodies[4]["properties"].(map[string]any), "email")
	batch := h.stage(ids, bodies)
	batch[5] = service.NewMessage([]byte(`not json`))
	synctask.SetEnvelope(batch[5], synctask.Envelope{Key: h.key(ids[5]), TaskID: fmt.Sprintf("task-customer-%d", h.seq)})

	writeHubSpot(t, out, batch)
	for _, i := range []int{0, 1, 3} {
		assert.Equal(t, synctask.StatusSent, h.entity(ids[i]).Status, "record %d", i)
	}
	bad := h.entity(ids[2])
	assert.Equal(t, synctask.StatusFailed, bad.Status)
	assert.Equal(t, hubspot.CategoryValidation, bad.ErrorCode)
	assert.Contains(t, bad.Note, ids[2])
	assert.Contains(t, bad.Note, "favourite_colour")
	noKey := h.entity(ids[4])
	assert.Equal(t, synctask.StatusFailed, noKey.Status)
	assert.Equal(t, codeInvalid, noKey.ErrorCode)
	assert.Contains(t, noKey.Note, "properties.email")
	assert.Contains(t, noKey.Note, ids[4])
	assert.Equal(t, synctask.StatusFailed, h.entity(ids[5]).Status)
	assert.Len(t, h.contactsByEmail(emailsOf(bodies[:2])), 2)
}

func TestHubSpotOutputByObjectIDUpdatesCreatesAndFailsUnknownIDs(t *testing.T) {
	h := startHubSpotOutput(t, sandbox.Options{})
	out := h.output("contacts", hubspot.PropObjectID, nil)
	existing := "1000003"
	bodies := []map[string]any{
		{"id": existing, "properties": map[string]any{"jobtitle": "Buyer", "hs_object_id": existing, "lastmodifieddate": "2026-01-01T00:00:00Z"}},
		{"properties": map[string]any{"email": "new-by-id@example.com", "firstname": "New"}},
		{"id": "1999999", "properties": map[string]any{"jobtitle": "Ghost"}},
	}
	ids := []string{"A", "B", "C"}
	before := h.contactCount()
	writeHubSpot(t, out, h.stage(ids, bodies))

	a := h.entity("A")
	assert.Equal(t, synctask.StatusSent, a.Status)
	assert.Equal(t, existing, a.TgtID)
	res, err := h.sb.Client(t).BatchRead(t.Context(), "contacts", "", []string{existing}, []string{"jobtitle"})
	require.NoError(t, err)
	title, _ := res.Results[0].Property("jobtitle")
	assert.Equal(t, "Buyer", title)

	b := h.entity("B")
	assert.Equal(t, synctask.StatusSent, b.Status)
	assert.Equal(t, h.contactsByEmail([]string{"new-by-id@example.com"})["new-by-id@example.com"].ID, b.TgtID)
	assert.Equal(t, before+1, h.contactCount())

	c := h.entity("C")
	assert.Equal(t, synctask.StatusFailed, c.Status)
	assert.Equal(t, hubspot.CategoryNotFound, c.ErrorCode)
	assert.Contains(t, c.Note, "1999999")
}

func TestHubSpotOutputSendsOnlyAllowListedPropertiesAndWritesRepeatedKeysInOrder(t *testing.T) {
	h := startHubSpotOutput(t, sandbox.Options{})
	out := h.output("contacts", "email", func(c *hubspotOutputConfig) {
		c.allowed = map[string]bool{"email": true, "firstname": true}
	})
	bodies := []map[string]any{
		{"properties": map[string]any{"email": "twice@example.com", "firstname": "One", "not_in_hubspot": "x"}},
		{"properties": map[string]any{"email": "TWICE@example.com", "firstname": "Two", "lastname": "Dropped"}},
	}
	writeHubSpot(t, out, h.stage([]string{"first", "second"}, bodies))
	got := h.contactsByEmail([]string{"twice@example.com"})["twice@example.com"]
	first, _ := got.Property("firstname")
	assert.Equal(t, "Two", first, "the later message of one key is written last")
	_, hasLast := got.Property("lastname")
	assert.False(t, hasLast, "properties outside the allow-list are not sent")
	assert.Equal(t, synctask.StatusSent, h.entity("first").Status)
	assert.Equal(t, synctask.StatusSent, h.entity("second").Status)
	assert.Equal(t, h.entity("first").TgtID, h.entity("second").TgtID)
}

func TestHubSpotOutputKeepsTheTokenOutOfOutcomesAndErrors(t *testing.T) {
	h := startHubSpotOutput(t, sandbox.Options{})
	const token = "pat-na1-0123-wrong-token-abcdef"
	out := h.output("contacts", "email", func(c *hubspotOutputConfig) { c.client.Token = token })
	ids, bodies := contactBodies(3, "Denied")
	err := out.WriteBatch(t.Context(), h.stage(ids, bodies))
	require.NoError(t, err, "a 401 is permanent: recorded F, not nacked")
	e := h.entity(ids[0])
	assert.Equal(t, synctask.StatusFailed, e.Status)
	assert.Equal(t, "INVALID_AUTHENTICATION", e.ErrorCode)
	assert.NotContains(t, e.Note, token)

	sandboxtest.SetFaults(t, h.sb.URL, sandbox.Faults{ErrorRate: 1})
	err = out.WriteBatch(t.Context(), h.stage(ids, bodies))
	require.Error(t, err)
	assert.NotContains(t, err.Error(), token)
	var berr *service.BatchError
	require.ErrorAs(t, err, &berr)
	berr.WalkMessages(func(_ int, _ *service.Message, err error) bool {
		assert.False(t, err != nil && strings.Contains(err.Error(), token))
		return true
	})
}

func TestHubSpotOutputConfigParsesAndLints(t *testing.T) {
	conf, err := hubspotOutputSpec().ParseYAML(`access_token: pat-na1-x
object: companies
id_property: external_id
properties: [ name, domain ]
sync_task: { store: "sqlite://:memory:" }
`, nil)
	require.NoError(t, err)
	cfg, err := hubspotOutputConfigFromParsed(conf)
	require.NoError(t, err)
	assert.Equal(t, "external_id", cfg.idProperty)
	assert.Equal(t, map[string]bool{"external_id": true, "name": true, "domain": true}, cfg.allowed, "the id property is always allowed")
	assert.Equal(t, "hs_lastmodifieddate", cfg.object.ModifiedProperty)

	cases := map[string]struct{ yaml, want string }{
		"read-only id property": {"id_property: createdate", "maintained by HubSpot"},
		"empty id property":     {"id_property: \"\"", "id_property must not be empty"},
		"unknown object":        {"object: tickets", "tickets"},
		"empty token":           {"access_token: \" \"", "access_token must not be empty"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			yaml := "hubspot:\n  object: contacts\n  access_token: pat-na1-x\n  sync_task: { store: \"sqlite://:memory:\" }\n  " + tc.yaml
			err := service.NewStreamBuilder().AddOutputYAML(yaml)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestHubSpotOutputWritesMappedCanonicalCustomersInAStream(t *testing.T) {
	h := startHubSpotOutput(t, sandbox.Options{})
	ids := []string{"17", "18"}
	batch := h.stage(ids, []map[string]any{
		{"external_ids": map[string]any{"magento": "17"}, "email": "Stream.One@Example.com", "first_name": "Stream", "last_name": "One",
			"updated_at": "2026-03-01T00:00:00Z", "addresses": []any{map[string]any{"type": "billing", "street": []any{"1 Main St"}, "city": "Berlin", "country_code": "DE", "default_billing": true}}},
		{"external_ids": map[string]any{"magento": "18"}, "first_name": "No", "last_name": "Email", "updated_at": "2026-03-01T00:00:00Z"},
	})

	b := service.NewStreamBuilder()
	require.NoError(t, b.SetLoggerYAML("level: none"))
	require.NoError(t, b.AddProcessorYAML(`mapping: 'from "../bloblang/mappings/hubspot/canonical_to_contact.blobl"'`))
	require.NoError(t, b.AddOutputYAML(fmt.Sprintf(`hubspot:
  base_url: %s
  access_token: %s
  object: contacts
  id_property: email
  properties: [ email, firstname, lastname, phone, company, address, city, zip, state, country ]
  sync_task: { store: %q }
  batching: { count: 2 }
`, h.sb.URL, h.sb.Token(), h.dsn)))
	sendThroughStream(t, b, batch)

	got := h.contactsByEmail([]string{"stream.one@example.com"})["stream.one@example.com"]
	require.NotEmpty(t, got.ID)
	first, _ := got.Property("firstname")
	assert.Equal(t, "Stream", first)
	one := h.entity("17")
	assert.Equal(t, synctask.StatusSent, one.Status)
	assert.Equal(t, got.ID, one.TgtID)
	// The mapping refused the customer without an email; the flagged
	// message reaches the output, which records it F with the mapping's
	// error rather than writing it.
	two := h.entity("18")
	assert.Equal(t, synctask.StatusFailed, two.Status)
	assert.Contains(t, two.Note, "customer 18 has no email")
}

func TestHubSpotOutputLogsFailuresWithoutTheToken(t *testing.T) {
	h := startHubSpotOutput(t, sandbox.Options{})
	const token = "pat-na1-0123-wrong-output-token-xyz"
	logPath := filepath.Join(t.TempDir(), "datawald.log")
	ids, bodies := contactBodies(2, "Logged")
	batch := h.stage(ids, bodies)

	b := service.NewStreamBuilder()
	require.NoError(t, b.SetLoggerYAML(fmt.Sprintf("level: debug\nformat: logfmt\nfile: { path: %q }", logPath)))
	require.NoError(t, b.AddOutputYAML(fmt.Sprintf("hubspot:\n  base_url: %s\n  access_token: %s\n  object: contacts\n  id_property: email\n  sync_task: { store: %q }\n",
		h.sb.URL, token, h.dsn)))
	sendThroughStream(t, b, batch) // a 401 is recorded F, and the messages are acked

	logs, err := os.ReadFile(logPath)
	require.NoError(t, err)
	assert.Contains(t, string(logs), "INVALID_AUTHENTICATION", "the failure is logged")
	assert.NotContains(t, string(logs), token)
	assert.Equal(t, synctask.StatusFailed, h.entity(ids[0]).Status)
}

func TestHubSpotOutputConcurrentBatchesWithTheSameNewKeysCreateEachRecordOnce(t *testing.T) {
	h := startHubSpotOutput(t, sandbox.Options{})
	out := h.output("contacts", "email", nil)
	before := h.contactCount()
	ids, bodies := contactBodies(30, "Race")
	first, second := h.stage(ids, bodies), h.stage(ids, bodies)

	// Two batches in flight at once (max_in_flight), both holding the same
	// 30 contacts HubSpot does not have yet.
	errs := make(chan error, 2)
	for _, b := range []service.MessageBatch{first, second} {
		go func() { errs <- out.WriteBatch(context.Background(), b) }()
	}
	require.NoError(t, <-errs)
	require.NoError(t, <-errs)
	assert.Equal(t, before+30, h.contactCount())
	created := h.contactsByEmail(emailsOf(bodies))
	for i, id := range ids {
		// One batch created it (S); the other, serialised after it, found
		// it holding the same values (I). Neither failed on a conflict.
		e := h.entity(id)
		assert.Contains(t, []synctask.Status{synctask.StatusSent, synctask.StatusIgnored}, e.Status, "record %s: %s", id, e.Note)
		assert.Equal(t, created[emailsOf(bodies)[i]].ID, e.TgtID)
	}
}

// sendThroughStream builds b with a batch producer, sends batch through the
// running stream, requires it to be acknowledged and stops the stream.
func sendThroughStream(t *testing.T, b *service.StreamBuilder, batch service.MessageBatch) {
	t.Helper()
	send, err := b.AddBatchProducerFunc()
	require.NoError(t, err)
	s, err := b.Build()
	require.NoError(t, err)
	done := make(chan struct{})
	go func() { defer close(done); _ = s.Run(context.Background()) }()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	require.NoError(t, send(ctx, batch))
	require.NoError(t, s.Stop(ctx))
	<-done
}
