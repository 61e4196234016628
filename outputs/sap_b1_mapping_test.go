package outputs

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	_ "github.com/datawald/datawald/bloblang" // datawald's Bloblang methods, used by the mappings
	"github.com/datawald/datawald/internal/synctask"
)

// runSAPB1Stream maps batch with mapping and writes it with a sap_b1
// output of entity on the harness' simulator and store, in one stream.
func (h *sapB1OutputHarness) runSAPB1Stream(mapping, entity string, batch service.MessageBatch) {
	h.t.Helper()
	creds := h.sb.Vendor.Credentials()
	b := service.NewStreamBuilder()
	require.NoError(h.t, b.SetLoggerYAML("level: none"))
	require.NoError(h.t, b.AddProcessorYAML(fmt.Sprintf(`mapping: 'from "../bloblang/mappings/sapb1/%s"'`, mapping)))
	require.NoError(h.t, b.AddOutputYAML(fmt.Sprintf(`sap_b1:
  base_url: %s
  company_db: %s
  username: %s
  password: %s
  entity: %s
  sync_task: { store: %q }
`, h.sb.URL, creds["company_db"], creds["username"], creds["password"], entity, h.dsn)))
	send, err := b.AddBatchProducerFunc()
	require.NoError(h.t, err)
	s, err := b.Build()
	require.NoError(h.t, err)
	done := make(chan struct{})
	go func() { defer close(done); _ = s.Run(context.Background()) }()
	ctx, cancel := context.WithTimeout(h.t.Context(), 15*time.Second)
	defer cancel()
	require.NoError(h.t, send(ctx, batch))
	require.NoError(h.t, s.Stop(ctx))
	<-done
}

func TestSAPB1MappingsProduceRecordsTheServiceLayerTakesAndARemapIsUnchanged(t *testing.T) {
	h := startSAPB1Output(t)
	order := map[string]any{
		"external_ids": map[string]any{"shop": "42"}, "number": "000000042", "status": "processing", "currency": "USD",
		"created_at": "2026-03-01T09:30:00Z", "updated_at": "2026-03-01T09:31:00Z",
		"customer": map[string]any{"external_ids": map[string]any{"sap_b1": h.cat.BusinessPartners[2].CardCode}, "email": "ana@example.com", "guest": false},
		"billing_address": map[string]any{"type": "billing", "first_name": "Ana", "last_name": "Souza", "street": []any{"1 Market St"},
			"city": "San Francisco", "region_code": "CA", "postal_code": "94105", "country_code": "US"},
		"lines": []any{
			map[string]any{"sku": h.cat.Products[0].SKU, "name": "Mug", "quantity": "2", "unit_price": "19.99", "discount": "4", "total": "39.98"},
			map[string]any{"sku": h.cat.Products[1].SKU, "name": "Tee", "quantity": "1", "unit_price": "25", "total": "25"},
		},
		"totals": map[string]any{"subtotal": "64.98", "discount": "4", "shipping": "0", "tax": "0", "grand": "60.98"},
		"note":   "Leave at the front desk",
	}
	customer := map[string]any{
		"external_ids": map[string]any{"shop": "9017"}, "email": "Neu.Kunde@Example.de", "first_name": "Neu", "last_name": "Kunde",
		"updated_at": "2026-03-01T09:31:00Z",
		"addresses":  []any{map[string]any{"type": "billing", "street": []any{"Hauptstr. 1", "2. OG"}, "city": "Berlin", "postal_code": "10115", "country_code": "DE", "default_billing": true}},
	}
	orderBody, _ := json.Marshal(order)
	customerBody, _ := json.Marshal(customer)

	for round := range 2 {
		h.runSAPB1Stream("canonical_to_business_partner.blobl", "BusinessPartners", h.messages("customer", []string{"9017"}, []string{string(customerBody)}))
		h.runSAPB1Stream("canonical_to_order.blobl", "Orders", h.messages("order", []string{"42"}, []string{string(orderBody)}))
		bp, o := h.outcomes("customer", []string{"9017"})["9017"], h.outcomes("order", []string{"42"})["42"]
		want := synctask.StatusSent
		if round == 1 {
			want = synctask.StatusIgnored // mapped again, nothing changed
		}
		assert.Equal(t, want, bp.Status, "round %d: business partner: %s", round, bp.Note)
		assert.Equal(t, "W9017", bp.TgtID)
		assert.Equal(t, want, o.Status, "round %d: order: %s", round, o.Note)
	}
	orders := h.ordersWith("000000042")
	require.Len(t, orders, 1)
	require.Len(t, orders[0].DocumentLines, 2)
	h.sb.Contract.AssertClean(t)
}
