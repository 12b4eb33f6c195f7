package server

// routeRoles is the role each route needs, keyed by "METHOD /full/path" as gin names it.
// A route of server.go missing here needs RoleAdmin (fail closed); the auth test fails
// for any route of the engine that is not listed, so every new route gets a decision.
var routeRoles = map[string]Role{
	"GET /healthz":      RolePublic,
	"GET /readyz":       RolePublic,
	"GET /metrics":      RolePublic,
	"GET /openapi.json": RolePublic,
	"GET /":             RolePublic, // the search page (static); its API calls need a read key when auth is on
	"GET /assets/*path": RolePublic,

	"GET /v1/items":                     RoleRead,
	"GET /v1/items/:id":                 RoleRead,
	"GET /v1/items/:id/similar":         RoleRead,
	"GET /v1/users/:id":                 RoleRead,
	"GET /v1/users/:id/events":          RoleRead,
	"GET /v1/users/:id/recommendations": RoleRead,
	"POST /v1/recommendations":          RoleRead,
	"POST /v1/query":                    RoleRead,
	"GET /v1/spaces":                    RoleRead,
	"GET /v1/popular":                   RoleRead,
	"GET /v1/trending":                  RoleRead,
	"GET /v1/metrics/online":            RoleRead,

	"PUT /v1/items/:id": RoleWrite,
	"POST /v1/items":    RoleWrite,
	"PUT /v1/users/:id": RoleWrite,
	"POST /v1/events":   RoleWrite,

	"DELETE /v1/items/:id": RoleAdmin,
	"DELETE /v1/users/:id": RoleAdmin,
	"POST /v1/admin/train": RoleAdmin,
	"GET /v1/admin/models": RoleAdmin,

	"GET /v1/experiments":            RoleRead,
	"GET /v1/experiments/:id":        RoleRead,
	"GET /v1/experiments/:id/report": RoleRead,
	"PUT /v1/experiments/:id":        RoleAdmin,
	"DELETE /v1/experiments/:id":     RoleAdmin,
}

// RouteRole returns the role a request needs, from its method and gin full path
// (c.FullPath()). Health, readiness, metrics and the OpenAPI document are public; reads,
// recommendations and queries need read; item, user and event writes need write;
// deletions and everything under /v1/admin/ need admin. A request that matched no route
// (fullPath "") needs read, so unauthenticated callers learn nothing about the route table;
// an unlisted route needs admin.
func RouteRole(method, fullPath string) Role {
	if fullPath == "" {
		return RoleRead
	}
	if method == "HEAD" {
		method = "GET"
	}
	if r, ok := routeRoles[method+" "+fullPath]; ok {
		return r
	}
	return RoleAdmin
}

// KnownRoute reports whether RouteRole has an explicit entry for the route.
func KnownRoute(method, fullPath string) bool {
	if method == "HEAD" {
		method = "GET"
	}
	_, ok := routeRoles[method+" "+fullPath]
	return ok
}
