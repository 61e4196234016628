package sapb1test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
)

// ErrContractAbsent is returned by FindContract when the shared contracts
// are not beside the project (a user's clone without them).
var ErrContractAbsent = errors.New("the SAP B1 Service Layer metadata (../shared/contracts/sapb1/metadata.xml) is absent")

// FindContract locates ../shared/contracts/sapb1/metadata.xml relative to
// the module root above dir.
func FindContract(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(abs, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(abs)
		if parent == abs {
			return "", fmt.Errorf("locating the module root above %s: no go.mod", dir)
		}
		abs = parent
	}
	path := filepath.Join(abs, "..", "shared", "contracts", "sapb1", "metadata.xml")
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("%w: looked for %s", ErrContractAbsent, path)
	} else if err != nil {
		return "", err
	}
	return path, nil
}

// Metadata is the part of the Service Layer's EDMX the check needs.
type Metadata struct {
	sets      map[string]string            // entity set → type name
	types     map[string]map[string]string // type → property → EDM type
	functions map[string]map[string]bool   // function import → parameters
}

type edmxDoc struct {
	Schemas []struct {
		Types []struct {
			Name  string `xml:"Name,attr"`
			Props []struct {
				Name string `xml:"Name,attr"`
				Type string `xml:"Type,attr"`
			} `xml:"Property"`
		} `xml:",any"`
		Containers []struct {
			Sets []struct {
				Name string `xml:"Name,attr"`
				Type string `xml:"EntityType,attr"`
			} `xml:"EntitySet"`
			Functions []struct {
				Name   string `xml:"Name,attr"`
				Params []struct {
					Name string `xml:"Name,attr"`
				} `xml:"Parameter"`
			} `xml:"FunctionImport"`
		} `xml:"EntityContainer"`
	} `xml:"DataServices>Schema"`
}

// LoadMetadata parses metadata.xml at path.
func LoadMetadata(path string) (*Metadata, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc edmxDoc
	if err := xml.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("parsing %s: %w", path, err)
	}
	m := &Metadata{sets: map[string]string{}, types: map[string]map[string]string{}, functions: map[string]map[string]bool{}}
	for _, s := range doc.Schemas {
		for _, t := range s.Types {
			if len(t.Props) == 0 {
				continue
			}
			props := map[string]string{}
			for _, p := range t.Props {
				props[p.Name] = p.Type
			}
			m.types[t.Name] = props
		}
		for _, c := range s.Containers {
			for _, es := range c.Sets {
				m.sets[es.Name] = strings.TrimPrefix(es.Type, "SAPB1.")
			}
			for _, f := range c.Functions {
				params := map[string]bool{}
				for _, p := range f.Params {
					params[p.Name] = true
				}
				m.functions[f.Name] = params
			}
		}
	}
	if len(m.sets) == 0 || len(m.types) == 0 {
		return nil, fmt.Errorf("parsing %s: no entity sets or types found", path)
	}
	return m, nil
}

// CheckBody reports the properties of a request body sent to resource
// (an entity set "Orders", a record "Orders(12)" or a function import
// "Login") that the metadata does not declare, recursing into collections
// of complex types.
func (m *Metadata) CheckBody(resource string, body []byte) []string {
	var obj map[string]any
	if err := json.Unmarshal(body, &obj); err != nil {
		return []string{fmt.Sprintf("%s: body is not a JSON object: %v", resource, err)}
	}
	name, _, _ := strings.Cut(resource, "(")
	if params, ok := m.functions[name]; ok {
		var bad []string
		for k := range obj {
			if !params[k] {
				bad = append(bad, fmt.Sprintf("%s: parameter %s is not declared", name, k))
			}
		}
		sort.Strings(bad)
		return bad
	}
	typ, ok := m.sets[name]
	if !ok {
		return []string{fmt.Sprintf("%s: no such entity set or function import", name)}
	}
	return m.checkObject(name, typ, obj)
}

func (m *Metadata) checkObject(where, typ string, obj map[string]any) []string {
	props, ok := m.types[typ]
	if !ok {
		return []string{fmt.Sprintf("%s: type %s is not declared", where, typ)}
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var bad []string
	for _, k := range keys {
		edm, ok := props[k]
		if !ok {
			bad = append(bad, fmt.Sprintf("%s.%s is not declared in the metadata", where, k))
			continue
		}
		elem, isColl := strings.CutPrefix(edm, "Collection(SAPB1.")
		list, isList := obj[k].([]any)
		if !isColl || !isList {
			continue
		}
		elem = strings.TrimSuffix(elem, ")")
		for i, el := range list {
			if o, ok := el.(map[string]any); ok {
				bad = append(bad, m.checkObject(fmt.Sprintf("%s.%s[%d]", where, k, i), elem, o)...)
			}
		}
	}
	return bad
}

// ContractCheck is an http.RoundTripper that checks the body of every
// POST and PATCH against the metadata before sending it, and records
// violations. Without the metadata file it only forwards requests.
type ContractCheck struct {
	meta   *Metadata
	absent error
	next   http.RoundTripper

	mu         sync.Mutex
	checked    int
	violations []string
}

// NewContractCheck loads the metadata (cached per process).
func NewContractCheck(t testing.TB) *ContractCheck {
	t.Helper()
	c := &ContractCheck{next: http.DefaultTransport}
	meta, err := sharedMetadata()
	switch {
	case errors.Is(err, ErrContractAbsent):
		c.absent = err
	case err != nil:
		t.Fatalf("loading sap b1 metadata: %v", err)
	default:
		c.meta = meta
	}
	return c
}

var (
	metaOnce sync.Once
	metaVal  *Metadata
	metaErr  error
)

func sharedMetadata() (*Metadata, error) {
	metaOnce.Do(func() {
		path, err := FindContract(".")
		if err != nil {
			metaErr = err
			return
		}
		metaVal, metaErr = LoadMetadata(path)
	})
	return metaVal, metaErr
}

// Available reports whether the metadata was found, and why not.
func (c *ContractCheck) Available() (bool, error) { return c.meta != nil, c.absent }

// RoundTrip checks req's body and sends it.
func (c *ContractCheck) RoundTrip(req *http.Request) (*http.Response, error) {
	if c.meta != nil && req.Body != nil && (req.Method == http.MethodPost || req.Method == http.MethodPatch) {
		body, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		_ = req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(body))
		resource := req.URL.Path[strings.LastIndex(req.URL.Path, "/b1s/v1/")+len("/b1s/v1/"):]
		bad := c.meta.CheckBody(resource, body)
		c.mu.Lock()
		c.checked++
		for _, b := range bad {
			c.violations = append(c.violations, req.Method+" "+resource+": "+b)
		}
		c.mu.Unlock()
	}
	return c.next.RoundTrip(req)
}

// Checked is the number of bodies checked.
func (c *ContractCheck) Checked() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.checked
}

// Violations returns what the checked bodies broke.
func (c *ContractCheck) Violations() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.violations...)
}

// AssertClean fails the test when a body broke the contract, and logs how
// many were checked or why none could be.
func (c *ContractCheck) AssertClean(t testing.TB) {
	t.Helper()
	if c.meta == nil {
		t.Logf("SAP B1 contract check skipped: %v", c.absent)
		return
	}
	if c.Checked() == 0 {
		t.Errorf("no request body was checked against the SAP B1 metadata")
	}
	for i, v := range c.Violations() {
		if i == 10 {
			t.Errorf("... and more contract violations")
			break
		}
		t.Errorf("contract violation: %s", v)
	}
	t.Logf("%d request bodies checked against the SAP B1 Service Layer metadata", c.Checked())
}
