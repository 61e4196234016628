package bloblang

import "github.com/redpanda-data/benthos/v4/public/bloblang"

// prune returns v without null and empty-string values, and then without
// the objects and arrays left empty, at every level. It copies what it
// changes and leaves v itself untouched.
func prune(v any) (any, bool) {
	switch x := v.(type) {
	case nil:
		return nil, false
	case string:
		return x, x != ""
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			if p, keep := prune(e); keep {
				out[k] = p
			}
		}
		return out, len(out) > 0
	case []any:
		out := make([]any, 0, len(x))
		for _, e := range x {
			if p, keep := prune(e); keep {
				out = append(out, p)
			}
		}
		return out, len(out) > 0
	}
	return v, true
}

func init() {
	spec := bloblang.NewPluginSpec().Category(category).
		Description("Removes null and empty-string fields, and then the objects and arrays left empty, at every level, " +
			"as DataWald's TXMAP engine pruned its output: an absent or blank vendor field is left out rather than " +
			"written as null, \"\" or []. Array elements that are null or empty are removed too. Zero and false are kept. " +
			"A value that prunes away entirely becomes an empty object or array of its own type.")
	spec.Example("", `root = this.prune()`,
		[2]string{`{"a":"x","b":"","c":{"d":null,"e":{}},"f":[{"g":null,"h":0}],"i":false,"j":[]}`, `{"a":"x","f":[{"h":0}],"i":false}`})
	bloblang.MustRegisterMethodV2("prune", spec, func(*bloblang.ParsedParams) (bloblang.Method, error) {
		return func(v any) (any, error) {
			out, keep := prune(v)
			if !keep {
				switch v.(type) {
				case map[string]any:
					return map[string]any{}, nil
				case []any:
					return []any{}, nil
				}
			}
			return out, nil
		}, nil
	})
}
