package gcs

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// objectURL is the JSON API's URL of an object. Names are one path
// segment: their slashes are escaped.
func (b *Bucket) objectURL(name string) string {
	return b.api + "b/" + url.PathEscape(b.bucket) + "/o/" + url.PathEscape(name)
}

// do sends req with the access token, and turns an answer other than 2xx
// into an *apiError. It sends req once: the agent owns retries and
// throttling, and must see every 429 and 503.
func (b *Bucket) do(req *http.Request) (*http.Response, error) {
	tok, err := b.tokens.token()
	if err != nil {
		return nil, err
	}
	tok.SetAuthHeader(req)
	resp, err := b.hc.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		defer drain(resp.Body)
		ae := readAPIError(resp)
		// Never echo the token, should a server or proxy quote it back.
		ae.Message = strings.ReplaceAll(ae.Message, tok.AccessToken, "****")
		return nil, ae
	}
	return resp, nil
}

// getJSON GETs rawURL with query q and decodes its JSON answer into v.
func (b *Bucket) getJSON(ctx context.Context, rawURL string, q url.Values, v any) error {
	if len(q) > 0 {
		rawURL += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return err
	}
	resp, err := b.do(req)
	if err != nil {
		return err
	}
	defer drain(resp.Body)
	return json.NewDecoder(resp.Body).Decode(v)
}

// listFields selects what an Object holds: smaller pages, faster listings.
const listFields = "nextPageToken,items(name,size,updated,etag,storageClass)"

// listing is one page of a bucket's objects.
type listing struct {
	Items         []objectResource `json:"items"`
	NextPageToken string           `json:"nextPageToken"`
}

// listPage asks for up to max objects whose names start with prefix, from
// the page token on; with a delimiter, what lies below it is left out.
func (b *Bucket) listPage(ctx context.Context, prefix, delim, token string, max int) (listing, error) {
	q := url.Values{"fields": {listFields}, "maxResults": {strconv.Itoa(max)}}
	if prefix != "" {
		q.Set("prefix", prefix)
	}
	if delim != "" {
		q.Set("delimiter", delim)
	}
	if token != "" {
		q.Set("pageToken", token)
	}
	var page listing
	err := b.getJSON(ctx, b.api+"b/"+url.PathEscape(b.bucket)+"/o", q, &page)
	return page, err
}

// objectResource is the part of the JSON API's object resource mgw reads.
type objectResource struct {
	Name               string            `json:"name"`
	Size               number            `json:"size"`
	Generation         number            `json:"generation"`
	Updated            string            `json:"updated"`
	Etag               string            `json:"etag"`
	StorageClass       string            `json:"storageClass"`
	ContentType        string            `json:"contentType"`
	ContentEncoding    string            `json:"contentEncoding"`
	CacheControl       string            `json:"cacheControl"`
	ContentDisposition string            `json:"contentDisposition"`
	Metadata           map[string]string `json:"metadata"`
}

// updated is the object's modification time, zero if the server did not
// tell it (a listing's field selection it ignored otherwise).
func (a *objectResource) updated() time.Time {
	t, _ := time.Parse(time.RFC3339Nano, a.Updated)
	return t
}

// number is an int64 the JSON API sends as a string ("size": "42");
// a bare number is taken too.
type number int64

func (n *number) UnmarshalJSON(b []byte) error {
	b = bytes.Trim(b, `"`)
	if len(b) == 0 || string(b) == "null" {
		return nil
	}
	v, err := strconv.ParseInt(string(b), 10, 64)
	*n = number(v)
	return err
}
