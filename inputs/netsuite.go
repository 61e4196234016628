package inputs

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"

	"github.com/datawald/datawald/internal/checkpoint"
	"github.com/datawald/datawald/internal/docsgen"
	"github.com/datawald/datawald/internal/netsuite"
)

const (
	nsiFieldRecordType     = "record_type"
	nsiFieldQuery          = "query"
	nsiFieldExpand         = "expand"
	nsiFieldExpandParallel = "expand_concurrency"
	nsiFieldTimeZone       = "time_zone"
	nsiFieldSource         = "source"
)

type netsuiteInputConfig struct {
	pollingConfig
	client    netsuite.Config
	entity    netsuite.Entity
	query     string
	expand    bool
	expandPar int
	zone      *time.Location
	source    string
}

func netsuiteInputConfigFromParsed(conf *service.ParsedConfig) (c netsuiteInputConfig, err error) {
	if c.client, err = netsuite.ConfigFromParsed(conf); err != nil {
		return
	}
	var name string
	if name, err = conf.FieldString(nsiFieldRecordType); err != nil {
		return
	}
	var ok bool
	if c.entity, ok = netsuite.LookupEntity(name); !ok {
		err = fmt.Errorf("field %s: unknown record type %q (want one of %s)", nsiFieldRecordType, name, strings.Join(netsuite.EntityNames(), ", "))
		return
	}
	if c.query, err = conf.FieldString(nsiFieldQuery); err != nil {
		return
	}
	if c.query = strings.TrimSpace(c.query); c.query != "" {
		if err = netsuite.ValidateUserQuery(c.query); err != nil {
			err = fmt.Errorf("field %s: %w", nsiFieldQuery, err)
			return
		}
	}
	if c.expand, err = conf.FieldBool(nsiFieldExpand); err != nil {
		return
	}
	c.expand = c.expand && c.entity.RecordType != ""
	if c.expandPar, err = conf.FieldInt(nsiFieldExpandParallel); err != nil {
		return
	}
	if c.expandPar < 1 {
		err = fmt.Errorf("field %s: must be at least 1, got %d", nsiFieldExpandParallel, c.expandPar)
		return
	}
	if c.pollingConfig, err = pollingConfigFromParsed(conf, netsuite.MaxPageSize); err != nil {
		return
	}
	var zone string
	if zone, err = conf.FieldString(nsiFieldTimeZone); err != nil {
		return
	}
	if c.zone, err = time.LoadLocation(zone); err != nil {
		err = fmt.Errorf("field %s: %w", nsiFieldTimeZone, err)
		return
	}
	if c.source, err = conf.FieldString(nsiFieldSource); err != nil {
		return
	}
	return
}

func netsuiteInputSpec() *service.ConfigSpec {
	entities := map[string]string{}
	for _, e := range netsuite.Entities {
		switch {
		case e.RecordType != "":
			entities[e.Name] = fmt.Sprintf("`%s` records (SuiteQL table `%s`), `dw_tx_type` %s.", e.RecordType, e.Table, e.TxType)
		default:
			entities[e.Name] = "Inventory quantities, one row per item and location (SuiteQL table `inventoryitemlocations`, each row with its item's `itemid`), `dw_tx_type` inventory, `dw_src_id` `<item id>@<location id>`. Rows are never expanded."
		}
	}
	return service.NewConfigSpec().
		Beta().
		Categories(docsgen.Category).
		Summary("Reads sales orders, customers, inventory items, inventory per location, item fulfillments or invoices from NetSuite incrementally, through SuiteQL on SuiteTalk REST web services.").
		Description(`
Each poll cycle lists, with SuiteQL, every record of `+"`record_type`"+` modified since the last one and emits one message per record: the full record as `+"`GET /record/v1/{type}/{id}?expandSubResources=true`"+` returns it (with `+"`expand`"+`, the default, and the shape the `+"`bloblang/mappings/netsuite/*_to_canonical`"+` mappings read), or the SuiteQL row.

### Incremental reads without gaps

The position is a compound cursor (lastmodifieddate, internal id), kept in `+"`checkpoint_cache`"+` and advanced only when every message before it has been acknowledged: a restart resumes where delivery stopped. Queries `+"`ORDER BY lastmodifieddate, id`"+` and every page is a new keyset query from the last row read, at most `+"`page_size`"+` (≤ 1000) rows, so rows sharing one second are all read, paging never goes deep and a window larger than SuiteQL's 100,000-row query cap is read in full. A cycle reads up to NetSuite's own clock (`+"`GET /system/v1/serverTime`"+`, never the local clock) minus `+"`lag`"+`, excluding the current second, so records saved later in the same second are read by the next cycle instead of being skipped.

SuiteQL reads and shows datetimes in the time zone of the integration user's preferences: set `+"`time_zone`"+` to it (the cursor is kept in UTC). In the hour a daylight-saving change repeats, local times are ambiguous; prefer a user in UTC.

### Your own query

`+"`query`"+` replaces the generated SuiteQL (to filter by subsidiary, add columns...). It must contain the placeholders `+"`:cursor_time`"+`, `+"`:cursor_id`"+` and `+"`:window_end`"+`, return the columns `+"`id`"+` and `+"`lastmodifieddate`"+` as `+"`TO_CHAR(lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS')`"+`, and `+"`ORDER BY lastmodifieddate, id`"+`; rows are expanded to `+"`record_type`"+` records when `+"`expand`"+` is on.

### Deleted records

NetSuite's REST API has no `+"`getDeleted`"+`. SuiteQL exposes deletions in the `+"`DeletedRecord`"+` table (columns `+"`recordid`"+`, `+"`type`"+`, `+"`name`"+`, `+"`deleteddate`"+`, `+"`deletedby`"+`, `+"`context`"+`) to roles with the *Deleted Records* permission (Setup > Users/Roles > Manage Roles > Permissions > Setup) besides *REST Web Services* and *SuiteAnalytics Workbook*. Read them with a second input using `+"`query`"+` and `+"`expand: false`"+`, for example `+"`SELECT t.recordid AS id, TO_CHAR(t.deleteddate, 'YYYY-MM-DD HH24:MI:SS') AS lastmodifieddate, t.type, t.name FROM deletedrecord t WHERE t.type = 'salesorder' AND (t.deleteddate > :cursor_time OR (t.deleteddate = :cursor_time AND t.recordid > :cursor_id)) AND t.deleteddate < :window_end ORDER BY t.deleteddate, t.recordid`"+` (check the `+"`type`"+` values your account shows), and turn each row into a tombstone downstream. The datawald sandbox has no `+"`DeletedRecord`"+` table.

### Concurrency

Requests count against the account's concurrency limit, shared by every netsuite input and output of the process (see `+"`concurrency_limit`"+`). Records are expanded `+"`expand_concurrency`"+` at a time.

### Metadata

- `+"`dw_source`"+`: the `+"`source`"+` field (default `+"`netsuite`"+`)
- `+"`dw_tx_type`"+`: order, customer, product, fulfillment, invoice or inventory
- `+"`dw_src_id`"+`: the internal id (`+"`<item id>@<location id>`"+` for inventory)
- `+"`dw_updated_at`"+`: lastmodifieddate, RFC 3339 UTC
- `+"`dw_task_id`"+`: one id per poll cycle; `+"`dw_task_last`"+`: `+"`true`"+` on the cycle's last message
- `+"`netsuite_record_type`"+`, `+"`netsuite_internal_id`"+` (records), `+"`netsuite_account`"+`
`).
		Fields(netsuite.ConnectionFields()...).
		Fields(
			service.NewStringAnnotatedEnumField(nsiFieldRecordType, entities).Description("What to read."),
			service.NewStringField(nsiFieldQuery).
				Description("A SuiteQL query replacing the generated one, with the placeholders `:cursor_time`, `:cursor_id` and `:window_end` (see the description). Empty: the generated query.").
				Default("").
				Example("SELECT t.id, TO_CHAR(t.lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') AS lastmodifieddate FROM transaction t WHERE t.type = 'SalesOrd' AND t.subsidiary = 2 AND (t.lastmodifieddate > :cursor_time OR (t.lastmodifieddate = :cursor_time AND t.id > :cursor_id)) AND t.lastmodifieddate < :window_end ORDER BY t.lastmodifieddate, t.id"),
			service.NewBoolField(nsiFieldExpand).
				Description("Emit each record as the record API returns it with `expandSubResources=true` (one more request per record) instead of the SuiteQL row. Ignored for `inventory`.").
				Default(true),
			service.NewIntField(nsiFieldExpandParallel).
				Description("Records expanded at a time (the account's concurrency limit bounds them further).").
				Default(4).LintRule(`root = if this < 1 { [ "must be at least 1" ] }`).Advanced(),
		).
		Fields(pollingFields(pollingFieldDocs{
			maxPageSize: netsuite.MaxPageSize,
			pageSize:    fmt.Sprintf("Rows per SuiteQL request, at most %d.", netsuite.MaxPageSize),
			lag:         "How far behind NetSuite's clock each cycle stops, for records whose save commits after lastmodifieddate was set.",
		})...).
		Fields(
			service.NewStringField(nsiFieldTimeZone).
				Description("IANA time zone of the integration user's preferences, in which SuiteQL reads and shows datetimes.").
				Default("UTC").Example("America/Los_Angeles"),
			service.NewStringField(nsiFieldSource).
				Description("Value of `dw_source`: the endpoint id of this account in sync tasks.").
				Default("netsuite"),
		).
		Fields(checkpoint.Fields("netsuite")...).
		Field(service.NewAutoRetryNacksToggleField()).
		LintRule(netsuite.LintRule(append([]netsuite.LintCheck{
			{When: pollScheduleConflictWhen, Message: pollScheduleConflictMessage},
			{When: `this.record_type.or("") == "inventory" && this.query.or("") != ""`, Message: "a query needs a record type with records (not inventory)"},
			{When: `this.query.or("") != "" && !(this.query.contains(":cursor_time") && this.query.contains(":cursor_id") && this.query.contains(":window_end"))`, Message: "query must contain the placeholders :cursor_time, :cursor_id and :window_end"},
		}, netsuite.AuthLintChecks...)...)).
		Example("Sales orders changed since the last poll", "Reads sales orders every minute with OAuth 2.0 client credentials, expanded to full records, and keeps the position in a file cache.", `
input:
  netsuite:
    account_id: "1234567_SB1"
    auth:
      mode: oauth2
      client_id: ${NETSUITE_CLIENT_ID}
      certificate_id: ${NETSUITE_CERTIFICATE_ID}
      private_key: ${NETSUITE_PRIVATE_KEY}
    record_type: salesOrder
    poll_interval: 1m
    time_zone: America/Los_Angeles
    start_from: "2026-01-01T00:00:00Z"
    checkpoint_cache: checkpoints
    checkpoint_key: netsuite_sales_orders

cache_resources:
  - label: checkpoints
    file:
      directory: /var/lib/datawald/checkpoints
`)
}

func init() {
	registerPollingInput("netsuite", netsuiteInputSpec(), netsuiteInputConfigFromParsed, newNetSuiteInput)
}

// netsuiteItem is one message to emit.
type netsuiteItem struct {
	row  netsuite.Row
	body []byte
}

// netsuiteInput reads one entity in poll cycles through its pollingInput
// core. Its cycles are paced by the local clock; their windows come from
// NetSuite's serverTime.
type netsuiteInput struct {
	pollingInput[netsuiteItem]
	cfg    netsuiteInputConfig
	log    *service.Logger
	client *netsuite.Client
	query  netsuite.Query
	scan   *netsuite.Scan
}

func newNetSuiteInput(cfg netsuiteInputConfig, store *checkpoint.Store, mgr *service.Resources) (*netsuiteInput, error) {
	cc := cfg.client
	cc.Metrics, cc.Logger = mgr.Metrics(), mgr.Logger()
	client, err := netsuite.New(cc)
	if err != nil {
		return nil, err
	}
	q := netsuite.GeneratedQuery(cfg.entity, cfg.expand, cfg.zone)
	if cfg.query != "" {
		q = netsuite.UserQuery(cfg.entity, cfg.query, cfg.zone)
	}
	n := &netsuiteInput{cfg: cfg, log: mgr.Logger(), client: client, query: q}
	n.pollingInput = newPollingInput[netsuiteItem](n, cfg.pollingConfig, store, "", mgr.Logger())
	return n, nil
}

// connect checks the credentials (an authentication failure is returned
// naming the account) and sizes the account limiter.
func (n *netsuiteInput) connect(ctx context.Context) error {
	if err := n.client.Init(ctx); err != nil {
		return fmt.Errorf("connecting to netsuite: %w", err)
	}
	return nil
}

func (n *netsuiteInput) position(it netsuiteItem) (checkpoint.Cursor, bool) { return it.row.Pos, true }

func (n *netsuiteInput) cycleOpen() bool { return n.scan != nil }
func (n *netsuiteInput) cycleRead() bool { return n.scan.Done() }

// fetch reads the next page of the open cycle. The scan keeps its position
// on error: the next Read retries the page.
func (n *netsuiteInput) fetch(ctx context.Context) ([]netsuiteItem, error) {
	items, err := n.fetchPage(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading netsuite %s: %w", n.cfg.entity.Name, err)
	}
	return items, nil
}

// fetchPage reads the next page of the scan, expanding rows to records
// when configured; records deleted since they were listed are left out.
func (n *netsuiteInput) fetchPage(ctx context.Context) ([]netsuiteItem, error) {
	rows, err := n.scan.Next(ctx)
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	items := make([]netsuiteItem, 0, len(rows))
	if !n.cfg.expand {
		for _, r := range rows {
			items = append(items, netsuiteItem{row: r, body: r.Raw})
		}
		return items, nil
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.SrcID
	}
	recs, err := n.client.GetRecords(ctx, n.cfg.entity.RecordType, ids, n.cfg.expandPar)
	if err != nil {
		return nil, err
	}
	for i, r := range rows {
		if recs[i] == nil {
			n.log.Debugf("netsuite %s %s was deleted after it was listed; skipped", n.cfg.entity.RecordType, r.SrcID)
			continue
		}
		items = append(items, netsuiteItem{row: r, body: recs[i]})
	}
	return items, nil
}

func (n *netsuiteInput) message(it netsuiteItem, last bool) *service.Message {
	msg := n.cycleMessage(it.body, recordMeta{
		source: n.cfg.source, txType: n.cfg.entity.TxType, srcID: it.row.SrcID,
		updatedAt: it.row.Modified.UTC().Format(time.RFC3339),
	}, last)
	if n.cfg.entity.RecordType != "" {
		msg.MetaSetMut("netsuite_record_type", n.cfg.entity.RecordType)
		msg.MetaSetMut("netsuite_internal_id", it.row.SrcID)
	}
	msg.MetaSetMut("netsuite_account", n.client.Account().Realm())
	return msg
}

// startCycle opens a poll cycle from the read position (the committed
// cursor after a restart) to NetSuite's clock minus lag, excluding the
// current second.
func (n *netsuiteInput) startCycle(ctx context.Context) error {
	st, err := n.client.ServerTime(ctx)
	if err != nil {
		return fmt.Errorf("starting a netsuite %s poll cycle: %w", n.cfg.entity.Name, err)
	}
	until := st.Add(-n.cfg.lag).Truncate(time.Second)
	n.taskID = pollTaskID("netsuite", n.cfg.entity.Name, st)
	n.scan = n.client.NewScan(n.query, n.readPos, until, n.cfg.pageSize)
	n.log.Debugf("netsuite %s: poll cycle %s from %s until %s", n.cfg.entity.Name, n.taskID, n.readPos, until.Format(time.RFC3339))
	return nil
}

func (n *netsuiteInput) endCycle() {
	n.log.Debugf("netsuite %s: poll cycle %s done after %d queries", n.cfg.entity.Name, n.taskID, n.scan.Pages)
	n.scan = nil
	n.cycleEnded(n.cfg.pollingConfig)
}
