package identity_test

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"testing"

	"github.com/goapigw/webapp/function/identity"
	"github.com/goapigw/webapp/function/restproxy"
)

func TestUserFromContext(t *testing.T) {
	oidcUser := identity.User{Subject: "0f3c", Email: "zoe@example.com", Name: "Zoë", Groups: []string{"admins"}}
	tests := []struct {
		name       string
		authorizer string // the event's requestContext.authorizer, basic auth
		login      *identity.User
		want       identity.User
		wantOK     bool
	}{
		{name: "anonymous", wantOK: false},
		{name: "basic auth", authorizer: `,"authorizer":{"principalId":"zoë"}`, want: identity.User{Subject: "zoë", Name: "zoë"}, wantOK: true},
		{name: "login", login: &oidcUser, want: oidcUser, wantOK: true},
		{name: "login wins over an authorizer", authorizer: `,"authorizer":{"principalId":"zoë"}`, login: &oidcUser, want: oidcUser, wantOK: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got identity.User
			var gotOK bool
			var app http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got, gotOK = identity.UserFromContext(r.Context())
			})
			if tt.login != nil {
				next := app
				app = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					next.ServeHTTP(w, r.WithContext(identity.NewContext(r.Context(), *tt.login)))
				})
			}
			h := restproxy.Wrap(app, restproxy.WithLogger(slog.New(slog.DiscardHandler)))
			event := `{"resource":"/","path":"/","httpMethod":"GET","requestContext":{"path":"/prod/","stage":"prod"` + tt.authorizer + `}}`
			if _, err := h.Invoke(context.Background(), []byte(event)); err != nil {
				t.Fatal(err)
			}
			if got.Subject != tt.want.Subject || got.Name != tt.want.Name || got.Email != tt.want.Email ||
				!slices.Equal(got.Groups, tt.want.Groups) || gotOK != tt.wantOK {
				t.Errorf("got %+v, %v; want %+v, %v", got, gotOK, tt.want, tt.wantOK)
			}
		})
	}
	if _, ok := identity.UserFromContext(context.Background()); ok {
		t.Error("empty context: want no user")
	}
	if !oidcUser.InGroup("admins") || oidcUser.InGroup("admin") {
		t.Error("InGroup")
	}
}
