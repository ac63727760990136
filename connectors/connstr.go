package connectors

import (
	"errors"
	"strings"
)

// AzureConnString is the part of an Azure Storage connection string mgw
// uses. Its String form never holds the key or the SAS.
type AzureConnString struct {
	Protocol     string // DefaultEndpointsProtocol: http or https
	AccountName  string
	AccountKey   string // base64, a secret
	SAS          string // SharedAccessSignature, a secret
	BlobEndpoint string // explicit, e.g. Azurite's http://127.0.0.1:10000/devstoreaccount1
	Suffix       string // EndpointSuffix, e.g. core.windows.net
}

// ParseAzureConnString reads "Key=Value;Key=Value" as the Azure portal
// prints it. It needs an account and a key, or a SAS with a blob endpoint.
// Errors never quote the string: it holds the key.
func ParseAzureConnString(s string) (AzureConnString, error) {
	var c AzureConnString
	for part := range strings.SplitSeq(strings.TrimSpace(s), ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return c, errors.New("connection string: a part is not Key=Value")
		}
		switch strings.ToLower(k) {
		case "defaultendpointsprotocol":
			c.Protocol = v
		case "accountname":
			c.AccountName = v
		case "accountkey":
			c.AccountKey = v
		case "sharedaccesssignature":
			c.SAS = v
		case "blobendpoint":
			c.BlobEndpoint = v
		case "endpointsuffix":
			c.Suffix = v
		}
	}
	switch {
	case c.AccountKey != "" && c.AccountName == "":
		return c, errors.New("connection string: AccountKey without AccountName")
	case c.AccountKey == "" && c.SAS == "":
		return c, errors.New("connection string: neither AccountKey nor SharedAccessSignature")
	case c.AccountName == "" && c.BlobEndpoint == "":
		return c, errors.New("connection string: neither AccountName nor BlobEndpoint")
	}
	return c, nil
}

// redactAzureConnString replaces the values of AccountKey and
// SharedAccessSignature with ****, keeping the rest readable.
func redactAzureConnString(s string) string {
	parts := strings.Split(s, ";")
	for i, part := range parts {
		k, _, ok := strings.Cut(part, "=")
		if !ok {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "accountkey", "sharedaccesssignature":
			parts[i] = k + "=****"
		}
	}
	return strings.Join(parts, ";")
}
