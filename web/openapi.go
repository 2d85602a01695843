package web

import (
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
)

// The OpenAPI 3.0.3 document of /api/v1, built from one table of resources
// and from the very body types the handlers encode and decode, so the
// document cannot drift from the code: a renamed field changes both. Tests
// check it against the router and validate real responses with it.

// apiResource is one collection of the API.
type apiResource struct {
	Path     string       // URL segment: /api/v1/{Path} and /api/v1/{Path}/{id}
	Schema   string       // component name of one record, e.g. "Agency"
	Plural   string       // for operation ids, e.g. "Agencies"
	Body     reflect.Type // what the API answers for one record
	Input    reflect.Type // the body of POST and PATCH
	Required []string     // fields POST needs
	Sorts    []string     // sort keys, the first the default; nil: one unpaged list
	Filters  []apiParam   // list query parameters besides paging
	Note     string       // more about the collection
	// Ops are the collection's plain operations, of list, create, get,
	// update and delete; nil: all five.
	Ops []string
	// Actions are its other operations, e.g. POST /justifications/{id}/transitions.
	Actions []apiAction
}

// has reports whether the collection has one of the plain operations.
func (r apiResource) has(op string) bool { return r.Ops == nil || slices.Contains(r.Ops, op) }

// apiAction is an operation besides the plain five: a move, a sub-list, a
// question about a record.
type apiAction struct {
	Method   string // GET or POST
	Path     string // under /api/v1, e.g. "/justifications/{id}/transitions"
	OpID     string // operationId
	Summary  string
	Tag      string       // default: the resource's Path
	Input    reflect.Type // the request body; nil: none
	InName   string       // the component name of Input
	Required []string     // fields Input needs
	Optional bool         // the body may be left out
	Answer   string       // the component name of the answer; "" answers no body
	Body     reflect.Type // when set, the component Answer is made from it
	Status   string       // of the answer; default 200
	Desc     string       // of the answer
	Paged    bool         // per_page and cursor
	Params   []apiParam   // query parameters
	Errors   []string     // error statuses besides 401
	// PathParam replaces the record id as the path's {id}, e.g. a job's name.
	PathParam obj
	// Media are other media types the answer may take, each a file.
	Media []apiMedia
	// Public needs no token (security: []) and is limited per client IP (429).
	Public bool
	// ETag: the answer carries an ETag, and If-None-Match with it answers 304.
	ETag bool
	// Upload are the media types the request body may take, each a file;
	// multipart/form-data carries it in the field "file".
	Upload []apiMedia
	// Refused: a 422 may answer the Answer body, with its error, besides
	// the Error body.
	Refused bool
}

// apiMedia is a media type an answer may take as a file, and when.
type apiMedia struct{ Type, Doc string }

// apiParam is a query parameter of a list.
type apiParam struct {
	Name, Type, Doc string
	Enum            []string
	Min, Max        int
	Format          string // e.g. date, date-time
}

var openAPIJSON = sync.OnceValues(func() ([]byte, error) { return json.MarshalIndent(openAPIDocument(), "", "  ") })

// openAPIDoc serves the document; it needs no token.
func (s *Server) openAPIDoc(c echo.Context) error {
	b, err := openAPIJSON()
	if err != nil {
		return err
	}
	return c.JSONBlob(http.StatusOK, b)
}

type obj = map[string]any

func ref(kind, name string) obj { return obj{"$ref": "#/components/" + kind + "/" + name} }

func jsonContent(schema obj) obj { return obj{"application/json": obj{"schema": schema}} }

// errorResponses are the error answers, all with the Error body.
var errorResponses = []struct{ status, name, desc string }{
	{"400", "BadRequest", "The body is not JSON, has a field of the wrong type or a field this request does not take."},
	{"401", "Unauthorized", "No valid API token."},
	{"403", "Forbidden", "The token's user may not do this."},
	{"404", "NotFound", "No such record."},
	{"409", "Conflict", "A duplicate, or a record others depend on."},
	{"422", "Unprocessable", "Some fields, or query parameters, are not valid: error.fields names them."},
	{"429", "TooManyRequests", "Too many requests from this address: wait the seconds Retry-After gives."},
}

func withErrors(responses obj, statuses ...string) obj {
	for _, st := range statuses {
		for _, e := range errorResponses {
			if e.status == st {
				responses[st] = ref("responses", e.name)
			}
		}
	}
	responses["default"] = ref("responses", "Error")
	return responses
}

// openAPIDocument builds the document as plain maps.
func openAPIDocument() obj {
	schemas := obj{
		"Error": schemaOf(reflect.TypeFor[errorBody](), false, nil),
	}
	responses := obj{"Error": obj{"description": "Something went wrong on the server.", "content": jsonContent(ref("schemas", "Error"))}}
	for _, e := range errorResponses {
		responses[e.name] = obj{"description": e.desc, "content": jsonContent(ref("schemas", "Error"))}
	}
	responses["TooManyRequests"].(obj)["headers"] = obj{"Retry-After": obj{"description": "seconds to wait", "schema": obj{"type": "integer"}}}
	paths := obj{
		"/openapi.json": obj{"get": obj{
			"operationId": "getOpenAPI", "summary": "This document", "tags": []string{"meta"}, "security": []any{},
			"responses": obj{"200": obj{"description": "The OpenAPI document.", "content": jsonContent(obj{"type": "object"})}},
		}},
		"/me": obj{"get": obj{
			"operationId": "getMe", "summary": "The token's own user", "tags": []string{"users"},
			"responses": withErrors(obj{"200": obj{"description": "The user.", "content": jsonContent(ref("schemas", "User"))}}, "401"),
		}},
	}
	tags := []obj{{"name": "meta", "description": "About the API itself."}}
	idParam := obj{"$ref": "#/components/parameters/id"}
	for _, r := range apiResources() {
		if r.Body == nil {
			// Actions only, answering files (the exports).
			tags = append(tags, obj{"name": r.Path, "description": r.Note})
			for _, act := range r.Actions {
				addAction(paths, schemas, r, act, idParam)
			}
			continue
		}
		schemas[r.Schema] = schemaOf(r.Body, false, nil)
		if r.has("create") {
			create := schemaOf(r.Input, true, nil)
			create["required"] = r.Required
			schemas[r.Schema+"Create"] = create
		}
		if r.has("update") {
			schemas[r.Schema+"Patch"] = schemaOf(r.Input, true, nil)
		}
		schemas[r.Schema+"List"] = obj{"type": "object", "required": []string{"items", "next_cursor"}, "additionalProperties": false,
			"properties": obj{
				"items":       obj{"type": "array", "items": ref("schemas", r.Schema)},
				"next_cursor": obj{"type": "string", "description": "pass as cursor for the next page; empty on the last page"},
			}}
		tags = append(tags, obj{"name": r.Path, "description": r.Note})
		one := jsonContent(ref("schemas", r.Schema))
		collection := obj{
			"get": obj{"operationId": "list" + r.Plural, "summary": "List " + r.Path, "tags": []string{r.Path}, "parameters": listParams(r),
				"responses": withErrors(obj{"200": obj{"description": "One page.", "content": jsonContent(ref("schemas", r.Schema+"List"))}}, "401", "403", "422")},
			"post": obj{"operationId": "create" + r.Schema, "summary": "Create one of " + r.Path, "tags": []string{r.Path},
				"requestBody": obj{"required": true, "content": jsonContent(ref("schemas", r.Schema+"Create"))},
				"responses": withErrors(obj{"201": obj{"description": "Created.", "content": one,
					"headers": obj{"Location": obj{"description": "the new record's address", "schema": obj{"type": "string"}}}}},
					"400", "401", "403", "409", "422")},
		}
		record := obj{
			"parameters": []any{idParam},
			"get": obj{"operationId": "get" + r.Schema, "summary": "One of " + r.Path, "tags": []string{r.Path},
				"responses": withErrors(obj{"200": obj{"description": "The record.", "content": one}}, "401", "403", "404")},
			"patch": obj{"operationId": "update" + r.Schema, "summary": "Change one of " + r.Path + ": fields left out keep their values", "tags": []string{r.Path},
				"requestBody": obj{"required": true, "content": jsonContent(ref("schemas", r.Schema+"Patch"))},
				"responses":   withErrors(obj{"200": obj{"description": "The changed record.", "content": one}}, "400", "401", "403", "404", "409", "422")},
			"delete": obj{"operationId": "delete" + r.Schema, "summary": "Delete one of " + r.Path, "tags": []string{r.Path},
				"responses": withErrors(obj{"204": obj{"description": "Deleted."}}, "401", "403", "404", "409")},
		}
		for method, op := range map[string]string{"get": "list", "post": "create"} {
			if !r.has(op) {
				delete(collection, method)
			}
		}
		for method, op := range map[string]string{"get": "get", "patch": "update", "delete": "delete"} {
			if !r.has(op) {
				delete(record, method)
			}
		}
		if len(collection) > 0 {
			paths["/"+r.Path] = collection
		}
		if len(record) > 1 {
			paths["/"+r.Path+"/{id}"] = record
		}
		for _, act := range r.Actions {
			addAction(paths, schemas, r, act, idParam)
		}
	}
	return obj{
		"openapi": "3.0.3",
		"info": obj{"title": "Hozur API", "version": "1.0.0",
			"description": "The registry of officials' and agencies' social-media accounts. Send a personal API token as " +
				"'Authorization: Bearer <token>'. Errors answer {\"error\": {\"code\", \"message\", \"fields\"}}; messages are in " +
				"English, or Persian with 'Accept-Language: fa'. Timestamps are RFC 3339, days YYYY-MM-DD."},
		"servers":  []obj{{"url": "/api/v1"}},
		"security": []obj{{"bearerAuth": []string{}}},
		"tags":     tags,
		"paths":    paths,
		"components": obj{
			"securitySchemes": obj{"bearerAuth": obj{"type": "http", "scheme": "bearer", "description": "a personal API token, made on the profile page"}},
			"schemas":         schemas,
			"responses":       responses,
			"parameters": obj{
				"id":       obj{"name": "id", "in": "path", "required": true, "schema": obj{"type": "integer", "format": "int64", "minimum": 1}},
				"per_page": obj{"name": "per_page", "in": "query", "description": "items per page, default 50", "schema": obj{"type": "integer", "minimum": 1, "maximum": 200}},
				"cursor":   obj{"name": "cursor", "in": "query", "description": "next_cursor of the previous page", "schema": obj{"type": "string"}},
			},
		},
	}
}

// addAction adds an action's operation, and the schemas of its bodies.
func addAction(paths, schemas obj, r apiResource, act apiAction, idParam obj) {
	tag, status, desc := r.Path, "200", act.Desc
	if act.Tag != "" {
		tag = act.Tag
	}
	if act.Status != "" {
		status = act.Status
	}
	op := obj{"operationId": act.OpID, "summary": act.Summary, "tags": []string{tag}}
	if act.Input != nil {
		in := schemaOf(act.Input, true, nil)
		if len(act.Required) > 0 {
			in["required"] = act.Required
		}
		schemas[act.InName] = in
		op["requestBody"] = obj{"required": !act.Optional, "content": jsonContent(ref("schemas", act.InName))}
	}
	if len(act.Upload) > 0 {
		content := obj{}
		for _, m := range act.Upload {
			file := obj{"type": "string", "format": "binary", "description": m.Doc}
			if m.Type == echo.MIMEMultipartForm {
				file = obj{"type": "object", "required": []string{"file"}, "properties": obj{"file": file}}
			}
			content[m.Type] = obj{"schema": file}
		}
		op["requestBody"] = obj{"required": true, "content": content}
	}
	if act.Body != nil {
		schemas[act.Answer] = schemaOf(act.Body, false, nil)
	}
	answer := obj{"description": desc}
	if act.Answer != "" {
		answer["content"] = jsonContent(ref("schemas", act.Answer))
	}
	for _, m := range act.Media {
		content, _ := answer["content"].(obj)
		if content == nil {
			content = obj{}
			answer["content"] = content
		}
		content[m.Type] = obj{"schema": obj{"type": "string", "format": "binary", "description": m.Doc}}
	}
	errs := append([]string{"401"}, act.Errors...)
	if act.Public {
		op["security"], errs = []any{}, append(slices.Clone(act.Errors), "429")
	}
	responses := obj{status: answer}
	var params []any
	if act.ETag {
		answer["headers"] = obj{"ETag": obj{"description": "the answer's version, for If-None-Match", "schema": obj{"type": "string"}}}
		responses["304"] = obj{"description": "Not modified: If-None-Match names the current ETag.",
			"headers": obj{"ETag": obj{"description": "the answer's version", "schema": obj{"type": "string"}}}}
		params = append(params, obj{"name": "If-None-Match", "in": "header", "description": "the ETag of an earlier answer", "schema": obj{"type": "string"}})
	}
	op["responses"] = withErrors(responses, errs...)
	if act.Refused {
		responses["422"] = obj{"description": "Nothing was written: the answer's issues say why, and its error sums it up; " +
			"or some query parameters are not valid.", "content": jsonContent(obj{"oneOf": []any{ref("schemas", act.Answer), ref("schemas", "Error")}})}
	}
	if act.Paged {
		params = append(params, obj{"$ref": "#/components/parameters/per_page"}, obj{"$ref": "#/components/parameters/cursor"})
	}
	params = append(params, listParams(apiResource{Filters: act.Params})...)
	if len(params) > 0 {
		op["parameters"] = params
	}
	item, ok := paths[act.Path].(obj)
	if !ok {
		item = obj{}
		if act.PathParam != nil {
			item["parameters"] = []any{act.PathParam}
		} else if strings.Contains(act.Path, "{id}") {
			item["parameters"] = []any{idParam}
		}
		paths[act.Path] = item
	}
	item[strings.ToLower(act.Method)] = op
}

// listParams are a list's query parameters: paging, then filters.
func listParams(r apiResource) []any {
	var out []any
	if r.Sorts != nil {
		var sorts []string
		for _, k := range r.Sorts {
			k = strings.TrimPrefix(k, "-")
			sorts = append(sorts, k, "-"+k)
		}
		out = append(out, obj{"$ref": "#/components/parameters/per_page"}, obj{"$ref": "#/components/parameters/cursor"},
			obj{"name": "sort", "in": "query", "description": "sort key, '-' for descending; default " + r.Sorts[0],
				"schema": obj{"type": "string", "enum": compact(sorts)}})
	}
	for _, f := range r.Filters {
		s := obj{"type": f.Type}
		if f.Enum != nil {
			s["enum"] = f.Enum
		}
		if f.Format != "" {
			s["format"] = f.Format
		}
		if f.Max > 0 {
			s["minimum"], s["maximum"] = f.Min, f.Max
		}
		p := obj{"name": f.Name, "in": "query", "schema": s}
		if f.Doc != "" {
			p["description"] = f.Doc
		}
		out = append(out, p)
	}
	return out
}

func compact(list []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range list {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// optional is implemented by opt[T]: a field that may be null.
type optional interface{ optElem() reflect.Type }

func (opt[T]) optElem() reflect.Type { return reflect.TypeFor[T]() }

var (
	optionalType = reflect.TypeFor[optional]()
	timeType     = reflect.TypeFor[time.Time]()
	dateType     = reflect.TypeFor[jsonDate]()
)

// schemaOf is the JSON schema of a body type. In a request, a pointer is a
// field that may be left out; in a response, a pointer is a field that may
// be null. opt[T] may be null in both.
func schemaOf(t reflect.Type, request bool, field *reflect.StructField) obj {
	nullable := false
	if t.Implements(optionalType) {
		t, nullable = reflect.Zero(t).Interface().(optional).optElem(), true
	}
	if t.Kind() == reflect.Pointer {
		t, nullable = t.Elem(), nullable || !request
	}
	var s obj
	switch {
	case t == timeType:
		s = obj{"type": "string", "format": "date-time"}
	case t == dateType:
		s = obj{"type": "string", "format": "date"}
	case t.Kind() == reflect.String:
		s = obj{"type": "string"}
	case t.Kind() == reflect.Bool:
		s = obj{"type": "boolean"}
	case t.Kind() == reflect.Int64:
		s = obj{"type": "integer", "format": "int64"}
	case t.Kind() == reflect.Int:
		s = obj{"type": "integer"}
	case t.Kind() == reflect.Float64:
		s = obj{"type": "number"}
	case t.Kind() == reflect.Slice:
		s = obj{"type": "array", "items": schemaOf(t.Elem(), request, nil)}
	case t.Kind() == reflect.Map:
		s = obj{"type": "object", "additionalProperties": schemaOf(t.Elem(), request, nil)}
	case t.Kind() == reflect.Struct:
		s = structSchema(t, request)
	case t.Kind() == reflect.Interface: // any JSON value
		s = obj{"nullable": true}
	default:
		panic("openapi: no schema for " + t.String())
	}
	if nullable {
		s["nullable"] = true
	}
	if field != nil {
		name := jsonName(*field)
		if d := field.Tag.Get("doc"); d != "" {
			s["description"] = d
		}
		if f := field.Tag.Get("format"); f != "" {
			s["format"] = f
		}
		if field.Tag.Get("writeOnly") == "true" {
			s["writeOnly"] = true
		}
		if tag, ok := field.Tag.Lookup("enum"); ok {
			name = tag // "-": none
		}
		if e, ok := apiEnums()[name]; ok && s["type"] == "string" {
			s["enum"] = e
		}
	}
	return s
}

// structSchema is an object with a property per JSON field. In responses
// every field not marked omitempty is always there.
func structSchema(t reflect.Type, request bool) obj {
	props := obj{}
	var required []string
	for i := range t.NumField() {
		f := t.Field(i)
		name := jsonName(f)
		if name == "" {
			continue
		}
		props[name] = schemaOf(f.Type, request, &f)
		if !request && !strings.Contains(f.Tag.Get("json"), ",omitempty") {
			required = append(required, name)
		}
	}
	s := obj{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		s["required"] = required
	}
	return s
}

func jsonName(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "-" {
		return ""
	}
	if name == "" {
		return f.Name
	}
	return name
}
