package login

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFromEnv(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "session")
	if err := os.WriteFile(secret, []byte(strings.Repeat("s", MinSecretLen)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base := map[string]string{
		IssuerEnv:            "http://127.0.0.1:3003",
		ClientIDEnv:          "local-client",
		ClientSecretFileEnv:  filepath.Join(dir, "client"),
		SessionSecretFileEnv: secret,
	}
	with := func(set map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for k, v := range set {
			if v == "-" {
				delete(m, k)
			} else {
				m[k] = v
			}
		}
		return m
	}
	tests := []struct {
		name    string
		env     map[string]string
		wantNil bool
		wantErr string
	}{
		{name: "no issuer: no sign-in", env: map[string]string{ClientIDEnv: "x"}, wantNil: true},
		{name: "local files", env: base},
		{name: "ARNs", env: with(map[string]string{
			ClientSecretFileEnv: "-", SessionSecretFileEnv: "-",
			ClientSecretArnEnv:  "arn:aws:secretsmanager:eu-west-1:111111111111:secret:c-AbCdEf",
			SessionSecretArnEnv: "arn:aws:secretsmanager:eu-west-1:111111111111:secret:s-AbCdEf",
			IssuerEnv:           "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_EXAMPLE",
			CognitoLogoutURLEnv: "https://example.auth.eu-west-1.amazoncognito.com/logout",
		})},
		{name: "no session secret", env: with(map[string]string{SessionSecretFileEnv: "-"}), wantErr: SessionSecretArnEnv},
		{name: "two client secrets", env: with(map[string]string{ClientSecretArnEnv: "arn:x"}), wantErr: ClientSecretFileEnv},
		{name: "two session secrets", env: with(map[string]string{SessionSecretArnEnv: "arn:x"}), wantErr: SessionSecretFileEnv},
		{name: "two logout URLs", env: with(map[string]string{CognitoLogoutURLEnv: "https://a.example/logout", EndSessionURLEnv: "https://b.example/end"}), wantErr: EndSessionURLEnv},
		{name: "plain http issuer off loopback", env: with(map[string]string{IssuerEnv: "http://login.example.com"}), wantErr: "not an https URL"},
		{name: "no client id", env: with(map[string]string{ClientIDEnv: "-"}), wantErr: "ClientID is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := fromLookup(func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok })
			switch {
			case tt.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one naming %q", err, tt.wantErr)
				}
			case err != nil:
				t.Fatalf("got error %v, want none", err)
			case tt.wantNil != (l == nil):
				t.Fatalf("got login %v, want nil %v", l, tt.wantNil)
			}
		})
	}
}
