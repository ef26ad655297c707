package gateway

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOpenAPIDescribesEveryRoute keeps the document and the registered
// routes in step, both ways.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(openAPI, &doc))
	assert.True(t, strings.HasPrefix(doc.OpenAPI, "3."))
	var documented, registered []string
	for path, ops := range doc.Paths {
		for method := range ops {
			documented = append(documented, strings.ToUpper(method)+" "+path)
		}
	}
	for _, r := range apiRoutes {
		registered = append(registered, r.method+" "+r.path)
	}
	sort.Strings(documented)
	sort.Strings(registered)
	assert.Equal(t, registered, documented)
}
