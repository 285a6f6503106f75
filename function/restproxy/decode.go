package restproxy

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

// errSlowPath sends an event to encoding/json: the fast decoder only takes
// input whose meaning it is sure of.
var errSlowPath = errors.New("restproxy: not for the fast decoder")

// decodeEvent decodes a REST proxy event. A hand-written decoder reads the
// fields the adapter uses in one strict pass over the JSON; anything it does
// not expect, invalid JSON included, goes to encoding/json instead, so the
// result (or the error) is always what encoding/json gives for those fields.
// The full event, with fields such as the authorizer context, is decoded on
// demand by RequestFromContext.
//
// Repeated keys get encoding/json's meaning, which FuzzDecodeEvent and
// FuzzDecodeRepeatedKeys check: the last value of a repeated string or
// bool wins; a repeated object (requestContext, identity) decodes into the
// same struct, so a field only the first one has stays; a repeated map
// (headers, authorizer) adds to the earlier map, last value per key; null
// clears a map and leaves a string, bool or struct as it was. Keys match
// exactly; a key that differs from a field's only in case, which
// encoding/json would take, goes to encoding/json.
func decodeEvent(payload []byte) (*inbound, error) {
	// One copy of the payload as a string; decoded strings without escapes
	// are slices of it, not allocations of their own.
	d := decoder{s: payload, src: string(payload)}
	e, err := d.event()
	if err == nil && d.peek() == 0 && d.i == len(d.s) {
		return e, nil
	}
	var slow inbound
	if err := json.Unmarshal(payload, &slow); err != nil {
		return nil, err
	}
	return &slow, nil
}

type decoder struct {
	s   []byte
	src string // s as a string
	i   int
}

func (d *decoder) ws() {
	for d.i < len(d.s) {
		switch d.s[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

func (d *decoder) peek() byte {
	d.ws()
	if d.i >= len(d.s) {
		return 0
	}
	return d.s[d.i]
}

func (d *decoder) expect(c byte) error {
	if d.peek() != c {
		return errSlowPath
	}
	d.i++
	return nil
}

// null consumes a null literal if one is next.
func (d *decoder) null() bool {
	if d.peek() == 'n' && d.i+4 <= len(d.s) && string(d.s[d.i:d.i+4]) == "null" {
		d.i += 4
		return true
	}
	return false
}

// str reads a string; escapes are decoded, anything unusual (invalid UTF-8,
// lone surrogates) takes the slow path.
func (d *decoder) str() (string, error) {
	if d.peek() != '"' {
		return "", errSlowPath
	}
	d.i++
	start := d.i
	for d.i < len(d.s) {
		c := d.s[d.i]
		switch {
		case c == '"':
			s := d.src[start:d.i]
			d.i++
			if !utf8.ValidString(s) {
				return "", errSlowPath
			}
			return s, nil
		case c == '\\':
			return d.escaped(start)
		case c < 0x20:
			return "", errSlowPath // JSON forbids raw control characters
		default:
			d.i++
		}
	}
	return "", errSlowPath
}

func (d *decoder) escaped(start int) (string, error) {
	var b strings.Builder
	b.Write(d.s[start:d.i])
	for d.i < len(d.s) {
		c := d.s[d.i]
		if c == '"' {
			d.i++
			out := b.String()
			if !utf8.ValidString(out) {
				return "", errSlowPath
			}
			return out, nil
		}
		if c < 0x20 {
			return "", errSlowPath
		}
		if c != '\\' {
			b.WriteByte(c)
			d.i++
			continue
		}
		if d.i+1 >= len(d.s) {
			return "", errSlowPath
		}
		e := d.s[d.i+1]
		d.i += 2
		switch e {
		case '"', '\\', '/':
			b.WriteByte(e)
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r, ok := d.hex4()
			if !ok {
				return "", errSlowPath
			}
			if utf16.IsSurrogate(r) {
				if d.i+6 > len(d.s) || d.s[d.i] != '\\' || d.s[d.i+1] != 'u' {
					return "", errSlowPath
				}
				d.i += 2
				r2, ok := d.hex4()
				if !ok {
					return "", errSlowPath
				}
				r = utf16.DecodeRune(r, r2)
				if r == utf8.RuneError {
					return "", errSlowPath
				}
			}
			b.WriteRune(r)
		default:
			return "", errSlowPath
		}
	}
	return "", errSlowPath
}

func (d *decoder) hex4() (rune, bool) {
	if d.i+4 > len(d.s) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(d.s[d.i:d.i+4]), 16, 32)
	if err != nil {
		return 0, false
	}
	d.i += 4
	return rune(n), true
}

// maxDepth bounds the nesting the fast decoder follows; deeper input goes to
// encoding/json.
const maxDepth = 64

// skip passes over one value, checking it as strictly as encoding/json.
func (d *decoder) skip() error { return d.skipDepth(0) }

func (d *decoder) skipDepth(depth int) error {
	if depth > maxDepth {
		return errSlowPath
	}
	switch d.peek() {
	case '"':
		_, err := d.str()
		return err
	case '{':
		return d.object(func(string) error { return d.skipDepth(depth + 1) })
	case '[':
		d.i++
		if d.peek() == ']' {
			d.i++
			return nil
		}
		for {
			if err := d.skipDepth(depth + 1); err != nil {
				return err
			}
			switch d.peek() {
			case ',':
				d.i++
			case ']':
				d.i++
				return nil
			default:
				return errSlowPath
			}
		}
	case 't':
		return d.literal("true")
	case 'f':
		return d.literal("false")
	case 'n':
		return d.literal("null")
	default:
		return d.number()
	}
}

func (d *decoder) literal(lit string) error {
	if d.i+len(lit) > len(d.s) || d.src[d.i:d.i+len(lit)] != lit {
		return errSlowPath
	}
	d.i += len(lit)
	return nil
}

// number passes over a number in JSON's grammar:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (d *decoder) number() error {
	digits := func() int {
		n := 0
		for d.i < len(d.s) && d.s[d.i] >= '0' && d.s[d.i] <= '9' {
			d.i++
			n++
		}
		return n
	}
	if d.i < len(d.s) && d.s[d.i] == '-' {
		d.i++
	}
	switch {
	case d.i < len(d.s) && d.s[d.i] == '0':
		d.i++
	case digits() == 0:
		return errSlowPath
	}
	if d.i < len(d.s) && d.s[d.i] == '.' {
		d.i++
		if digits() == 0 {
			return errSlowPath
		}
	}
	if d.i < len(d.s) && (d.s[d.i] == 'e' || d.s[d.i] == 'E') {
		d.i++
		if d.i < len(d.s) && (d.s[d.i] == '+' || d.s[d.i] == '-') {
			d.i++
		}
		if digits() == 0 {
			return errSlowPath
		}
	}
	return nil
}

// object calls field for each key of an object; null counts as empty.
func (d *decoder) object(field func(key string) error) error {
	if d.null() {
		return nil
	}
	if err := d.expect('{'); err != nil {
		return err
	}
	if d.peek() == '}' {
		d.i++
		return nil
	}
	for {
		k, err := d.str()
		if err != nil {
			return err
		}
		if err := d.expect(':'); err != nil {
			return err
		}
		if err := field(k); err != nil {
			return err
		}
		switch d.peek() {
		case ',':
			d.i++
		case '}':
			d.i++
			return nil
		default:
			return errSlowPath
		}
	}
}

// into reads a string field, or leaves null alone as encoding/json does.
func (d *decoder) into(dst *string) error {
	if d.null() {
		return nil
	}
	s, err := d.str()
	if err != nil {
		return err
	}
	*dst = s
	return nil
}

// stringMap and multiMap reuse a map from an earlier duplicate key, as
// encoding/json does.
func (d *decoder) stringMap(dst *map[string]string) error {
	if d.null() {
		*dst = nil
		return nil
	}
	m := *dst
	if m == nil {
		m = map[string]string{}
	}
	if err := d.object(func(k string) error {
		var v string
		if err := d.into(&v); err != nil {
			return err
		}
		m[k] = v
		return nil
	}); err != nil {
		return err
	}
	*dst = m
	return nil
}

func (d *decoder) multiMap(dst *map[string][]string) error {
	if d.null() {
		*dst = nil
		return nil
	}
	m := *dst
	if m == nil {
		m = map[string][]string{}
	}
	if err := d.object(func(k string) error {
		if d.null() {
			m[k] = nil
			return nil
		}
		if err := d.expect('['); err != nil {
			return err
		}
		vs := make([]string, 0, 1) // most headers have one value
		if d.peek() == ']' {
			d.i++
			m[k] = vs
			return nil
		}
		for {
			var v string
			if err := d.into(&v); err != nil {
				return err
			}
			vs = append(vs, v)
			switch d.peek() {
			case ',':
				d.i++
			case ']':
				d.i++
				m[k] = vs
				return nil
			default:
				return errSlowPath
			}
		}
	}); err != nil {
		return err
	}
	*dst = m
	return nil
}

func (d *decoder) boolean(dst *bool) error {
	switch {
	case d.null():
		return nil
	case d.peek() == 't' && d.i+4 <= len(d.s) && string(d.s[d.i:d.i+4]) == "true":
		*dst = true
		d.i += 4
	case d.peek() == 'f' && d.i+5 <= len(d.s) && string(d.s[d.i:d.i+5]) == "false":
		*dst = false
		d.i += 5
	default:
		return errSlowPath
	}
	return nil
}

// known lists every key the fast decoder reads or may skip; a key that is
// not one of these but matches one when case is ignored would be taken by
// encoding/json's case-insensitive matching, so it takes the slow path.
var known = []string{
	"resource", "path", "httpMethod", "headers", "multiValueHeaders", "queryStringParameters",
	"multiValueQueryStringParameters", "pathParameters", "stageVariables", "requestContext", "body",
	"isBase64Encoded", "version", "routeKey", "source",
	"accountId", "resourceId", "operationName", "stage", "domainName", "domainPrefix", "requestId",
	"extendedRequestId", "protocol", "identity", "resourcePath", "authorizer", "requestTime",
	"requestTimeEpoch", "apiId", "sourceIp", "userAgent",
	"cognitoIdentityPoolId", "cognitoIdentityId", "caller", "apiKey", "apiKeyId", "accessKey",
	"cognitoAuthenticationType", "cognitoAuthenticationProvider", "userArn", "user", "clientCert",
}

// ignore reads a string field the adapter does not use, so that a value of
// the wrong type still fails as it does in encoding/json.
func (d *decoder) ignore() error {
	var s string
	return d.into(&s)
}

// int64 checks a number field the adapter does not use.
func (d *decoder) int64() error {
	if d.null() {
		return nil
	}
	start := d.i
	if err := d.skip(); err != nil {
		return err
	}
	if _, err := strconv.ParseInt(string(d.s[start:d.i]), 10, 64); err != nil {
		return errSlowPath
	}
	return nil
}

// authorizer reads the authorizer context's principalId, the one key the
// adapter uses (PrincipalFromContext); the rest waits for RequestFromContext.
// A principalId that is not a string goes to encoding/json.
//
// Like encoding/json, a repeated authorizer object adds to the map of the
// earlier one (a principalId the second lacks stays), and null clears it.
func (d *decoder) authorizer(dst *map[string]any) error {
	if d.null() {
		*dst = nil
		return nil
	}
	if d.peek() != '{' {
		return errSlowPath
	}
	m := *dst
	if m == nil {
		m = map[string]any{}
	}
	err := d.object(func(k string) error {
		if k != "principalId" {
			return d.skip()
		}
		if d.peek() != '"' {
			return errSlowPath
		}
		var p string
		if err := d.into(&p); err != nil {
			return err
		}
		m[k] = p
		return nil
	})
	if err != nil {
		return err
	}
	*dst = m
	return nil
}

func unusual(k string) bool {
	for _, n := range known {
		if n == k {
			return false
		}
	}
	for _, n := range known {
		if strings.EqualFold(n, k) {
			return true
		}
	}
	return false
}

// other handles a key the decoder does not read at this level: skipped,
// unless encoding/json would take it for a field by ignoring case.
func (d *decoder) other(k string) error {
	if unusual(k) {
		return errSlowPath
	}
	return d.skip()
}

func (d *decoder) event() (*inbound, error) {
	e := &inbound{}
	r := &e.APIGatewayProxyRequest
	err := d.object(func(k string) error {
		switch k {
		case "resource":
			return d.into(&r.Resource)
		case "path":
			return d.into(&r.Path)
		case "httpMethod":
			return d.into(&r.HTTPMethod)
		case "headers":
			return d.stringMap(&r.Headers)
		case "multiValueHeaders":
			return d.multiMap(&r.MultiValueHeaders)
		case "queryStringParameters":
			return d.stringMap(&r.QueryStringParameters)
		case "multiValueQueryStringParameters":
			return d.multiMap(&r.MultiValueQueryStringParameters)
		case "pathParameters":
			return d.stringMap(&r.PathParameters)
		case "body":
			return d.into(&r.Body)
		case "isBase64Encoded":
			return d.boolean(&r.IsBase64Encoded)
		case "version":
			return d.into(&e.Version)
		case "routeKey":
			return d.into(&e.RouteKey)
		case "source":
			return d.into(&e.Source)
		case "requestContext":
			return d.requestContext(&r.RequestContext)
		case "stageVariables":
			return d.stringMap(&r.StageVariables)
		}
		return d.other(k)
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// requestContext reads the fields the adapter uses; the rest (authorizer,
// identity details) is left for the full decode in RequestFromContext.
func (d *decoder) requestContext(c *events.APIGatewayProxyRequestContext) error {
	return d.object(func(k string) error {
		switch k {
		case "path":
			return d.into(&c.Path)
		case "stage":
			return d.into(&c.Stage)
		case "domainName":
			return d.into(&c.DomainName)
		case "requestId":
			return d.into(&c.RequestID)
		case "protocol":
			return d.into(&c.Protocol)
		case "resourcePath":
			return d.into(&c.ResourcePath)
		case "httpMethod":
			return d.into(&c.HTTPMethod)
		case "apiId":
			return d.into(&c.APIID)
		case "accountId", "resourceId", "operationName", "domainPrefix", "extendedRequestId", "requestTime":
			return d.ignore()
		case "requestTimeEpoch":
			return d.int64()
		case "authorizer":
			return d.authorizer(&c.Authorizer)
		case "identity":
			return d.object(func(k string) error {
				switch k {
				case "sourceIp":
					return d.into(&c.Identity.SourceIP)
				case "userAgent":
					return d.into(&c.Identity.UserAgent)
				case "cognitoIdentityPoolId", "accountId", "cognitoIdentityId", "caller", "apiKey", "apiKeyId",
					"accessKey", "cognitoAuthenticationType", "cognitoAuthenticationProvider", "userArn", "user":
					return d.ignore()
				case "clientCert":
					if d.null() {
						return nil
					}
					return errSlowPath // mTLS details: rare, left to encoding/json
				}
				return d.other(k)
			})
		}
		return d.other(k)
	})
}
