package gcstest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// Storage makes and removes buckets and objects on a storage emulator
// (fake-gcs-server) through its JSON API, without credentials: it checks
// none. Endpoint is the API's base URL, ending in "/storage/v1/".
type Storage struct {
	Endpoint string
}

// CreateBucket makes a bucket.
func (s Storage) CreateBucket(ctx context.Context, name string) error {
	js, _ := json.Marshal(map[string]string{"name": name})
	return s.call(ctx, http.MethodPost, s.Endpoint+"b?project=mgw-test", "application/json", bytes.NewReader(js), nil)
}

// Put stores an object of the given storage class ("" for the bucket's).
func (s Storage) Put(ctx context.Context, bucket, name string, data []byte, class string) error {
	meta, _ := json.Marshal(map[string]string{"name": name, "storageClass": class})
	const boundary = "mgw-gcstest-boundary"
	var body bytes.Buffer
	fmt.Fprintf(&body, "--%s\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n%s\r\n", boundary, meta)
	fmt.Fprintf(&body, "--%s\r\nContent-Type: application/octet-stream\r\n\r\n%s\r\n--%s--\r\n", boundary, data, boundary)
	u, err := url.Parse(s.Endpoint)
	if err != nil {
		return err
	}
	up := u.Scheme + "://" + u.Host + "/upload/storage/v1/b/" + url.PathEscape(bucket) + "/o?uploadType=multipart"
	return s.call(ctx, http.MethodPost, up, "multipart/related; boundary="+boundary, &body, nil)
}

// RemoveBucket deletes a bucket's objects, then the bucket.
func (s Storage) RemoveBucket(ctx context.Context, name string) error {
	b := s.Endpoint + "b/" + url.PathEscape(name)
	token := ""
	for {
		var page struct {
			Items []struct {
				Name string `json:"name"`
			} `json:"items"`
			NextPageToken string `json:"nextPageToken"`
		}
		if err := s.call(ctx, http.MethodGet, b+"/o?pageToken="+url.QueryEscape(token), "", nil, &page); err != nil {
			return err
		}
		for _, it := range page.Items {
			if err := s.call(ctx, http.MethodDelete, b+"/o/"+url.PathEscape(it.Name), "", nil, nil); err != nil {
				return err
			}
		}
		if token = page.NextPageToken; token == "" {
			break
		}
	}
	return s.call(ctx, http.MethodDelete, b, "", nil, nil)
}

// call sends one request and decodes its JSON answer into out, if given.
func (s Storage) call(ctx context.Context, method, u, ctype string, body io.Reader, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
		return fmt.Errorf("%s %s: HTTP %d %s", method, u, resp.StatusCode, msg)
	}
	if out != nil {
		return json.NewDecoder(resp.Body).Decode(out)
	}
	return nil
}
