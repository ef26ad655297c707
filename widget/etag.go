package widget

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"net/http"
	"strings"
	"time"
)

// etags holds a strong ETag for every embedded file, by its path in the
// asset tree. Embedded files carry no modification time, so revalidation
// relies on these.
type etags map[string]string

// newETags hashes every file of fsys.
func newETags(fsys fs.FS) etags {
	t := etags{}
	_ = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return nil
		}
		sum := sha256.Sum256(b)
		t[p] = `"` + hex.EncodeToString(sum[:12]) + `"`
		return nil
	})
	return t
}

// wrap sets the ETag of the file name and the cache policy before h serves
// it; http.FileServerFS then answers If-None-Match with 304.
func (t etags) wrap(name string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if tag, ok := t[name]; ok {
			w.Header().Set("ETag", tag)
			w.Header().Set("Cache-Control", assetCache)
		}
		h.ServeHTTP(w, r)
	})
}

// etagByPath sets the ETag of the file the request names: the URL path
// with urlPrefix replaced by dir.
func etagByPath(t etags, dir, urlPrefix string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := dir + strings.TrimPrefix(r.URL.Path, urlPrefix)
		if tag, ok := t[name]; ok {
			w.Header().Set("ETag", tag)
			w.Header().Set("Cache-Control", assetCache)
		}
		h.ServeHTTP(w, r)
	})
}

// serveFile serves one embedded file under any URL, with its ETag.
func serveFile(t etags, fsys fs.FS, name string) http.Handler {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return http.NotFoundHandler()
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", t[name])
		w.Header().Set("Cache-Control", "no-cache")
		http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(b))
	})
}
