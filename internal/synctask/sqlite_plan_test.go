package synctask

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The listing behind "every F for a target" must not scan the table.
func TestSQLiteListsProblemEntitiesThroughThePartialIndex(t *testing.T) {
	st, err := OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "plan.db"))
	require.NoError(t, err)
	defer st.Close(context.Background())
	s := st.(*sqlStore)
	var w where
	w.eq("target", "mage2")
	w.in("status", statusStrings([]Status{StatusFailed}))
	w.problemStatuses("status", []Status{StatusFailed})
	rows, err := s.r.Query(`EXPLAIN QUERY PLAN SELECT source FROM dw_entities`+w.sql()+` ORDER BY source, target, tx_type, src_id LIMIT 10`, w.args...)
	require.NoError(t, err)
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		require.NoError(t, rows.Scan(&id, &parent, &notused, &detail))
		plan = append(plan, detail)
	}
	assert.Contains(t, strings.Join(plan, "; "), "dw_entities_problems", "plan: %v", plan)
}
