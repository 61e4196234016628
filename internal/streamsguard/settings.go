package streamsguard

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// DefaultAddress is where datawald serves the streams API when the
// observability config names no http.address. Benthos' own default is
// 0.0.0.0:4195; datawald binds loopback unless told otherwise.
const DefaultAddress = "127.0.0.1:4195"

// HTTPSettings are the observability config's http fields the guard needs.
type HTTPSettings struct {
	Enabled   bool
	Address   string
	RootPath  string
	BasicAuth bool
	CertFile  string
	KeyFile   string
}

// Args is what the guard reads from `datawald streams` arguments; all other
// arguments are passed to Benthos untouched.
type Args struct {
	Observability string
	NoAPI         bool
	// Help is set by -h or --help: the command prints its help and starts
	// nothing.
	Help bool
	// Sets are the --set overrides of http.* fields, in order.
	Sets map[string]string
	// Rest are the arguments to forward (http.* --set overrides removed).
	Rest []string
}

// ParseArgs splits the streams command line.
func ParseArgs(args []string) (Args, error) {
	a := Args{Sets: map[string]string{}}
	for i := 0; i < len(args); i++ {
		arg := args[i]
		name, value, hasValue := strings.Cut(strings.TrimLeft(arg, "-"), "=")
		if !strings.HasPrefix(arg, "-") || arg == "-" {
			a.Rest = append(a.Rest, args[i:]...) // positional: flags end here
			break
		}
		takeValue := func() (string, error) {
			if hasValue {
				return value, nil
			}
			if i+1 >= len(args) {
				return "", fmt.Errorf("flag %s needs a value", arg)
			}
			i++
			return args[i], nil
		}
		switch name {
		case "o", "observability":
			v, err := takeValue()
			if err != nil {
				return a, err
			}
			a.Observability = v
			a.Rest = append(a.Rest, "--observability", v)
		case "no-api":
			a.NoAPI = !hasValue || value == "true"
			a.Rest = append(a.Rest, arg)
		case "h", "help":
			a.Help = true
			a.Rest = append(a.Rest, arg)
		case "s", "set":
			v, err := takeValue()
			if err != nil {
				return a, err
			}
			if k, val, ok := strings.Cut(v, "="); ok && strings.HasPrefix(k, "http.") {
				a.Sets[k] = val
				continue
			}
			a.Rest = append(a.Rest, "--set", v)
		default:
			a.Rest = append(a.Rest, arg)
		}
	}
	return a, nil
}

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(:([^}]*))?\}`)

// expandEnv resolves ${VAR} and ${VAR:default} as Benthos does in configs.
func expandEnv(s string) string {
	return envRef.ReplaceAllStringFunc(s, func(m string) string {
		sub := envRef.FindStringSubmatch(m)
		if v, ok := os.LookupEnv(sub[1]); ok && v != "" {
			return v
		}
		return sub[3]
	})
}

// LoadHTTPSettings reads the http section of the observability file (if
// any) and applies --set overrides.
func LoadHTTPSettings(a Args) (HTTPSettings, error) {
	s := HTTPSettings{Enabled: true, Address: DefaultAddress}
	if a.Observability != "" {
		raw, err := os.ReadFile(a.Observability)
		if err != nil {
			return s, fmt.Errorf("reading observability config: %w", err)
		}
		var conf struct {
			HTTP struct {
				Enabled   *bool  `yaml:"enabled"`
				Address   string `yaml:"address"`
				RootPath  string `yaml:"root_path"`
				CertFile  string `yaml:"cert_file"`
				KeyFile   string `yaml:"key_file"`
				BasicAuth struct {
					Enabled bool `yaml:"enabled"`
				} `yaml:"basic_auth"`
			} `yaml:"http"`
		}
		if err := yaml.Unmarshal([]byte(expandEnv(string(raw))), &conf); err != nil {
			return s, fmt.Errorf("parsing observability config %s: %w", a.Observability, err)
		}
		if conf.HTTP.Enabled != nil {
			s.Enabled = *conf.HTTP.Enabled
		}
		if conf.HTTP.Address != "" {
			s.Address = conf.HTTP.Address
		}
		s.RootPath, s.CertFile, s.KeyFile = conf.HTTP.RootPath, conf.HTTP.CertFile, conf.HTTP.KeyFile
		s.BasicAuth = conf.HTTP.BasicAuth.Enabled
	}
	for k, v := range a.Sets {
		switch k {
		case "http.enabled":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return s, fmt.Errorf("--set http.enabled: %w", err)
			}
			s.Enabled = b
		case "http.address":
			s.Address = v
		case "http.root_path":
			s.RootPath = v
		case "http.cert_file":
			s.CertFile = v
		case "http.key_file":
			s.KeyFile = v
		case "http.basic_auth.enabled":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return s, fmt.Errorf("--set http.basic_auth.enabled: %w", err)
			}
			s.BasicAuth = b
		}
	}
	return s, nil
}

// InnerArgs are the arguments for Benthos' own streams command behind the
// guard: its API on the private address, without TLS, with every other
// http.* override the user gave.
func InnerArgs(a Args, s HTTPSettings, inner string) []string {
	out := []string{"--set", "http.address=" + inner, "--set", `http.cert_file=""`, "--set", `http.key_file=""`}
	for k, v := range a.Sets {
		switch k {
		case "http.address", "http.cert_file", "http.key_file":
			continue
		}
		out = append(out, "--set", k+"="+v)
	}
	return append(out, a.Rest...)
}
