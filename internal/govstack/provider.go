package govstack

import (
	"net/http"
	"strings"
)

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
	// Registration: applications, documents, tasks, statistics.
	mux.HandleFunc("POST /services/{id}/applications", s.submitApplication)
	mux.HandleFunc("POST /documents", s.uploadDocument)
	mux.HandleFunc("GET /applications", s.listApplications)
	mux.HandleFunc("GET /applications/{id}", s.getApplication)
	mux.HandleFunc("PUT /applications/{id}", s.updateApplication)
	mux.HandleFunc("GET /tasks", s.listTasks)
	mux.HandleFunc("GET /tasks/{id}", s.getTask)
	mux.HandleFunc("POST /tasks/{id}/complete", s.completeTask)
	mux.HandleFunc("GET /data/statistics", s.statistics)
	// Consent: the organisation's configuration, the individual's
	// records, verification and audit (consent_*.go), without the
	// specification's final "/" (front.go).
	mux.HandleFunc("POST /config/policy", s.consentPolicyCreate)
	mux.HandleFunc("GET /config/policy/{id}", s.consentPolicyRead)
	mux.HandleFunc("PUT /config/policy/{id}", s.consentPolicyUpdate)
	mux.HandleFunc("DELETE /config/policy/{id}", s.consentPolicyDelete)
	mux.HandleFunc("GET /config/policy/{id}/revisions", s.consentPolicyRevisions)
	mux.HandleFunc("GET /config/policies", s.consentPolicies)
	mux.HandleFunc("POST /config/data-agreement", s.consentAgreementCreate)
	mux.HandleFunc("GET /config/data-agreement/{id}", s.consentAgreementRead(true))
	mux.HandleFunc("PUT /config/data-agreement/{id}", s.consentAgreementUpdate)
	mux.HandleFunc("DELETE /config/data-agreement/{id}", s.consentAgreementDelete)
	mux.HandleFunc("GET /config/data-agreements", s.consentAgreements("dataAgreement", ownAgreements))
	mux.HandleFunc("POST /config/individual", s.consentIndividualCreate)
	mux.HandleFunc("GET /config/individual/{id}", s.consentIndividualRead)
	mux.HandleFunc("GET /config/individuals", s.consentIndividuals)
	mux.HandleFunc("POST /config/webhook", s.consentWebhookCreate)
	mux.HandleFunc("GET /config/webhook/{id}", s.consentWebhookRead)
	mux.HandleFunc("PUT /config/webhook/{id}", s.consentWebhookUpdate)
	mux.HandleFunc("DELETE /config/webhook/{id}", s.consentWebhookDelete)
	mux.HandleFunc("GET /config/webhooks", s.consentWebhooks)
	mux.HandleFunc("POST /service/individual", s.consentIndividualCreate)
	mux.HandleFunc("GET /service/individual/{id}", s.consentIndividualRead)
	mux.HandleFunc("PUT /service/individual/{id}", s.consentIndividualUpdate)
	mux.HandleFunc("GET /service/individuals", s.consentIndividuals)
	mux.HandleFunc("GET /service/data-agreement/{id}", s.consentAgreementRead(false))
	mux.HandleFunc("GET /service/policy/{id}", s.consentServicePolicy)
	mux.HandleFunc("GET /service/verification/data-agreements", s.consentAgreements("dataAgreements", activeAgreements))
	mux.HandleFunc("GET /service/verification/consent-records", s.consentRecords(false))
	mux.HandleFunc("GET /service/verification/consent-record/{id}", s.consentRecordRead(false))
	mux.HandleFunc("POST /service/individual/record/data-agreement/{id}", s.consentRecordCreate)
	mux.HandleFunc("GET /service/individual/record/data-agreement/{id}", s.consentRecordCurrent)
	mux.HandleFunc("GET /service/individual/record/data-agreement/{id}/all", s.consentRecordsOf(true))
	mux.HandleFunc("POST /service/individual/record/consent-record/draft", s.consentRecordDraft)
	mux.HandleFunc("POST /service/individual/record/consent-record", s.consentRecordSigned)
	mux.HandleFunc("GET /service/individual/record/consent-record", s.consentRecordsOf(false))
	mux.HandleFunc("PUT /service/individual/record/consent-record/{id}", s.consentRecordUpdate)
	mux.HandleFunc("POST /service/individual/record/consent-record/{id}/signature", s.consentSignaturePrepare)
	mux.HandleFunc("PUT /service/individual/record/consent-record/{id}/signature", s.consentSign)
	mux.HandleFunc("DELETE /service/individual/record", s.consentForget)
	mux.HandleFunc("GET /audit/consent-records", s.consentRecords(true))
	mux.HandleFunc("GET /audit/consent-record/{id}", s.consentRecordRead(true))
	mux.HandleFunc("GET /audit/data-agreements", s.consentAgreements("dataAgreements", allAgreements))
	mux.HandleFunc("GET /audit/data-agreement/{id}", s.consentAuditAgreement)
	// Payments, person to government (p2g_*.go).
	mux.HandleFunc("GET /bills/{billId}", s.billInquiry)
	mux.HandleFunc("POST /billTransferRequests", s.billTransfer)
	mux.HandleFunc("POST /rtpRequest", s.rtpRequest)
	mux.HandleFunc("POST /rtpResponse", s.rtpResponse)
	mux.HandleFunc("GET /transferRequests/{transferRequestId}", s.transferRequestStatus)
	// The Consent specification's paths end in "/"; a pattern ending in
	// "/" would match every path below it, so the operations are routed
	// without it.
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := r.URL.Path; len(p) > 1 && strings.HasSuffix(p, "/") {
			u := *r.URL
			u.Path, u.RawPath = strings.TrimSuffix(p, "/"), strings.TrimSuffix(u.RawPath, "/")
			r = r.WithContext(r.Context()) // a copy, with its own URL
			r.URL = &u
		}
		mux.ServeHTTP(w, r)
	})
}
