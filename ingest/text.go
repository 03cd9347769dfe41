package ingest

import (
	"bufio"
	"bytes"
	"cmp"
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
	// encodingAuto is a mapping that forces no encoding: a file that is
	// not all UTF-8 is decided a record at a time.
	encodingAuto = ""
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

// decodedText is a file's text as the decoder reads it, and how it was
// decoded.
type decodedText struct {
	io.Reader
	// records, when set, decodes the file a record at a time and counts how.
	records *recordDecoder
	// encoding is how the whole file is read, when records is nil.
	encoding string
}

// textFor returns r decoded to UTF-8, with LF line ends, as the sniffed
// encoding and the mapping's forced one (encodingAuto when it forces none)
// say; a sniffed windows-1252 means only that the file is not all UTF-8.
// A file that is all UTF-8 is read as UTF-8 and a BOM is skipped, as
// [textReader] does; forcing windows-1252 reads every byte as Windows-1252.
// A file that is not all UTF-8 is read a record at a time: when the
// mapping forces UTF-8, each record that is not UTF-8 is a problem passed
// to problem; otherwise each record is read as UTF-8 when it is valid
// UTF-8 and as Windows-1252 when it is not, so a file whose years were
// saved by different programs loads with every name right. The error is
// for a file the mapping contradicts.
func textFor(r io.Reader, sniffedEncoding, forced string, problem func(*RowError)) (decodedText, error) {
	switch {
	case sniffedEncoding == encodingUTF8BOM && forced == encodingCP1252:
		return decodedText{}, &RowError{Line: 1, Column: 1, Err: errors.New(
			`file starts with a UTF-8 byte order mark but the mapping says encoding = "windows-1252"`)}
	case forced == encodingCP1252 || sniffedEncoding != encodingCP1252:
		enc := cmp.Or(forced, sniffedEncoding)
		if sniffedEncoding == encodingUTF8BOM {
			enc = encodingUTF8BOM
		}
		return decodedText{Reader: textReader(r, enc), encoding: enc}, nil
	}
	rd := &recordDecoder{br: bufio.NewReaderSize(&lineEnds{r: r}, 64<<10), line: 1,
		strict: forced == encodingUTF8, problem: problem}
	return decodedText{Reader: rd, records: rd}, nil
}

// Encoding says how the file was read, and how many of its records were
// read as Windows-1252 when it mixes them with UTF-8 (0 when it does not).
// Call it once the file has been read.
func (t decodedText) Encoding() (string, int) {
	switch {
	case t.records == nil:
		return t.encoding, 0
	case t.records.strict || t.records.utf8Records > 0:
		return encodingUTF8, t.records.cp1252Records
	}
	return encodingCP1252, 0
}

// recordDecoder decodes text with LF line ends (from lineEnds) one CSV
// record at a time: a record that is valid UTF-8 is passed on as it is,
// one that is not is read as Windows-1252 (and, when strict, reported).
// Records end at a line end outside quotes; the bytes that delimit them
// (quote, comma, LF) are ASCII, which both encodings share, so they split
// the same way before decoding as after.
type recordDecoder struct {
	br       *bufio.Reader
	strict   bool // the mapping forces UTF-8
	problem  func(*RowError)
	rec      []byte // the record being read
	dec      []byte // rec decoded from Windows-1252
	out      []byte // decoded bytes not yet read
	inQuotes bool
	line     int   // the line the next record starts on
	err      error // from br, returned once out is read
	// utf8Records and cp1252Records count the records with bytes outside
	// ASCII read as UTF-8 and as Windows-1252.
	utf8Records, cp1252Records int
}

func (d *recordDecoder) Read(p []byte) (int, error) {
	for len(d.out) == 0 {
		if d.err != nil {
			return 0, d.err
		}
		d.next()
	}
	n := copy(p, d.out)
	d.out = d.out[n:]
	return n, nil
}

// next reads the next record into out, decoded.
func (d *recordDecoder) next() {
	d.rec = d.rec[:0]
	for {
		chunk, err := d.br.ReadSlice('\n')
		d.rec = append(d.rec, chunk...)
		if bytes.Count(chunk, []byte{'"'})%2 == 1 {
			d.inQuotes = !d.inQuotes
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			d.err = err
			break
		}
		if !d.inQuotes {
			break
		}
	}
	start := d.line
	d.line += bytes.Count(d.rec, []byte{'\n'})
	if ascii(d.rec) {
		d.out = d.rec
		return
	}
	if utf8.Valid(d.rec) {
		d.utf8Records++
		d.out = d.rec
		return
	}
	d.cp1252Records++
	if d.strict {
		d.problem(notUTF8(d.rec, start))
	}
	d.dec = d.dec[:0]
	for _, c := range d.rec {
		if c < utf8.RuneSelf {
			d.dec = append(d.dec, c)
		} else {
			d.dec = utf8.AppendRune(d.dec, charmap.Windows1252.DecodeByte(c))
		}
	}
	d.out = d.dec
}

// notUTF8 reports the first byte of rec, a record starting on line start,
// that is not UTF-8: on its line, in its field, at its character.
func notUTF8(rec []byte, start int) *RowError {
	off := 0
	for off < len(rec) {
		r, size := utf8.DecodeRune(rec[off:])
		if r == utf8.RuneError && size <= 1 {
			break
		}
		off += size
	}
	line, field, char, inQuotes := start, 1, 1, false
	for _, c := range rec[:off] {
		switch c {
		case '\n':
			line, char = line+1, 0
		case '"':
			inQuotes = !inQuotes
		case ',':
			if !inQuotes {
				field++
			}
		}
		char++
	}
	return &RowError{Line: line, Column: field, Err: fmt.Errorf(
		`byte 0x%02X is not UTF-8 (at character %d); the mapping says encoding = "utf-8"`, rec[off], char)}
}

// ascii reports whether b is all ASCII, which reads the same in UTF-8 and
// Windows-1252.
func ascii(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
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
