package command

import (
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/datawald/datawald/internal/sandbox/sandboxtest"
	"github.com/datawald/datawald/internal/sandbox/seed"
)

// BenchmarkSandbox_SimpleGET measures how many simple authenticated GETs of
// one record each simulator serves per second with no faults and no vendor
// rate limit (--rate-limit-profile none), over keep-alive connections from
// concurrent clients in the same process. The goal is at least 5,000 req/s
// per simulator, so a simulator is never the bottleneck of a connector
// benchmark unless a limit is set on purpose. On a shared machine req/s
// follows the load of other processes; req/cpu-s does not.
//
//	go test ./internal/command/ -run '^$' -bench BenchmarkSandbox_SimpleGET -benchtime 3s
func BenchmarkSandbox_SimpleGET(b *testing.B) {
	cfg := sandboxConfig{host: "127.0.0.1", profile: profileNone, listen: map[string]string{}}
	cat := seed.Generate(cfg.seed)
	for _, v := range sandboxVendors {
		b.Run(v.name, func(b *testing.B) {
			vc, ok := vendorClients[v.name]
			if !ok {
				b.Fatalf("no API client for %s", v.name)
			}
			one := cfg
			one.vendors = []sandboxVendor{v}
			running, err := startSandboxes(one, cat)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = shutdownSandboxes(running) })
			baseURL := running[0].baseURL
			authorize := vc.authorize(b, baseURL, running[0].server.Vendor().Credentials())
			url := baseURL + vc.simpleGET

			b.SetParallelism(4)
			cpuBefore := processCPU(b)
			sandboxtest.BenchHTTP(b, sandboxtest.BenchClient(b), func() *http.Request {
				req, _ := http.NewRequest(http.MethodGet, url, nil)
				authorize(req)
				return req
			})
			b.StopTimer()
			// Requests per CPU-second of this process (client and server
			// together) is what the machine could serve without the other
			// processes competing for its cores; the server's share alone is
			// higher still.
			if cpu := processCPU(b) - cpuBefore; cpu > 0 {
				b.ReportMetric(float64(b.N)/cpu.Seconds(), "req/cpu-s")
			}
			if n := running[0].server.Stats().Total; n < int64(b.N) {
				b.Errorf("stats counted %d requests, sent %d", n, b.N)
			}
		})
	}
}

// processCPU is the user and system CPU time this process has used.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatalf("reading CPU time: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
