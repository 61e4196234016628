package bloblang

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redpanda-data/benthos/v4/public/bloblang"
	"gopkg.in/yaml.v3"
)

// category groups datawald's plugins in `datawald blobl` and the docs.
const category = "DataWald"

// ErrLookupMiss is returned (wrapped) when a lookup table has no entry for a
// value and no default.
var ErrLookupMiss = errors.New("no entry")

// lookupTable is one named table of a lookup file.
type lookupTable struct {
	Default    any            `yaml:"default"`
	HasDefault bool           `yaml:"-"`
	Values     map[string]any `yaml:"values"`
}

// lookupFile is a parsed lookup file and the file state it was read at.
type lookupFile struct {
	modTime time.Time
	size    int64
	tables  map[string]*lookupTable
}

// lookupFiles caches parsed lookup files by path; an entry is re-read when
// the file's modification time or size changes.
var lookupFiles sync.Map // string → *lookupFile

func lookupSpec() *bloblang.PluginSpec {
	return bloblang.NewPluginSpec().
		Category(category).
		Description(`Translates a value through a named table of a YAML or JSON lookup file, the way DataWald's
TXMAP rules indexed a `+"`default`"+` dictionary (shipping methods, payment methods, order statuses,
location ids).

The file maps table names to tables; each table has `+"`values`"+` (a map from the source value,
compared as a string, to any JSON value) and an optional `+"`default`"+` used for values not in the
map:

`+"```yaml"+`
shipping_methods:
  default: ground
  values:
    flatrate_flatrate: ground
    ups_03: ups_ground
`+"```"+`

A default given as the `+"`default`"+` argument overrides the file's. A value with no entry and no
default is an error naming the table, the file and the value, so the entity fails with a readable
note rather than being sent with a wrong code. A relative path is resolved from the working
directory, like Bloblang's own `+"`import`"+`. Files are read once and re-read when they change.`).
		Param(bloblang.NewStringParam("file").Description("Path of the YAML or JSON lookup file.")).
		Param(bloblang.NewStringParam("table").Description("Name of the table within the file.")).
		Param(bloblang.NewAnyParam("default").Optional().Description("Value returned for a value with no entry; overrides the table's own default.")).
		Example("Map a Magento shipping method code to a canonical one (the table is in bloblang/mappings/lookups/shipping_methods.yaml).",
			`root.method = this.code.lookup("bloblang/mappings/lookups/shipping_methods.yaml", "magento_to_canonical")`,
			[2]string{`{"code":"flatrate_flatrate"}`, `{"method":"flat_rate"}`},
		).
		Example("An explicit default wins over a missing entry.",
			`root.method = this.code.lookup("bloblang/mappings/lookups/shipping_methods.yaml", "magento_to_canonical", "ground")`,
			[2]string{`{"code":"nope_nope"}`, `{"method":"ground"}`},
		)
}

func init() {
	bloblang.MustRegisterMethodV2("lookup", lookupSpec(), func(args *bloblang.ParsedParams) (bloblang.Method, error) {
		path, err := args.GetString("file")
		if err != nil {
			return nil, err
		}
		name, err := args.GetString("table")
		if err != nil {
			return nil, err
		}
		argDefault, err := args.Get("default")
		if err != nil {
			return nil, err
		}
		table, err := loadLookupTable(path, name)
		if err != nil {
			return nil, err
		}
		return func(v any) (any, error) {
			return table.lookup(v, argDefault, name, path)
		}, nil
	})
}

func (t *lookupTable) lookup(v, argDefault any, name, path string) (any, error) {
	key, ok := lookupKey(v)
	if ok {
		if out, found := t.Values[key]; found {
			return out, nil
		}
	}
	switch {
	case argDefault != nil:
		return argDefault, nil
	case t.HasDefault:
		return t.Default, nil
	}
	shown := key
	if !ok {
		shown = fmt.Sprintf("%v", v)
	}
	return nil, fmt.Errorf("lookup table %q (%s): %w for %q and no default", name, path, ErrLookupMiss, shown)
}

// lookupKey renders a value as the string key it is compared by: strings as
// they are, numbers without exponent or trailing zeros, booleans as
// true/false. Null, arrays and objects have no key.
func lookupKey(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case bool:
		return strconv.FormatBool(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case int:
		return strconv.Itoa(x), true
	case uint64:
		return strconv.FormatUint(x, 10), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case interface{ String() string }:
		return x.String(), true
	}
	return "", false
}

func loadLookupTable(path, name string) (*lookupTable, error) {
	f, err := loadLookupFile(path)
	if err != nil {
		return nil, err
	}
	t, ok := f.tables[name]
	if !ok {
		names := make([]string, 0, len(f.tables))
		for n := range f.tables {
			names = append(names, n)
		}
		sort.Strings(names)
		return nil, fmt.Errorf("lookup file %s has no table %q (tables: %s)", path, name, strings.Join(names, ", "))
	}
	return t, nil
}

func loadLookupFile(path string) (*lookupFile, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("resolving lookup file %s: %w", path, err)
	}
	st, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("reading lookup file: %w", err)
	}
	if c, ok := lookupFiles.Load(abs); ok {
		f := c.(*lookupFile)
		if f.modTime.Equal(st.ModTime()) && f.size == st.Size() {
			return f, nil
		}
	}
	raw, err := os.ReadFile(abs)
	if err != nil {
		return nil, fmt.Errorf("reading lookup file: %w", err)
	}
	tables, err := parseLookupFile(raw)
	if err != nil {
		return nil, fmt.Errorf("parsing lookup file %s: %w", path, err)
	}
	f := &lookupFile{modTime: st.ModTime(), size: st.Size(), tables: tables}
	lookupFiles.Store(abs, f)
	return f, nil
}

// parseLookupFile decodes a lookup file (YAML, hence also JSON). Every
// top-level key must be a table with a values map; a table's default may be
// null only if written explicitly.
func parseLookupFile(raw []byte) (map[string]*lookupTable, error) {
	var doc map[string]yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	tables := make(map[string]*lookupTable, len(doc))
	for name, node := range doc {
		if node.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("table %q (line %d): want a mapping with values and an optional default", name, node.Line)
		}
		t := &lookupTable{}
		for i := 0; i+1 < len(node.Content); i += 2 {
			switch key := node.Content[i].Value; key {
			case "values":
				var values map[string]any
				if err := node.Content[i+1].Decode(&values); err != nil {
					return nil, fmt.Errorf("table %q values (line %d): %w", name, node.Content[i+1].Line, err)
				}
				t.Values = normaliseYAML(values).(map[string]any)
			case "default":
				var d any
				if err := node.Content[i+1].Decode(&d); err != nil {
					return nil, fmt.Errorf("table %q default (line %d): %w", name, node.Content[i+1].Line, err)
				}
				t.Default, t.HasDefault = normaliseYAML(d), true
			default:
				return nil, fmt.Errorf("table %q (line %d): unknown key %q; want values or default", name, node.Content[i].Line, key)
			}
		}
		if t.Values == nil {
			return nil, fmt.Errorf("table %q (line %d): missing values", name, node.Line)
		}
		tables[name] = t
	}
	return tables, nil
}

// normaliseYAML converts yaml.v3's decoded values to Bloblang's value
// types: int → int64, and maps with non-string keys to string keys.
func normaliseYAML(v any) any {
	switch x := v.(type) {
	case int:
		return int64(x)
	case map[string]any:
		for k, e := range x {
			x[k] = normaliseYAML(e)
		}
		return x
	case map[any]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[fmt.Sprint(k)] = normaliseYAML(e)
		}
		return out
	case []any:
		for i, e := range x {
			x[i] = normaliseYAML(e)
		}
		return x
	}
	return v
}
