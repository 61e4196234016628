package inputs

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"

	"github.com/datawald/datawald/internal/checkpoint"
	"github.com/datawald/datawald/internal/docsgen"
	"github.com/datawald/datawald/internal/sapb1"
)

const (
	sbiFieldEntity   = "entity"
	sbiFieldTimeZone = "time_zone"
	sbiFieldSource   = "source"
)

type sapB1InputConfig struct {
	pollingConfig
	client sapb1.Config
	entity sapb1.Entity
	zone   *time.Location
	source string
}

func sapB1InputConfigFromParsed(conf *service.ParsedConfig) (c sapB1InputConfig, err error) {
	if c.client, err = sapb1.ConfigFromParsed(conf); err != nil {
		return
	}
	var name string
	if name, err = conf.FieldString(sbiFieldEntity); err != nil {
		return
	}
	var ok bool
	if c.entity, ok = sapb1.LookupEntity(name); !ok {
		err = fmt.Errorf("field %s: unknown entity set %q (want one of %s)", sbiFieldEntity, name, strings.Join(sapb1.EntityNames(), ", "))
		return
	}
	if c.pollingConfig, err = pollingConfigFromParsed(conf, sapb1.MaxPageSize); err != nil {
		return
	}
	var zone string
	if zone, err = conf.FieldString(sbiFieldTimeZone); err != nil {
		return
	}
	if c.zone, err = time.LoadLocation(zone); err != nil {
		err = fmt.Errorf("field %s: %w", sbiFieldTimeZone, err)
		return
	}
	c.source, err = conf.FieldString(sbiFieldSource)
	return
}

func sapB1InputSpec() *service.ConfigSpec {
	entities := map[string]string{}
	for _, e := range sapb1.Entities {
		entities[e.Set] = fmt.Sprintf("`%s` records (type `%s`, key `%s`), `dw_tx_type` %s.", e.Set, e.Type, e.Key, e.TxType)
	}
	return service.NewConfigSpec().
		Beta().
		Categories(docsgen.Category, "Services").
		Summary("Reads sales orders, business partners, items or delivery notes from SAP Business One through the Service Layer, incrementally by `UpdateDate` and `UpdateTime`.").
		Description(`
Each poll cycle reads every record of `+"`entity`"+` changed since the last one and emits one message per record, the record as the Service Layer returns it (documents with their `+"`DocumentLines`"+`).

### Incremental reads without gaps or repeats

B1 keeps a record's modification as two properties: `+"`UpdateDate`"+`, a date whose time part the Service Layer ignores, and `+"`UpdateTime`"+`, a time of day whose date part it ignores. A filter on the date alone re-reads the whole day every cycle; one on the time alone misses changes made the next day at an earlier hour. The input keeps a compound cursor (UpdateDate, UpdateTime, key), the key (`+"`DocEntry`"+`, `+"`CardCode`"+` or `+"`ItemCode`"+`) breaking ties between records changed in one second, and asks for

`+"`UpdateDate gt 'D' or (UpdateDate eq 'D' and (UpdateTime gt 'T' or (UpdateTime eq 'T' and DocEntry gt K)))`"+`

ordered by `+"`UpdateDate, UpdateTime, DocEntry`"+`. Pages hold at most `+"`page_size`"+` records (`+"`Prefer: odata.maxpagesize`"+`); the next page is the same query from the last record read, not the `+"`odata.nextLink`"+` (which pages by `+"`$skip`"+` and skips a record whenever one already read changes during the cycle). The cursor is kept in `+"`checkpoint_cache`"+` and advances only when every message before it has been acknowledged, so a restart resumes where delivery stopped.

A cycle reads up to now minus `+"`lag`"+`, excluding the current second, so records saved later in the same second are read by the next cycle. B1 times carry no zone: set `+"`time_zone`"+` to the company's (the cursor and `+"`dw_updated_at`"+` are UTC). In the hour a daylight-saving change repeats, local times are ambiguous.

### Sessions

The input logs in at connect (wrong credentials fail there, with SAP's message) and sends the session's `+"`B1SESSION`"+` and `+"`ROUTEID`"+` cookies. When the session times out (401, code 301) it logs in again once and repeats the request. It logs out on close.

### Metadata

- `+"`dw_source`"+`: the `+"`source`"+` field (default `+"`sap_b1`"+`)
- `+"`dw_tx_type`"+`: order, customer, product or fulfillment
- `+"`dw_src_id`"+`: the record's key: `+"`DocEntry`"+`, `+"`CardCode`"+` or `+"`ItemCode`"+`
- `+"`dw_updated_at`"+`: UpdateDate and UpdateTime in `+"`time_zone`"+`, RFC 3339 UTC
- `+"`dw_task_id`"+`: one id per poll cycle; `+"`dw_task_last`"+`: `+"`true`"+` on the cycle's last message
- `+"`sapb1_entity`"+`, `+"`sapb1_key`"+`, `+"`sapb1_company_db`"+`
`).
		Fields(sapb1.ConnectionFields()...).
		Fields(
			service.NewStringAnnotatedEnumField(sbiFieldEntity, entities).Description("Entity set to read."),
		).
		Fields(pollingFields(pollingFieldDocs{
			maxPageSize: sapb1.MaxPageSize,
			pageSize:    fmt.Sprintf("Records per request (`Prefer: odata.maxpagesize`), at most %d.", sapb1.MaxPageSize),
			lag:         "How far behind now each cycle stops, for records whose transaction commits after UpdateTime was set.",
		})...).
		Fields(
			service.NewStringField(sbiFieldTimeZone).
				Description("IANA time zone of the company's `UpdateDate` and `UpdateTime` (the Service Layer server's local time).").
				Default("UTC").Example("Europe/Berlin"),
			service.NewStringField(sbiFieldSource).
				Description("Value of `dw_source`: the endpoint id of this company database in sync tasks.").
				Default("sap_b1").Example("sap_b1_eu"),
		).
		Fields(checkpoint.Fields("sap_b1")...).
		Field(service.NewAutoRetryNacksToggleField()).
		LintRule(sapb1.ConnectionLint+fmt.Sprintf(`root = $connection_errors.merge(if %s { [ %q ] } else { [] })`, pollScheduleConflictWhen, pollScheduleConflictMessage)).
		Example("Sales orders changed since the last poll", "Reads sales orders every minute from a company in Berlin and keeps the position in a file cache.", `
input:
  sap_b1:
    base_url: https://b1.example.com:50000
    company_db: SBODEMOUS
    username: datawald
    password: ${SAP_B1_PASSWORD}
    entity: Orders
    poll_interval: 1m
    time_zone: Europe/Berlin
    start_from: "2026-01-01T00:00:00Z"
    checkpoint_cache: checkpoints
    checkpoint_key: sap_b1_orders

cache_resources:
  - label: checkpoints
    file:
      directory: /var/lib/datawald/checkpoints
`)
}

func init() {
	registerPollingInput("sap_b1", sapB1InputSpec(), sapB1InputConfigFromParsed, newSAPB1Input)
}

// sapB1Input reads one entity set in poll cycles through its pollingInput
// core.
type sapB1Input struct {
	pollingInput[sapb1.Record]
	cfg    sapB1InputConfig
	log    *service.Logger
	client *sapb1.Client
	scan   *sapb1.Scan
}

func newSAPB1Input(cfg sapB1InputConfig, store *checkpoint.Store, mgr *service.Resources) (*sapB1Input, error) {
	cc := cfg.client
	cc.Metrics, cc.Logger = mgr.Metrics(), mgr.Logger()
	client, err := sapb1.New(cc)
	if err != nil {
		return nil, err
	}
	s := &sapB1Input{cfg: cfg, log: mgr.Logger(), client: client}
	s.pollingInput = newPollingInput[sapb1.Record](s, cfg.pollingConfig, store, "", mgr.Logger())
	return s, nil
}

// connect logs in: wrong credentials are returned with SAP's message.
func (s *sapB1Input) connect(ctx context.Context) error {
	if err := s.client.Login(ctx); err != nil {
		return fmt.Errorf("connecting to sap b1: %w", err)
	}
	return nil
}

func (s *sapB1Input) position(rec sapb1.Record) (checkpoint.Cursor, bool) { return rec.Pos, true }

// Close stops waiting for the next cycle and logs out.
func (s *sapB1Input) Close(ctx context.Context) error {
	_ = s.pollTimer.Close(ctx)
	return s.client.Close(ctx)
}

func (s *sapB1Input) cycleOpen() bool { return s.scan != nil }
func (s *sapB1Input) cycleRead() bool { return s.scan.Done() }

// fetch reads the next page of the open cycle. The scan keeps its position
// on error: the next Read repeats the query.
func (s *sapB1Input) fetch(ctx context.Context) ([]sapb1.Record, error) {
	recs, err := s.scan.Next(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading sap b1 %s: %w", s.cfg.entity.Set, err)
	}
	return recs, nil
}

func (s *sapB1Input) message(rec sapb1.Record, last bool) *service.Message {
	msg := s.cycleMessage(rec.Raw, recordMeta{
		source: s.cfg.source, txType: s.cfg.entity.TxType, srcID: rec.Key,
		updatedAt: rec.Updated.Format(time.RFC3339),
	}, last)
	msg.MetaSetMut("sapb1_entity", s.cfg.entity.Set)
	msg.MetaSetMut("sapb1_key", rec.Key)
	msg.MetaSetMut("sapb1_company_db", s.client.CompanyDB())
	return msg
}

// startCycle opens a poll cycle from the read position (the committed
// cursor after a restart) up to now - lag, excluding the current second.
func (s *sapB1Input) startCycle(context.Context) error {
	at := s.now().UTC()
	s.taskID = pollTaskID("sap_b1", s.cfg.entity.Set, at)
	upper := s.cfg.secondsUpper(at)
	s.scan = s.client.NewScan(s.cfg.entity, s.readPos, upper, s.cfg.zone, s.cfg.pageSize)
	s.log.Debugf("sap b1 %s: poll cycle %s from %s to %s", s.cfg.entity.Set, s.taskID, s.readPos, upper.Format(time.RFC3339))
	return nil
}

func (s *sapB1Input) endCycle() {
	s.log.Debugf("sap b1 %s: poll cycle %s done after %d queries", s.cfg.entity.Set, s.taskID, s.scan.Pages)
	s.scan = nil
	s.cycleEnded(s.cfg.pollingConfig)
}
