package httpx

import (
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"
)

// Metric names emitted by every Client. Labels never hold URLs or
// credentials: only the vendor, the endpoint template and the status.
const (
	MetricRequests = "datawald_http_requests"
	MetricRetries  = "datawald_http_retries"
	MetricLatency  = "datawald_http_request_latency_ns"
)

type clientMetrics struct {
	requests *service.MetricCounter
	retries  *service.MetricCounter
	latency  *service.MetricTimer
}

func newClientMetrics(m *service.Metrics) *clientMetrics {
	if m == nil {
		return nil
	}
	return &clientMetrics{
		requests: m.NewCounter(MetricRequests, "vendor", "endpoint", "status"),
		retries:  m.NewCounter(MetricRetries, "vendor", "endpoint"),
		latency:  m.NewTimer(MetricLatency, "vendor", "endpoint"),
	}
}

func (m *clientMetrics) request(vendor, endpoint, status string, took time.Duration) {
	if m == nil {
		return
	}
	m.requests.Incr(1, vendor, endpoint, status)
	m.latency.Timing(took.Nanoseconds(), vendor, endpoint)
}

func (m *clientMetrics) retry(vendor, endpoint string) {
	if m == nil {
		return
	}
	m.retries.Incr(1, vendor, endpoint)
}
