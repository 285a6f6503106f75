package explorer_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/goapigw/webapp/function/identity"

	"example.com/s3explorer/function/explorer"
	"example.com/s3explorer/infra/locals3"
)

// The package's tests share one real S3 server (versitygw), seeded once.
var (
	server *locals3.Server
	client *s3.Client
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "explorer-s3-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	start := time.Now()
	server, err = locals3.Start(dir, "")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	client = server.Client()
	if err := locals3.Seed(context.Background(), client, locals3.SampleBucket); err != nil {
		server.Stop()
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("explorer: versitygw started and seeded with %d objects in %v\n", locals3.LogCount+5, time.Since(start).Round(time.Millisecond))
	code := m.Run()
	server.Stop()
	os.RemoveAll(dir)
	os.Exit(code)
}

var (
	reader = identity.User{Subject: "r1", Name: "reader", Groups: []string{"readers"}}
	editor = identity.User{Subject: "e1", Name: "editor", Groups: []string{"editors"}}
	nobody = identity.User{Subject: "n1", Name: "nobody"}
)

func newExplorer(t testing.TB, buckets ...explorer.Bucket) *explorer.Explorer {
	t.Helper()
	if len(buckets) == 0 {
		buckets = []explorer.Bucket{{Name: locals3.SampleBucket}}
	}
	e, err := explorer.New(explorer.Config{Buckets: buckets, Client: client})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// do serves one request as u (nil: anonymous) and returns the answer.
func do(t testing.TB, h http.Handler, u *identity.User, method, target string, body io.Reader, contentType string) *http.Response {
	t.Helper()
	r := httptest.NewRequest(method, target, body)
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	if u != nil {
		r = r.WithContext(identity.NewContext(r.Context(), *u))
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Result()
}

func readBody(t testing.TB, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestFolderPagesThroughAllLogs(t *testing.T) {
	e := newExplorer(t)
	next := "/b/explorer-sample/logs/"
	seen := map[string]bool{}
	pages := 0
	linkRE := regexp.MustCompile(`href="/o/explorer-sample/(logs/[^"]+)"`)
	nextRE := regexp.MustCompile(`<a href="([^"]+)" rel="next">`)
	for next != "" {
		pages++
		if pages > 20 {
			t.Fatal("more than 20 pages: the next link loops")
		}
		resp := do(t, e, &reader, "GET", next, nil, "")
		body := readBody(t, resp)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: got %d, want 200\n%s", next, resp.StatusCode, body)
		}
		ms := linkRE.FindAllStringSubmatch(body, -1)
		if len(ms) > explorer.PageSize {
			t.Errorf("page %d holds %d objects, want at most %d", pages, len(ms), explorer.PageSize)
		}
		for _, m := range ms {
			seen[m[1]] = true
		}
		next = ""
		if m := nextRE.FindStringSubmatch(body); m != nil {
			next = strings.ReplaceAll(m[1], "&amp;", "&")
		}
	}
	if len(seen) != locals3.LogCount {
		t.Errorf("got %d distinct keys over %d pages, want %d", len(seen), pages, locals3.LogCount)
	}
	if want := (locals3.LogCount + explorer.PageSize - 1) / explorer.PageSize; pages != want {
		t.Errorf("got %d pages, want %d", pages, want)
	}
}

func TestFolderFilterSortAndCrumbs(t *testing.T) {
	e := newExplorer(t)
	tests := []struct {
		name, target string
		want         []string
		wantOrder    []string
	}{
		{"filter", "/b/explorer-sample/logs/?filter=app-249", []string{"app-2490.log", "app-2499.log", "10 entries"}, nil},
		{"root folders", "/b/explorer-sample/", []string{`href="/b/explorer-sample/logs/"`, `href="/b/explorer-sample/docs/"`}, nil},
		{"sizes and crumbs", "/b/explorer-sample/big/", []string{"7.0 MiB", `href="/b/explorer-sample/"`}, nil},
		{"sort by size desc", "/b/explorer-sample/docs/?sort=size&order=desc", nil, []string{"readme.txt", "latin1.txt"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := do(t, e, &reader, "GET", tt.target, nil, "")
			body := readBody(t, resp)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("got %d, want 200\n%s", resp.StatusCode, body)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			last := -1
			for _, w := range tt.wantOrder {
				i := strings.Index(body, ">"+w+"<")
				if i <= last {
					t.Errorf("%q is at %d, want after %d (order %v)", w, i, last, tt.wantOrder)
				}
				last = i
			}
		})
	}
}

func TestObjectPreviews(t *testing.T) {
	e := newExplorer(t)
	tests := []struct {
		key  string
		want []string
	}{
		{"docs/readme.txt", []string{"Grüße, こんにちは, ☕.", "text/plain", "ETag", ">Edit<"}},
		{"docs/latin1.txt", []string{"not valid UTF-8: the first bad byte is at offset 3 (0xe9)", "caf\uFFFD cr\uFFFDme"}},
		{"docs/config.json", []string{"x-amz-meta-owner", "team-a", "&#34;retentionDays&#34;: 30"}},
		{"images/gradient.png", []string{`<img class="preview" src="/raw/explorer-sample/images/gradient.png"`}},
		{locals3.BigKey, []string{"7.0 MiB", "Streamed through the app"}},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			resp := do(t, e, &editor, "GET", "/o/explorer-sample/"+tt.key, nil, "")
			body := readBody(t, resp)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("got %d, want 200\n%s", resp.StatusCode, body)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
		})
	}
	t.Run("raw image", func(t *testing.T) {
		resp := do(t, e, &reader, "GET", "/raw/explorer-sample/images/gradient.png", nil, "")
		body := readBody(t, resp)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" || body != string(locals3.SampleImage()) {
			t.Errorf("got %d %q (%d bytes), want 200 image/png with the sample's %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), len(body), len(locals3.SampleImage()))
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "sandbox") {
			t.Errorf("got CSP %q, want a sandbox", csp)
		}
	})
	// A stored type with more after it ("image/png;a=b,text/html") passes
	// as a PNG, and a browser would read the last value, HTML: only the
	// parsed type is sent.
	t.Run("raw image with a smuggled type", func(t *testing.T) {
		const key = "scratch/smuggled.png"
		_, err := client.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("explorer-sample"), Key: aws.String(key),
			Body: bytes.NewReader(locals3.SampleImage()), ContentType: aws.String("image/png;a=b,text/html")})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_, _ = client.DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: aws.String("explorer-sample"), Key: aws.String(key)})
		})
		resp := do(t, e, &reader, "GET", "/raw/explorer-sample/"+key, nil, "")
		readBody(t, resp)
		if got := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || got != "image/png" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("got %d %q, nosniff %q; want 200 image/png with nosniff", resp.StatusCode, got, resp.Header.Get("X-Content-Type-Options"))
		}
	})
}

func TestReadersAndOthersAreRefusedByTheServer(t *testing.T) {
	e := newExplorer(t)
	form := func() (io.Reader, string) {
		v := url.Values{"etag": {`"x"`}, "content": {"changed"}}
		return strings.NewReader(v.Encode()), "application/x-www-form-urlencoded"
	}
	tests := []struct {
		name           string
		user           *identity.User
		method, target string
		want           int
	}{
		{"reader browses", &reader, "GET", "/b/explorer-sample/docs/", 200},
		{"reader downloads", &reader, "GET", "/download/explorer-sample/docs/readme.txt", 200},
		{"reader opens the editor", &reader, "GET", "/edit/explorer-sample/docs/readme.txt", 403},
		{"reader saves", &reader, "POST", "/edit/explorer-sample/docs/readme.txt", 403},
		{"reader deletes", &reader, "POST", "/delete/explorer-sample/docs/readme.txt", 403},
		{"reader uploads", &reader, "POST", "/upload/explorer-sample/docs/", 403},
		{"no group browses", &nobody, "GET", "/", 403},
		{"anonymous browses", nil, "GET", "/b/explorer-sample/", 403},
		{"editor opens the editor", &editor, "GET", "/edit/explorer-sample/docs/readme.txt", 200},
		{"unconfigured bucket", &editor, "GET", "/b/another-bucket/", 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body io.Reader
			ct := ""
			if tt.method == "POST" {
				body, ct = form()
			}
			resp := do(t, e, tt.user, tt.method, tt.target, body, ct)
			page := readBody(t, resp)
			if resp.StatusCode != tt.want {
				t.Errorf("got %d, want %d\n%s", resp.StatusCode, tt.want, page)
			}
			if tt.want == 403 && !strings.Contains(page, "needs the group") {
				t.Errorf("the refusal does not say which group is needed:\n%s", page)
			}
		})
	}
	got, err := client.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(locals3.SampleBucket), Key: aws.String("docs/readme.txt")})
	if err != nil {
		t.Fatalf("the reader's refused delete deleted the object: %v", err)
	}
	b, _ := io.ReadAll(got.Body)
	got.Body.Close()
	if strings.Contains(string(b), "changed") {
		t.Errorf("the reader's refused save changed the object: %q", b)
	}
}

func TestPrefixLimitsTheBucket(t *testing.T) {
	e := newExplorer(t, explorer.Bucket{Name: locals3.SampleBucket, Prefix: "docs/"})
	tests := []struct {
		target string
		want   int
	}{
		{"/b/explorer-sample/docs/", 200},
		{"/o/explorer-sample/docs/readme.txt", 200},
		{"/o/explorer-sample/logs/app-0001.log", 404},
		{"/download/explorer-sample/big/sample.bin", 404},
		{"/b/explorer-sample/", 302},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			if resp := do(t, e, &editor, "GET", tt.target, nil, ""); resp.StatusCode != tt.want {
				t.Errorf("got %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
}

var etagRE = regexp.MustCompile(`name="etag" value="([^"]+)"`)

// editForm opens the editor as the editor and returns the ETag it holds.
func editForm(t testing.TB, h http.Handler, key string) string {
	t.Helper()
	resp := do(t, h, &editor, "GET", "/edit/explorer-sample/"+key, nil, "")
	body := readBody(t, resp)
	m := etagRE.FindStringSubmatch(body)
	if resp.StatusCode != 200 || m == nil {
		t.Fatalf("edit form: got %d without an etag field, want 200 with one\n%s", resp.StatusCode, body)
	}
	return strings.ReplaceAll(m[1], "&#34;", `"`)
}

func saveForm(t testing.TB, etag, text string) (io.Reader, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("etag", etag)
	_ = mw.WriteField("eol", "lf")
	_ = mw.WriteField("content", text)
	_ = mw.Close()
	return &buf, mw.FormDataContentType()
}

func TestEditSavesConditionallyAndKeepsWhatTheObjectHad(t *testing.T) {
	e := newExplorer(t)
	ctx := context.Background()
	const key = "docs/config.json"
	etag := editForm(t, e, key)

	body, ct := saveForm(t, etag, "{\r\n  \"retentionDays\": 60\r\n}\r\n")
	resp := do(t, e, &editor, "POST", "/edit/explorer-sample/"+key, body, ct)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: got %d, want 303\n%s", resp.StatusCode, readBody(t, resp))
	}
	head, err := client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(locals3.SampleBucket), Key: aws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(head.ContentType); got != "application/json" {
		t.Errorf("Content-Type after the save: got %q, want application/json", got)
	}
	if got := head.Metadata["owner"]; got != "team-a" {
		t.Errorf("metadata owner after the save: got %q, want team-a", got)
	}
	tags, err := client.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String(locals3.SampleBucket), Key: aws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	if len(tags.TagSet) != 2 {
		t.Errorf("tags after the save: got %d, want 2 (classification, team)", len(tags.TagSet))
	}
	obj, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(locals3.SampleBucket), Key: aws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	saved, _ := io.ReadAll(obj.Body)
	obj.Body.Close()
	if want := "{\n  \"retentionDays\": 60\n}\n"; string(saved) != want {
		t.Errorf("saved text: got %q, want %q (LF kept)", saved, want)
	}

	// A second save with the ETag loaded before the first: the conflict.
	body, ct = saveForm(t, etag, "my stale edit")
	resp = do(t, e, &editor, "POST", "/edit/explorer-sample/"+key, body, ct)
	page := readBody(t, resp)
	if resp.StatusCode != http.StatusPreconditionFailed || !strings.Contains(page, "Not saved: the object changed") || !strings.Contains(page, "my stale edit") {
		t.Errorf("stale save: got %d, want 412 with the conflict page holding the text\n%s", resp.StatusCode, page)
	}
	obj, err = client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(locals3.SampleBucket), Key: aws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	after, _ := io.ReadAll(obj.Body)
	obj.Body.Close()
	if !bytes.Equal(after, saved) {
		t.Errorf("the stale save overwrote the object: got %q", after)
	}
}

func TestDownloadStreamsTheBigObject(t *testing.T) {
	e := newExplorer(t)
	resp := do(t, e, &reader, "GET", "/download/explorer-sample/"+locals3.BigKey, nil, "")
	got := readBody(t, resp)
	want := locals3.BigObject()
	if resp.StatusCode != 200 || got != string(want) {
		t.Fatalf("got %d with %d bytes, want 200 with the %d bytes of the object", resp.StatusCode, len(got), len(want))
	}
	for k, v := range map[string]string{"Content-Length": fmt.Sprint(len(want)), "Content-Type": "application/octet-stream",
		"Content-Disposition": `attachment; filename=sample.bin`} {
		if g := resp.Header.Get(k); g != v {
			t.Errorf("%s: got %q, want %q", k, g, v)
		}
	}
}

func TestDownloadPastTheStreamLimitIsAPresignedURL(t *testing.T) {
	e, err := explorer.New(explorer.Config{Buckets: []explorer.Bucket{{Name: locals3.SampleBucket}}, Client: client, StreamLimit: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	page := readBody(t, do(t, e, &reader, "GET", "/o/explorer-sample/"+locals3.BigKey, nil, ""))
	if !strings.Contains(page, "Larger than 1.0 MiB: the download is a link straight to S3, valid for 15m0s.") {
		t.Errorf("the object page does not say the download is a presigned link:\n%s", page)
	}
	resp := do(t, e, &reader, "GET", "/download/explorer-sample/"+locals3.BigKey, nil, "")
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, server.URL+"/explorer-sample/big/sample.bin?") || !strings.Contains(loc, "X-Amz-Expires=900") {
		t.Fatalf("got %d to %q, want 303 to a presigned URL of the local server valid 900 s", resp.StatusCode, loc)
	}
	direct, err := http.Get(loc)
	if err != nil {
		t.Fatal(err)
	}
	body := readBody(t, direct)
	if direct.StatusCode != 200 || body != string(locals3.BigObject()) || !strings.HasPrefix(direct.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("the presigned URL: got %d, %d bytes, Content-Disposition %q; want 200, the object's %d bytes, an attachment",
			direct.StatusCode, len(body), direct.Header.Get("Content-Disposition"), locals3.BigSize)
	}
}

func TestUploadThenDelete(t *testing.T) {
	e := newExplorer(t)
	upload := func(overwrite bool) *http.Response {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("file", "notes.md")
		fmt.Fprint(fw, "# Notes\n")
		if overwrite {
			_ = mw.WriteField("overwrite", "1")
		}
		_ = mw.Close()
		return do(t, e, &editor, "POST", "/upload/explorer-sample/uploads/", &buf, mw.FormDataContentType())
	}
	if resp := upload(false); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/o/explorer-sample/uploads/notes.md" {
		t.Fatalf("upload: got %d to %q, want 303 to the object\n%s", resp.StatusCode, resp.Header.Get("Location"), readBody(t, resp))
	}
	if resp := upload(false); resp.StatusCode != http.StatusPreconditionFailed {
		t.Errorf("second upload without replace: got %d, want 412", resp.StatusCode)
	}
	if resp := upload(true); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("second upload with replace: got %d, want 303", resp.StatusCode)
	}
	if resp := do(t, e, &editor, "GET", "/delete/explorer-sample/uploads/notes.md", nil, ""); resp.StatusCode != 200 {
		t.Errorf("delete confirmation: got %d, want 200", resp.StatusCode)
	}
	if resp := do(t, e, &editor, "POST", "/delete/explorer-sample/uploads/notes.md", nil, ""); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("delete: got %d, want 303", resp.StatusCode)
	}
	if resp := do(t, e, &editor, "GET", "/o/explorer-sample/uploads/notes.md", nil, ""); resp.StatusCode != 404 {
		t.Errorf("the deleted object: got %d, want 404", resp.StatusCode)
	}
}

func TestPresignedPostUploadsStraightToS3(t *testing.T) {
	e := newExplorer(t)
	resp := do(t, e, &editor, "GET", "/upload/explorer-sample/uploads/?name=large.bin", nil, "")
	page := readBody(t, resp)
	action := regexp.MustCompile(`<form method="post" action="(http[^"]+)"`).FindStringSubmatch(page)
	if resp.StatusCode != 200 || action == nil {
		t.Fatalf("got %d without a form to S3\n%s", resp.StatusCode, page)
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, m := range regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`).FindAllStringSubmatch(page, -1) {
		_ = mw.WriteField(m[1], strings.ReplaceAll(m[2], "&#43;", "+"))
	}
	fw, _ := mw.CreateFormFile("file", "large.bin")
	_, _ = fw.Write(bytes.Repeat([]byte("x"), 1<<20))
	_ = mw.Close()
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	post, err := noFollow.Post(strings.ReplaceAll(action[1], "&amp;", "&"), mw.FormDataContentType(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	answer := readBody(t, post)
	if want := "https://example.com/o/explorer-sample/uploads/large.bin"; post.StatusCode != http.StatusSeeOther || !strings.HasPrefix(post.Header.Get("Location"), want) {
		t.Fatalf("POST to S3: got %d to %q, want 303 back to %s\n%s", post.StatusCode, post.Header.Get("Location"), want, answer)
	}
	head, err := client.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String(locals3.SampleBucket), Key: aws.String("uploads/large.bin")})
	if err != nil || aws.ToInt64(head.ContentLength) != 1<<20 {
		t.Errorf("the uploaded object: %v, want 1 MiB", err)
	}
}
