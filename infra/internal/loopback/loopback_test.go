package loopback

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestHost(t *testing.T) {
	tests := []struct {
		host string
		want bool
	}{
		{"localhost", true},
		{"localhost:3000", true},
		{"LocalHost:3000", true},
		{"127.0.0.1", true},
		{"127.0.0.1:3000", true},
		{"127.1.2.3:80", true},
		{"[::1]", true},
		{"[::1]:3000", true},

		{"", false},
		{"evil.example", false},
		{"evil.example:3000", false},
		{"localhost.evil.example", false},
		{"localhost.evil.example:3000", false},
		{"127.0.0.1.nip.io", false},
		{"127.0.0.1.nip.io:3000", false},
		{"localhost.", false},
		{"app.localhost", false},
		{"0.0.0.0:3000", false},
		{"10.0.0.1:3000", false},
		{"128.0.0.1", false},
		{"::1", false},
		{"[::1%lo]:3000", false},
		{"[::ffff:127.0.0.1]:3000", false},
		{"[::2]:3000", false},
		{"127.0.0.1:", false},
		{"127.0.0.1:http", false},
		{"127.0.0.1:3000:3000", false},
		{"2130706433", false}, // 127.0.0.1 as a number: not a name we accept
		{"127.1", false},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			if got := Host(tt.host); got != tt.want {
				t.Errorf("Host(%q): got %v, want %v", tt.host, got, tt.want)
			}
		})
	}
}

func TestHandler(t *testing.T) {
	h := Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("app")) }))
	for host, want := range map[string]int{"127.0.0.1:3000": http.StatusOK, "evil.example:3000": http.StatusMisdirectedRequest} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Host = host
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != want {
			t.Errorf("Host %q: got %d, want %d", host, w.Code, want)
		}
		if want != http.StatusOK && w.Body.String() == "app" {
			t.Errorf("Host %q reached the app", host)
		}
	}
}
