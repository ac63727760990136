package oss

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/internal/watchdog"
)

func TestWrapServiceErrors(t *testing.T) {
	tests := []struct {
		status int
		code   string
		want   connectors.Kind
	}{
		{403, "InvalidAccessKeyId", connectors.KindBadKeyID},
		{403, "SignatureDoesNotMatch", connectors.KindBadSecret},
		{404, "NoSuchBucket", connectors.KindNoSuchBucket},
		{404, "NoSuchKey", connectors.KindNotFound},
		{404, "NoSuchUpload", connectors.KindNotFound},
		{403, "AccessDenied", connectors.KindAccessDenied},
		{403, "InvalidObjectState", connectors.KindInvalidState},
		{400, "InvalidPart", connectors.KindInvalidArgument},
		{400, "InvalidPartOrder", connectors.KindInvalidArgument},
		{400, "EntityTooSmall", connectors.KindInvalidArgument},
		{400, "InvalidDigest", connectors.KindInvalidArgument},
		{400, "BadDigest", connectors.KindInvalidArgument},
		{400, "InvalidObjectName", connectors.KindInvalidArgument},
		{400, "InvalidArgument", connectors.KindInvalidArgument},
		{403, "RequestTimeTooSkewed", connectors.KindInvalidArgument},
		{503, "ServiceUnavailable", connectors.KindThrottled},
		{503, "RequestLimitExceeded", connectors.KindThrottled},
		{503, "QpsLimitExceeded", connectors.KindThrottled},
		{503, "SlowDown", connectors.KindThrottled},
		{429, "", connectors.KindThrottled},
		{503, "", connectors.KindThrottled},
		{500, "InternalError", connectors.KindTransient},
		{502, "", connectors.KindTransient},
		{404, "BadErrorResponse", connectors.KindNotFound}, // a HEAD: no body, no code
		{403, "BadErrorResponse", connectors.KindAccessDenied},
		{408, "RequestTimeout", connectors.KindTimeout},
		{400, "RequestTimeout", connectors.KindTimeout},
		{400, "IncompleteBody", connectors.KindTransient},
		{409, "ObjectAlreadyExists", connectors.KindInvalidArgument},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d %s", tt.status, tt.code), func(t *testing.T) {
			se := &oss.ServiceError{StatusCode: tt.status, Code: tt.code, RequestID: "RID", Message: "msg"}
			// The SDK hands errors back wrapped in its OperationError.
			err := wrap("stat", "a/b", fmt.Errorf("operation error HeadObject: %w", se))
			var ce *connectors.Error
			if !errors.As(err, &ce) {
				t.Fatalf("wrap returned %T, want *connectors.Error", err)
			}
			if ce.Kind != tt.want {
				t.Errorf("kind = %v, want %v", ce.Kind, tt.want)
			}
			if ce.Status != tt.status || ce.Op != "stat" || ce.Key != "a/b" {
				t.Errorf("got status %d op %q key %q", ce.Status, ce.Op, ce.Key)
			}
			if want := strings.TrimPrefix(tt.code, "BadErrorResponse"); ce.Code != want {
				t.Errorf("code = %q, want %q", ce.Code, want)
			}
			if !errors.As(err, &se) {
				t.Error("the ServiceError is not reachable with errors.As")
			}
			if msg := err.Error(); strings.Contains(msg, "\n") {
				t.Errorf("message spans lines: %q", msg)
			}
		})
	}
}

func TestWrongRegionIsNoSuchBucket(t *testing.T) {
	body := []byte(`<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>AccessDenied</Code><Message>The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.</Message><RequestId>RID</RequestId><HostId>b.oss-cn-hangzhou.aliyuncs.com</HostId><Bucket>b</Bucket><Endpoint>oss-cn-beijing.aliyuncs.com</Endpoint></Error>`)
	se := &oss.ServiceError{StatusCode: 403, Code: "AccessDenied", Snapshot: body}
	if k := connectors.KindOf(wrap("check", "", se)); k != connectors.KindNoSuchBucket {
		t.Errorf("kind = %v, want %v", k, connectors.KindNoSuchBucket)
	}
}

func TestWrongSigningRegionIsNoSuchBucket(t *testing.T) {
	se := &oss.ServiceError{StatusCode: 400, Code: "InvalidArgument", EC: "0002-00000226",
		Message: "Invalid signing region in Authorization header."}
	if k := connectors.KindOf(wrap("check", "", se)); k != connectors.KindNoSuchBucket {
		t.Errorf("kind = %v, want %v", k, connectors.KindNoSuchBucket)
	}
}

func TestWrapKeepsServerHints(t *testing.T) {
	se := &oss.ServiceError{StatusCode: 503, Code: "ServiceUnavailable", Headers: http.Header{"Retry-After": {"7"}}}
	var ce *connectors.Error
	if !errors.As(wrap("put", "k", se), &ce) {
		t.Fatal("not a *connectors.Error")
	}
	if ce.RetryAfter != 7*time.Second {
		t.Errorf("RetryAfter = %v, want 7s", ce.RetryAfter)
	}
}

func TestWrapOtherErrors(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want connectors.Kind
	}{
		{"truncated body", fmt.Errorf("read: %w", io.ErrUnexpectedEOF), connectors.KindTransient},
		{"deadline", context.DeadlineExceeded, connectors.KindTimeout},
		{"stalled", watchdog.Stalled{After: time.Second}, connectors.KindTimeout},
		{"sdk parameter check", oss.NewErrParamRequired("UploadId"), connectors.KindInvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if k := connectors.KindOf(wrap("op", "", tt.err)); k != tt.want {
				t.Errorf("kind = %v, want %v", k, tt.want)
			}
		})
	}
	// The innermost classification wins.
	inner := connectors.NewError(connectors.KindUnsupportedName, "put", "k", errors.New("x"))
	if got := wrap("outer", "", inner); got != inner {
		t.Errorf("wrap replaced a classified error: %v", got)
	}
	if wrap("op", "", nil) != nil {
		t.Error("wrap(nil) != nil")
	}
}
