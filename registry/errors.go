package registry

import (
	"errors"
	"sort"
	"strings"
)

// ErrNotFound is returned when a record does not exist (or the actor may not
// know that it exists).
var ErrNotFound = errors.New("not found")

// ErrForbidden is returned when the actor may not do what was asked.
var ErrForbidden = errors.New("forbidden")

// ErrUnauthenticated is returned for a bad username, password, session or
// token. It never says which part was wrong.
var ErrUnauthenticated = errors.New("unauthenticated")

// ErrRateLimited is returned when too many sign-ins failed recently.
var ErrRateLimited = errors.New("too many failed sign-ins")

// ValidationError lists the fields of an input that are wrong. Each value is
// a message key that the web layer translates (e.g. "error.required").
type ValidationError struct {
	Fields map[string]string
}

func (e *ValidationError) Error() string {
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + e.Fields[k]
	}
	return "invalid input: " + strings.Join(parts, ", ")
}

// fieldErrors collects field problems while an input is checked.
type fieldErrors map[string]string

func (f fieldErrors) add(field, key string) {
	if _, ok := f[field]; !ok {
		f[field] = key
	}
}

func (f fieldErrors) err() error {
	if len(f) == 0 {
		return nil
	}
	return &ValidationError{Fields: f}
}

// ConflictError says the change clashes with what is stored: a duplicate, or
// a record others depend on. Key is a message key; Args fill it in.
type ConflictError struct {
	Key   string
	Field string
	Args  map[string]any
}

func (e *ConflictError) Error() string { return "conflict: " + e.Key }
