// Command datawald is a Benthos distribution for syncing commerce and ERP data
// (NetSuite, Magento 2, HubSpot, SAP Business One) with DataWald's sync-task
// semantics. It registers datawald's components and hands over to the Benthos CLI.
package main

import (
	"context"

	"github.com/redpanda-data/benthos/v4/public/service"

	_ "github.com/redpanda-data/benthos/v4/public/components/io"
	_ "github.com/redpanda-data/benthos/v4/public/components/pure"

	_ "github.com/datawald/datawald/bloblang"
	_ "github.com/datawald/datawald/inputs"
	"github.com/datawald/datawald/internal/command"
	_ "github.com/datawald/datawald/internal/metrics"
	_ "github.com/datawald/datawald/outputs"
	_ "github.com/datawald/datawald/processors"
)

// Version and DateBuilt are set at build time with
// -ldflags "-X main.Version=... -X main.DateBuilt=...".
var (
	Version   = "dev"
	DateBuilt = "unknown"
)

func main() {
	opts := []service.CLIOptFunc{
		service.CLIOptSetBinaryName("datawald"),
		service.CLIOptSetProductName("DataWald"),
		service.CLIOptSetVersion(Version, DateBuilt),
		service.CLIOptSetDocumentationURL("https://github.com/datawald/datawald/tree/main/docs"),
	}
	command.SetCLIOptions(opts)
	for _, c := range command.All() {
		opts = append(opts, service.CLIOptAddCommand(c))
	}
	service.RunCLI(context.Background(), opts...)
}
