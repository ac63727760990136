package gcs

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/url"
)

// KeyFile is the part of a service-account JSON key file mgw uses.
type KeyFile struct {
	Type         string `json:"type"`
	ProjectID    string `json:"project_id"`
	PrivateKeyID string `json:"private_key_id"`
	PrivateKey   string `json:"private_key"`
	ClientEmail  string `json:"client_email"`
	TokenURI     string `json:"token_uri"`
}

// ParseKeyFile checks that data is a service-account key file Google can
// accept: JSON of type service_account with a client e-mail, a key ID and
// an RSA private key in PEM. It finds what is wrong with the file itself;
// whether Google still knows the key ID only a token request tells.
// Errors never quote the file: it holds the private key.
func ParseKeyFile(data []byte) (KeyFile, error) {
	var k KeyFile
	if err := json.Unmarshal(data, &k); err != nil {
		return k, errors.New("the key file is not JSON")
	}
	switch {
	case k.Type != "service_account":
		return k, errors.New(`the key file's type is not "service_account"`)
	case k.ClientEmail == "":
		return k, errors.New("the key file has no client_email")
	case k.PrivateKeyID == "":
		return k, errors.New("the key file has no private_key_id")
	case k.PrivateKey == "":
		return k, errors.New("the key file has no private_key")
	}
	if k.TokenURI != "" {
		if u, err := url.Parse(k.TokenURI); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return k, errors.New("the key file's token_uri is not an http(s) URL")
		}
	}
	block, _ := pem.Decode([]byte(k.PrivateKey))
	if block == nil {
		return k, errors.New("the key file's private_key is not PEM")
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		if rk, err1 := x509.ParsePKCS1PrivateKey(block.Bytes); err1 == nil {
			key, err = rk, nil
		}
	}
	if err != nil {
		return k, errors.New("the key file's private_key cannot be parsed")
	}
	if _, ok := key.(*rsa.PrivateKey); !ok {
		return k, errors.New("the key file's private_key is not an RSA key")
	}
	return k, nil
}
