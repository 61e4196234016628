package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"

	"gopkg.in/yaml.v3"

	"github.com/datawald/datawald/internal/magento"
)

// LocationsFile is the lookup table the inventory flow maps NetSuite
// locations to Magento sources with.
const LocationsFile = "bloblang/mappings/lookups/locations.yaml"

// Inventory checks that Magento's MSI source items hold the quantity
// available NetSuite has for every item at every location the locations
// lookup maps to a source. It writes one line per finding and returns the
// number of problems.
func (c Check) Inventory(ctx context.Context, w io.Writer) (int, error) {
	sources, err := locationSources(LocationsFile)
	if err != nil {
		return 0, err
	}
	skus := map[string]string{} // NetSuite item id → SKU
	if err := c.suiteQLRows(ctx, "SELECT id, itemid FROM item ORDER BY id", func(row map[string]string) {
		skus[row["id"]] = row["itemid"]
	}); err != nil {
		return 0, err
	}
	want := map[string]float64{} // sku/source → quantity
	if err := c.suiteQLRows(ctx, "SELECT item, location, quantityavailable FROM inventoryitemlocations ORDER BY item, location", func(row map[string]string) {
		src, ok := sources[row["location"]]
		if !ok {
			return
		}
		q, _ := strconv.ParseFloat(row["quantityavailable"], 64)
		want[skus[row["item"]]+"/"+src] = max(q, 0)
	}); err != nil {
		return 0, err
	}

	got := map[string]float64{}
	for page := 1; ; page++ {
		p, err := c.Magento.Search(ctx, "/V1/inventory/source-items", magento.Criteria{}.Page(300, page))
		if err != nil {
			return 0, fmt.Errorf("reading source items: %w", err)
		}
		for _, raw := range p.Items {
			var si magento.SourceItem
			if err := json.Unmarshal(raw, &si); err != nil {
				return 0, fmt.Errorf("decoding a source item: %w", err)
			}
			got[si.Key()] = si.Quantity
		}
		if page*300 >= p.TotalCount {
			break
		}
	}
	problems := 0
	for key, q := range want {
		if g, ok := got[key]; !ok || g != q {
			problems++
			if problems <= 10 {
				fmt.Fprintf(w, "  ✗ %s: NetSuite has %g available, Magento holds %g\n", key, q, g)
			}
		}
	}
	if problems > 10 {
		fmt.Fprintf(w, "  ✗ … and %d more stock differences\n", problems-10)
	}
	if problems == 0 {
		fmt.Fprintf(w, "  ✓ Magento holds the stock NetSuite has for all %d item/source pairs\n", len(want))
	}
	return problems, nil
}

// suiteQLRows pages through a query, handing each row's columns as strings.
func (c Check) suiteQLRows(ctx context.Context, q string, fn func(map[string]string)) error {
	for offset := 0; ; offset += 1000 {
		p, err := c.NetSuite.SuiteQL(ctx, q, 1000, offset)
		if err != nil {
			return fmt.Errorf("querying NetSuite (%s): %w", q, err)
		}
		for _, raw := range p.Items {
			var row map[string]any
			if err := json.Unmarshal(raw, &row); err != nil {
				return fmt.Errorf("decoding a row of %s: %w", q, err)
			}
			s := make(map[string]string, len(row))
			for k, v := range row {
				s[k] = fmt.Sprint(v)
			}
			fn(s)
		}
		if !p.HasMore {
			return nil
		}
	}
}

// locationSources reads NetSuite location id → Magento source code from
// the lookup file.
func locationSources(path string) (map[string]string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	var tables map[string]struct {
		Values map[string]string `yaml:"values"`
	}
	if err := yaml.Unmarshal(raw, &tables); err != nil {
		return nil, fmt.Errorf("parsing %s: %w", path, err)
	}
	out := map[string]string{}
	for nsID, canonical := range tables["netsuite_to_canonical"].Values {
		if src, ok := tables["canonical_to_magento_source"].Values[canonical]; ok {
			out[nsID] = src
		}
	}
	return out, nil
}
