// Package errs is egov's one error type. A domain operation returns an
// *Error with a Kind that the web layer maps to an HTTP status, a message
// key translated into the person's language, and field errors shown next
// to the fields that caused them.
package errs

import (
	"errors"
	"fmt"
)

// Kind classifies an error for the people and programs that receive it.
type Kind string

const (
	Invalid         Kind = "invalid"
	NotFound        Kind = "not_found"
	Conflict        Kind = "conflict"
	Forbidden       Kind = "forbidden"
	Unauthenticated Kind = "unauthenticated"
	TooMany         Kind = "too_many"
	Unavailable     Kind = "unavailable"
	Internal        Kind = "internal"
)

// Error is a domain error. Message is a translation key (with Args for its
// placeholders); Fields maps a form field name to the key of its message.
type Error struct {
	Kind    Kind
	Message string
	Args    map[string]any
	Fields  map[string]string
	// FieldArgs holds the placeholders of a field's message, if it has any;
	// a lang.Text value is shown in the reader's language.
	FieldArgs map[string]map[string]any
	Err       error // the cause, never shown to people
}

func (e *Error) Error() string {
	s := string(e.Kind) + ": " + e.Message
	if len(e.Fields) > 0 {
		s += fmt.Sprintf(" %v", e.Fields)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// E builds an error of kind with a message key.
func E(kind Kind, message string) *Error { return &Error{Kind: kind, Message: message} }

// Field adds a field error and returns e, so validation can chain.
func (e *Error) Field(name, message string) *Error {
	if e.Fields == nil {
		e.Fields = map[string]string{}
	}
	e.Fields[name] = message
	return e
}

// FieldWith adds a field error whose message has placeholders.
func (e *Error) FieldWith(name, message string, args map[string]any) *Error {
	e.Field(name, message)
	if len(args) > 0 {
		if e.FieldArgs == nil {
			e.FieldArgs = map[string]map[string]any{}
		}
		e.FieldArgs[name] = args
	}
	return e
}

// KindOf returns the kind of err: Internal for anything not an *Error.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// As returns err as an *Error, wrapping anything else as Internal.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Kind: Internal, Message: "error.internal", Err: err}
}

// Validation collects field errors; Err returns nil when there are none.
type Validation struct{ err *Error }

// Add records that field is wrong, with a message key.
func (v *Validation) Add(field, message string) {
	if v.err == nil {
		v.err = E(Invalid, "error.invalid")
	}
	v.err.Field(field, message)
}

// AddWith records that field is wrong, with a message that has placeholders.
func (v *Validation) AddWith(field, message string, args map[string]any) {
	if v.err == nil {
		v.err = E(Invalid, "error.invalid")
	}
	v.err.FieldWith(field, message, args)
}

// Has reports whether field already has an error.
func (v *Validation) Has(field string) bool {
	return v.err != nil && v.err.Fields[field] != ""
}

// Err is the collected *Error, or nil.
func (v *Validation) Err() error {
	if v.err == nil {
		return nil
	}
	return v.err
}
