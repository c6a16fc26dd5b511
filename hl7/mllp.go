package hl7

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
)

// MLLP frames a message: <VT> message <FS><CR>.
const (
	startBlock = 0x0b
	endBlock   = 0x1c
	maxAck     = 1 << 20
)

// Frame wraps a message in an MLLP block.
func Frame(msg []byte) []byte {
	out := make([]byte, 0, len(msg)+3)
	out = append(out, startBlock)
	out = append(out, msg...)
	return append(out, endBlock, '\r')
}

// Ack is what the receiver answered a message.
type Ack struct {
	Code      string // MSA-1: AA accepted, AE error, AR rejected (CA, CE, CR in enhanced mode)
	ControlID string // MSA-2: the control id of the message acknowledged
	Text      string // MSA-3 or the first ERR segment's message
}

// Accepted reports whether the receiver took the message.
func (a *Ack) Accepted() bool { return a.Code == "AA" || a.Code == "CA" }

// String says what the receiver answered, in one line.
func (a *Ack) String() string {
	if a.Text == "" {
		return "ACK " + a.Code
	}
	return "ACK " + a.Code + ": " + a.Text
}

// Client sends messages to one MLLP peer over one connection, opened on
// first use and again after a failure. It is not safe for concurrent use.
type Client struct {
	Addr    string        // HOST:PORT
	Timeout time.Duration // bounds connecting, and sending a message until its ACK is read

	conn net.Conn
	r    *bufio.Reader
}

// Send sends msg and returns the receiver's ACK. An error means no ACK
// was read (the peer could not be reached, closed the connection, timed
// out or answered something that is not an ACK of this message); the
// connection is then closed, and the next Send opens another.
func (c *Client) Send(ctx context.Context, msg []byte, controlID string) (*Ack, error) {
	if c.conn == nil {
		d := net.Dialer{Timeout: c.Timeout}
		conn, err := d.DialContext(ctx, "tcp", c.Addr)
		if err != nil {
			return nil, fmt.Errorf("no connection to %s: %w", c.Addr, err)
		}
		c.conn, c.r = conn, bufio.NewReader(conn)
	}
	ack, err := c.exchange(ctx, msg)
	if err != nil {
		c.Close()
		return nil, err
	}
	if ack.ControlID != controlID {
		c.Close()
		return nil, fmt.Errorf("the ACK is for message %q, not %q", ack.ControlID, controlID)
	}
	return ack, nil
}

func (c *Client) exchange(ctx context.Context, msg []byte) (*Ack, error) {
	deadline := time.Now().Add(c.Timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	if err := c.conn.SetDeadline(deadline); err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { _ = c.conn.SetDeadline(time.Now()) })
	defer stop()
	if _, err := c.conn.Write(Frame(msg)); err != nil {
		return nil, fmt.Errorf("send to %s: %w", c.Addr, err)
	}
	frame, err := c.readFrame()
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return nil, fmt.Errorf("no ACK from %s within %s", c.Addr, c.Timeout)
		}
		return nil, fmt.Errorf("no ACK from %s: %w", c.Addr, err)
	}
	return ParseAck(frame)
}

// readFrame reads one MLLP block and returns what it holds.
func (c *Client) readFrame() ([]byte, error) {
	for {
		b, err := c.r.ReadByte()
		if err != nil {
			return nil, err
		}
		if b == startBlock {
			break
		}
	}
	var buf bytes.Buffer
	for {
		b, err := c.r.ReadByte()
		if err != nil {
			return nil, err
		}
		if b == endBlock {
			if next, err := c.r.ReadByte(); err != nil || next != '\r' {
				return nil, errors.New("malformed MLLP frame")
			}
			return buf.Bytes(), nil
		}
		if buf.Len() >= maxAck {
			return nil, errors.New("ACK too long")
		}
		buf.WriteByte(b)
	}
}

// ParseAck reads the MSA (and ERR) segments of an acknowledgement.
func ParseAck(msg []byte) (*Ack, error) {
	segs := strings.FieldsFunc(string(msg), func(r rune) bool { return r == '\r' || r == '\n' })
	if len(segs) == 0 || !strings.HasPrefix(segs[0], "MSH") || len(segs[0]) < 8 {
		return nil, errors.New("the answer is not an HL7 message")
	}
	sep := segs[0][3:4]
	var ack *Ack
	for _, s := range segs {
		f := strings.Split(s, sep)
		switch {
		case f[0] == "MSA" && ack == nil:
			ack = &Ack{}
			if len(f) > 1 {
				ack.Code = f[1]
			}
			if len(f) > 2 {
				ack.ControlID = f[2]
			}
			if len(f) > 3 {
				ack.Text = unescape(f[3])
			}
		case f[0] == "ERR" && ack != nil && ack.Text == "":
			// ERR-8 is the user message (2.5); older peers put text in ERR-1.
			for _, i := range []int{8, 3, 1} {
				if len(f) > i && f[i] != "" {
					ack.Text = unescape(strings.ReplaceAll(f[i], "^", " "))
					break
				}
			}
		}
	}
	if ack == nil || ack.Code == "" {
		return nil, errors.New("the answer has no MSA segment")
	}
	if len(ack.Text) > 200 {
		ack.Text = ack.Text[:200]
	}
	return ack, nil
}

// unescape undoes Escape's delimiter escapes.
func unescape(s string) string {
	r := strings.NewReplacer(`\F\`, "|", `\S\`, "^", `\T\`, "&", `\R\`, "~", `\X0D\`, "\r", `\X0A\`, "\n", `\E\`, `\`)
	return r.Replace(s)
}

// Close closes the connection, if one is open.
func (c *Client) Close() error {
	if c.conn == nil {
		return nil
	}
	err := c.conn.Close()
	c.conn, c.r = nil, nil
	return err
}
