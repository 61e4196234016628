package command

import (
	"fmt"

	"github.com/redpanda-data/benthos/v4/public/bloblang"
	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/urfave/cli/v2"

	"github.com/datawald/datawald/internal/docsgen"
)

func init() {
	register(&cli.Command{
		Name:  "docs",
		Usage: "Write datawald's component and Bloblang reference (Markdown) from the specs",
		Description: "Renders one page per datawald component and one for datawald's Bloblang\n" +
			"functions and methods into --out (default docs/components), removing pages of\n" +
			"components that no longer exist. A test fails when the committed pages drift.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "out", Value: "docs/components", Usage: "directory to write"},
		},
		Action: func(c *cli.Context) error {
			files, err := docsgen.Generate(service.GlobalEnvironment(), bloblang.GlobalEnvironment())
			if err != nil {
				return err
			}
			if err := docsgen.Write(c.String("out"), files); err != nil {
				return err
			}
			fmt.Fprintf(c.App.Writer, "wrote %d pages to %s\n", len(files), c.String("out"))
			return nil
		},
	})
}
