package ingest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// Encodings a file may be detected as.
const (
	encodingUTF8    = "utf-8"
	encodingUTF8BOM = "utf-8-bom"
	encodingCP1252  = "windows-1252"
)

// maxRecordBytes caps one CSV record. encoding/csv holds a whole record in
// memory, so without a cap one unclosed quote in a hostile file would make it
// read the rest of the file into a single field.
const maxRecordBytes = 1 << 20

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// sniffed is what one pass over a file's bytes learns before it is decoded.
type sniffed struct {
	sha256   string
	size     int64
	encoding string
}

// sniff reads r to the end, hashing its bytes and deciding its encoding: a
// UTF-8 BOM, or bytes that are all valid UTF-8, mean UTF-8; anything else is
// read as Windows-1252, which every spreadsheet on Windows writes and which
// maps every byte to a character. It rejects UTF-16 (a BOM) and files with
// control characters that no text file holds (binary data), naming where.
// The file's bytes feed sum too, so a release's hash covers all its files.
func sniff(name string, r io.Reader, sum io.Writer) (sniffed, error) {
	h := sha256.New()
	s := snifferState{line: 1, validUTF8: true}
	buf := make([]byte, 64<<10)
	var first []byte
	for {
		n, err := r.Read(buf)
		if n > 0 {
			chunk := buf[:n]
			h.Write(chunk)
			sum.Write(chunk)
			if len(first) < 3 {
				first = append(first, chunk[:min(3-len(first), len(chunk))]...)
			}
			if isUTF16(first) {
				// Before the scan, which would call its NULs binary data.
				return sniffed{}, &RowError{File: name, Line: 1, Column: 1,
					Err: errors.New("file is UTF-16; save it as UTF-8 (CSV UTF-8 in Excel)")}
			}
			if perr := s.scan(chunk); perr != nil {
				perr.File = name
				return sniffed{}, perr
			}
			s.size += int64(n)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return sniffed{}, fmt.Errorf("read %s: %w", name, err)
		}
	}
	if len(s.carry) > 0 {
		s.validUTF8 = false // the file ends inside a multi-byte character
		s.badLine, s.badColumn = s.line, s.column-len(s.carry)+1
	}
	out := sniffed{sha256: hex.EncodeToString(h.Sum(nil)), size: s.size}
	switch {
	case bytes.HasPrefix(first, utf8BOM):
		out.encoding = encodingUTF8BOM
		if !s.validUTF8 {
			return sniffed{}, &RowError{File: name, Line: s.badLine, Column: s.badColumn,
				Err: errors.New("file starts with a UTF-8 byte order mark but holds bytes that are not UTF-8")}
		}
	case s.validUTF8:
		out.encoding = encodingUTF8
	default:
		out.encoding = encodingCP1252
	}
	return out, nil
}

// isUTF16 reports whether a file's first bytes are a UTF-16 byte order mark.
func isUTF16(first []byte) bool {
	return bytes.HasPrefix(first, []byte{0xFF, 0xFE}) || bytes.HasPrefix(first, []byte{0xFE, 0xFF})
}

type snifferState struct {
	size      int64
	line      int
	column    int
	prevCR    bool
	validUTF8 bool
	carry     []byte // an incomplete UTF-8 sequence at the end of the last chunk
	badLine   int
	badColumn int
}

// scan checks one chunk for binary data and UTF-8 validity, keeping the
// line and column (in bytes) of where it is, so a problem can be located.
func (s *snifferState) scan(chunk []byte) *RowError {
	bad := len(chunk) // index in chunk of the first byte that is not UTF-8
	if s.validUTF8 {
		b := append(s.carry, chunk...)
		carried := len(s.carry)
		s.carry = nil
		for off := 0; off < len(b); {
			r, size := utf8.DecodeRune(b[off:])
			if r == utf8.RuneError && size <= 1 {
				if !utf8.FullRune(b[off:]) {
					s.carry = append([]byte(nil), b[off:]...)
					break
				}
				s.validUTF8 = false
				bad = off - carried
				break
			}
			off += size
		}
		if bad < 0 {
			// It starts in the last chunk's carried bytes, which end
			// its last line.
			s.badLine, s.badColumn = s.line, s.column+bad+1
		}
	}
	for i, c := range chunk {
		switch {
		case c == '\n':
			if !s.prevCR {
				s.line++
			}
			s.column = 0
			s.prevCR = false
			continue
		case c == '\r':
			s.line++
			s.column = 0
			s.prevCR = true
			continue
		}
		s.prevCR = false
		s.column++
		if i == bad {
			s.badLine, s.badColumn = s.line, s.column
		}
		if c < 0x20 && c != '\t' && c != '\f' || c == 0x7F {
			return &RowError{Line: s.line, Column: s.column,
				Err: fmt.Errorf("control character 0x%02X: this looks like binary data, not a CSV file", c)}
		}
	}
	return nil
}

// textReader returns r decoded to UTF-8 from the sniffed encoding, without
// a BOM, with every line end (CRLF, CR) turned into LF.
func textReader(r io.Reader, encoding string) io.Reader {
	switch encoding {
	case encodingUTF8BOM:
		r = skipPrefix(r, len(utf8BOM))
	case encodingCP1252:
		r = charmap.Windows1252.NewDecoder().Reader(r)
	}
	return &lineEnds{r: r}
}

func skipPrefix(r io.Reader, n int) io.Reader {
	_, _ = io.CopyN(io.Discard, r, int64(n))
	return r
}

// lineEnds turns CRLF and lone CR (old Mac files, and the UK AAA file) into
// LF, which is all encoding/csv understands as a record end. It also caps
// the length of a record, tracking quotes so that newlines inside quoted
// fields do not end one.
type lineEnds struct {
	r         io.Reader
	skipLF    bool
	inQuotes  bool
	recordLen int
	line      int // lines ended so far
	start     int // lines ended before the current record
}

// ErrRecordTooLong is returned when one record exceeds 1 MiB, usually
// because of an unclosed quote.
var ErrRecordTooLong = errors.New("record longer than 1 MiB (is a quote left unclosed?)")

// recordTooLongError is ErrRecordTooLong with the line the record starts
// on, which only the reader that counts it knows: encoding/csv, reading
// ahead through a buffer, meets the error records before the long one.
type recordTooLongError struct{ line int }

func (e *recordTooLongError) Error() string { return ErrRecordTooLong.Error() }
func (e *recordTooLongError) Unwrap() error { return ErrRecordTooLong }

func (l *lineEnds) Read(p []byte) (int, error) {
	for {
		n, err := l.r.Read(p)
		w := 0
		for i := 0; i < n; i++ {
			c := p[i]
			if l.skipLF {
				l.skipLF = false
				if c == '\n' {
					continue
				}
			}
			switch c {
			case '\r':
				c = '\n'
				l.skipLF = true
				fallthrough
			case '\n':
				l.line++
				if !l.inQuotes {
					l.recordLen = 0
					l.start = l.line
				}
			case '"':
				l.inQuotes = !l.inQuotes
			}
			l.recordLen++
			if l.recordLen > maxRecordBytes {
				return w, &recordTooLongError{line: l.start + 1}
			}
			p[w] = c
			w++
		}
		if w > 0 || err != nil {
			return w, err
		}
	}
}
