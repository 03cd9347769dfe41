package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"

	"github.com/labstack/echo/v4"

	"github.com/surgeon-outcomes/outcomes/outcome"
	"github.com/surgeon-outcomes/outcomes/store"
)

// download is the database file offered at /data/outcomes.sqlite.
type download struct {
	path   string
	Name   string
	Size   int
	SHA256 string
}

// newDownload writes a snapshot of the database into dir and hashes it.
func newDownload(ctx context.Context, db *store.DB, dir string) (*download, error) {
	p := filepath.Join(dir, "outcomes.sqlite")
	if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
		return nil, fmt.Errorf("api: download: %w", err)
	}
	if err := db.Snapshot(ctx, p); err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("api: download: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return nil, fmt.Errorf("api: download: %w", err)
	}
	return &download{path: p, Name: "outcomes.sqlite", Size: int(n), SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// dataPage is the downloads page.
type dataPage struct {
	Releases    []releaseDTO
	Specialties []specialtyDTO
	Download    *download
}

// handleData answers GET /data: every release with its hashes, each
// specialty's CSVs, and the database file.
func (s *Server) handleData(c echo.Context) error {
	d := dataPage{Download: s.download}
	for _, r := range s.cat.releases {
		d.Releases = append(d.Releases, toReleaseDTO(r.meta))
	}
	if r := s.cat.latest(); r != nil {
		t := resource{rel: r}
		for _, sp := range outcome.Specialties() {
			if len(r.periods[sp.Slug]) > 0 {
				d.Specialties = append(d.Specialties, s.specialtyDTO(t, sp, false))
			}
		}
	}
	return s.render(c, http.StatusOK, "data", page{Title: "Data and downloads", Section: "data", Data: &d,
		JSON: "/api/v1/releases"})
}

// handleDownload answers GET /data/{file}: the database file, with its
// sha256 as a strong ETag.
func (s *Server) handleDownload(c echo.Context) error {
	if s.download == nil || c.Param("file") != s.download.Name {
		return notFound("no such file")
	}
	h := c.Response().Header()
	h.Set("ETag", `"`+s.download.SHA256+`"`)
	h.Set(echo.HeaderCacheControl, "public, max-age=300")
	h.Set(echo.HeaderContentDisposition, `attachment; filename="`+s.download.Name+`"`)
	return c.File(s.download.path)
}
