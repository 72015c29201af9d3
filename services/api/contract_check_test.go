package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	verrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/pb33f/libopenapi-validator/paths"
	"github.com/pb33f/libopenapi/datamodel"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"

	"github.com/eim-byoi/eim/api/openapi"
	"github.com/eim-byoi/eim/test/apitest"
)

// Path prefixes of the legacy document's two bindings of every operation.
const (
	projectPrefix = "/v1/projects/{projectName}/"
	v2Prefix      = "/edge-infra.orchestrator.apis/v2/"
)

// legacyDocument is the legacy apiv2 document in openapi.Legacy.
const legacyDocument = "legacy/apiv2-openapi.yaml"

// legacyOp is one operation of the legacy document: its method and path template.
type legacyOp struct {
	method, path string
	service      string // the operation's first tag: its services.v1 service
}

// key names the operation as the test reports it: "GET /v1/projects/{projectName}/regions".
func (o legacyOp) key() string { return o.method + " " + o.path }

// legacySpec is the legacy apiv2 document and a validator over it.
type legacySpec struct {
	model     *v3.Document
	validator validator.Validator
	options   *config.ValidationOptions
	ops       map[string]legacyOp // by key
}

// loadLegacySpec parses the embedded legacy document and builds its validator, with format
// assertions (date-time, int32, ...) on.
func loadLegacySpec(t *testing.T) *legacySpec {
	t.Helper()
	raw, err := openapi.Legacy.ReadFile(legacyDocument)
	require.NoError(t, err)
	// The document is named: without a file name, the validator cannot resolve the recursive
	// references (a region's parentRegion, ...) of a request body whose schema is a $ref with
	// sibling keywords ("json-pointer ... #/components/schemas/RegionResource not found").
	doc, err := libopenapi.NewDocumentWithConfiguration(raw, &datamodel.DocumentConfiguration{SpecFilePath: legacyDocument})
	require.NoError(t, err)
	m, err := doc.BuildV3Model()
	require.NoError(t, err, "the legacy document does not build")
	opts := []config.Option{config.WithFormatAssertions()}
	v := validator.NewValidatorFromV3Model(&m.Model, opts...)
	s := &legacySpec{model: &m.Model, validator: v, options: config.NewValidationOptions(opts...), ops: map[string]legacyOp{}}
	for path, item := range m.Model.Paths.PathItems.FromOldest() {
		for method, op := range item.GetOperations().FromOldest() {
			o := legacyOp{method: strings.ToUpper(method), path: path}
			if len(op.Tags) > 0 {
				o.service = op.Tags[0]
			}
			s.ops[o.key()] = o
		}
	}
	return s
}

// under returns the operations whose path starts with prefix, sorted by key.
func (s *legacySpec) under(prefix string) []legacyOp {
	var out []legacyOp
	for _, o := range s.ops {
		if strings.HasPrefix(o.path, prefix) {
			out = append(out, o)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key() < out[j].key() })
	return out
}

// exchange is one request of the contract test and the answer it expects.
type exchange struct {
	// Method and Path name the operation: Path is the document's template.
	Method, Path string
	// Params are the path parameters but projectName, which the client fills in.
	Params map[string]string
	// Query is the query string.
	Query url.Values
	// Body is sent JSON-encoded (a []byte as it is); none when nil.
	Body any
	// Want is the status expected: 200 when zero; any other is an error document.
	Want int
	// Token is sent as the bearer token instead of the client's; noToken sends none.
	Token string
	// Breaks says the request breaks the document on purpose (a malformed body, a body over
	// the limit): the validator must reject it. Every other request must pass.
	Breaks bool
}

// noToken asks for a request without an Authorization header.
const noToken = "-"

// outcome is what the test learned of one exchange.
type outcome struct {
	op       string
	status   int
	problems []string
}

// client sends exchanges to the API and checks them against the legacy document.
type client struct {
	t         *testing.T
	spec      *legacySpec
	bed       *apitest.Bed
	project   string      // the project name, filled in as projectName
	projectID string      // the project id, the inventory's tenant
	token     string      // the default bearer token
	header    http.Header // extra headers (ActiveProjectID for the v2 binding)
	query     url.Values  // extra query parameters (projectName for the v2 binding)
	record    *ledger
}

// ledger collects the outcomes of every client of a test.
type ledger struct {
	outcomes []outcome
}

// reply is an answer: its status and the decoded JSON body.
type reply struct {
	Status int
	JSON   map[string]any
}

// str returns the string at key of the reply's body ("" when absent).
func (r reply) str(key string) string {
	s, _ := r.JSON[key].(string)
	return s
}

// do sends x and checks the request and the answer against the document; it returns the
// answer. A mismatch is recorded, not fatal: the test lists every mismatch at the end.
func (c *client) do(x exchange) reply {
	c.t.Helper()
	if x.Want == 0 {
		x.Want = http.StatusOK
	}
	op, ok := c.spec.ops[x.Method+" "+x.Path]
	require.True(c.t, ok, "%s %s is not an operation of the legacy document: fix the test", x.Method, x.Path)
	o := outcome{op: op.key()}
	o.problems = append(o.problems, c.checkRequest(x)...)
	resp, raw := c.send(x)
	o.status = resp.StatusCode
	if resp.StatusCode != x.Want {
		o.problems = append(o.problems, fmt.Sprintf("status %d, want %d: %s", resp.StatusCode, x.Want, truncate(raw)))
	}
	switch {
	case resp.StatusCode == http.StatusOK:
		o.problems = append(o.problems, c.checkResponse(x, resp, raw)...)
	default:
		o.problems = append(o.problems, checkErrorDocument(resp.StatusCode, raw)...)
	}
	c.record.outcomes = append(c.record.outcomes, o)
	var body map[string]any
	_ = json.Unmarshal(raw, &body)
	return reply{Status: resp.StatusCode, JSON: body}
}

// request builds the HTTP request of x.
func (c *client) request(x exchange) *http.Request {
	c.t.Helper()
	path := x.Path
	params := map[string]string{"projectName": c.project}
	for k, v := range x.Params {
		params[k] = v
	}
	for k, v := range params {
		path = strings.ReplaceAll(path, "{"+k+"}", url.PathEscape(v))
	}
	require.NotContains(c.t, path, "{", "%s %s: a path parameter has no value", x.Method, x.Path)
	query := url.Values{}
	for k, vs := range c.query {
		query[k] = vs
	}
	for k, vs := range x.Query {
		query[k] = vs
	}
	if len(query) > 0 {
		path += "?" + query.Encode()
	}
	var body io.Reader
	switch b := x.Body.(type) {
	case nil:
	case []byte:
		body = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		require.NoError(c.t, err)
		body = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(x.Method, c.bed.URL+path, body)
	require.NoError(c.t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	switch {
	case x.Token == noToken:
	case x.Token != "":
		req.Header.Set("Authorization", "Bearer "+x.Token)
	default:
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for k, vs := range c.header {
		req.Header[k] = vs
	}
	return req
}

// route finds the document's path item for req and checks that it is x's: the validator must
// check the request and the answer against the operation the test means.
func (c *client) route(x exchange, req *http.Request) (*v3.PathItem, string, []string) {
	item, errs, found := paths.FindPath(req, c.spec.model, c.spec.options)
	if len(errs) > 0 {
		return nil, "", describe("route", errs)
	}
	if found != x.Path {
		return nil, "", []string{fmt.Sprintf("route: the document matches %s, not %s", found, x.Path)}
	}
	return item, found, nil
}

// checkRequest validates x's request (parameters and body) against the document: a request
// the document rejects is a bug of the test, unless x breaks the document on purpose.
func (c *client) checkRequest(x exchange) []string {
	req := c.request(x)
	item, found, problems := c.route(x, req)
	if problems != nil {
		return problems
	}
	ok, errs := c.spec.validator.ValidateHttpRequestSyncWithPathItem(req, item, found)
	switch {
	case x.Breaks && ok:
		return []string{"request: the legacy document accepts a request the test meant to break it"}
	case !x.Breaks && !ok:
		return describe("request (a bug of the test)", errs)
	}
	return nil
}

// send sends x and returns the answer and its body.
func (c *client) send(x exchange) (*http.Response, []byte) {
	c.t.Helper()
	resp, err := http.DefaultClient.Do(c.request(x))
	require.NoError(c.t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(c.t, err)
	return resp, raw
}

// checkResponse validates a 200 answer's body against the operation's 200 schema.
func (c *client) checkResponse(x exchange, resp *http.Response, raw []byte) []string {
	req := c.request(x)
	item, found, problems := c.route(x, req)
	if problems != nil {
		return problems
	}
	resp.Body = io.NopCloser(bytes.NewReader(raw))
	ok, errs := c.spec.validator.GetResponseBodyValidator().ValidateResponseBodyWithPathItem(req, resp, item, found)
	if ok {
		return nil
	}
	return describe("response", errs)
}

// grpcCodes are the gRPC code names an error document may carry.
func grpcCodes() map[string]codes.Code {
	out := map[string]codes.Code{}
	for c := codes.OK; c <= codes.Unauthenticated; c++ {
		out[c.String()] = c
	}
	return out
}

// checkErrorDocument checks an error answer: exactly {"code": <gRPC code name>, "message":
// <string>}, with the HTTP status grpc-gateway maps the code to (413 for a body over the
// limit, an InvalidArgument).
func checkErrorDocument(status int, raw []byte) []string {
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return []string{fmt.Sprintf("error document: not a JSON object: %v: %s", err, truncate(raw))}
	}
	var problems []string
	keys := make([]string, 0, len(doc))
	for k := range doc {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if !slices.Equal(keys, []string{"code", "message"}) {
		problems = append(problems, fmt.Sprintf("error document: keys %v, want [code message]", keys))
	}
	msg, ok := doc["message"].(string)
	if !ok || msg == "" {
		problems = append(problems, "error document: message is not a non-empty string")
	}
	name, _ := doc["code"].(string)
	code, known := grpcCodes()[name]
	want := runtime.HTTPStatusFromCode(code)
	switch {
	case !known || code == codes.OK:
		problems = append(problems, fmt.Sprintf("error document: code %v is not a gRPC error code name", doc["code"]))
	case status == http.StatusRequestEntityTooLarge && code == codes.InvalidArgument:
	case status != want:
		problems = append(problems, fmt.Sprintf("error document: code %s maps to status %d, the answer is %d", name, want, status))
	}
	return problems
}

// describe renders validator errors, one line each with its schema failures.
func describe(what string, errs []*verrors.ValidationError) []string {
	out := make([]string, 0, len(errs))
	for _, e := range errs {
		line := what + ": " + e.Message
		if e.Reason != "" && e.Reason != e.Message {
			line += ": " + e.Reason
		}
		for _, f := range e.SchemaValidationErrors {
			line += fmt.Sprintf("\n        %s at %s (%s)", f.Reason, f.FieldPath, f.KeywordLocation)
		}
		out = append(out, line)
	}
	return out
}

// truncate shortens a body for a message.
func truncate(raw []byte) string {
	const max = 300
	if len(raw) > max {
		return string(raw[:max]) + "..."
	}
	return string(raw)
}
