// Command mkbucket creates a bucket on an S3 endpoint (test servers only).
// Usage: AWS_ACCESS_KEY_ID=.. AWS_SECRET_ACCESS_KEY=.. mkbucket ENDPOINT BUCKET
package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: mkbucket ENDPOINT BUCKET")
		os.Exit(2)
	}
	cli := s3.New(s3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(os.Args[1]),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"), ""),
	})
	_, err := cli.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(os.Args[2])})
	var owned *types.BucketAlreadyOwnedByYou
	var exists *types.BucketAlreadyExists
	if err != nil && !errors.As(err, &owned) && !errors.As(err, &exists) {
		fmt.Fprintln(os.Stderr, "mkbucket:", err)
		os.Exit(1)
	}
}
