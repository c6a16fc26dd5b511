// Package hl7test is an MLLP peer for tests: it takes framed HL7
// messages on a loopback port and answers each with the ACK a test
// chooses, or with none.
package hl7test

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// Answer chooses the answer to the n-th message received (0-based):
// "AA", "AE", "AR", or "" to close the connection without answering.
type Answer func(n int, msg []byte) string

// Listener is a running MLLP peer. It is safe for concurrent use.
type Listener struct {
	Addr string

	ln     net.Listener
	answer Answer
	mu     sync.Mutex
	msgs   [][]byte
	raw    bytes.Buffer
	wg     sync.WaitGroup
}

// Listen starts a peer on 127.0.0.1 that answers as answer says, and
// stops it when tb ends.
func Listen(tb testing.TB, answer Answer) *Listener {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	l := &Listener{Addr: ln.Addr().String(), ln: ln, answer: answer}
	l.wg.Add(1)
	go l.accept()
	tb.Cleanup(func() {
		ln.Close()
		l.wg.Wait()
	})
	return l
}

// Messages returns every message received so far, retries included.
func (l *Listener) Messages() [][]byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([][]byte(nil), l.msgs...)
}

// Raw returns every byte received, frames included.
func (l *Listener) Raw() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return bytes.Clone(l.raw.Bytes())
}

func (l *Listener) accept() {
	defer l.wg.Done()
	for {
		c, err := l.ln.Accept()
		if err != nil {
			return
		}
		l.wg.Add(1)
		go l.serve(c)
	}
}

func (l *Listener) serve(c net.Conn) {
	defer l.wg.Done()
	defer c.Close()
	r := bufio.NewReader(c)
	for {
		_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
		if _, err := r.ReadBytes(0x0b); err != nil {
			return
		}
		body, err := r.ReadBytes(0x1c)
		if err != nil {
			return
		}
		if b, err := r.ReadByte(); err != nil || b != '\r' {
			return
		}
		msg := bytes.Clone(body[:len(body)-1])
		l.mu.Lock()
		n := len(l.msgs)
		l.msgs = append(l.msgs, msg)
		l.raw.WriteByte(0x0b)
		l.raw.Write(msg)
		l.raw.Write([]byte{0x1c, '\r'})
		l.mu.Unlock()
		code := l.answer(n, msg)
		if code == "" {
			return // hang up without an answer
		}
		ack := fmt.Sprintf("MSH|^~\\&|EHR|HOSP|CHARTSCAN||%s||ACK|ACK%04d|P|2.5.1\rMSA|%s|%s", time.Now().UTC().Format("20060102150405"), n, code, controlID(msg))
		if code != "AA" {
			ack += "|Document type not mapped\rERR|||207^Application internal error^HL70357|E||||Document type not mapped"
		}
		if _, err := c.Write([]byte("\x0b" + ack + "\r\x1c\r")); err != nil {
			return
		}
	}
}

// controlID returns MSH-10 of a message.
func controlID(msg []byte) string {
	msh, _, _ := strings.Cut(string(msg), "\r")
	f := strings.Split(msh, "|")
	if len(f) > 9 {
		return f[9]
	}
	return ""
}
