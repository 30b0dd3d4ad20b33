package govstack

import "github.com/egov/egov/internal/gateway"

// How the data tracker shows, in the reader's language, the records the
// blocks name when they record their reads themselves (recordPersonalData's
// what, and registryRecord): the records stay as written, in English, for
// the API's callers and the auditors' searches; the cabinet shows them
// through these keys (locales/*.json; under govstack.admin. with all of
// this package's messages). A record written otherwise is shown as it is.
func init() {
	gateway.DescribeRecords(
		gateway.RecordKind{Record: "Digital Registries ", Key: "govstack.admin.record.registry"},
		gateway.RecordKind{Record: "GovStack Payments: bill inquiry ", Key: "govstack.admin.record.bill_inquiry"},
		gateway.RecordKind{Record: "GovStack Payments: request to pay ", Key: "govstack.admin.record.request_to_pay"},
		gateway.RecordKind{Record: "GovStack Payments: status of a request to pay", Key: "govstack.admin.record.request_to_pay_status"},
		gateway.RecordKind{Record: "GovStack Consent: consent record", Key: "govstack.admin.record.consent_record"},
		gateway.RecordKind{Record: "GovStack Consent: consent records", Key: "govstack.admin.record.consent_records"},
		gateway.RecordKind{Record: "GovStack Consent: individual", Key: "govstack.admin.record.individual"},
		gateway.RecordKind{Record: "GovStack Consent: individuals", Key: "govstack.admin.record.individuals"},
		gateway.RecordKind{Record: "Registration tasks", Key: "govstack.admin.record.registration_tasks"},
		gateway.RecordKind{Record: "Registration task ", Key: "govstack.admin.record.registration_task"},
		gateway.RecordKind{Record: "Registration applications", Key: "govstack.admin.record.registration_applications"},
		gateway.RecordKind{Record: "Registration application ", Key: "govstack.admin.record.registration_application"},
	)
}
