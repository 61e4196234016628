package command

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/datawald/datawald/internal/model"
)

func init() {
	register(&cli.Command{
		Name:      "schema",
		Usage:     "Print the JSON Schema of a canonical entity",
		ArgsUsage: "<entity>",
		Description: "Prints the JSON Schema (draft 2020-12) of one canonical entity, as\n" +
			"validated by the sync_task processor and kept in docs/schemas/.\n" +
			"Entities: " + strings.Join(model.Entities(), ", ") + ".\n\n" +
			"  datawald schema order\n" +
			"  datawald schema --list",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "list", Usage: "list the canonical entity names, one per line"},
		},
		Action: runSchema,
	})
}

func runSchema(c *cli.Context) error {
	out := c.App.Writer
	if c.Bool("list") {
		if c.NArg() > 0 {
			return cli.Exit("schema: --list takes no entity argument", 2)
		}
		for _, name := range model.Entities() {
			fmt.Fprintln(out, name)
		}
		return nil
	}
	if c.NArg() != 1 {
		return cli.Exit(fmt.Sprintf("schema: want exactly one entity (one of %s), or --list",
			strings.Join(model.Entities(), ", ")), 2)
	}
	b, err := model.Schema(c.Args().First())
	if err != nil {
		return cli.Exit("schema: "+err.Error(), 2)
	}
	_, err = out.Write(b)
	return err
}
