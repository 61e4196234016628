package inputs

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"

	"github.com/datawald/datawald/internal/checkpoint"
	"github.com/datawald/datawald/internal/docsgen"
	"github.com/datawald/datawald/internal/magento"
)

const (
	miFieldEntity    = "entity"
	miFieldSource    = "source"
	miFieldSealStore = "sync_task_store"
)

type magentoInputConfig struct {
	pollingConfig
	client    magento.Config
	resource  magento.Resource
	source    string
	sealStore string
}

func magentoInputConfigFromParsed(conf *service.ParsedConfig) (c magentoInputConfig, err error) {
	if c.client, err = magento.ConfigFromParsed(conf); err != nil {
		return
	}
	var entity string
	if entity, err = conf.FieldString(miFieldEntity); err != nil {
		return
	}
	var ok bool
	if c.resource, ok = magento.LookupResource(entity); !ok {
		err = fmt.Errorf("field %s: unknown entity %q (want one of %s)", miFieldEntity, entity, strings.Join(magento.ResourceNames(), ", "))
		return
	}
	if c.pollingConfig, err = pollingConfigFromParsed(conf, magento.MaxPageSize); err != nil {
		return
	}
	if c.source, err = conf.FieldString(miFieldSource); err != nil {
		return
	}
	c.sealStore, err = conf.FieldString(miFieldSealStore)
	return
}

func magentoInputSpec() *service.ConfigSpec {
	return service.NewConfigSpec().
		Beta().
		Categories(docsgen.Category, "Services").
		Summary("Reads orders, customers, products, invoices, shipments or MSI source items from the Magento 2 / Adobe Commerce REST API, incrementally by `updated_at`.").
		Description(`
Each poll cycle reads every entity changed since the last one, in the total order `+"`updated_at ASC, entity_id ASC`"+`, and emits one message per entity with its Magento JSON as the body.

### Incremental reads without gaps or deep paging

The position is a compound cursor (updated_at, entity id), kept in `+"`checkpoint_cache`"+` and advanced only when every message before it has been acknowledged, so a restart resumes where delivery stopped (the page in flight may be read again; the sync task dedupes it). Every query asks for page 1 from the current position (keyset paging): offsets are never walked, so rows changing during the read cannot shift past the reader, and Magento's habit of answering a page past the end with the last page again cannot bite. When a whole page shares one `+"`updated_at`"+` second, the input pages inside that second by entity id before moving on. A cycle stops when a page holds the rest of `+"`total_count`"+`.

Each cycle reads up to an upper bound of now minus `+"`lag`"+`, rounded down to a whole second and excluding the current second, so rows committed late (or in the same second after the read) are picked up by the next cycle rather than skipped.

`+"`source_items`"+` has no modification time in Magento: each cycle reads all of them (ordered by SKU and source code); the sync task's content dedupe passes on only the changed ones.

### Metadata

- `+"`dw_source`"+`: the `+"`source`"+` field (default `+"`magento`"+`)
- `+"`dw_tx_type`"+`: order, customer, product, invoice, fulfillment or inventory
- `+"`dw_src_id`"+`: the natural key as read: increment_id (orders, invoices, shipments), customer id, SKU, or `+"`sku/source_code`"+`. The order mapping re-keys orders: `+"`bloblang/mappings/magento/order_to_canonical`"+` sets `+"`dw_src_id`"+` to the order's entity_id (the id of `+"`/V1/orders/{id}`"+`, also in the NetSuite external id `+"`magento-order-<entity_id>`"+`) and keeps the increment_id as the canonical `+"`number`"+`, so sync tasks, outcomes and retries know a Magento order by its entity_id, never by its increment_id
- `+"`dw_updated_at`"+`: the entity's updated_at, RFC 3339 UTC (the cycle's start for source items)
- `+"`dw_task_id`"+`: one id per poll cycle; `+"`dw_task_last`"+`: `+"`true`"+` on the cycle's last message, which lets the `+"`sync_task`"+` processor seal the cycle's task (a cycle that reads nothing emits nothing and creates no task). A task whose flagged message is dropped before staging stays Processing until its deadline unless `+"`sync_task_store`"+` is set; the task of a cycle interrupted by a restart is sealed at its deadline (the restarted input reads the rest in a new cycle, as a new task)
- `+"`magento_entity_id`"+`, `+"`magento_store_code`"+`
`).
		Fields(magento.ConnectionFields()...).
		Fields(
			service.NewStringAnnotatedEnumField(miFieldEntity, map[string]string{
				"orders":       "Sales orders (`GET /V1/orders`).",
				"customers":    "Customer accounts (`GET /V1/customers/search`).",
				"products":     "Catalog products (`GET /V1/products`).",
				"invoices":     "Invoices (`GET /V1/invoices`).",
				"shipments":    "Shipments (`GET /V1/shipments`).",
				"source_items": "MSI source items (`GET /V1/inventory/source-items`), read in full every cycle.",
			}).Description("Which entity to read."),
		).
		Fields(pollingFields(pollingFieldDocs{
			maxPageSize: magento.MaxPageSize,
			pageSize:    fmt.Sprintf("Entities per request, at most %d (Magento's maximum page size when input limiting is on).", magento.MaxPageSize),
			lag:         "How far behind now each cycle stops, so rows whose transaction commits after their updated_at was set are not missed.",
		})...).
		Fields(
			service.NewStringField(miFieldSource).
				Description("Value of `dw_source`: the endpoint id of this store in sync tasks. Give each store a different one when several are synced.").
				Default("magento"),
			service.NewStringField(miFieldSealStore).
				Description("DSN of the sync-task store (the `sync_task` processor's `store`). When set, the input also seals each poll cycle's task itself once every message of the cycle has been acknowledged, so the task finishes even when the cycle's last message (the one flagged `dw_task_last`) is dropped before the `sync_task` processor (a mapping's `deleted()`, a filter) or rejected by it. Empty: sealing relies on `dw_task_last` alone.").
				Default("").Example("sqlite:///var/lib/datawald/synctask.db").Advanced(),
		).
		Fields(checkpoint.Fields("magento")...).
		Field(service.NewAutoRetryNacksToggleField()).
		LintRule(magento.AuthLint+fmt.Sprintf(`root = $auth_errors.merge(if %s { [ %q ] } else { [] })`, pollScheduleConflictWhen, pollScheduleConflictMessage)).
		Example("Orders changed since the last poll", "Reads orders every minute with an integration's credentials and keeps its position in a file cache.", `
input:
  magento:
    base_url: https://shop.example.com
    store_code: default
    auth:
      mode: oauth1
      consumer_key: ${MAGENTO_CONSUMER_KEY}
      consumer_secret: ${MAGENTO_CONSUMER_SECRET}
      access_token: ${MAGENTO_ACCESS_TOKEN}
      access_token_secret: ${MAGENTO_ACCESS_TOKEN_SECRET}
    entity: orders
    poll_interval: 1m
    start_from: "2026-01-01T00:00:00Z"
    checkpoint_cache: checkpoints
    checkpoint_key: magento_orders

cache_resources:
  - label: checkpoints
    file:
      directory: /var/lib/datawald/checkpoints
`)
}

func init() {
	registerPollingInput("magento", magentoInputSpec(), magentoInputConfigFromParsed, newMagentoInput)
}

// magentoInput reads one entity kind in poll cycles through its
// pollingInput core.
type magentoInput struct {
	pollingInput[magento.Item]
	cfg     magentoInputConfig
	log     *service.Logger
	client  *magento.Client
	scan    *magento.Scan
	cycleAt time.Time
}

func newMagentoInput(cfg magentoInputConfig, store *checkpoint.Store, mgr *service.Resources) (*magentoInput, error) {
	cc := cfg.client
	cc.Metrics, cc.Logger = mgr.Metrics(), mgr.Logger()
	client, err := magento.New(cc)
	if err != nil {
		return nil, err
	}
	m := &magentoInput{cfg: cfg, log: mgr.Logger(), client: client}
	m.pollingInput = newPollingInput[magento.Item](m, cfg.pollingConfig, store, cfg.sealStore, mgr.Logger())
	return m, nil
}

// connect makes no Magento call: credentials are checked by the first
// search.
func (m *magentoInput) connect(context.Context) error { return nil }

// position is the entity's cursor; source items, read in full every
// cycle, keep no position.
func (m *magentoInput) position(it magento.Item) (checkpoint.Cursor, bool) {
	return it.Pos, m.cfg.resource.Incremental()
}

func (m *magentoInput) cycleOpen() bool { return m.scan != nil }
func (m *magentoInput) cycleRead() bool { return m.scan.Done() }

// fetch reads the next page of the open cycle. The scan keeps its position
// on error: the next Read retries the same query after Benthos' read
// backoff.
func (m *magentoInput) fetch(ctx context.Context) ([]magento.Item, error) {
	items, err := m.scan.Next(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading magento %s: %w", m.cfg.resource.Name, err)
	}
	return items, nil
}

func (m *magentoInput) message(it magento.Item, last bool) *service.Message {
	updated := it.UpdatedAt
	if updated.IsZero() {
		updated = m.cycleAt
	}
	msg := m.cycleMessage(it.Raw, recordMeta{
		source: m.cfg.source, txType: m.cfg.resource.TxType, srcID: it.SrcID,
		updatedAt: updated.UTC().Format(time.RFC3339),
	}, last)
	if it.EntityID != "" {
		msg.MetaSetMut("magento_entity_id", it.EntityID)
	}
	msg.MetaSetMut("magento_store_code", m.client.StoreCode())
	return msg
}

// startCycle opens a poll cycle from the in-memory read position (which is
// the committed cursor after a restart) up to now - lag, excluding the
// current second.
func (m *magentoInput) startCycle(context.Context) error {
	m.cycleAt = m.now().UTC()
	m.taskID = pollTaskID("magento", m.cfg.resource.Name, m.cycleAt)
	from, upper := m.readPos, time.Time{}
	if m.cfg.resource.Incremental() {
		upper = m.cfg.secondsUpper(m.cycleAt)
	} else {
		from = checkpoint.Cursor{}
	}
	m.scan = m.client.NewScan(m.cfg.resource, from, upper, m.cfg.pageSize)
	m.log.Debugf("magento %s: poll cycle %s from %s to %s", m.cfg.resource.Name, m.taskID, from, upper.Format(time.RFC3339))
	return nil
}

func (m *magentoInput) endCycle() {
	m.log.Debugf("magento %s: poll cycle %s done after %d queries", m.cfg.resource.Name, m.taskID, m.scan.Pages)
	m.scan = nil
	m.cycleEnded(m.cfg.pollingConfig)
}
