package inputs

import (
	"context"
	"fmt"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"

	"github.com/datawald/datawald/internal/checkpoint"
	"github.com/datawald/datawald/internal/docsgen"
	"github.com/datawald/datawald/internal/hubspot"
)

const (
	hsiFieldProperties     = "properties"
	hsiFieldFilters        = "filters"
	hsiFieldFilterProperty = "property"
	hsiFieldFilterOperator = "operator"
	hsiFieldFilterValue    = "value"
	hsiFieldSource         = "source"
	hsiFieldSealStore      = "sync_task_store"
)

// hsiDefaultLag is the hubspot input's default lag: HubSpot's search index
// trails writes by seconds and sometimes minutes, far more than the 5s the
// other polling inputs default to.
const hsiDefaultLag = "1m"

type hubspotInputConfig struct {
	pollingConfig
	client     hubspot.Config
	object     hubspot.ObjectType
	properties []string
	filters    []hubspot.Filter
	source     string
	sealStore  string
}

func hubspotInputConfigFromParsed(conf *service.ParsedConfig) (c hubspotInputConfig, err error) {
	if c.client, err = hubspot.ConfigFromParsed(conf); err != nil {
		return
	}
	if c.object, err = hubspot.ObjectTypeFromParsed(conf); err != nil {
		return
	}
	if c.properties, err = conf.FieldStringList(hsiFieldProperties); err != nil {
		return
	}
	if c.filters, err = hubspotFiltersFromParsed(conf, c.object); err != nil {
		return
	}
	if c.pollingConfig, err = pollingConfigFromParsed(conf, hubspot.MaxSearchLimit); err != nil {
		return
	}
	if c.source, err = conf.FieldString(hsiFieldSource); err != nil {
		return
	}
	c.sealStore, err = conf.FieldString(hsiFieldSealStore)
	return
}

// hubspotFiltersFromParsed reads the `filters` list.
func hubspotFiltersFromParsed(conf *service.ParsedConfig, typ hubspot.ObjectType) ([]hubspot.Filter, error) {
	list, err := conf.FieldObjectList(hsiFieldFilters)
	if err != nil {
		return nil, err
	}
	filters := make([]hubspot.Filter, len(list))
	for i, fc := range list {
		f := &filters[i]
		if f.PropertyName, err = fc.FieldString(hsiFieldFilterProperty); err != nil {
			return nil, err
		}
		if f.Operator, err = fc.FieldString(hsiFieldFilterOperator); err != nil {
			return nil, err
		}
		if f.Value, err = fc.FieldString(hsiFieldFilterValue); err != nil {
			return nil, err
		}
		switch takes := hubspot.OperatorTakesValue(f.Operator); {
		case takes && f.Value == "":
			return nil, fmt.Errorf("field %s[%d]: operator %s needs a value", hsiFieldFilters, i, f.Operator)
		case !takes && f.Value != "":
			return nil, fmt.Errorf("field %s[%d]: operator %s takes no value", hsiFieldFilters, i, f.Operator)
		}
	}
	if err := (hubspot.ScanOptions{Filters: filters}).Validate(typ); err != nil {
		return nil, fmt.Errorf("field %s: %w", hsiFieldFilters, err)
	}
	return filters, nil
}

func hubspotInputSpec() *service.ConfigSpec {
	return service.NewConfigSpec().
		Beta().
		Categories(docsgen.Category, "Services").
		Summary("Reads HubSpot contacts, companies, deals or products incrementally by their last-modified date, through the CRM search API.").
		Description(`
Each poll cycle reads every object of `+"`object`"+` modified since the last one, in the total order (last modified, `+"`hs_object_id`"+`), and emits one message per object with HubSpot's object JSON as the body: `+"`{\"id\", \"properties\": {...}, \"createdAt\", \"updatedAt\", \"archived\"}`"+`.

### Incremental reads without gaps

The position is a compound cursor (last-modified time, object id), kept in `+"`checkpoint_cache`"+` and advanced only when every message before it has been acknowledged: a restart resumes where delivery stopped (messages after it may be read again; the sync task's content dedupe absorbs them). The cursor property is `+"`lastmodifieddate`"+` for contacts and `+"`hs_lastmodifieddate`"+` for the other objects.

HubSpot's search pages with `+"`after`"+`, an offset into the result set, and refuses to page to the 10,000th result. The input never follows it: every page is a new search from the last object emitted (`+"`modified > T OR (modified = T AND hs_object_id > id)`"+`), so however many objects change in one window (a month-end import of 50,000 contacts with one timestamp included) all are read, and objects modified during the read cannot shift others past it. Objects sharing one timestamp are emitted by id; when a whole page shares one, the input pages inside it by `+"`hs_object_id`"+`.

### Filters

`+"`filters`"+` narrow what is read, as the original connector read only deals whose sync flag was set: every search ANDs them with the modification window, so the keyset paging and the cursor work as without them.

### Search index lag

HubSpot's search index is eventually consistent: an object changed a moment ago may not be searchable yet (usually seconds, sometimes minutes). Each cycle therefore reads only up to now minus `+"`lag`"+` (default `+"`"+hsiDefaultLag+"`"+`); a change younger than that is read by a later cycle, when the index has it. Raise `+"`lag`"+` if your portal's index trails further: a change indexed later than `+"`lag`"+` after it was made is missed until the object changes again.

### Rate limits

Search requests count against the portal's rolling limit and the search endpoints' own per-second limit. A 429 is retried after HubSpot's `+"`Retry-After`"+` (when sent) or with backoff (`+"`http`"+` settings); a 429 of the `+"`DAILY`"+` policy is not retried and ends the read with an error until the budget returns. Use `+"`http.rate_limit`"+` (for example 4) to stay under the search limit when several inputs share a portal.

### Metadata

- `+"`dw_source`"+`: the `+"`source`"+` field (default `+"`hubspot`"+`)
- `+"`dw_tx_type`"+`: customer (contacts), company, deal or product
- `+"`dw_src_id`"+`: the HubSpot object id (`+"`hs_object_id`"+`)
- `+"`dw_updated_at`"+`: the last-modified time, RFC 3339 UTC with milliseconds
- `+"`dw_task_id`"+`: one id per poll cycle; `+"`dw_task_last`"+`: `+"`true`"+` on the cycle's last message, which lets the `+"`sync_task`"+` processor seal the cycle's task (a cycle that reads nothing emits nothing and creates no task)
- `+"`hubspot_object_type`"+`, `+"`hubspot_object_id`"+`
`).
		Fields(hubspot.ConnectionFields()...).
		Fields(
			hubspot.ObjectField("Which object type to read."),
			service.NewStringListField(hsiFieldProperties).
				Description("Properties to fetch for each object. HubSpot always adds `hs_object_id`, `createdate` and the last-modified property. Empty: HubSpot's default properties of the object type.").
				Default([]any{}).
				Example([]any{"email", "firstname", "lastname", "phone", "company", "lifecyclestage"}),
			service.NewObjectListField(hsiFieldFilters,
				service.NewStringField(hsiFieldFilterProperty).Description("Property to filter on (not the last-modified property or `hs_object_id`, which the input filters on itself).").Example("deal_sync_ns_filed"),
				service.NewStringEnumField(hsiFieldFilterOperator,
					hubspot.OpEQ, hubspot.OpNEQ, hubspot.OpLT, hubspot.OpLTE, hubspot.OpGT, hubspot.OpGTE,
					hubspot.OpContainsToken, hubspot.OpNotContainsToken, hubspot.OpHasProperty, hubspot.OpNotHasProperty).
					Description("HubSpot search operator.").Default(hubspot.OpEQ),
				service.NewStringField(hsiFieldFilterValue).Description("Value to compare with; empty for `HAS_PROPERTY` and `NOT_HAS_PROPERTY`. Datetimes as epoch milliseconds or ISO 8601.").Default("").Example("true"),
			).
				Description(fmt.Sprintf("Conditions every object read must meet, ANDed with the modification window in every search (at most %d), e.g. a deal's sync flag or an owner. An object that stops meeting them is not read again; one that starts meeting them is read when it is next modified.", hubspot.MaxScanFilters)).
				Default([]any{}).
				Example([]any{map[string]any{"property": "deal_sync_ns_filed", "operator": "EQ", "value": "true"}, map[string]any{"property": "hubspot_owner_id", "operator": "EQ", "value": "41700001"}}),
		).
		Fields(hubspotPollingFields()...).
		Fields(
			service.NewStringField(hsiFieldSource).
				Description("Value of `dw_source`: the endpoint id of this portal in sync tasks. Give each portal a different one when several are synced.").
				Default("hubspot"),
			service.NewStringField(hsiFieldSealStore).
				Description("DSN of the sync-task store (the `sync_task` processor's `store`). When set, the input also seals each poll cycle's task itself once every message of the cycle has been acknowledged, so the task finishes even when the cycle's last message is dropped before the `sync_task` processor. Empty: sealing relies on `dw_task_last` alone.").
				Default("").Example("sqlite:///var/lib/datawald/synctask.db").Advanced(),
		).
		Fields(checkpoint.Fields("hubspot")...).
		Field(service.NewAutoRetryNacksToggleField()).
		LintRule(fmt.Sprintf(`root = [
  if %s { %q } else { null },
  if this.filters.or([]).length() > %d { "at most %d filters" } else { null },
].merge(this.filters.or([]).map_each(f -> match {
  ["HAS_PROPERTY", "NOT_HAS_PROPERTY"].contains(f.operator.or("EQ")) && f.value.or("") != "" => "filter on " + f.property.or("?") + ": operator " + f.operator + " takes no value",
  !["HAS_PROPERTY", "NOT_HAS_PROPERTY"].contains(f.operator.or("EQ")) && f.value.or("") == "" => "filter on " + f.property.or("?") + ": operator " + f.operator.or("EQ") + " needs a value",
  [if this.object.or("") == "contacts" { "lastmodifieddate" } else { "hs_lastmodifieddate" }, "hs_object_id"].contains(f.property.or("")) => "filter on " + f.property + ": it is the input's own cursor property",
  _ => null,
})).filter(v -> v != null)`,
			pollScheduleConflictWhen, pollScheduleConflictMessage, hubspot.MaxScanFilters, hubspot.MaxScanFilters)).
		Example("Contacts changed since the last poll", "Reads contacts every minute with a private app's token, two minutes behind HubSpot's search index, and keeps its position in a file cache.", `
input:
  hubspot:
    access_token: ${HUBSPOT_ACCESS_TOKEN}
    object: contacts
    properties: [ email, firstname, lastname, phone, company, lifecyclestage ]
    poll_interval: 1m
    lag: 2m
    start_from: "2026-01-01T00:00:00Z"
    checkpoint_cache: checkpoints
    checkpoint_key: hubspot_contacts
    http:
      rate_limit: 4

cache_resources:
  - label: checkpoints
    file:
      directory: /var/lib/datawald/checkpoints
`)
}

// hubspotPollingFields are the shared polling fields with HubSpot's page
// limit and a lag default that covers the search index's delay.
func hubspotPollingFields() []*service.ConfigField {
	return pollingFields(pollingFieldDocs{
		maxPageSize: hubspot.MaxSearchLimit,
		pageSize:    fmt.Sprintf("Objects per search request, at most %d (HubSpot's largest search page).", hubspot.MaxSearchLimit),
		lag:         "How far behind now each cycle stops, so changes HubSpot's search index has not caught up with yet are read by a later cycle instead of being skipped. Must cover the index's delay.",
		lagDefault:  hsiDefaultLag,
	})
}

func init() {
	registerPollingInput("hubspot", hubspotInputSpec(), hubspotInputConfigFromParsed, newHubSpotInput)
}

// hubspotInput reads one object type in poll cycles through its
// pollingInput core.
type hubspotInput struct {
	pollingInput[hubspot.Item]
	cfg    hubspotInputConfig
	log    *service.Logger
	client *hubspot.Client
	scan   *hubspot.Scan
}

func newHubSpotInput(cfg hubspotInputConfig, store *checkpoint.Store, mgr *service.Resources) (*hubspotInput, error) {
	cc := cfg.client
	cc.Metrics, cc.Logger = mgr.Metrics(), mgr.Logger()
	client, err := hubspot.New(cc)
	if err != nil {
		return nil, err
	}
	h := &hubspotInput{cfg: cfg, log: mgr.Logger(), client: client}
	h.pollingInput = newPollingInput[hubspot.Item](h, cfg.pollingConfig, store, cfg.sealStore, mgr.Logger())
	return h, nil
}

// connect makes no HubSpot call: the token is checked by the first search.
func (h *hubspotInput) connect(context.Context) error { return nil }

func (h *hubspotInput) position(it hubspot.Item) (checkpoint.Cursor, bool) { return it.Pos, true }

func (h *hubspotInput) cycleOpen() bool { return h.scan != nil }
func (h *hubspotInput) cycleRead() bool { return h.scan.Done() }

// fetch reads the next page of the open cycle. The scan keeps its position
// on error: the next Read repeats the search after Benthos' read backoff.
func (h *hubspotInput) fetch(ctx context.Context) ([]hubspot.Item, error) {
	items, err := h.scan.Next(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading hubspot %s: %w", h.cfg.object.Name, err)
	}
	return items, nil
}

func (h *hubspotInput) message(it hubspot.Item, last bool) *service.Message {
	msg := h.cycleMessage(it.Raw, recordMeta{
		source: h.cfg.source, txType: h.cfg.object.TxType, srcID: it.ID,
		updatedAt: it.Modified.UTC().Format(time.RFC3339Nano),
	}, last)
	msg.MetaSetMut("hubspot_object_type", h.cfg.object.Name)
	msg.MetaSetMut("hubspot_object_id", it.ID)
	return msg
}

// startCycle opens a poll cycle from the read position (the committed
// cursor after a restart) up to now minus lag, to the millisecond.
func (h *hubspotInput) startCycle(context.Context) error {
	now := h.now().UTC()
	h.taskID = pollTaskID("hubspot", h.cfg.object.Name, now)
	upper := now.Add(-h.cfg.lag).Truncate(time.Millisecond)
	h.scan = h.client.NewScan(h.cfg.object, hubspot.ScanOptions{
		Properties: h.cfg.properties, Filters: h.cfg.filters, From: h.readPos, Upper: upper, Limit: h.cfg.pageSize,
	})
	h.log.Debugf("hubspot %s: poll cycle %s from %s to %s", h.cfg.object.Name, h.taskID, h.readPos, upper.Format(time.RFC3339Nano))
	return nil
}

func (h *hubspotInput) endCycle() {
	h.log.Debugf("hubspot %s: poll cycle %s done after %d searches", h.cfg.object.Name, h.taskID, h.scan.Pages)
	h.scan = nil
	h.cycleEnded(h.cfg.pollingConfig)
}
