package outputs

import (
	"context"
	"fmt"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"

	"github.com/datawald/datawald/internal/docsgen"
	"github.com/datawald/datawald/internal/magento"
	"github.com/datawald/datawald/internal/synctask"
)

const (
	moFieldEntity           = "entity"
	moFieldOrderIncrementID = "order_increment_id"
	moFieldOrderID          = "order_id"
	moFieldSKU              = "sku"
	moFieldWebsiteID        = "website_id"
	moFieldSourceItemsLimit = "source_items_per_call"
	moFieldBulk             = "bulk"
	moFieldBulkEnabled      = "enabled"
	moFieldBulkPoll         = "poll_interval"
	moFieldBulkTimeout      = "timeout"
	moFieldBatching         = "batching"
	moFieldMaxInFlight      = "max_in_flight"
)

// Output entity kinds.
const (
	moProducts    = "products"
	moSourceItems = "source_items"
	moStockItems  = "stock_items"
	moOrders      = "orders"
	moInvoices    = "invoices"
	moShipments   = "shipments"
	moCustomers   = "customers"
)

type magentoOutputConfig struct {
	client           magento.Config
	entity           string
	orderIncrementID *service.InterpolatedString
	orderID          *service.InterpolatedString
	sku              *service.InterpolatedString
	websiteID        int64
	sourceItemsLimit int
	bulk             bool
	bulkPoll         time.Duration
	bulkTimeout      time.Duration
}

func magentoOutputConfigFromParsed(conf *service.ParsedConfig) (c magentoOutputConfig, err error) {
	if c.client, err = magento.ConfigFromParsed(conf); err != nil {
		return
	}
	if c.entity, err = conf.FieldString(moFieldEntity); err != nil {
		return
	}
	if c.orderIncrementID, err = conf.FieldInterpolatedString(moFieldOrderIncrementID); err != nil {
		return
	}
	if c.orderID, err = conf.FieldInterpolatedString(moFieldOrderID); err != nil {
		return
	}
	if c.sku, err = conf.FieldInterpolatedString(moFieldSKU); err != nil {
		return
	}
	var website int
	if website, err = conf.FieldInt(moFieldWebsiteID); err != nil {
		return
	}
	c.websiteID = int64(website)
	if c.sourceItemsLimit, err = conf.FieldInt(moFieldSourceItemsLimit); err != nil {
		return
	}
	if c.sourceItemsLimit < 1 {
		err = fmt.Errorf("field %s: must be at least 1, got %d", moFieldSourceItemsLimit, c.sourceItemsLimit)
		return
	}
	b := conf.Namespace(moFieldBulk)
	if c.bulk, err = b.FieldBool(moFieldBulkEnabled); err != nil {
		return
	}
	if c.bulk && c.entity != moProducts && c.entity != moSourceItems {
		err = fmt.Errorf("field %s.%s: async bulk mode applies to products and source_items only, not %s", moFieldBulk, moFieldBulkEnabled, c.entity)
		return
	}
	if c.bulkPoll, err = b.FieldDuration(moFieldBulkPoll); err != nil {
		return
	}
	if c.bulkTimeout, err = b.FieldDuration(moFieldBulkTimeout); err != nil {
		return
	}
	if c.bulkPoll <= 0 || c.bulkTimeout <= 0 {
		err = fmt.Errorf("field %s: poll_interval and timeout must be positive", moFieldBulk)
		return
	}
	return
}

func magentoOutputSpec() *service.ConfigSpec {
	return service.NewConfigSpec().
		Beta().
		Categories(docsgen.Category, "Services").
		Summary("Upserts products, MSI source items, legacy stock items, customers, order status and comments, invoices and shipments into Magento 2 / Adobe Commerce, idempotently, recording each entity's outcome.").
		Description(`
Each message is one entity, already mapped to the body Magento takes (for example by `+"`bloblang/mappings/magento`"+`). Every write is an upsert by a natural key, preceded by a read, so redelivery never creates duplicates and unchanged data is not written again (an unchanged entity is recorded I, which also stops update ping-pong between systems):

| entity | message body | key | what happens |
|---|---|---|---|
| `+"`products`"+` | `+"`{\"product\": {...}, \"saveOptions\": true}`"+` | `+"`product.sku`"+` | Products of a batch are read with one `+"`sku in (...)`"+` search; new ones are created (`+"`POST /V1/products`"+`), changed ones updated in the store view of `+"`store_code`"+` (`+"`PUT /V1/products/{sku}`"+`: attribute values, website assignment...). |
| `+"`source_items`"+` | `+"`{\"sourceItems\": [{\"sku\", \"source_code\", \"quantity\", \"status\"}]}`"+` | sku + source_code | Existing items are read per batch; changed ones are written with `+"`POST /V1/inventory/source-items`"+`, at most `+"`source_items_per_call`"+` per call. |
| `+"`stock_items`"+` | `+"`{\"stockItem\": {\"qty\", \"is_in_stock\", ...}}`"+` | `+"`sku`"+` field | Legacy inventory (MSI off): `+"`PUT /V1/products/{sku}/stockItems/{itemId}`"+`. |
| `+"`orders`"+` | `+"`{\"statusHistory\": {\"comment\", \"status\", \"is_customer_notified\", \"is_visible_on_front\"}}`"+` | the order (see below) | Adds the comment and moves the order to `+"`status`"+`, unless the order already has that status and comment. |
| `+"`invoices`"+` | `+"`{\"items\": [{\"order_item_id\", \"qty\"}], \"capture\", \"notify\", \"comment\"}`"+` | the order (see below) | `+"`POST /V1/order/{id}/invoice`"+`, unless an invoice with the same comment exists or the lines (all lines when `+"`items`"+` is empty) have nothing left to invoice: then I. |
| `+"`shipments`"+` | `+"`{\"items\": [...], \"tracks\": [{\"track_number\", \"title\", \"carrier_code\"}], \"notify\"}`"+` | the order (see below) | `+"`POST /V1/order/{id}/ship`"+`, unless a shipment with one of the tracking numbers exists or nothing is left to ship: then I. |
| `+"`customers`"+` | `+"`{\"customer\": {\"email\", \"website_id\", ...}}`"+` | email + website | Created, or updated when it differs. |

### Which order

`+"`orders`"+`, `+"`invoices`"+` and `+"`shipments`"+` messages name their order by `+"`order_id`"+`, Magento's entity id (the id in `+"`/V1/orders/{id}`"+`; by default the metadata `+"`magento_order_id`"+`, which the `+"`bloblang/mappings/magento`"+` mappings set from the canonical `+"`order_external_ids.magento`"+`), or by `+"`order_increment_id`"+`, the order number customers see (by default the metadata `+"`magento_order_increment_id`"+`), or both. With the entity id the order is read directly; an increment id alone costs one more request (a search by `+"`increment_id`"+`). When both are set they must name the same order, or the entity is F with code `+"`ORDER_MISMATCH`"+`; when neither is, it is F naming both fields. An order that does not exist is F with code `+"`NO_SUCH_ORDER`"+`. Writes to one order are serialized by its entity id.

### Outcomes

Every entity ends S (with Magento's id: product id, order id, invoice id, shipment id, customer id, stock item id, or the source item keys), F (with Magento's message, placeholders filled, and its code) or I. Transient failures (429, 5xx, dropped connections) are retried; invoices, shipments, comments and customer creation, which Magento cannot repeat safely, are retried only after reading the order or customer again. Per-entity writes (orders, invoices, shipments, customers, stock items) are retried by the sync-task reporter (`+"`sync_task.max_attempts`"+`) and recorded F only when the budget is spent; a product or source item batch that still fails transiently after the HTTP retries is nacked and redelivered, never recorded F. A permanent failure is recorded F and the rest of the batch goes on. Outcomes are recorded in `+"`sync_task.store`"+` under the message's envelope metadata (dw_source, dw_target, dw_tx_type, dw_src_id, dw_task_id).

### Async bulk

With `+"`bulk.enabled`"+`, changed products or source items are sent as one `+"`/async/bulk/V1/...`"+` request per batch; the output follows `+"`GET /V1/bulk/{uuid}/detailed-status`"+` until every operation has run and maps each operation's result to its message (failed operations are F with their result message; retriable failures are nacked). Magento must run its bulk consumers (RabbitMQ or cron).
`).
		Fields(magento.ConnectionFields()...).
		Fields(
			service.NewStringAnnotatedEnumField(moFieldEntity, map[string]string{
				moProducts:    "Products, upserted by SKU.",
				moSourceItems: "MSI source items, set by SKU and source code.",
				moStockItems:  "Legacy stock items of the default stock, by SKU (stores without MSI).",
				moOrders:      "Order status and comment, by order entity id or increment id.",
				moInvoices:    "Invoices of an order, by order entity id or increment id.",
				moShipments:   "Shipments with tracking numbers, by order entity id or increment id.",
				moCustomers:   "Customer accounts, by email and website.",
			}).Description("Which entity the messages hold."),
			service.NewInterpolatedStringField(moFieldOrderID).
				Description("The order an `orders`, `invoices` or `shipments` message applies to, by Magento's entity id (`entity_id`, the id in `/V1/orders/{id}`); a positive integer, or empty to use `order_increment_id`. See *Which order*.").
				Default(`${! @magento_order_id.or("") }`).
				Example(`${! json("order_external_ids.magento") }`),
			service.NewInterpolatedStringField(moFieldOrderIncrementID).
				Description("The order an `orders`, `invoices` or `shipments` message applies to, by increment id (the order number customers see, `000000042`); empty to use `order_id` alone. When both are set they must name the same order.").
				Default(`${! @magento_order_increment_id.or("") }`).
				Example(`${! json("order_number") }`),
			service.NewInterpolatedStringField(moFieldSKU).
				Description("The SKU of a `stock_items` message.").
				Default(`${! @magento_sku }`),
			service.NewIntField(moFieldWebsiteID).
				Description("Website of `customers` whose body has no `customer.website_id`.").
				Default(1).Advanced(),
			service.NewIntField(moFieldSourceItemsLimit).
				Description("Source items per synchronous `POST /V1/inventory/source-items`. Magento's input limiting (on by default in 2.4.3+) refuses more than 20; raise it only where the store allows more.").
				Default(20).
				LintRule(`root = if this < 1 { [ "must be at least 1" ] }`).Advanced(),
			service.NewObjectField(moFieldBulk,
				service.NewBoolField(moFieldBulkEnabled).Description("Send changed products or source items as async bulk requests.").Default(false),
				service.NewDurationField(moFieldBulkPoll).Description("How often the bulk status is read.").Default("2s"),
				service.NewDurationField(moFieldBulkTimeout).Description("How long to wait for a bulk's operations before the batch is nacked and resubmitted (resubmission is safe: saves are by natural key).").Default("10m"),
			).Description("Async bulk mode for large product and stock loads.").Advanced(),
			synctask.ReporterField(),
			service.NewOutputMaxInFlightField().Default(4),
			service.NewBatchPolicyField(moFieldBatching),
		).
		LintRule(magento.AuthLint+`root = $auth_errors.merge(if this.bulk.enabled.or(false) && !["products", "source_items"].contains(this.entity) { [ "bulk mode applies to products and source_items only" ] } else { [] })`).
		Example("Stock levels from the ERP", "Writes MSI source items in batches, 20 per call, and records outcomes.", `
output:
  magento:
    base_url: https://shop.example.com
    auth:
      mode: oauth1
      consumer_key: ${MAGENTO_CONSUMER_KEY}
      consumer_secret: ${MAGENTO_CONSUMER_SECRET}
      access_token: ${MAGENTO_ACCESS_TOKEN}
      access_token_secret: ${MAGENTO_ACCESS_TOKEN_SECRET}
    entity: source_items
    sync_task:
      store: sqlite:///var/lib/datawald/synctask.db
    max_in_flight: 4
    http:
      rate_limit: 20
    batching:
      count: 100
      period: 1s
`)
}

func init() {
	service.MustRegisterBatchOutput("magento", magentoOutputSpec(),
		func(conf *service.ParsedConfig, mgr *service.Resources) (service.BatchOutput, service.BatchPolicy, int, error) {
			var policy service.BatchPolicy
			cfg, err := magentoOutputConfigFromParsed(conf)
			if err != nil {
				return nil, policy, 0, err
			}
			maxInFlight, err := conf.FieldMaxInFlight()
			if err != nil {
				return nil, policy, 0, err
			}
			if policy, err = conf.FieldBatchPolicy(moFieldBatching); err != nil {
				return nil, policy, 0, err
			}
			rep, err := synctask.NewReporterFromParsed(conf, mgr)
			if err != nil {
				return nil, policy, 0, err
			}
			out, err := newMagentoOutput(cfg, rep, mgr)
			if err != nil {
				_ = rep.Close(context.Background())
				return nil, policy, 0, err
			}
			return out, policy, maxInFlight, nil
		})
}

// magentoOutput writes one entity kind. WriteBatch may run concurrently
// (max_in_flight); writes that touch one order are serialised.
type magentoOutput struct {
	cfg    magentoOutputConfig
	client *magento.Client
	log    *service.Logger
	rep    *synctask.Reporter

	orderLocks keyedMutex
}

func newMagentoOutput(cfg magentoOutputConfig, rep *synctask.Reporter, mgr *service.Resources) (*magentoOutput, error) {
	cc := cfg.client
	cc.Metrics, cc.Logger = mgr.Metrics(), mgr.Logger()
	client, err := magento.New(cc)
	if err != nil {
		return nil, err
	}
	return &magentoOutput{cfg: cfg, client: client, log: mgr.Logger(), rep: rep}, nil
}

// Connect makes no Magento call: credentials are checked by the first
// write.
func (o *magentoOutput) Connect(context.Context) error { return nil }

// WriteBatch writes every message of the batch and records their outcomes.
// Messages that failed transiently are returned in a *service.BatchError so
// only they are redelivered.
func (o *magentoOutput) WriteBatch(ctx context.Context, batch service.MessageBatch) error {
	outs := make([]outcome, len(batch))
	switch o.cfg.entity {
	case moProducts:
		o.writeProducts(ctx, batch, outs)
	case moSourceItems:
		o.writeSourceItems(ctx, batch, outs)
	case moStockItems:
		o.eachMessage(ctx, batch, outs, o.writeStockItem)
	case moOrders:
		o.eachMessage(ctx, batch, outs, o.writeOrderStatus)
	case moInvoices:
		o.eachMessage(ctx, batch, outs, o.writeInvoice)
	case moShipments:
		o.eachMessage(ctx, batch, outs, o.writeShipment)
	case moCustomers:
		o.eachMessage(ctx, batch, outs, o.writeCustomer)
	default:
		return fmt.Errorf("writing magento %s: unknown entity", o.cfg.entity)
	}
	return o.settle(ctx, batch, outs)
}

// Close releases the sync-task store.
func (o *magentoOutput) Close(ctx context.Context) error { return o.rep.Close(ctx) }

// eachMessage delivers the messages one by one through the reporter
// (deliverEach) and keeps their outcomes in outs. write is one
// check-then-write attempt; retried tells it that an earlier attempt's
// effect is unknown (a dropped connection after an invoice, shipment,
// comment or customer create, which Magento cannot repeat safely), so that
// finding the work done means S rather than I.
func (o *magentoOutput) eachMessage(ctx context.Context, batch service.MessageBatch, outs []outcome, write func(ctx context.Context, msg *service.Message, retried bool) outcome) {
	attempt := func(ctx context.Context, msg *service.Message, retried bool) (synctask.Result, error) {
		return write(ctx, msg, retried).asResult()
	}
	deliverEach(ctx, o.rep, batch, attempt, func(i int, res synctask.Outcome, err error) {
		if err != nil {
			outs[i] = outcome{Nack: err}
			return
		}
		outs[i] = outcome{Status: res.Status, TgtID: res.TgtID, Code: res.ErrorCode, Note: res.Note, delivered: true}
	})
}
