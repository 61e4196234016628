package sapb1_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/sapb1"
	"github.com/datawald/datawald/internal/sapb1/sapb1test"
)

func TestContractCheckFlagsPropertiesTheMetadataDoesNotDeclare(t *testing.T) {
	path, err := sapb1test.FindContract(".")
	if errors.Is(err, sapb1test.ErrContractAbsent) {
		t.Skipf("SAP B1 contract test skipped: %v", err)
	}
	require.NoError(t, err)
	meta, err := sapb1test.LoadMetadata(path)
	require.NoError(t, err)
	assert.Empty(t, meta.CheckBody("Orders", []byte(`{"CardCode":"C1","NumAtCard":"1","DocumentLines":[{"ItemCode":"A","Quantity":1}]}`)))
	assert.Empty(t, meta.CheckBody("Login", []byte(`{"CompanyDB":"X","UserName":"u","Password":"p"}`)))
	assert.Equal(t, []string{"Orders.DocumentLines[0].Sku is not declared in the metadata", "Orders.OrderNumber is not declared in the metadata"},
		meta.CheckBody("Orders(12)", []byte(`{"OrderNumber":"1","DocumentLines":[{"Sku":"A"}]}`)))
	assert.Equal(t, []string{"Login: parameter Token is not declared"}, meta.CheckBody("Login", []byte(`{"Token":"x"}`)))
}

func TestClientRequestBodiesUseOnlyPropertiesDeclaredInTheServiceLayerMetadata(t *testing.T) {
	sb := start(t, nil)
	if ok, why := sb.Contract.Available(); !ok {
		t.Skipf("SAP B1 contract test skipped: %v", why)
	}
	c := sb.Client(t)
	card, sku := smallCatalog.BusinessPartners[0].CardCode, smallCatalog.Products[0].SKU
	_, err := c.Create(t.Context(), sapb1.Orders, "", []byte(`{"CardCode":"`+card+`","DocDueDate":"2026-12-01","NumAtCard":"WEB-1","DocumentLines":[{"ItemCode":"`+sku+`","Quantity":1}]}`))
	require.NoError(t, err)
	_, err = c.Create(t.Context(), sapb1.BusinessPartners, "C77777", []byte(`{"CardCode":"C77777","CardName":"Contract Test","BPAddresses":[{"AddressName":"Bill to","AddressType":"bo_BillTo","City":"Lyon"}]}`))
	require.NoError(t, err)
	require.NoError(t, c.Update(t.Context(), sapb1.BusinessPartners, "C77777", []byte(`{"Phone1":"+331234"}`), sapb1.ReplaceCollections))
	assert.GreaterOrEqual(t, sb.Contract.Checked(), 4, "login, two creates and a patch were checked")
	sb.Contract.AssertClean(t)
}
