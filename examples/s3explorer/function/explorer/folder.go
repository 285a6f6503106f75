package explorer

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

type folderPage struct {
	Bucket, Prefix string
	Filter         string
	Entries        []entry
	Page           int
	Next, First    string // links, "" when none
	Sort           []sortLink
	UploadHref     string
}

type entry struct {
	Name, Href   string
	Folder       bool
	Size         int64
	LastModified time.Time
	StorageClass string
}

type sortLink struct {
	Label, Href string
	Active      bool
	Desc        bool
}

func (e *Explorer) home(w http.ResponseWriter, r *http.Request) {
	var d pageData
	d.Title = "Buckets"
	for _, b := range e.buckets {
		d.Buckets = append(d.Buckets, bucketLink{Name: b.Name, Prefix: b.Prefix, Href: e.link(r, "b", b.Name, b.Prefix)})
	}
	e.page(w, r, http.StatusOK, "home", d)
}

// folder lists one page (at most PageSize entries) of a folder, the
// continuation token in the query.
func (e *Explorer) folder(w http.ResponseWriter, r *http.Request, b Bucket, prefix string) {
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		found(w, e.link(r, "o", b.Name, prefix))
		return
	}
	q := r.URL.Query()
	filter := q.Get("filter")
	in := &s3.ListObjectsV2Input{
		Bucket:    aws.String(b.Name),
		Prefix:    aws.String(prefix + filter),
		Delimiter: aws.String("/"),
		MaxKeys:   aws.Int32(PageSize),
	}
	if t := q.Get("token"); t != "" {
		in.ContinuationToken = aws.String(t)
	}
	out, err := e.s3.ListObjectsV2(r.Context(), in)
	if err != nil {
		e.fail(w, r, "s3:ListBucket", b.Name, prefix, err)
		return
	}
	f := &folderPage{Bucket: b.Name, Prefix: prefix, Filter: filter, UploadHref: e.link(r, "upload", b.Name, prefix)}
	f.Page, _ = strconv.Atoi(q.Get("page"))
	f.Page = max(f.Page, 1)
	for _, cp := range out.CommonPrefixes {
		p := aws.ToString(cp.Prefix)
		f.Entries = append(f.Entries, entry{Name: strings.TrimPrefix(p, prefix), Href: e.link(r, "b", b.Name, p), Folder: true})
	}
	for _, o := range out.Contents {
		k := aws.ToString(o.Key)
		if k == prefix {
			continue // the folder's own placeholder object
		}
		f.Entries = append(f.Entries, entry{Name: strings.TrimPrefix(k, prefix), Href: e.link(r, "o", b.Name, k),
			Size: aws.ToInt64(o.Size), LastModified: aws.ToTime(o.LastModified), StorageClass: string(o.StorageClass)})
	}
	by, desc := q.Get("sort"), q.Get("order") == "desc"
	sortEntries(f.Entries, by, desc)
	base := e.link(r, "b", b.Name, prefix)
	query := func(v url.Values) string {
		if s := v.Encode(); s != "" {
			return base + "?" + s
		}
		return base
	}
	keep := url.Values{}
	if filter != "" {
		keep.Set("filter", filter)
	}
	if aws.ToBool(out.IsTruncated) && out.NextContinuationToken != nil {
		v := cloneValues(keep)
		v.Set("token", *out.NextContinuationToken)
		v.Set("page", strconv.Itoa(f.Page+1))
		if by != "" {
			v.Set("sort", by)
		}
		if desc {
			v.Set("order", "desc")
		}
		f.Next = query(v)
	}
	if in.ContinuationToken != nil {
		f.First = query(keep)
	}
	for _, s := range []struct{ key, label string }{{"", "Name"}, {"size", "Size"}, {"modified", "Last modified"}} {
		v := cloneValues(keep)
		if t := q.Get("token"); t != "" {
			v.Set("token", t)
			v.Set("page", strconv.Itoa(f.Page))
		}
		if s.key != "" {
			v.Set("sort", s.key)
		}
		active := by == s.key
		if active && !desc {
			v.Set("order", "desc")
		}
		f.Sort = append(f.Sort, sortLink{Label: s.label, Href: query(v), Active: active, Desc: active && desc})
	}
	e.page(w, r, http.StatusOK, "folder", pageData{Title: b.Name + "/" + prefix, Folder: f, Crumbs: e.crumbs(r, b, prefix)})
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

// sortEntries sorts a page: folders first, then by name, size or time.
func sortEntries(es []entry, by string, desc bool) {
	slices.SortStableFunc(es, func(a, b entry) int {
		if a.Folder != b.Folder {
			if a.Folder {
				return -1
			}
			return 1
		}
		var c int
		switch by {
		case "size":
			c = cmp.Compare(a.Size, b.Size)
		case "modified":
			c = a.LastModified.Compare(b.LastModified)
		}
		if c == 0 {
			c = strings.Compare(a.Name, b.Name)
		}
		if desc {
			c = -c
		}
		return c
	})
}
