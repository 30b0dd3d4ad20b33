package files

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"
)

// Scanner checks content for malware. Scan returns an error wrapping
// ErrInfected, with the signature's name, when the content is refused, and
// any other error when it could not decide.
type Scanner interface {
	Scan(ctx context.Context, r io.Reader) error
}

// ErrInfected is wrapped by a Scanner's error for refused content.
var ErrInfected = errors.New("files: infected")

// eicar is the EICAR anti-virus test string, put together at run time so
// that the source and the egov binary do not themselves trip the virus
// scanners of the machines they are kept on.
var eicar = []byte(strings.Join([]string{
	`X5O!P%@AP[4\PZX54(P^)7CC)7}$`,
	`EICAR-STANDARD-ANTIVIRUS-`,
	`TEST-FILE!$H+H*`,
}, ""))

// eicarName is what ClamAV calls the EICAR signature, so both scanners
// report it alike.
const eicarName = "Eicar-Test-Signature"

// SignatureScanner is an in-process scanner that knows one signature: the
// EICAR test string, anywhere in the content. It is no anti-virus; it lets
// the embedded setup and the tests prove that refusal works end to end.
// Production configures a ClamdScanner.
type SignatureScanner struct{}

// Scan reads r in chunks, keeping the tail of the previous chunk so a
// signature split across two reads is still found.
func (SignatureScanner) Scan(ctx context.Context, r io.Reader) error {
	buf := make([]byte, 0, 64<<10+len(eicar))
	chunk := make([]byte, 64<<10)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, err := r.Read(chunk)
		buf = append(buf, chunk[:n]...)
		if bytes.Contains(buf, eicar) {
			return fmt.Errorf("%w: %s", ErrInfected, eicarName)
		}
		if keep := len(eicar) - 1; len(buf) > keep {
			buf = append(buf[:0], buf[len(buf)-keep:]...)
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("files: scan: %w", err)
		}
	}
}

// ClamdScanner asks a clamd daemon over TCP, with the INSTREAM command.
type ClamdScanner struct {
	Addr    string        // host:port of clamd's TCP socket
	Timeout time.Duration // for the whole scan; 30 s when zero
}

// clamdChunk is the size of the chunks sent; clamd accepts any size up to
// its StreamMaxLength in total.
const clamdChunk = 64 << 10

// Scan streams r to clamd: "zINSTREAM\0", then chunks each preceded by its
// length as 4 bytes big-endian, then a zero length. clamd answers
// "stream: OK" or "stream: <signature> FOUND", NUL-terminated.
func (s ClamdScanner) Scan(ctx context.Context, r io.Reader) error {
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.Addr)
	if err != nil {
		return fmt.Errorf("files: clamd %s: %w", s.Addr, err)
	}
	defer conn.Close()
	deadline, _ := ctx.Deadline()
	conn.SetDeadline(deadline)
	// A cancelled request stops the scan at once rather than at the deadline.
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	sendErr := s.send(conn, r)
	// clamd answers even when it stops reading early (over its size limit,
	// it replies "INSTREAM size limit exceeded. ERROR" and closes), so read
	// the reply before reporting a failed send.
	reply, readErr := readReply(conn)
	if readErr != nil || reply == "" {
		if sendErr != nil {
			return fmt.Errorf("files: clamd %s: %w", s.Addr, sendErr)
		}
		if readErr == nil {
			readErr = io.ErrUnexpectedEOF
		}
		return fmt.Errorf("files: clamd %s: reading reply: %w", s.Addr, readErr)
	}
	return parseReply(reply)
}

func (s ClamdScanner) send(conn net.Conn, r io.Reader) error {
	w := bufio.NewWriterSize(conn, clamdChunk+4)
	if _, err := w.WriteString("zINSTREAM\x00"); err != nil {
		return err
	}
	buf := make([]byte, clamdChunk)
	var size [4]byte
	for {
		n, err := io.ReadFull(r, buf)
		if n > 0 {
			binary.BigEndian.PutUint32(size[:], uint32(n))
			w.Write(size[:])
			if _, werr := w.Write(buf[:n]); werr != nil {
				return werr
			}
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			return fmt.Errorf("reading content: %w", err)
		}
	}
	binary.BigEndian.PutUint32(size[:], 0)
	w.Write(size[:])
	return w.Flush()
}

// readReply reads clamd's answer up to its NUL terminator (or the end of
// the connection), at most 4 KiB.
func readReply(conn net.Conn) (string, error) {
	b, err := bufio.NewReader(io.LimitReader(conn, 4<<10)).ReadBytes(0)
	if err != nil && !(err == io.EOF && len(b) > 0) {
		return "", err
	}
	return strings.TrimSpace(strings.TrimRight(string(b), "\x00")), nil
}

func parseReply(reply string) error {
	msg := strings.TrimPrefix(reply, "stream: ")
	switch {
	case msg == "OK":
		return nil
	case strings.HasSuffix(msg, " FOUND"):
		return fmt.Errorf("%w: %s", ErrInfected, strings.TrimSuffix(msg, " FOUND"))
	case strings.HasSuffix(msg, "ERROR"):
		return fmt.Errorf("files: clamd: %s", reply)
	}
	return fmt.Errorf("files: clamd: unexpected reply %q", reply)
}
