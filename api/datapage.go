package api

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/surgeon-outcomes/outcomes/site"
	"github.com/surgeon-outcomes/outcomes/store"
)

// downloadName is the name the database file is offered under, at
// /data/outcomes.sqlite.
const downloadName = "outcomes.sqlite"

// download is the database file offered at /data/outcomes.sqlite: the
// copy each ingest writes beside the database (store.DownloadPath). It is
// opened and hashed once, at start, and every request reads that open
// file, so the SHA-256 the data page shows is the hash of the bytes
// served even when a later ingest replaces the file on disk.
type download struct {
	path    string
	file    *os.File // nil when the file was missing at start
	size    int64
	modTime time.Time
	sha256  string
}

// openDownload opens and hashes the file at path. A missing file is not
// an error: the site serves without it, and says so.
func openDownload(path string) (*download, error) {
	d := &download{path: path}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return d, nil
	}
	if err != nil {
		return nil, fmt.Errorf("api: download: %w", err)
	}
	st, err := f.Stat()
	if err == nil && !st.Mode().IsRegular() {
		err = fmt.Errorf("%s is not a regular file", path)
	}
	// The hash ingest wrote beside the copy, when it is this copy's; a
	// copy from before ingest wrote hashes is hashed here.
	sum := ""
	if err == nil {
		sum, err = knownOrHashed(path, f, st.Size())
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("api: download: %w", err)
	}
	d.file, d.size, d.modTime, d.sha256 = f, st.Size(), st.ModTime(), sum
	return d, nil
}

// knownOrHashed is the sha256 of f, the file at path of size bytes: the
// one written beside it (store.SHA256Path) when it is this file's, else
// hashed from its bytes.
func knownOrHashed(path string, f *os.File, size int64) (string, error) {
	if sum, ok := store.KnownSHA256(path, f); ok {
		return sum, nil
	}
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(f, 0, size)); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// handleDownload answers GET /data/{file}: the database file, with its
// sha256 as a strong ETag. A missing file is a 404 logged as a warning:
// the operator has something to fix (run an ingest), the reader does not.
func (s *Server) handleDownload(c echo.Context) error {
	if s.download == nil || c.Param("file") != downloadName {
		return notFound("no such file")
	}
	if s.download.file == nil {
		s.logger.Warn("database download requested but missing; the next outcomes ingest writes it",
			"file", s.download.path)
		return notFound("the database file is not available for download at the moment")
	}
	h := c.Response().Header()
	h.Set("ETag", `"`+s.download.sha256+`"`)
	h.Set(echo.HeaderCacheControl, "public, max-age=300")
	h.Set(echo.HeaderContentDisposition, `attachment; filename="`+downloadName+`"`)
	// A section reader per request: requests share the open file and read
	// it at offsets, never through its one seek position.
	http.ServeContent(c.Response(), c.Request(), downloadName, s.download.modTime,
		io.NewSectionReader(s.download.file, 0, s.download.size))
	return nil
}

// stale reports whether the file at d's path is no longer the one d
// opened: an ingest since has written a new copy (it renames the new copy
// into place, so the one held stays whole for downloads in progress).
func (d *download) stale() bool {
	if d == nil {
		return false
	}
	st, err := os.Stat(d.path)
	if err != nil {
		return d.file != nil // gone since, or still missing: stale only if it was there
	}
	return d.file == nil || st.Size() != d.size || !st.ModTime().Equal(d.modTime)
}

// releaseFile describes release id's own file, if the release is loaded
// and its file is there (store.ReadReleaseFile: hashed when written, never
// here).
func (s *Server) releaseFile(id string) (site.ReleaseFile, bool) {
	if s.cfg.ReleaseFile == nil || s.cat.Release(id) == nil {
		return site.ReleaseFile{}, false
	}
	sum, size, ok := store.ReadReleaseFile(s.cfg.ReleaseFile(id))
	if !ok {
		return site.ReleaseFile{}, false
	}
	return site.ReleaseFile{URL: "/data/releases/" + url.PathEscape(id) + ".sqlite", Size: size, SHA256: sum,
		Bundle: bundleURL(id)}, true
}

// handleReleaseFile answers GET /data/releases/{id}.sqlite: one release,
// its published rows and its results, as a SQLite file of its own.
// The same address with .zip is its bundle (handleBundle).
func (s *Server) handleReleaseFile(c echo.Context) error {
	if id, ok := strings.CutSuffix(c.Param("file"), ".zip"); ok {
		return s.handleBundle(c, id)
	}
	id, ok := strings.CutSuffix(c.Param("file"), ".sqlite")
	if !ok {
		return notFound("no such file")
	}
	f, ok := s.releaseFile(id)
	if !ok {
		return notFound("no file for release %q: the release is not loaded, or its file is not written yet (the next outcomes ingest writes it)", truncate(id))
	}
	file, err := os.Open(s.cfg.ReleaseFile(id))
	if err != nil {
		return notFound("the release's file is not available at the moment")
	}
	defer file.Close()
	st, err := file.Stat()
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("ETag", `"`+f.SHA256+`"`)
	h.Set(echo.HeaderCacheControl, "public, max-age=86400")
	h.Set(echo.HeaderContentDisposition, `attachment; filename="`+id+`.sqlite"`)
	http.ServeContent(c.Response(), c.Request(), id+".sqlite", st.ModTime(), file)
	return nil
}
