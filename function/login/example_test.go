package login_test

import (
	"fmt"
	"html/template"
	"log"
	"net/http"
	"os"

	"github.com/goapigw/webapp/function/identity"
	"github.com/goapigw/webapp/function/login"
	"github.com/goapigw/webapp/function/restproxy"
)

var page = template.Must(template.New("page").Parse(
	`<p>Hello {{.Name}}</p>{{if .Admin}}<p>Admin tools</p>{{end}}{{.SignOut}}`))

func Example() {
	l, err := login.New(login.Config{
		Issuer:   "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_EXAMPLE",
		ClientID: "1example23456789",
		// The construct passes secret ARNs; the values never sit in the
		// environment.
		CognitoLogoutURL: "https://example.auth.eu-west-1.amazoncognito.com/logout",
	},
		login.WithClientSecretSource(login.DefaultSecretsManager(os.Getenv("LOGIN_CLIENT_SECRET_ARN"))),
		login.WithSessionSecretSource(login.DefaultSecretsManager(os.Getenv("LOGIN_SESSION_SECRET_ARN"))),
	)
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		u, _ := identity.UserFromContext(r.Context()) // basic auth fills it too
		f, _ := login.LogoutForm(r)
		_ = page.Execute(w, map[string]any{"Name": u.Name, "Admin": u.InGroup("admins"), "SignOut": f.HTML()})
	})
	if os.Getenv("AWS_LAMBDA_RUNTIME_API") != "" {
		restproxy.Start(l.Wrap(mux))
	}
	fmt.Println("ready")
	// Output: ready
}
