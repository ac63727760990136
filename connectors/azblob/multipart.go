package azblob

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/streaming"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"

	"github.com/mgw-dev/mgw/connectors"
)

// A multipart upload is a set of uncommitted blocks of the blob, committed
// in part order by CompleteMultipart. Azure has no upload object, so:
//
//   - the upload ID is made here: a random tag, then "." and the blob's
//     metadata and standard headers as base64url JSON (uploadInfo),
//     because Azure sets them at commit time and keeps nothing for a blob
//     that is not committed yet;
//   - block IDs are base64 of "<tag>-<part number, 5 digits>": all of one
//     blob's block IDs must have the same length, and the tag keeps two
//     uploads of one key apart;
//   - ListParts reads the uncommitted block list and keeps this tag's blocks.
//
// Azure drops uncommitted blocks a week after the last one was staged, or
// when the blob is committed or deleted.

const tagLen = 16 // hex characters of the random tag

// uploadInfo is what an upload ID carries for the commit.
type uploadInfo struct {
	Meta    map[string]*string `json:"m,omitempty"`
	Headers connectors.Headers `json:"h"`
}

// CreateMultipart makes an upload ID; nothing is sent.
func (b *Bucket) CreateMultipart(ctx context.Context, key string, opts connectors.PutOptions) (string, error) {
	if _, err := b.blobName("create-multipart", key); err != nil {
		return "", err
	}
	if err := connectors.CheckHeaders(opts); err != nil {
		return "", connectors.NewError(connectors.KindInvalidArgument, "create-multipart", key, err)
	}
	raw := make([]byte, tagLen/2)
	rand.Read(raw)
	info, err := json.Marshal(uploadInfo{Meta: metadata(opts), Headers: opts.Headers})
	if err != nil {
		return "", connectors.NewError(connectors.KindInvalidArgument, "create-multipart", key, err)
	}
	return hex.EncodeToString(raw) + "." + base64.RawURLEncoding.EncodeToString(info), nil
}

// parseUploadID splits an upload ID into its tag and what it carries.
func parseUploadID(op, key, id string) (string, uploadInfo, error) {
	tag, enc, ok := strings.Cut(id, ".")
	bad := &connectors.Error{Kind: connectors.KindNotFound, Op: op, Key: key, Err: errors.New("not an upload ID of this backend")}
	var info uploadInfo
	if !ok || len(tag) != tagLen {
		return "", info, bad
	}
	if _, err := hex.DecodeString(tag); err != nil {
		return "", info, bad
	}
	js, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil {
		return "", info, bad
	}
	if err := json.Unmarshal(js, &info); err != nil {
		return "", info, bad
	}
	return tag, info, nil
}

func blockID(tag string, number int) string {
	return base64.StdEncoding.EncodeToString(fmt.Appendf(nil, "%s-%05d", tag, number))
}

// blockNumber returns the part number of a block ID of the upload tag.
func blockNumber(tag, id string) (int, bool) {
	raw, err := base64.StdEncoding.DecodeString(id)
	if err != nil {
		return 0, false
	}
	num, ok := strings.CutPrefix(string(raw), tag+"-")
	if !ok || len(num) != 5 {
		return 0, false
	}
	n, err := strconv.Atoi(num)
	return n, err == nil
}

// UploadPart stages one block; with md5 Azure checks its bytes.
func (b *Bucket) UploadPart(ctx context.Context, key, uploadID string, number int, r io.ReadSeeker, size int64, sums connectors.PartSums) (connectors.Part, error) {
	md5 := sums.MD5 // this backend takes no CRC32C
	full, err := b.blobName("upload-part", key)
	if err != nil {
		return connectors.Part{}, err
	}
	tag, _, err := parseUploadID("upload-part", key, uploadID)
	if err != nil {
		return connectors.Part{}, err
	}
	if number < 1 || number > maxParts {
		return connectors.Part{}, &connectors.Error{Kind: connectors.KindInvalidArgument, Op: "upload-part", Key: key,
			Err: errors.New("part number out of range 1-50000")}
	}
	body, err := newSection(r, size)
	if err != nil {
		return connectors.Part{}, connectors.NewError(connectors.KindInvalidArgument, "upload-part", key, err)
	}
	var so *blockblob.StageBlockOptions
	if len(md5) > 0 {
		so = &blockblob.StageBlockOptions{TransactionalValidation: blob.TransferValidationTypeMD5(md5)}
	}
	if _, err := b.cli.NewBlockBlobClient(full).StageBlock(ctx, blockID(tag, number), streaming.NopCloser(body), so); err != nil {
		return connectors.Part{}, classify("upload-part", key, err)
	}
	return connectors.Part{Number: number, Size: size}, nil
}

// ListParts returns the upload's staged blocks in part order. An upload
// with no block left (aborted, committed, expired, or never sent a part)
// is KindNotFound.
func (b *Bucket) ListParts(ctx context.Context, key, uploadID string) ([]connectors.Part, error) {
	full, err := b.blobName("list-parts", key)
	if err != nil {
		return nil, err
	}
	tag, _, err := parseUploadID("list-parts", key, uploadID)
	if err != nil {
		return nil, err
	}
	resp, err := b.cli.NewBlockBlobClient(full).GetBlockList(ctx, blockblob.BlockListTypeUncommitted, nil)
	if err != nil {
		return nil, classify("list-parts", key, err)
	}
	var parts []connectors.Part
	for _, bl := range resp.UncommittedBlocks {
		if n, ok := blockNumber(tag, deref(bl.Name)); ok {
			parts = append(parts, connectors.Part{Number: n, Size: deref(bl.Size)})
		}
	}
	if len(parts) == 0 {
		return nil, &connectors.Error{Kind: connectors.KindNotFound, Op: "list-parts", Key: key,
			Err: errors.New("no staged block of this upload")}
	}
	slices.SortFunc(parts, func(a, b connectors.Part) int { return a.Number - b.Number })
	return parts, nil
}

// CompleteMultipart commits the blocks in part order, with the metadata
// and headers the upload ID carries.
func (b *Bucket) CompleteMultipart(ctx context.Context, key, uploadID string, parts []connectors.Part) (connectors.Object, error) {
	full, err := b.blobName("complete-multipart", key)
	if err != nil {
		return connectors.Object{}, err
	}
	tag, info, err := parseUploadID("complete-multipart", key, uploadID)
	if err != nil {
		return connectors.Object{}, err
	}
	sorted := slices.Clone(parts)
	slices.SortFunc(sorted, func(a, b connectors.Part) int { return a.Number - b.Number })
	ids := make([]string, len(sorted))
	var size int64
	for i, p := range sorted {
		ids[i] = blockID(tag, p.Number)
		size += p.Size
	}
	resp, err := b.cli.NewBlockBlobClient(full).CommitBlockList(ctx, ids, &blockblob.CommitBlockListOptions{
		Metadata: info.Meta, HTTPHeaders: httpHeaders(info.Headers),
	})
	if err != nil {
		return connectors.Object{}, classify("complete-multipart", key, err)
	}
	return connectors.Object{Key: key, Type: connectors.Regular, Size: size, ETag: etag(resp.ETag)}, nil
}

// AbortMultipart discards the staged blocks where Azure allows it. Azure
// has no call for that; committing or deleting the blob drops them. When
// no blob is committed under the key, an empty one is created (only if
// still none exists) and deleted, which takes the blocks with it. Over an
// existing blob the blocks are left for Azure to collect within a week,
// since recommitting the blob would change it.
func (b *Bucket) AbortMultipart(ctx context.Context, key, uploadID string) error {
	full, err := b.blobName("abort-multipart", key)
	if err != nil {
		return err
	}
	if _, _, err := parseUploadID("abort-multipart", key, uploadID); err != nil {
		return nil // not ours, so nothing of it to discard
	}
	bb := b.cli.NewBlockBlobClient(full)
	_, err = bb.Upload(ctx, streaming.NopCloser(strings.NewReader("")), &blockblob.UploadOptions{
		AccessConditions: &blob.AccessConditions{ModifiedAccessConditions: &blob.ModifiedAccessConditions{
			IfNoneMatch: to(azcore.ETagAny),
		}},
	})
	if err != nil {
		err = classify("abort-multipart", key, err)
		var ce *connectors.Error
		if !errors.As(err, &ce) || (ce.Status != http.StatusConflict && ce.Status != http.StatusPreconditionFailed) {
			return err
		}
		// Azurite (unlike Azure) counts staged blocks as a blob here: ask
		// whether a committed one is there.
		_, perr := bb.GetProperties(ctx, nil)
		if perr = classify("abort-multipart", key, perr); connectors.KindOf(perr) != connectors.KindNotFound {
			return nil // a committed blob is there: leave it, and the blocks to expire
		}
		if _, err = bb.Upload(ctx, streaming.NopCloser(strings.NewReader("")), nil); err != nil {
			return classify("abort-multipart", key, err)
		}
	}
	_, err = bb.Delete(ctx, nil)
	if err = classify("abort-multipart", key, err); connectors.KindOf(err) == connectors.KindNotFound {
		return nil
	}
	return err
}
