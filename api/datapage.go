package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/labstack/echo/v4"

	"github.com/surgeon-outcomes/outcomes/store"
)

// download is the database file offered at /data/outcomes.sqlite.
type download struct {
	path   string
	name   string
	size   int
	sha256 string
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
	return &download{path: p, name: "outcomes.sqlite", size: int(n), sha256: hex.EncodeToString(h.Sum(nil))}, nil
}

// handleDownload answers GET /data/{file}: the database file, with its
// sha256 as a strong ETag.
func (s *Server) handleDownload(c echo.Context) error {
	if s.download == nil || c.Param("file") != s.download.name {
		return notFound("no such file")
	}
	h := c.Response().Header()
	h.Set("ETag", `"`+s.download.sha256+`"`)
	h.Set(echo.HeaderCacheControl, "public, max-age=300")
	h.Set(echo.HeaderContentDisposition, `attachment; filename="`+s.download.name+`"`)
	return c.File(s.download.path)
}
