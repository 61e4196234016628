package outputs

import (
	"context"
	"fmt"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"

	"github.com/datawald/datawald/internal/docsgen"
	"github.com/datawald/datawald/internal/netsuite"
	"github.com/datawald/datawald/internal/synctask"
)

const (
	noFieldRecordType   = "record_type"
	noFieldExternalID   = "external_id"
	noFieldInternalID   = "internal_id"
	noFieldOperation    = "operation"
	noFieldSublists     = "sublists"
	noFieldAsync        = "async"
	noFieldAsyncEnabled = "enabled"
	noFieldAsyncPoll    = "poll_interval"
	noFieldAsyncTimeout = "timeout"
	noFieldRelated      = "upsert_first"
	noFieldRelatedType  = "record_type"
	noFieldRelatedMeta  = "metadata"
	noFieldMaxInFlight  = "max_in_flight"
)

// Write operations.
const (
	noOpUpsert = "upsert"
	noOpCreate = "create"
	noOpUpdate = "update"
)

// Sublist modes.
const (
	noSublistsReplace = "replace"
	noSublistsMerge   = "merge"
)

// netsuiteRelated is a record carried in a message's metadata and upserted
// before the message's own record (the order's customer).
type netsuiteRelated struct {
	recordType string
	metaKey    string
}

type netsuiteOutputConfig struct {
	client       netsuite.Config
	recordType   *service.InterpolatedString
	externalID   *service.InterpolatedString
	internalID   *service.InterpolatedString
	operation    string
	replace      bool
	async        bool
	asyncPoll    time.Duration
	asyncTimeout time.Duration
	related      []netsuiteRelated
}

func netsuiteOutputConfigFromParsed(conf *service.ParsedConfig) (c netsuiteOutputConfig, err error) {
	if c.client, err = netsuite.ConfigFromParsed(conf); err != nil {
		return
	}
	if c.recordType, err = conf.FieldInterpolatedString(noFieldRecordType); err != nil {
		return
	}
	if c.externalID, err = conf.FieldInterpolatedString(noFieldExternalID); err != nil {
		return
	}
	if c.internalID, err = conf.FieldInterpolatedString(noFieldInternalID); err != nil {
		return
	}
	if c.operation, err = conf.FieldString(noFieldOperation); err != nil {
		return
	}
	var sub string
	if sub, err = conf.FieldString(noFieldSublists); err != nil {
		return
	}
	c.replace = sub == noSublistsReplace
	a := conf.Namespace(noFieldAsync)
	if c.async, err = a.FieldBool(noFieldAsyncEnabled); err != nil {
		return
	}
	if c.asyncPoll, err = a.FieldDuration(noFieldAsyncPoll); err != nil {
		return
	}
	if c.asyncTimeout, err = a.FieldDuration(noFieldAsyncTimeout); err != nil {
		return
	}
	if c.asyncPoll <= 0 || c.asyncTimeout <= 0 {
		err = fmt.Errorf("field %s: poll_interval and timeout must be positive", noFieldAsync)
		return
	}
	var rel []*service.ParsedConfig
	if rel, err = conf.FieldObjectList(noFieldRelated); err != nil {
		return
	}
	for i, r := range rel {
		var nr netsuiteRelated
		if nr.recordType, err = r.FieldString(noFieldRelatedType); err != nil {
			return
		}
		if nr.metaKey, err = r.FieldString(noFieldRelatedMeta); err != nil {
			return
		}
		if nr.recordType == "" || nr.metaKey == "" {
			err = fmt.Errorf("field %s[%d]: record_type and metadata are required", noFieldRelated, i)
			return
		}
		c.related = append(c.related, nr)
	}
	return
}

func netsuiteOutputSpec() *service.ConfigSpec {
	return service.NewConfigSpec().
		Beta().
		Categories(docsgen.Category).
		Summary("Writes records (sales orders, customers, items...) to NetSuite through SuiteTalk REST web services, upserting by external id so redelivery never creates duplicates, and records each entity's outcome.").
		Description(`
Each message is one record as the REST record API takes it, for example a sales order mapped by `+"`bloblang/mappings/netsuite/canonical_to_order.blobl`"+`, which also sets the metadata `+"`netsuite_record_type`"+` and `+"`netsuite_external_id`"+` read by default.

### Operations

- `+"`upsert`"+` (default): `+"`PUT /record/v1/{record_type}/eid:{external_id}`"+` creates the record or updates the one with that external id. A redelivered or re-sent message updates the same record.
- `+"`create`"+`: `+"`POST /record/v1/{record_type}`"+`. Not idempotent: retried only after a 429, or always with `+"`async`"+` (its idempotency key makes a repeat follow the first job).
- `+"`update`"+`: `+"`PATCH /record/v1/{record_type}/{internal_id}`"+`.

### Sublists are replaced, not appended

NetSuite appends the lines of an unkeyed sublist, and every line without its key, on update: re-sending an order would double its lines. With `+"`sublists: replace`"+` (default) every sublist present in the body (a top-level object with an `+"`items`"+` array) is named in `+"`?replace=`"+`, so the record ends with exactly the lines sent, however often it is sent.

### Async mode and idempotency keys

With `+"`async.enabled`"+`, writes are sent with `+"`Prefer: respond-async`"+` and an `+"`X-NetSuite-Idempotency-Key`"+` derived from the operation, record type, external (or internal) id and a hash of the body. The output follows the job (`+"`Location`"+`) to its result. A redelivered message carries the same key: NetSuite refuses it with `+"`IDEMPOTENCY_ERROR`"+` and the earlier job's `+"`Location`"+`, which the output follows instead, so no second record is created. Changed content gives a new key. Async jobs run on the account's REST async processors (SuiteCloud Plus licences).

### Related records (the order's customer)

`+"`upsert_first`"+` lists records carried in metadata (as JSON, with their `+"`externalId`"+`) that are upserted by external id before the message's record, so a sales order referencing `+"`{\"externalId\": \"magento-customer-42\"}`"+` finds its customer, created or updated on the way, without a second connector. A branch processor typically maps the canonical order's customer with `+"`canonical_to_customer.blobl`"+` into that metadata key (see the example). A message without the key skips it.

### Outcomes

Every entity ends S with the record's internal id (from `+"`Location`"+`, or the async job's result), or F with NetSuite's `+"`o:errorCode`"+` and detail (and `+"`o:errorPath`"+`), e.g. an unknown item. Transient failures (429, 5xx, timeouts, dropped connections) are retried by the HTTP client and then by `+"`sync_task.max_attempts`"+` before being recorded F. Requests count against the account's concurrency limit, shared by every netsuite component of the process.
`).
		Fields(netsuite.ConnectionFields()...).
		Fields(
			service.NewInterpolatedStringField(noFieldRecordType).
				Description("REST record type of the message (`salesOrder`, `customer`, `inventoryItem`...).").
				Default(`${! @netsuite_record_type }`).Example("salesOrder"),
			service.NewInterpolatedStringField(noFieldExternalID).
				Description("External id of the record, for `upsert`.").
				Default(`${! @netsuite_external_id }`).Example(`${! json("externalId") }`),
			service.NewInterpolatedStringField(noFieldInternalID).
				Description("Internal id of the record, for `update`.").
				Default(`${! @netsuite_internal_id }`).Advanced(),
			service.NewStringAnnotatedEnumField(noFieldOperation, map[string]string{
				noOpUpsert: "Create or update by external id (PUT .../eid:{external_id}).",
				noOpCreate: "Create (POST).",
				noOpUpdate: "Update by internal id (PATCH).",
			}).Description("How the record is written.").Default(noOpUpsert),
			service.NewStringAnnotatedEnumField(noFieldSublists, map[string]string{
				noSublistsReplace: "Every sublist in the body replaces the record's lines (`?replace=`).",
				noSublistsMerge:   "NetSuite's PATCH rule: keyed lines merge, others are appended.",
			}).Description("What happens to the lines of sublists sent on update.").Default(noSublistsReplace).Advanced(),
			service.NewObjectField(noFieldAsync,
				service.NewBoolField(noFieldAsyncEnabled).Description("Send writes as asynchronous jobs with idempotency keys.").Default(false),
				service.NewDurationField(noFieldAsyncPoll).Description("How often a job's status is read.").Default("1s"),
				service.NewDurationField(noFieldAsyncTimeout).Description("How long to wait for a job before the write is retried (which follows the same job).").Default("10m"),
			).Description("Asynchronous writes (`Prefer: respond-async`).").Advanced(),
			service.NewObjectListField(noFieldRelated,
				service.NewStringField(noFieldRelatedType).Description("Record type of the related record.").Example("customer"),
				service.NewStringField(noFieldRelatedMeta).Description("Metadata key holding the related record as JSON, with its `externalId`.").Example("netsuite_customer"),
			).Description("Records carried in metadata and upserted by external id before the message's record.").Default([]any{}),
			synctask.ReporterField(),
			service.NewOutputMaxInFlightField().Default(16),
		).
		LintRule(netsuite.LintRule(append([]netsuite.LintCheck{
			{When: `this.operation.or("upsert") == "upsert" && this.external_id.or("x").trim() == ""`, Message: "operation upsert needs external_id"},
			{When: `this.operation.or("upsert") == "update" && this.internal_id.or("x").trim() == ""`, Message: "operation update needs internal_id"},
		}, netsuite.AuthLintChecks...)...)).
		Example("Storefront orders into sales orders", "Maps canonical orders to sales orders, upserts each order's customer first, then the order, and records outcomes.", `
pipeline:
  processors:
    # The order's customer, as the customer mapping makes it, rides along
    # in metadata (guest orders have no customer id and skip the branch).
    - branch:
        request_map: 'root = if this.customer.guest.or(false) { deleted() } else { this.customer }'
        processors:
          - mapping: 'from "bloblang/mappings/netsuite/canonical_to_customer.blobl"'
        result_map: 'meta netsuite_customer = content().string()'
    - mapping: 'from "bloblang/mappings/netsuite/canonical_to_order.blobl"'

output:
  netsuite:
    account_id: "1234567_SB1"
    auth:
      mode: oauth2
      client_id: ${NETSUITE_CLIENT_ID}
      certificate_id: ${NETSUITE_CERTIFICATE_ID}
      private_key: ${NETSUITE_PRIVATE_KEY}
    concurrency_limit: 15
    upsert_first:
      - record_type: customer
        metadata: netsuite_customer
    sync_task:
      store: sqlite:///var/lib/datawald/synctask.db
`)
}

func init() {
	service.MustRegisterOutput("netsuite", netsuiteOutputSpec(),
		func(conf *service.ParsedConfig, mgr *service.Resources) (service.Output, int, error) {
			cfg, err := netsuiteOutputConfigFromParsed(conf)
			if err != nil {
				return nil, 0, err
			}
			maxInFlight, err := conf.FieldMaxInFlight()
			if err != nil {
				return nil, 0, err
			}
			rep, err := synctask.NewReporterFromParsed(conf, mgr)
			if err != nil {
				return nil, 0, err
			}
			out, err := newNetSuiteOutput(cfg, rep, mgr)
			if err != nil {
				_ = rep.Close(context.Background())
				return nil, 0, err
			}
			return out, maxInFlight, nil
		})
}

// netsuiteOutput writes one record per message. Write runs concurrently
// (max_in_flight); the account limiter bounds the requests.
type netsuiteOutput struct {
	cfg    netsuiteOutputConfig
	client *netsuite.Client
	rep    *synctask.Reporter
	log    *service.Logger
}

func newNetSuiteOutput(cfg netsuiteOutputConfig, rep *synctask.Reporter, mgr *service.Resources) (*netsuiteOutput, error) {
	cc := cfg.client
	cc.Metrics, cc.Logger = mgr.Metrics(), mgr.Logger()
	client, err := netsuite.New(cc)
	if err != nil {
		return nil, err
	}
	return &netsuiteOutput{cfg: cfg, client: client, rep: rep, log: mgr.Logger()}, nil
}

// Connect checks the credentials (an authentication failure is returned
// naming the account) and sizes the account limiter.
func (o *netsuiteOutput) Connect(ctx context.Context) error {
	if err := o.client.Init(ctx); err != nil {
		return fmt.Errorf("connecting to netsuite: %w", err)
	}
	return nil
}

// Write delivers the message's record through the sync-task reporter,
// which retries transient failures and records S, F or I. It returns an
// error (a nack) only when the outcome cannot be recorded.
func (o *netsuiteOutput) Write(ctx context.Context, msg *service.Message) error {
	out, err := o.rep.Deliver(ctx, msg, func(ctx context.Context) (synctask.Result, error) {
		return o.deliver(ctx, msg)
	})
	if err != nil {
		return err
	}
	if out.Status == synctask.StatusFailed {
		o.log.Warnf("netsuite %s failed: %s: %s", out.Key, out.ErrorCode, out.Note)
	}
	return nil
}

// Close releases the sync-task store.
func (o *netsuiteOutput) Close(ctx context.Context) error { return o.rep.Close(ctx) }
