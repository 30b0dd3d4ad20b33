package govstack

import "net/http"

// provider serves the blocks' operations behind the gateway, which has
// authenticated the caller and checked its rights on the operation before
// calling it; the caller is in X-Road-Client.
func (s *Service) provider() http.Handler {
	mux := http.NewServeMux()
	// Digital Registries, data API.
	mux.HandleFunc("GET /data/myPersonalDataUsage", s.personalDataUsage)
	mux.HandleFunc("GET /data/{registry}/{version}", s.list)
	mux.HandleFunc("POST /data/{registry}/{version}/create", s.create)
	mux.HandleFunc("POST /data/{registry}/{version}/exists", s.exists)
	mux.HandleFunc("POST /data/{registry}/{version}/read", s.read)
	mux.HandleFunc("PUT /data/{registry}/{version}/update", s.updateOne)
	mux.HandleFunc("PUT /data/{registry}/{version}/updateEntries", s.updateEntries)
	mux.HandleFunc("POST /data/{registry}/{version}/updateOrCreate", s.updateOrCreate)
	mux.HandleFunc("DELETE /data/{registry}/{version}/{id}/delete", s.deleteRecord)
	mux.HandleFunc("GET /data/{registry}/{version}/{id}/readValue/{file}", s.readValue)
	// Digital Registries, database API.
	mux.HandleFunc("GET /databases", s.databases)
	mux.HandleFunc("GET /database/{id}", s.database)
	mux.HandleFunc("DELETE /database/{id}", s.deleteDatabase)
	mux.HandleFunc("POST /database/modify", s.modifyDatabase)
	// Messaging.
	mux.HandleFunc("POST /send/email/single", s.sendSingle)
	mux.HandleFunc("POST /send/email/batch", s.sendBatch)
	mux.HandleFunc("GET /status/email", s.emailStatus)
	// Registration: the catalogue.
	mux.HandleFunc("GET /services", s.registrationServices)
	mux.HandleFunc("GET /services/{id}", s.registrationService)
	mux.HandleFunc("GET /services/{id}/eForms", s.serviceEForms)
	mux.HandleFunc("GET /eForms/{id}", s.eForm)
	return mux
}
