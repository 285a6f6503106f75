package locals3

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// The sample data Seed writes.
const (
	SampleBucket = "explorer-sample"
	LogCount     = 2500
	// BigKey is an object larger than Lambda's 6 MB response payload.
	BigKey  = "big/sample.bin"
	BigSize = 7 << 20
)

// LogKey is the i-th of the LogCount objects under "logs/".
func LogKey(i int) string { return fmt.Sprintf("logs/app-%04d.log", i) }

// BigObject is the content of BigKey: deterministic pseudo-random bytes.
func BigObject() []byte {
	b := make([]byte, BigSize)
	r := rand.NewChaCha8([32]byte{'e', 'x', 'p', 'l', 'o', 'r', 'e', 'r'})
	_, _ = r.Read(b)
	return b
}

// SampleImage is a small PNG, a gradient.
func SampleImage() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 160, 90))
	for y := range 90 {
		for x := range 160 {
			img.Set(x, y, color.RGBA{uint8(x * 255 / 160), uint8(y * 255 / 90), 160, 255})
		}
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	return buf.Bytes()
}

type sample struct {
	key, contentType string
	body             []byte
	meta             map[string]string
	tagging          string
}

// samples are the objects besides the logs.
func samples() []sample {
	return []sample{
		{key: "docs/readme.txt", contentType: "text/plain; charset=utf-8", body: []byte("Welcome to the explorer's sample bucket.\nGrüße, こんにちは, ☕.\n")},
		{key: "docs/config.json", contentType: "application/json", body: []byte("{\n  \"retentionDays\": 30,\n  \"owner\": \"team-a\"\n}\n"),
			meta: map[string]string{"owner": "team-a", "reviewed": "2026-01-15"}, tagging: "classification=internal&team=a"},
		{key: "docs/latin1.txt", contentType: "text/plain", body: []byte("caf\xe9 cr\xe8me br\xfbl\xe9e: ISO-8859-1, not UTF-8\n")},
		{key: "images/gradient.png", contentType: "image/png", body: SampleImage()},
		{key: BigKey, contentType: "application/octet-stream", body: BigObject()},
	}
}

// Seed creates bucket (if missing) and writes the sample data: LogCount
// logs under "logs/", text files (one not UTF-8) with metadata and tags
// under "docs/", an image and an object larger than 6 MB.
func Seed(ctx context.Context, c *s3.Client, bucket string) error {
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		var owned *types.BucketAlreadyOwnedByYou
		var exists *types.BucketAlreadyExists
		if !errors.As(err, &owned) && !errors.As(err, &exists) {
			return fmt.Errorf("create bucket %s: %w", bucket, err)
		}
	}
	put := func(s sample) error {
		in := &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(s.key), Body: bytes.NewReader(s.body),
			ContentLength: aws.Int64(int64(len(s.body))), ContentType: aws.String(s.contentType), Metadata: s.meta}
		if s.tagging != "" {
			in.Tagging = aws.String(s.tagging)
		}
		if _, err := c.PutObject(ctx, in); err != nil {
			return fmt.Errorf("put s3://%s/%s: %w", bucket, s.key, err)
		}
		return nil
	}
	jobs := make(chan sample)
	errs := make(chan error, 1)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for s := range jobs {
				if err := put(s); err != nil {
					select {
					case errs <- err:
					default:
					}
				}
			}
		})
	}
	for _, s := range samples() {
		jobs <- s
	}
	for i := range LogCount {
		jobs <- sample{key: LogKey(i), contentType: "text/plain; charset=utf-8",
			body: fmt.Appendf(nil, "2026-01-01T00:%02d:%02dZ INFO request %d served in %d ms\n", i/60%60, i%60, i, i%97)}
	}
	close(jobs)
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
		return nil
	}
}
