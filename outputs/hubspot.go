package outputs

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/redpanda-data/benthos/v4/public/service"

	"github.com/datawald/datawald/internal/docsgen"
	"github.com/datawald/datawald/internal/hubspot"
	"github.com/datawald/datawald/internal/synctask"
)

const (
	hsoFieldIDProperty = "id_property"
	hsoFieldProperties = "properties"
	hsoFieldBatching   = "batching"
)

type hubspotOutputConfig struct {
	client     hubspot.Config
	object     hubspot.ObjectType
	idProperty string
	allowed    map[string]bool // nil: every property is sent
}

func hubspotOutputConfigFromParsed(conf *service.ParsedConfig) (c hubspotOutputConfig, err error) {
	if c.client, err = hubspot.ConfigFromParsed(conf); err != nil {
		return
	}
	if c.object, err = hubspot.ObjectTypeFromParsed(conf); err != nil {
		return
	}
	if c.idProperty, err = conf.FieldString(hsoFieldIDProperty); err != nil {
		return
	}
	if c.idProperty == "" {
		err = fmt.Errorf("field %s: must not be empty", hsoFieldIDProperty)
		return
	}
	if c.idProperty != hubspot.PropObjectID && slices.Contains(c.object.ReadOnlyProperties(), c.idProperty) {
		err = fmt.Errorf("field %s: %s is maintained by HubSpot and cannot identify a record to write", hsoFieldIDProperty, c.idProperty)
		return
	}
	var props []string
	if props, err = conf.FieldStringList(hsoFieldProperties); err != nil {
		return
	}
	if len(props) > 0 {
		c.allowed = map[string]bool{c.idProperty: true}
		for _, p := range props {
			c.allowed[p] = true
		}
	}
	return
}

func hubspotOutputSpec() *service.ConfigSpec {
	return service.NewConfigSpec().
		Beta().
		Categories(docsgen.Category, "Services").
		Summary("Creates or updates HubSpot contacts, companies, deals or products in batches, by `hs_object_id` or a unique property such as a contact's email, recording each record's outcome.").
		Description(`
Each message is one record as HubSpot takes it, already mapped (for example by `+"`bloblang/mappings/hubspot`"+`): `+"`{\"properties\": {\"email\": \"ada@example.com\", \"firstname\": \"Ada\"}}`"+`, optionally with HubSpot's `+"`id`"+`. The properties HubSpot maintains itself (`+"`hs_object_id`"+`, `+"`createdate`"+`, `+"`lastmodifieddate`"+`, `+"`hs_lastmodifieddate`"+`) are never sent, so objects read by the `+"`hubspot`"+` input can be written back as they are.

### Upsert by id_property

Each batch is written with at most three kinds of calls, 100 records each (HubSpot's batch limit):

1. **Existence check**: `+"`POST .../batch/read`"+` by `+"`id_property`"+`: the record's `+"`id`"+` (or `+"`properties.hs_object_id`"+`) for `+"`hs_object_id`"+`, otherwise the value of that property in `+"`properties`"+`, which must be a property with unique values (`+"`email`"+` for contacts; a custom unique property such as an external id for the other objects).
2. **Update** of the records found (`+"`POST .../batch/update`"+` by their HubSpot id). A record whose properties already hold every value sent is not written and is recorded I.
3. **Create** of the records not found (`+"`POST .../batch/create`"+`), with the id property set. With `+"`hs_object_id`"+`, a record without an id is created, in a call of its own (HubSpot ties a new object to its input by nothing but its position, which it does not guarantee), and one whose id does not exist is F (`+"`OBJECT_NOT_FOUND`"+`).

Only a real "no such object" counts as not found: an `+"`OBJECT_NOT_FOUND`"+` entry of HubSpot's batch read answer. A failed existence check (429, 5xx, a timeout, after the `+"`http`"+` retries) creates nothing: the records are nacked and redelivered, so a flaky moment never makes a duplicate. (The original connector took any error of its existence check for "not found" and created duplicates.) A redelivered record whose create did happen is found by its unique property and updated instead, so use a unique `+"`id_property`"+` for idempotent writes; with `+"`hs_object_id`"+`, records without an id are created again on redelivery.

Two messages of one batch with the same key are written one after the other, in order, and batches in flight at once (`+"`max_in_flight`"+`) that share keys are written one after the other, so neither finds a record missing that the other is creating. (Replicas writing the same keys at the same moment are not coordinated: HubSpot refuses the second create with a conflict, and that record is read again and updated.)

### Which properties are sent

With `+"`properties`"+` empty, every property in the message is sent; one HubSpot does not have (or a read-only one) fails that record with HubSpot's `+"`PROPERTY_DOESNT_EXIST`"+`/`+"`READ_ONLY_VALUE`"+` message naming the property. With `+"`properties`"+` set (an allow-list), other properties are dropped, with a debug log naming them, as the original connector filtered data to the properties the portal has.

### Outcomes

Every record ends S (with the HubSpot object id as `+"`tgt_id`"+`), I (unchanged) or F (HubSpot's category and message, naming the record; e.g. a property validation error or a unique-value conflict). A message an upstream processor flagged as failed (a mapping's `+"`throw`"+`) is recorded F with that error and not written; so is one that is not `+"`{\"properties\": {...}}`"+` or lacks its key (code `+"`INVALID_MESSAGE`"+`). HubSpot validates a batch as a whole, so when it refuses a batch (a 400 for an invalid record, a 409 for a record created meanwhile, any 4xx but 401, 403 and 429) the records are written again one per call and only the bad ones are F; a record another writer created since the existence check is updated. A create is never sent again once HubSpot answered its batch: a record its answer leaves out is redelivered and found by its key. Records that still fail transiently after the `+"`http`"+` retries are returned as a batch error, so only they are nacked and redelivered, never recorded F. Outcomes are recorded in `+"`sync_task.store`"+` under the message's envelope metadata (dw_source, dw_target, dw_tx_type, dw_src_id, dw_task_id); F records also go to `+"`sync_task.dead_letter_output`"+` when set.

### Rate limits

Calls count against the portal's rolling ten-second limit (100 to 190 requests per 10s for private apps) and daily budget. A 429 is retried after `+"`Retry-After`"+` or with backoff; a 429 of the `+"`DAILY`"+` policy is not: its records are nacked with an error naming the daily limit and redelivered until the budget returns at midnight, never recorded F. Batches of 100 (`+"`batching.count`"+`) keep the number of calls low.
`).
		Fields(hubspot.ConnectionFields()...).
		Fields(
			hubspot.ObjectField("Which object type the messages hold."),
			service.NewStringField(hsoFieldIDProperty).
				Description("Property that identifies a record: `hs_object_id` (HubSpot's id, from the message's `id` or `properties.hs_object_id`; records without one are created), or a property with unique values whose value is in the message's `properties`.").
				Default(hubspot.PropObjectID).
				Examples("email", "external_id", "hs_sku"),
			service.NewStringListField(hsoFieldProperties).
				Description("Allow-list of the properties to send (`id_property` is always sent); others are dropped with a debug log. Empty: every property of the message is sent.").
				Default([]any{}).
				Example([]any{"email", "firstname", "lastname", "phone", "company", "lifecyclestage"}),
			synctask.ReporterField(),
			service.NewOutputMaxInFlightField().Default(2),
			service.NewBatchPolicyField(hsoFieldBatching),
		).
		LintRule(`root = [
  if this.id_property.or("hs_object_id").trim() == "" { "id_property must not be empty" } else { null },
  if ["createdate", "lastmodifieddate", "hs_lastmodifieddate"].contains(this.id_property.or("")) { "id_property " + this.id_property + " is maintained by HubSpot and cannot identify a record" } else { null },
].filter(v -> v != null)`).
		Example("Customers into contacts, by email", "Maps canonical customers to contact properties, upserts them by email in batches of 100 and records outcomes.", `
pipeline:
  processors:
    - mapping: 'from "bloblang/mappings/hubspot/canonical_to_contact.blobl"'

output:
  hubspot:
    access_token: ${HUBSPOT_ACCESS_TOKEN}
    object: contacts
    id_property: email
    properties: [ email, firstname, lastname, phone, company, address, city, zip, country ]
    sync_task:
      store: sqlite:///var/lib/datawald/synctask.db
    max_in_flight: 2
    batching:
      count: 100
      period: 1s
`).
		Example("Business customers into companies", "Maps canonical business customers to companies keyed by `external_id`, a custom property with unique values that must exist in the portal.", `
pipeline:
  processors:
    - mapping: 'from "bloblang/mappings/hubspot/canonical_to_company.blobl"'

output:
  hubspot:
    access_token: ${HUBSPOT_ACCESS_TOKEN}
    object: companies
    id_property: external_id
    sync_task:
      store: sqlite:///var/lib/datawald/synctask.db
    batching:
      count: 100
      period: 1s
`)
}

func init() {
	service.MustRegisterBatchOutput("hubspot", hubspotOutputSpec(),
		func(conf *service.ParsedConfig, mgr *service.Resources) (service.BatchOutput, service.BatchPolicy, int, error) {
			var policy service.BatchPolicy
			cfg, err := hubspotOutputConfigFromParsed(conf)
			if err != nil {
				return nil, policy, 0, err
			}
			maxInFlight, err := conf.FieldMaxInFlight()
			if err != nil {
				return nil, policy, 0, err
			}
			if policy, err = conf.FieldBatchPolicy(hsoFieldBatching); err != nil {
				return nil, policy, 0, err
			}
			rep, err := synctask.NewReporterFromParsed(conf, mgr)
			if err != nil {
				return nil, policy, 0, err
			}
			out, err := newHubSpotOutput(cfg, rep, mgr)
			if err != nil {
				_ = rep.Close(context.Background())
				return nil, policy, 0, err
			}
			return out, policy, maxInFlight, nil
		})
}

// hubspotOutput writes one object type. WriteBatch may run concurrently
// (max_in_flight).
type hubspotOutput struct {
	cfg    hubspotOutputConfig
	client *hubspot.Client
	log    *service.Logger
	rep    *synctask.Reporter
	unsure unsureWrites
	// keyLocks serialises batches that hold the same key, so that two
	// batches in flight cannot both find a new record missing and both
	// create it (the second create would be refused as a duplicate).
	keyLocks keyedMutex
}

func newHubSpotOutput(cfg hubspotOutputConfig, rep *synctask.Reporter, mgr *service.Resources) (*hubspotOutput, error) {
	cc := cfg.client
	cc.Metrics, cc.Logger = mgr.Metrics(), mgr.Logger()
	client, err := hubspot.New(cc)
	if err != nil {
		return nil, err
	}
	return &hubspotOutput{cfg: cfg, client: client, log: mgr.Logger(), rep: rep}, nil
}

// Connect makes no HubSpot call: the token is checked by the first write.
func (o *hubspotOutput) Connect(context.Context) error { return nil }

// WriteBatch upserts the batch's records and records their outcomes.
// Records that failed transiently are returned in a *service.BatchError so
// only they are redelivered.
func (o *hubspotOutput) WriteBatch(ctx context.Context, batch service.MessageBatch) error {
	outs := make([]outcome, len(batch))
	recs := o.parse(batch, outs)
	defer o.lockKeys(recs)()
	for _, round := range keyRounds(recs) {
		o.upsert(ctx, round, outs)
	}
	return o.settle(ctx, batch, outs)
}

// lockKeys locks the batch's distinct keys, in sorted order so that
// batches sharing keys cannot deadlock, and returns the unlock function.
func (o *hubspotOutput) lockKeys(recs []*hubspotRecord) func() {
	keys := make([]string, 0, len(recs))
	for _, r := range recs {
		if r.key != "" {
			keys = append(keys, strings.ToLower(r.key))
		}
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	unlocks := make([]func(), len(keys))
	for i, k := range keys {
		unlocks[i] = o.keyLocks.lock("hubspot:" + o.cfg.object.Name + ":" + k)
	}
	return func() {
		for i := len(unlocks) - 1; i >= 0; i-- {
			unlocks[i]()
		}
	}
}

// Close releases the sync-task store.
func (o *hubspotOutput) Close(ctx context.Context) error { return o.rep.Close(ctx) }

// settle records each decided outcome through the reporter (S, I, or F
// with HubSpot's message) and nacks the undecided ones.
func (o *hubspotOutput) settle(ctx context.Context, batch service.MessageBatch, outs []outcome) error {
	nacks := newBatchNacks(batch, fmt.Sprintf("writing hubspot %s", o.cfg.object.Name))
	for i, out := range outs {
		if err := out.redeliver(); err != nil {
			nacks.nack(i, err)
			continue
		}
		rec, err := o.rep.Deliver(ctx, batch[i], func(context.Context) (synctask.Result, error) { return out.asResult() })
		if err != nil {
			nacks.nack(i, err)
			continue
		}
		if rec.Status == synctask.StatusFailed {
			o.log.Warnf("hubspot %s %s failed: %s: %s", o.cfg.object.Name, rec.Key, rec.ErrorCode, rec.Note)
		}
	}
	return nacks.err()
}
