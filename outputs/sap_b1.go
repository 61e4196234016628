package outputs

import (
	"context"
	"fmt"

	"github.com/redpanda-data/benthos/v4/public/service"

	"github.com/datawald/datawald/internal/docsgen"
	"github.com/datawald/datawald/internal/sapb1"
	"github.com/datawald/datawald/internal/synctask"
)

const (
	sboFieldEntity      = "entity"
	sboFieldNumAtCard   = "num_at_card"
	sboFieldCardCode    = "card_code"
	sboFieldCollections = "collections"
	sboFieldBatching    = "batching"
)

// Collection modes of the collections field.
const (
	sboCollectionsReplace = "replace"
	sboCollectionsMerge   = "merge"
)

type sapB1OutputConfig struct {
	client    sapb1.Config
	entity    sapb1.Entity
	numAtCard *service.InterpolatedString
	cardCode  *service.InterpolatedString
	mode      sapb1.CollectionMode
}

func sapB1OutputConfigFromParsed(conf *service.ParsedConfig) (c sapB1OutputConfig, err error) {
	if c.client, err = sapb1.ConfigFromParsed(conf); err != nil {
		return
	}
	var name string
	if name, err = conf.FieldString(sboFieldEntity); err != nil {
		return
	}
	switch name {
	case sapb1.Orders.Set:
		c.entity = sapb1.Orders
	case sapb1.BusinessPartners.Set:
		c.entity = sapb1.BusinessPartners
	default:
		err = fmt.Errorf("field %s: the sap_b1 output writes Orders or BusinessPartners, not %q", sboFieldEntity, name)
		return
	}
	if c.numAtCard, err = conf.FieldInterpolatedString(sboFieldNumAtCard); err != nil {
		return
	}
	if c.cardCode, err = conf.FieldInterpolatedString(sboFieldCardCode); err != nil {
		return
	}
	var mode string
	if mode, err = conf.FieldString(sboFieldCollections); err != nil {
		return
	}
	switch {
	case mode == sboCollectionsMerge && c.entity == sapb1.Orders:
		err = fmt.Errorf("field %s: merge would append an order's lines again on every update; Orders need replace", sboFieldCollections)
	case mode == sboCollectionsMerge:
		c.mode = sapb1.MergeCollections
	}
	return
}

func sapB1OutputSpec() *service.ConfigSpec {
	return service.NewConfigSpec().
		Beta().
		Categories(docsgen.Category, "Services").
		Summary("Creates or updates sales orders and business partners in SAP Business One through the Service Layer, idempotently (orders by `NumAtCard`, partners by `CardCode`), recording each entity's outcome.").
		Description(`
Each message is one record as the Service Layer takes it: an `+"`Orders`"+` document (`+"`CardCode`"+`, `+"`DocDueDate`"+`, `+"`NumAtCard`"+`, `+"`DocumentLines`"+`...) or a `+"`BusinessPartners`"+` record (`+"`CardCode`"+`, `+"`CardName`"+`, `+"`BPAddresses`"+`...), as `+"`bloblang/mappings/sapb1/canonical_to_order.blobl`"+` and `+"`canonical_to_business_partner.blobl`"+` map canonical orders and customers.

### Orders: no duplicates, ever

The Service Layer has no upsert and no idempotency header. As the original DataWald did, the order's number in the source system is kept in `+"`NumAtCard`"+` (the customer reference) and looked up before every write (`+"`GET /Orders?$filter=NumAtCard eq '...'`"+`):

- no order has it: the order is created (`+"`POST /Orders`"+`), S with its `+"`DocEntry`"+`;
- one order has it and already holds every value of the message: I (unchanged), with its `+"`DocEntry`"+`;
- one order has it with other values: it is updated (`+"`PATCH /Orders(DocEntry)`"+`), S; a closed or cancelled order is not changed: I with a note;
- several orders have it: F, naming their `+"`DocEntry`"+` values (resolve the duplicate in B1).

A create is never repeated blindly. When it gets no answer (a timeout: the Service Layer may still be committing the order), the message is nacked and the order is in doubt: for one `+"`http.timeout`"+` after the failed `+"`POST`"+` it is not posted again (a redelivery is nacked again, naming the order); after that the lookup decides: found, S; not found, created. The orders in doubt are kept by the running output. Messages for one `+"`NumAtCard`"+` are written one at a time, so concurrent batches cannot both create it.

### Lines are replaced, not appended

A Service Layer `+"`PATCH`"+` appends every document line it cannot match by `+"`LineNum`"+`: re-sending an order's lines would double them. Updates are sent with `+"`B1S-ReplaceCollectionsOnPatch: true`"+`, so the order ends with exactly the lines of the message however often it is sent. Business partners may use `+"`collections: merge`"+` to keep addresses added in B1. Such an update is not safe to repeat, so it is never sent twice: one that gets no answer is F with code `+"`OUTCOME_UNKNOWN`"+` (check the partner in B1).

### Business partners

Read by `+"`CardCode`"+` (`+"`GET /BusinessPartners('...')`"+`): created when missing, I when unchanged, else updated. A create refused because the partner exists (code -2035: it was created after the read, for instance by an attempt whose answer was lost) reads it again: S when it holds the message's values, else updated.

### Outcomes

Every entity ends S with the `+"`DocEntry`"+` or `+"`CardCode`"+` as `+"`tgt_id`"+`, I, or F with SAP's error code and a note naming the record and SAP's message (`+"`creating order NumAtCard 100000042: Invalid BP code 'C9'`"+`). Transient failures (429, 5xx, timeouts, dropped connections) are retried by the HTTP client (reads and replacing updates) and by the sync-task reporter (`+"`sync_task.max_attempts`"+`, every attempt starting with the lookup) before being recorded F. A message carrying an error from an earlier processor (a failed mapping) is recorded F with code `+"`UPSTREAM_ERROR`"+` and one a mapping marked `+"`dw_skip`"+` is recorded I with that reason; neither is written. A message whose outcome cannot be recorded is nacked alone (the rest of the batch is acknowledged). Outcomes are recorded in `+"`sync_task.store`"+` under the message's envelope metadata.

### Sessions

The output logs in at connect (wrong credentials fail there, with SAP's message), sends the session's `+"`B1SESSION`"+` and `+"`ROUTEID`"+` cookies, logs in again once when the session times out (401, code 301), shared by every request in flight, and logs out on close. A login that fails while running (the password was changed, the user locked) is no record's fault: the messages are nacked with an error naming the company and user, never the password, and delivered again later. Keep `+"`max_in_flight`"+` modest: the Service Layer has no documented rate limit, but every request holds one of its worker threads.
`).
		Fields(sapb1.ConnectionFields()...).
		Fields(
			service.NewStringAnnotatedEnumField(sboFieldEntity, map[string]string{
				sapb1.Orders.Set:           "Sales orders, deduplicated by `NumAtCard`.",
				sapb1.BusinessPartners.Set: "Business partners, upserted by `CardCode`.",
			}).Description("Which entity set the messages hold."),
			service.NewInterpolatedStringField(sboFieldNumAtCard).
				Description("The order's number in the source system, kept in `NumAtCard` and looked up before every write (`Orders`). A body without `NumAtCard` gets this value; a body with another value is F.").
				Default(`${! json("NumAtCard").or("") }`).
				Example(`${! @dw_src_id }`),
			service.NewInterpolatedStringField(sboFieldCardCode).
				Description("The business partner's `CardCode` (`BusinessPartners`). A body without `CardCode` gets this value; a body with another value is F.").
				Default(`${! json("CardCode").or("") }`).
				Example(`${! "W" + @dw_src_id }`),
			service.NewStringAnnotatedEnumField(sboFieldCollections, map[string]string{
				sboCollectionsReplace: "Collections in the body (`DocumentLines`, `BPAddresses`) replace the stored ones (`B1S-ReplaceCollectionsOnPatch: true`).",
				sboCollectionsMerge:   "The Service Layer's own PATCH rule: matching elements are updated, others appended, none removed. Business partners only.",
			}).Description("What an update does to the collections it carries.").Default(sboCollectionsReplace).Advanced(),
			synctask.ReporterField(),
			service.NewOutputMaxInFlightField().Default(4),
			service.NewBatchPolicyField(sboFieldBatching),
		).
		LintRule(sapb1.ConnectionLint+`root = $connection_errors.merge(if this.entity.or("") == "Orders" && this.collections.or("replace") == "merge" { [ "collections: merge would append an order's lines again on every update; Orders need replace" ] } else { [] })`).
		Example("Storefront orders into SAP B1", "Maps canonical orders to SAP B1 sales orders whose NumAtCard is the storefront's order number, writes them four batches at a time and records outcomes.", `
pipeline:
  processors:
    - mapping: 'from "bloblang/mappings/sapb1/canonical_to_order.blobl"'

output:
  sap_b1:
    base_url: https://b1.example.com:50000
    company_db: SBODEMOUS
    username: datawald
    password: ${SAP_B1_PASSWORD}
    entity: Orders
    max_in_flight: 4
    sync_task:
      store: sqlite:///var/lib/datawald/synctask.db
    batching:
      count: 20
      period: 1s
`)
}

func init() {
	service.MustRegisterBatchOutput("sap_b1", sapB1OutputSpec(),
		func(conf *service.ParsedConfig, mgr *service.Resources) (service.BatchOutput, service.BatchPolicy, int, error) {
			var policy service.BatchPolicy
			cfg, err := sapB1OutputConfigFromParsed(conf)
			if err != nil {
				return nil, policy, 0, err
			}
			maxInFlight, err := conf.FieldMaxInFlight()
			if err != nil {
				return nil, policy, 0, err
			}
			if policy, err = conf.FieldBatchPolicy(sboFieldBatching); err != nil {
				return nil, policy, 0, err
			}
			rep, err := synctask.NewReporterFromParsed(conf, mgr)
			if err != nil {
				return nil, policy, 0, err
			}
			out, err := newSAPB1Output(cfg, rep, mgr)
			if err != nil {
				_ = rep.Close(context.Background())
				return nil, policy, 0, err
			}
			return out, policy, maxInFlight, nil
		})
}

// sapB1Output writes Orders or BusinessPartners. WriteBatch may run
// concurrently (max_in_flight); writes of one record are serialised.
type sapB1Output struct {
	cfg    sapB1OutputConfig
	client *sapb1.Client
	rep    *synctask.Reporter
	log    *service.Logger
	locks  keyedMutex
	// inDoubt holds the orders whose create got no answer.
	inDoubt sapB1InDoubt
}

func newSAPB1Output(cfg sapB1OutputConfig, rep *synctask.Reporter, mgr *service.Resources) (*sapB1Output, error) {
	cc := cfg.client
	cc.Metrics, cc.Logger = mgr.Metrics(), mgr.Logger()
	client, err := sapb1.New(cc)
	if err != nil {
		return nil, err
	}
	return &sapB1Output{cfg: cfg, client: client, rep: rep, log: mgr.Logger()}, nil
}

// Connect logs in: wrong credentials are returned with SAP's message.
func (o *sapB1Output) Connect(ctx context.Context) error {
	if err := o.client.Login(ctx); err != nil {
		return fmt.Errorf("connecting to sap b1: %w", err)
	}
	return nil
}

// WriteBatch delivers each message through the sync-task reporter, which
// retries transient failures and records S, F or I. Messages whose outcome
// could not be recorded or is undecided (an order whose create may still
// be committing, a failed login: synctask.Undecided) are returned in a
// *service.BatchError, so only they are redelivered.
func (o *sapB1Output) WriteBatch(ctx context.Context, batch service.MessageBatch) error {
	nacks := newBatchNacks(batch, fmt.Sprintf("writing sap b1 %s", o.cfg.entity.Set))
	deliverEach(ctx, o.rep, batch, o.write, func(i int, out synctask.Outcome, err error) {
		if err != nil {
			nacks.nack(i, err)
			return
		}
		if out.Status == synctask.StatusFailed {
			o.log.Warnf("sap b1 %s %s failed: %s: %s", o.cfg.entity.Set, out.Key, out.ErrorCode, out.Note)
		}
	})
	return nacks.err()
}

// Close logs out and releases the sync-task store.
func (o *sapB1Output) Close(ctx context.Context) error {
	err := o.client.Close(ctx)
	if rerr := o.rep.Close(ctx); err == nil {
		err = rerr
	}
	return err
}
