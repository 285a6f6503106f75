package restproxy

import (
	"encoding/json"
	"reflect"
	"testing"
)

// agreesWithEncodingJSON fails tb when the fast decoder and encoding/json
// disagree on payload: success or failure, or any field the adapter uses.
func agreesWithEncodingJSON(tb testing.TB, payload []byte) {
	tb.Helper()
	var want inbound
	wantErr := json.Unmarshal(payload, &want)
	got, err := decodeEvent(payload)
	if (err != nil) != (wantErr != nil) {
		tb.Fatalf("decodeEvent error %v, encoding/json error %v, for %s", err, wantErr, payload)
	}
	if err != nil {
		return
	}
	g, w := usedFields(got), usedFields(&want)
	for i := range g {
		if !reflect.DeepEqual(g[i], w[i]) {
			tb.Fatalf("field %d: got %#v, encoding/json %#v, for %s", i, g[i], w[i], payload)
		}
	}
}

// TestDecoderRepeatedKeys: a repeated key means what it means to
// encoding/json, at every level the fast decoder reads.
func TestDecoderRepeatedKeys(t *testing.T) {
	tests := []struct {
		name, payload string
		fast          bool // the fast decoder takes it (no fallback)
	}{
		{"authorizer twice: the first principal stays", `{"requestContext":{"authorizer":{"principalId":"alice"},"authorizer":{"user":"x"}}}`, true},
		{"authorizer twice: the second principal wins", `{"requestContext":{"authorizer":{"principalId":"alice"},"authorizer":{"principalId":"bob"}}}`, true},
		{"authorizer then null", `{"requestContext":{"authorizer":{"principalId":"alice"},"authorizer":null}}`, true},
		{"null then authorizer", `{"requestContext":{"authorizer":null,"authorizer":{"principalId":"alice"}}}`, true},
		{"requestContext twice merges", `{"requestContext":{"path":"/prod/a","authorizer":{"principalId":"alice"}},"requestContext":{"stage":"prod"}}`, true},
		{"requestContext twice, second authorizer", `{"requestContext":{"authorizer":{"principalId":"alice"}},"requestContext":{"authorizer":{"other":1}}}`, true},
		{"requestContext then null", `{"requestContext":{"path":"/p"},"requestContext":null}`, true},
		{"identity twice", `{"requestContext":{"identity":{"sourceIp":"1.2.3.4"},"identity":{"userAgent":"ua"}}}`, true},
		{"headers twice merge", `{"headers":{"a":"1","b":"2"},"headers":{"b":"3"}}`, true},
		{"multiValueHeaders then null", `{"multiValueHeaders":{"a":["1"]},"multiValueHeaders":null}`, true},
		{"string twice: last wins", `{"httpMethod":"GET","httpMethod":"POST"}`, true},
		{"string then null: kept", `{"path":"/a","path":null}`, true},
		{"bool twice", `{"isBase64Encoded":true,"isBase64Encoded":false}`, true},
		{"case variant of a field", `{"requestContext":{"path":"/a"},"RequestContext":{"path":"/b"}}`, false},
		{"case variant of authorizer", `{"requestContext":{"authorizer":{"principalId":"a"},"Authorizer":{"principalId":"b"}}}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			agreesWithEncodingJSON(t, []byte(tt.payload))
			d := decoder{s: []byte(tt.payload), src: tt.payload}
			if _, err := d.event(); (err == nil) != tt.fast {
				t.Errorf("fast decoder error %v, want fast path %v", err, tt.fast)
			}
		})
	}
}

// FuzzDecodeRepeatedKeys builds events that repeat a key at each level the
// fast decoder reads, with fuzzed values, and checks them against
// encoding/json.
func FuzzDecodeRepeatedKeys(f *testing.F) {
	for _, s := range [][3]string{
		{"authorizer", `{"principalId":"a"}`, `{"x":1}`},
		{"authorizer", `{"principalId":"a"}`, `null`},
		{"authorizer", `null`, `{"principalId":"b","principalId":"c"}`},
		{"requestContext", `{"authorizer":{"principalId":"a"}}`, `{"path":"/x"}`},
		{"requestContext", `{"path":"/x"}`, `null`},
		{"identity", `{"sourceIp":"1.2.3.4"}`, `{"sourceIp":null}`},
		{"headers", `{"A":"1"}`, `{"a":"2"}`},
		{"multiValueHeaders", `{"a":["1"]}`, `{"a":null}`},
		{"path", `"/a"`, `null`},
		{"isBase64Encoded", `true`, `null`},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, key, v1, v2 string) {
		k, _ := json.Marshal(key)
		pair := string(k) + ":" + v1 + "," + string(k) + ":" + v2
		for _, payload := range []string{
			`{` + pair + `}`,
			`{"requestContext":{` + pair + `}}`,
			`{"requestContext":{"authorizer":{` + pair + `}}}`,
			`{"requestContext":{"identity":{` + pair + `}}}`,
			`{"requestContext":{"authorizer":` + v1 + `},"requestContext":{"authorizer":` + v2 + `}}`,
		} {
			agreesWithEncodingJSON(t, []byte(payload))
		}
	})
}
