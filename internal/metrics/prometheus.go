// Package metrics registers the `prometheus` metrics exporter: every Benthos
// and datawald metric, served in the Prometheus text exposition format at
// /metrics (and /stats) on the Benthos HTTP server, in run and streams mode.
package metrics

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/redpanda-data/benthos/v4/public/service"

	"github.com/datawald/datawald/internal/docsgen"
)

const (
	pmFieldUseHistogramTiming = "use_histogram_timing"
	pmFieldHistogramBuckets   = "histogram_buckets"
	pmFieldAddProcessMetrics  = "add_process_metrics"
	pmFieldAddGoMetrics       = "add_go_metrics"
)

func prometheusSpec() *service.ConfigSpec {
	return service.NewConfigSpec().
		Stable().
		Categories(docsgen.Category).
		Summary("Serves metrics in the Prometheus text exposition format at `/metrics` on the HTTP server.").
		Description(`
Every metric of the config (Benthos' own and datawald's connector, HTTP and sync-task metrics) is exposed
at `+"`/metrics`"+` (and `+"`/stats`"+`) on the address of the `+"`http`"+` section, in `+"`run`"+` and
`+"`streams`"+` mode. In streams mode every series carries a `+"`stream`"+` label.

Timing metrics are observed in seconds: a Benthos timer named `+"`x_ns`"+` is exported as
`+"`x_seconds`"+`, as a summary (quantiles 0.5, 0.9, 0.99) or, with `+"`use_histogram_timing`"+`, as a
histogram with `+"`histogram_buckets`"+`. Metric and label names are sanitised to Prometheus' character
set. Labels never carry credentials: datawald's components label by vendor, endpoint template and status.`).
		Fields(
			service.NewBoolField(pmFieldUseHistogramTiming).
				Description("Export timing metrics as histograms instead of summaries.").
				Default(false).Advanced(),
			service.NewFloatListField(pmFieldHistogramBuckets).
				Description("Histogram bucket upper bounds in seconds, used with `use_histogram_timing`. Empty means Prometheus' default buckets.").
				Default([]any{}).Advanced(),
			service.NewBoolField(pmFieldAddProcessMetrics).
				Description("Also export the process collector's metrics (CPU, memory, file descriptors).").
				Default(true).Advanced(),
			service.NewBoolField(pmFieldAddGoMetrics).
				Description("Also export the Go runtime's metrics (goroutines, GC, heap).").
				Default(true).Advanced(),
		).
		Example("Scrape datawald with Prometheus", "Serve Prometheus metrics on port 4195.", `
http:
  address: 127.0.0.1:4195
metrics:
  prometheus: {}
`)
}

func init() {
	service.MustRegisterMetricsExporter("prometheus", prometheusSpec(), func(conf *service.ParsedConfig, log *service.Logger) (service.MetricsExporter, error) {
		return newPrometheus(conf, log)
	})
}

type prometheusExporter struct {
	log        *service.Logger
	reg        *prometheus.Registry
	histograms bool
	buckets    []float64

	mu       sync.Mutex
	counters map[string]*prometheus.CounterVec
	gauges   map[string]*prometheus.GaugeVec
	timers   map[string]prometheus.ObserverVec
	labels   map[string][]string // metric name → label keys it was created with
}

func newPrometheus(conf *service.ParsedConfig, log *service.Logger) (*prometheusExporter, error) {
	p := &prometheusExporter{
		log:      log,
		reg:      prometheus.NewRegistry(),
		counters: map[string]*prometheus.CounterVec{},
		gauges:   map[string]*prometheus.GaugeVec{},
		timers:   map[string]prometheus.ObserverVec{},
		labels:   map[string][]string{},
	}
	var err error
	if p.histograms, err = conf.FieldBool(pmFieldUseHistogramTiming); err != nil {
		return nil, err
	}
	if p.buckets, err = conf.FieldFloatList(pmFieldHistogramBuckets); err != nil {
		return nil, err
	}
	if len(p.buckets) == 0 {
		p.buckets = prometheus.DefBuckets
	}
	if proc, err := conf.FieldBool(pmFieldAddProcessMetrics); err != nil {
		return nil, err
	} else if proc {
		p.reg.MustRegister(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	if goMetrics, err := conf.FieldBool(pmFieldAddGoMetrics); err != nil {
		return nil, err
	} else if goMetrics {
		p.reg.MustRegister(collectors.NewGoCollector())
	}
	return p, nil
}

// HandlerFunc serves the registry; Benthos mounts it at /metrics and /stats.
func (p *prometheusExporter) HandlerFunc() http.HandlerFunc {
	return promhttp.HandlerFor(p.reg, promhttp.HandlerOpts{ErrorLog: nil}).ServeHTTP
}

// claim records that name is used with keys and reports whether that is
// consistent with earlier uses: Prometheus cannot hold one name with two
// label sets, so a conflicting later use is dropped with a warning.
func (p *prometheusExporter) claim(name string, keys []string) bool {
	if prev, ok := p.labels[name]; ok {
		if strings.Join(prev, "\x00") != strings.Join(keys, "\x00") {
			p.log.Warnf("metric %s registered with labels %v and again with %v; dropping the second", name, prev, keys)
			return false
		}
		return true
	}
	p.labels[name] = keys
	return true
}

func (p *prometheusExporter) NewCounterCtor(name string, labelKeys ...string) service.MetricsExporterCounterCtor {
	name, labelKeys = sanitiseName(name), sanitiseLabels(labelKeys)
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.claim(name, labelKeys) {
		return func(...string) service.MetricsExporterCounter { return noop{} }
	}
	vec, ok := p.counters[name]
	if !ok {
		vec = prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: "Benthos counter " + name}, labelKeys)
		if err := p.reg.Register(vec); err != nil {
			p.log.Warnf("registering metric %s: %v", name, err)
			return func(...string) service.MetricsExporterCounter { return noop{} }
		}
		p.counters[name] = vec
	}
	return func(values ...string) service.MetricsExporterCounter {
		return counter{vec.WithLabelValues(values...)}
	}
}

func (p *prometheusExporter) NewTimerCtor(name string, labelKeys ...string) service.MetricsExporterTimerCtor {
	name, labelKeys = sanitiseName(strings.TrimSuffix(name, "_ns")+"_seconds"), sanitiseLabels(labelKeys)
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.claim(name, labelKeys) {
		return func(...string) service.MetricsExporterTimer { return noop{} }
	}
	vec, ok := p.timers[name]
	if !ok {
		var c prometheus.Collector
		if p.histograms {
			h := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: name, Help: "Benthos timing " + name, Buckets: p.buckets}, labelKeys)
			vec, c = h, h
		} else {
			s := prometheus.NewSummaryVec(prometheus.SummaryOpts{
				Name: name, Help: "Benthos timing " + name,
				Objectives: map[float64]float64{0.5: 0.05, 0.9: 0.01, 0.99: 0.001},
				MaxAge:     time.Minute,
			}, labelKeys)
			vec, c = s, s
		}
		if err := p.reg.Register(c); err != nil {
			p.log.Warnf("registering metric %s: %v", name, err)
			return func(...string) service.MetricsExporterTimer { return noop{} }
		}
		p.timers[name] = vec
	}
	return func(values ...string) service.MetricsExporterTimer {
		return timer{vec.WithLabelValues(values...)}
	}
}

func (p *prometheusExporter) NewGaugeCtor(name string, labelKeys ...string) service.MetricsExporterGaugeCtor {
	name, labelKeys = sanitiseName(name), sanitiseLabels(labelKeys)
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.claim(name, labelKeys) {
		return func(...string) service.MetricsExporterGauge { return noop{} }
	}
	vec, ok := p.gauges[name]
	if !ok {
		vec = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: "Benthos gauge " + name}, labelKeys)
		if err := p.reg.Register(vec); err != nil {
			p.log.Warnf("registering metric %s: %v", name, err)
			return func(...string) service.MetricsExporterGauge { return noop{} }
		}
		p.gauges[name] = vec
	}
	return func(values ...string) service.MetricsExporterGauge {
		return gauge{vec.WithLabelValues(values...)}
	}
}

// DeleteSeriesPartialMatch drops the series of a deleted stream, so a
// stream removed through the streams API stops being reported.
func (p *prometheusExporter) DeleteSeriesPartialMatch(labels map[string]string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	ls := prometheus.Labels{}
	for k, v := range labels {
		ls[sanitiseName(k)] = v
	}
	for _, v := range p.counters {
		v.DeletePartialMatch(ls)
	}
	for _, v := range p.gauges {
		v.DeletePartialMatch(ls)
	}
	for _, v := range p.timers {
		if d, ok := v.(interface {
			DeletePartialMatch(prometheus.Labels) int
		}); ok {
			d.DeletePartialMatch(ls)
		}
	}
}

func (p *prometheusExporter) Close(context.Context) error { return nil }

type counter struct{ c prometheus.Counter }

func (c counter) Incr(n int64) { c.c.Add(float64(n)) }

type gauge struct{ g prometheus.Gauge }

func (g gauge) Set(v int64) { g.g.Set(float64(v)) }

type timer struct{ o prometheus.Observer }

func (t timer) Timing(ns int64) { t.o.Observe(float64(ns) / float64(time.Second)) }

type noop struct{}

func (noop) Incr(int64)   {}
func (noop) Set(int64)    {}
func (noop) Timing(int64) {}

var invalidNameChars = regexp.MustCompile(`[^a-zA-Z0-9_:]`)

// sanitiseName maps a Benthos metric name onto Prometheus' character set.
func sanitiseName(name string) string {
	name = invalidNameChars.ReplaceAllString(name, "_")
	if name == "" || (name[0] >= '0' && name[0] <= '9') {
		name = "_" + name
	}
	return name
}

func sanitiseLabels(keys []string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = strings.ReplaceAll(sanitiseName(k), ":", "_")
	}
	return out
}
