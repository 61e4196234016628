// Package command holds datawald's own CLI subcommands (sandbox, schema,
// demo, ...), added beside Benthos' run, lint, test, streams, blobl and list.
// Each subcommand lives in its own file and adds itself with register in
// init; main passes All to service.CLIOptAddCommand.
package command

import "github.com/urfave/cli/v2"

var commands []*cli.Command

// register adds a subcommand. It is called only from init functions in this
// package, so All sees every command before main runs.
func register(c *cli.Command) { commands = append(commands, c) }

// All returns datawald's subcommands in registration order.
func All() []*cli.Command { return commands }
