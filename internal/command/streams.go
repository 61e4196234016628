package command

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/urfave/cli/v2"

	"github.com/datawald/datawald/internal/streamsguard"
)

// cliOptions are the distribution's base options (name, version, docs URL),
// set by main; the streams command runs Benthos' own streams mode with them.
var cliOptions []service.CLIOptFunc

// SetCLIOptions records the base CLI options main runs with, without the
// custom commands, so a command can delegate to Benthos' built-in one.
func SetCLIOptions(opts []service.CLIOptFunc) { cliOptions = opts }

func init() {
	register(&cli.Command{
		Name:  "streams",
		Usage: "Run datawald in streams mode (Benthos streams mode behind a secret-scrubbing guard)",
		Description: `Runs several streams in one process, managed through the streams REST API,
exactly as Benthos' streams mode does (same flags, same endpoints), with two
differences that keep credentials safe:

  - GET /streams/{id} returns the stream's config with every secret field
    scrubbed, instead of the posted config with ${ENV} values resolved;
  - the API binds 127.0.0.1:4195 unless http.address says otherwise, and it
    refuses to bind any non-loopback address unless http.basic_auth is enabled.

  datawald streams
  datawald streams -o ./observability.yaml ./configs`,
		SkipFlagParsing: true,
		Action: func(c *cli.Context) error {
			a, err := streamsguard.ParseArgs(c.Args().Slice())
			if err != nil {
				return cli.Exit(err.Error(), 1)
			}
			if a.Help {
				// The guard's own description, then Benthos' flags; no port is bound.
				if err := cli.ShowSubcommandHelp(c); err != nil {
					return err
				}
				return delegateStreams(c.Context, []string{"--help"})
			}
			return runGuardedStreams(c.Context, a)
		},
	})
}

func runGuardedStreams(ctx context.Context, a streamsguard.Args) error {
	settings, err := streamsguard.LoadHTTPSettings(a)
	if err != nil {
		return cli.Exit(err.Error(), 1)
	}
	if a.NoAPI || !settings.Enabled {
		return delegateStreams(ctx, a.Rest)
	}
	if err := streamsguard.CheckBinding(settings.Address, settings.BasicAuth); err != nil {
		return cli.Exit(err.Error(), 1)
	}
	front, err := net.Listen("tcp", settings.Address)
	if err != nil {
		return cli.Exit(fmt.Sprintf("listening on %s: %v", settings.Address, err), 1)
	}
	innerLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		front.Close()
		return cli.Exit(fmt.Sprintf("reserving a private port: %v", err), 1)
	}
	inner := innerLn.Addr().String()
	innerLn.Close()

	srv := &http.Server{
		Handler:           streamsguard.New(inner, settings.RootPath, service.GlobalEnvironment()),
		ReadHeaderTimeout: 10 * time.Second,
	}
	serveErr := make(chan error, 1)
	go func() {
		if settings.CertFile != "" {
			serveErr <- srv.ServeTLS(front, settings.CertFile, settings.KeyFile)
			return
		}
		serveErr <- srv.Serve(front)
	}()
	runErr := delegateStreams(ctx, streamsguard.InnerArgs(a, settings, inner))
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdownCtx)
	if err := <-serveErr; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return cli.Exit(fmt.Sprintf("serving the streams API on %s: %v", settings.Address, err), 1)
	}
	return runErr
}

// delegateStreams runs Benthos' built-in streams command with args.
func delegateStreams(ctx context.Context, args []string) error {
	opts := append(append([]service.CLIOptFunc{}, cliOptions...),
		service.CLIOptSetArgs(append([]string{"datawald", "streams"}, args...)...))
	code, err := service.RunCLIToCode(ctx, opts...)
	if err != nil && code == 0 {
		code = 1
	}
	if code != 0 {
		msg := ""
		if err != nil {
			msg = err.Error()
		}
		return cli.Exit(msg, code)
	}
	return nil
}
