package login

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"time"
)

// MinSecretLen is the shortest session secret New accepts, in bytes.
const MinSecretLen = 32

// HKDF info strings: each purpose gets a key of its own from every secret.
const (
	infoSession     = "goapigw/login session cookie v1"
	infoTransaction = "goapigw/login transaction cookie v1"
	infoCSRF        = "goapigw/login csrf v1"
)

// keys are the keys derived from one session secret.
type keys struct {
	session, transaction cipher.AEAD
	csrf                 []byte
}

// keyring holds the keys of every secret, the first one's to seal.
type keyring struct {
	all      []keys
	loadedAt time.Time
}

// newKeyring derives the keys of every secret. bind (the issuer and client
// ID) goes into every HKDF info, so a cookie of another deployment sharing
// a secret does not open here.
func newKeyring(secrets []string, now time.Time, bind string) (*keyring, error) {
	if len(secrets) == 0 {
		return nil, errors.New("no session secret")
	}
	kr := &keyring{loadedAt: now}
	for i, s := range secrets {
		if len(s) < MinSecretLen {
			return nil, fmt.Errorf("session secret %d is %d bytes, shorter than %d (make one with: openssl rand -base64 48)", i+1, len(s), MinSecretLen)
		}
		var k keys
		var err error
		if k.session, err = deriveAEAD(s, infoSession+bind); err != nil {
			return nil, err
		}
		if k.transaction, err = deriveAEAD(s, infoTransaction+bind); err != nil {
			return nil, err
		}
		if k.csrf, err = hkdf.Key(sha256.New, []byte(s), nil, infoCSRF+bind, 32); err != nil {
			return nil, err
		}
		kr.all = append(kr.all, k)
	}
	return kr, nil
}

func deriveAEAD(secret, info string) (cipher.AEAD, error) {
	key, err := hkdf.Key(sha256.New, []byte(secret), nil, info, 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key) // AES-256
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// seal encrypts and authenticates plaintext with the first key; the cookie
// name is the additional data, so a value cannot move to another cookie.
// The result is base64url: a 12-byte random nonce, then the ciphertext and
// its 16-byte tag.
func seal(aead cipher.AEAD, name string, plaintext []byte) string {
	buf := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plaintext)+aead.Overhead())
	rand.Read(buf) // never fails (crypto/rand panics instead)
	buf = aead.Seal(buf, buf, plaintext, []byte(name))
	return base64.RawURLEncoding.EncodeToString(buf)
}

// maxCookieValue bounds what open decodes: a browser never sends more.
const maxCookieValue = 4096

// open decrypts a value sealed by any of the keys pick chooses from.
func open(kr *keyring, pick func(*keys) cipher.AEAD, name, value string) ([]byte, bool) {
	if len(value) > maxCookieValue {
		return nil, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(value)
	if err != nil {
		return nil, false
	}
	for i := range kr.all {
		aead := pick(&kr.all[i])
		if len(raw) < aead.NonceSize()+aead.Overhead() {
			return nil, false
		}
		if pt, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], []byte(name)); err == nil {
			return pt, true
		}
	}
	return nil, false
}

func sessionKey(k *keys) cipher.AEAD     { return k.session }
func transactionKey(k *keys) cipher.AEAD { return k.transaction }

// csrfToken is the CSRF token of a session: HMAC-SHA256 of its id under the
// first key's CSRF key.
func (kr *keyring) csrfToken(sessionID string) string {
	return csrfMAC(kr.all[0].csrf, sessionID)
}

func csrfMAC(key []byte, sessionID string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(sessionID))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// checkCSRF compares a token in constant time with the session's token
// under every key, so a rotation does not void a form already shown.
func (kr *keyring) checkCSRF(sessionID, token string) bool {
	ok := 0
	for i := range kr.all {
		ok |= subtle.ConstantTimeCompare([]byte(csrfMAC(kr.all[i].csrf, sessionID)), []byte(token))
	}
	return ok == 1
}

// randomString returns n random bytes in base64url.
func randomString(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
