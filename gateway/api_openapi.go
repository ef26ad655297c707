package gateway

import (
	_ "embed"
	"net/http"
)

// openAPI describes the REST API; a test keeps it and apiRoutes in step.
//
//go:embed openapi.json
var openAPI []byte

func (s *Server) apiOpenAPI(w http.ResponseWriter, r *http.Request, _ *apiKey) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openAPI)
}
