package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
)

// inputChunk is the most of a publisher's file one release_input row
// holds (0012_release_input.sql): small enough that neither ingest nor a
// reader holds a national file in memory, large enough that a 100 MB file
// is a hundred rows.
const inputChunk = 1 << 20

// ErrInputNotKept is returned by CopyInput for a release loaded before
// its files were kept, or by a release file of an older schema: its
// files' names, sizes and hashes are known, their bytes are not.
var ErrInputNotKept = errors.New("the publisher's file was not kept")

// AddInput stores the bytes of the release's input file ordinal (its
// release_file row, which Commit writes, is 1-based on the command line)
// as read from r, and returns their sha256 and size, so the caller can
// check that they are the bytes it read the rows from.
func (l *Loader) AddInput(ctx context.Context, ordinal int, r io.Reader) (sum string, size int64, err error) {
	h := sha256.New()
	buf := make([]byte, inputChunk)
	for chunk := 0; ; chunk++ {
		n, err := io.ReadFull(r, buf)
		if n > 0 {
			h.Write(buf[:n])
			size += int64(n)
			if err := l.exec(ctx, `INSERT INTO release_input (release_id, file_ordinal, chunk, bytes) VALUES (?, ?, ?, ?)`,
				l.release, ordinal, chunk, buf[:n]); err != nil {
				return "", 0, fmt.Errorf("store: keep input file %d: %w", ordinal, err)
			}
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			return "", 0, fmt.Errorf("store: keep input file %d: %w", ordinal, err)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), size, nil
}

// CopyInput writes the bytes of input file ordinal of the release whose
// own file is at path (ReleaseFilePath) to w, and returns how many it
// wrote. It opens the file read-only for this one copy: a bundle is made
// once per release, and the server keeps no database open for it.
// ErrInputNotKept says the release has no copy of that file; a caller
// should check the bytes against the file's sha256 (Release.Files), as a
// copy is only as good as that check.
func CopyInput(ctx context.Context, path string, ordinal int, w io.Writer) (int64, error) {
	if _, err := os.Stat(path); err != nil {
		return 0, fmt.Errorf("store: input file %d: %w", ordinal, err)
	}
	conn, err := openReadOnly(path, true)
	if err != nil {
		return 0, fmt.Errorf("store: input file %d: %w", ordinal, err)
	}
	defer conn.Close()
	var kept bool
	if err := conn.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'release_input')`).Scan(&kept); err != nil {
		return 0, fmt.Errorf("store: input file %d of %s: %w", ordinal, path, err)
	}
	if !kept {
		return 0, ErrInputNotKept
	}
	rows, err := conn.QueryContext(ctx, `SELECT chunk, bytes FROM release_input WHERE file_ordinal = ? ORDER BY chunk`, ordinal)
	if err != nil {
		return 0, fmt.Errorf("store: input file %d of %s: %w", ordinal, path, err)
	}
	var written int64
	next := 0
	for rows.Next() {
		var chunk int
		var b sql.RawBytes
		if err := rows.Scan(&chunk, &b); err != nil {
			rows.Close()
			return written, fmt.Errorf("store: input file %d of %s: %w", ordinal, path, err)
		}
		if chunk != next {
			rows.Close()
			return written, fmt.Errorf("store: input file %d of %s: chunk %d is missing", ordinal, path, next)
		}
		next++
		n, err := w.Write(b)
		written += int64(n)
		if err != nil {
			rows.Close()
			return written, err
		}
	}
	if err := closeRows(rows); err != nil {
		return written, fmt.Errorf("store: input file %d of %s: %w", ordinal, path, err)
	}
	if next == 0 {
		return 0, ErrInputNotKept
	}
	return written, nil
}
