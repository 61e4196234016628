package sapb1

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/sandbox"
	"github.com/datawald/datawald/internal/sandbox/sandboxtest"
	"github.com/datawald/datawald/internal/sandbox/seed"
)

// edmx is the part of the Service Layer's $metadata document the contract
// test reads.
type edmx struct {
	Schemas []struct {
		Namespace    string          `xml:"Namespace,attr"`
		EntityTypes  []edmxType      `xml:"EntityType"`
		ComplexTypes []edmxType      `xml:"ComplexType"`
		EnumTypes    []edmxEnum      `xml:"EnumType"`
		Containers   []edmxContainer `xml:"EntityContainer"`
	} `xml:"DataServices>Schema"`
}

type edmxType struct {
	Name string `xml:"Name,attr"`
	Keys []struct {
		Name string `xml:"Name,attr"`
	} `xml:"Key>PropertyRef"`
	Properties []struct {
		Name     string `xml:"Name,attr"`
		Type     string `xml:"Type,attr"`
		Writable string `xml:"Writable,attr"`
	} `xml:"Property"`
}

type edmxEnum struct {
	Name    string `xml:"Name,attr"`
	Members []struct {
		Name string `xml:"Name,attr"`
	} `xml:"Member"`
}

type edmxContainer struct {
	EntitySets []struct {
		Name       string `xml:"Name,attr"`
		EntityType string `xml:"EntityType,attr"`
	} `xml:"EntitySet"`
	FunctionImports []struct {
		Name string `xml:"Name,attr"`
	} `xml:"FunctionImport"`
}

// metadataIndex gives by-name access to the parsed metadata.
type metadataIndex struct {
	entitySets map[string]string // set → "SAPB1.Type"
	types      map[string]edmxType
	enums      map[string]map[string]bool
	functions  map[string]bool
}

// loadMetadata reads ../shared/contracts/sapb1/metadata.xml relative to the
// module root, or skips the test when the shared contracts are absent.
func loadMetadata(t *testing.T) *metadataIndex {
	t.Helper()
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		require.NotEqual(t, parent, dir, "module root not found")
		dir = parent
	}
	path := filepath.Join(dir, "..", "shared", "contracts", "sapb1", "metadata.xml")
	raw, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		t.Skipf("SAP B1 contract test skipped: %s is absent (the shared contracts live beside the project in CI)", path)
	}
	require.NoError(t, err)
	var doc edmx
	require.NoError(t, xml.Unmarshal(raw, &doc))
	idx := &metadataIndex{entitySets: map[string]string{}, types: map[string]edmxType{}, enums: map[string]map[string]bool{}, functions: map[string]bool{}}
	for _, s := range doc.Schemas {
		for _, et := range append(append([]edmxType{}, s.EntityTypes...), s.ComplexTypes...) {
			idx.types[et.Name] = et
		}
		for _, en := range s.EnumTypes {
			idx.enums[en.Name] = map[string]bool{}
			for _, m := range en.Members {
				idx.enums[en.Name][m.Name] = true
			}
		}
		for _, c := range s.Containers {
			for _, es := range c.EntitySets {
				idx.entitySets[es.Name] = es.EntityType
			}
			for _, f := range c.FunctionImports {
				idx.functions[f.Name] = true
			}
		}
	}
	require.NotEmpty(t, idx.entitySets, "no entity sets parsed from %s", path)
	return idx
}

func expectedType(p *propDef) string {
	switch p.kind {
	case edmString:
		return "Edm.String"
	case edmInt32:
		return "Edm.Int32"
	case edmDouble:
		return "Edm.Double"
	case edmDateTime:
		return "Edm.DateTime"
	case edmTime:
		return "Edm.Time"
	case edmEnum:
		return "SAPB1." + p.typeName
	default:
		return "Collection(SAPB1." + p.typeName + ")"
	}
}

// checkProps compares served property definitions with a metadata type.
func checkProps(t *testing.T, idx *metadataIndex, typeName string, props []propDef) {
	t.Helper()
	mt, ok := idx.types[typeName]
	require.True(t, ok, "type %s is not in metadata.xml", typeName)
	declared := map[string]int{}
	for i, p := range mt.Properties {
		declared[p.Name] = i
	}
	for i := range props {
		p := &props[i]
		j, ok := declared[p.name]
		if !assert.True(t, ok, "%s.%s is served but not declared in metadata.xml", typeName, p.name) {
			continue
		}
		m := mt.Properties[j]
		assert.Equal(t, m.Type, expectedType(p), "%s.%s type", typeName, p.name)
		if m.Writable != "" {
			assert.Equal(t, m.Writable == "true", p.writable, "%s.%s writability", typeName, p.name)
		}
		if p.kind == edmEnum {
			for _, member := range p.members {
				assert.True(t, idx.enums[p.typeName][member], "%s is not a member of %s", member, p.typeName)
			}
		}
		if p.kind == edmCollection {
			checkProps(t, idx, p.complex.name, p.complex.props)
		}
	}
}

func TestEveryServedEntitySetAndPropertyIsDeclaredInTheServiceLayerMetadata(t *testing.T) {
	idx := loadMetadata(t)
	assert.True(t, idx.functions["Login"] && idx.functions["Logout"], "Login and Logout are function imports")
	for _, name := range entitySetNames {
		def := entitySets[name]
		assert.Equal(t, "SAPB1."+def.typeName, idx.entitySets[name], "entity set %s", name)
		mt := idx.types[def.typeName]
		require.Len(t, mt.Keys, 1)
		assert.Equal(t, mt.Keys[0].Name, def.key, "key of %s", name)
		checkProps(t, idx, def.typeName, def.props)
	}
	session := idx.types["B1Session"]
	var names []string
	for _, p := range session.Properties {
		names = append(names, p.Name)
	}
	assert.Subset(t, names, []string{"SessionId", "Version", "SessionTimeout"})
}

// TestEveryServedResponseUsesOnlyDeclaredProperties reads every entity set
// through HTTP, creates one record of each, and checks each property name
// in the answers against metadata.xml.
func TestEveryServedResponseUsesOnlyDeclaredProperties(t *testing.T) {
	idx := loadMetadata(t)
	cat := seed.Generate(seed.Config{Seed: 5, End: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
		Counts: seed.Counts{Products: 10, Customers: 8, Orders: 12, Companies: 2, Contacts: 8, Deals: 2}})
	v := New(Options{Catalog: cat, PageSize: 1000})
	_, base := sandboxtest.Start(t, v, sandbox.Options{})
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar}
	post := func(path, body string) map[string]any {
		resp, err := hc.Post(base+"/b1s/v1/"+path, "application/json", strings.NewReader(body))
		require.NoError(t, err)
		defer resp.Body.Close()
		var out map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
		require.Less(t, resp.StatusCode, 300, "%s: %v", path, out)
		return out
	}
	login := post("Login", `{"CompanyDB":"`+DefaultCompanyDB+`","UserName":"`+DefaultUserName+`","Password":"`+DefaultPassword+`"}`)
	checkObject(t, idx, "B1Session", login)

	card, sku := cat.BusinessPartners[0].CardCode, cat.Products[0].SKU
	created := map[string]map[string]any{
		"Items":            post("Items", `{"ItemCode":"NEW-1","ItemName":"New","ItemPrices":[{"PriceList":1,"Price":5}],"ItemWarehouseInfoCollection":[{"WarehouseCode":"`+cat.Locations[0].Code+`"}]}`),
		"BusinessPartners": post("BusinessPartners", `{"CardCode":"C90001","CardName":"Nouveau Client","BPAddresses":[{"AddressName":"Bill to","AddressType":"bo_BillTo","City":"Lyon"}]}`),
		"Orders":           post("Orders", `{"CardCode":"`+card+`","DocDueDate":"2026-12-01","DocumentLines":[{"ItemCode":"`+sku+`","Quantity":2}]}`),
	}
	for _, set := range entitySetNames {
		def := entitySets[set]
		resp, err := hc.Get(base + "/b1s/v1/" + set)
		require.NoError(t, err)
		var page struct {
			Value []map[string]any `json:"value"`
		}
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&page))
		resp.Body.Close()
		require.NotEmpty(t, page.Value, set)
		for _, row := range page.Value {
			checkObject(t, idx, def.typeName, row)
		}
		if c, ok := created[set]; ok {
			checkObject(t, idx, def.typeName, c)
		}
	}
}

// checkObject asserts every property of a served JSON object is declared
// on the type, recursing into collections of complex types.
func checkObject(t *testing.T, idx *metadataIndex, typeName string, obj map[string]any) {
	t.Helper()
	mt, ok := idx.types[typeName]
	require.True(t, ok, typeName)
	types := map[string]string{}
	for _, p := range mt.Properties {
		types[p.Name] = p.Type
	}
	for name, value := range obj {
		if strings.HasPrefix(name, "odata.") {
			continue
		}
		typ, ok := types[name]
		if !assert.True(t, ok, "%s.%s is served but not declared in metadata.xml", typeName, name) {
			continue
		}
		if list, isList := value.([]any); isList {
			elem := strings.TrimSuffix(strings.TrimPrefix(typ, "Collection(SAPB1."), ")")
			for _, el := range list {
				checkObject(t, idx, elem, el.(map[string]any))
			}
		}
	}
}
