package ocr

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"io"
	"os"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/otiai10/gosseract/v2"

	"chartscan"
)

// The OCR engines run in worker processes: the chartscan binary started
// again with WorkerEnv set. Each worker owns one Tesseract engine, created
// once and reused for every page it is sent. Running them apart from the
// service means a page that makes Tesseract or Leptonica crash or hang
// costs that page and one worker restart, never the service; a worker can
// be killed at a page's deadline; memory gosseract does not release (it
// does not free the strings Tesseract returns) goes back to the system
// when a worker is recycled; and OMP_THREAD_LIMIT=1, which OpenMP reads
// only when the process starts, is set for the engines whatever the
// service's own environment.

// WorkerEnv is the environment variable that makes the chartscan binary
// (or a test binary) run as an OCR worker. See IsWorker.
const WorkerEnv = "CHARTSCAN_OCR_WORKER"

// IsWorker reports whether this process was started as an OCR worker.
// main (and TestMain of packages whose tests run OCR) must then call
// RunWorker and exit with its result, before doing anything else.
func IsWorker() bool { return os.Getenv(WorkerEnv) == "1" }

// RunWorker serves OCR requests on stdin/stdout until stdin closes and
// returns the process exit code.
func RunWorker() int {
	// The worker's own heap holds one page image in and its words out;
	// collect it eagerly so that memory goes to the engine.
	debug.SetGCPercent(25)
	w := &worker{}
	defer w.close()
	in := bufio.NewReaderSize(os.Stdin, 1<<20)
	out := bufio.NewWriterSize(os.Stdout, 64<<10)
	for {
		var req request
		payload, err := readFrame(in, &req)
		if errors.Is(err, io.EOF) {
			return 0
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "ocr worker:", err)
			return 2
		}
		resp := w.serve(&req, payload)
		if err := writeFrame(out, resp, nil); err != nil {
			return 2
		}
		if err := out.Flush(); err != nil {
			return 2
		}
	}
}

// request is what the pool sends a worker; the page image (see
// encodeSPIX) follows.
type request struct {
	Op        string   `json:"op"` // "init", "ocr" or "osd"
	Languages []string `json:"languages"`
	DPI       int      `json:"dpi"`
	// Layout is how the page is segmented: layoutBlock (the default) or
	// layoutAuto.
	Layout string `json:"layout,omitempty"`
}

// response is the worker's answer.
type response struct {
	Error string           `json:"error,omitempty"`
	Words []chartscan.Word `json:"words,omitempty"`
	// Pos gives each word's block, paragraph and line (numbered from 1,
	// in reading order).
	Pos       []wordPos `json:"pos,omitempty"`
	Text      string    `json:"text,omitempty"`
	Turn      int       `json:"turn,omitempty"`
	TurnConf  float64   `json:"turn_conf,omitempty"`
	TurnFound bool      `json:"turn_found,omitempty"`
	Tesseract string    `json:"tesseract,omitempty"`
}

type worker struct {
	client *gosseract.Client
	langs  string
	psm    string // the page segmentation mode the engine is set to
	osd    *osd
	// sinceOSD counts the pages read since orientation was last detected;
	// the orientation engine is released after osdIdle of them.
	sinceOSD int
}

// osdIdle is how many pages a worker reads without needing orientation
// detection before it releases that engine (about 45 MiB): few pages need
// it, but a stack fed sideways needs it for every page and keeps it.
const osdIdle = 16

func (w *worker) close() {
	if w.client != nil {
		w.client.Close()
	}
	if w.osd != nil {
		w.osd.close()
	}
}

func (w *worker) serve(req *request, enc []byte) *response {
	switch req.Op {
	case "init":
		if err := w.engine(req.Languages); err != nil {
			return &response{Error: err.Error()}
		}
		if _, err := w.recognize(blankPage, 300, layoutBlock); err != nil {
			return &response{Error: err.Error()}
		}
		return &response{Tesseract: gosseract.Version()}
	case "ocr":
		if err := w.engine(req.Languages); err != nil {
			return &response{Error: err.Error()}
		}
		resp, err := w.recognize(enc, req.DPI, req.Layout)
		if err != nil {
			return &response{Error: err.Error()}
		}
		if w.sinceOSD++; w.osd != nil && w.sinceOSD > osdIdle {
			w.osd.close()
			w.osd = nil
		}
		// The page's working memory goes back to the system, so that an
		// engine holds its model and little more between pages (about
		// 10 MiB less per worker; no measurable cost in time).
		releaseMemory()
		return resp
	case "osd":
		w.sinceOSD = 0
		if w.osd == nil {
			o, err := newOSD()
			if err != nil {
				return &response{Error: err.Error()}
			}
			w.osd = o
		}
		turn, conf, ok := w.osd.detect(enc, req.DPI, minTurnConfidence)
		return &response{Turn: turn, TurnConf: conf, TurnFound: ok}
	}
	return &response{Error: "unknown op " + strconv.Quote(req.Op)}
}

// engine makes sure the worker's engine reads the given languages,
// creating it on first use.
func (w *worker) engine(langs []string) error {
	key := strings.Join(langs, "+")
	if w.client != nil && key == w.langs {
		return nil
	}
	if w.client == nil {
		w.client = gosseract.NewClient()
		w.client.Trim = false
		for k, v := range engineVariables {
			if err := w.client.SetVariable(gosseract.SettableVariable(k), v); err != nil {
				return err
			}
		}
		w.psm = layoutBlock
	}
	if err := w.client.SetLanguage(langs...); err != nil {
		return err
	}
	w.langs = key
	return nil
}

// engineVariables are Tesseract settings applied to every engine.
var engineVariables = map[string]string{
	// chartscan keeps no interword-space or debug output.
	"debug_file": "/dev/null",
	// The page is read as one block of text (PSM 6), not laid out into
	// columns and regions first (PSM 3, the tesseract command's default).
	// On chart pages this is faster (layout analysis costs about 0.2 s a
	// page), keeps a form's "label: value" pairs on one line for the
	// field extractors, and keeps narrow columns such as line numbers that
	// PSM 3 drops. A page that looks set in columns is read again laid
	// out (see layout.go). It is a variable, not SetPageSegMode: gosseract
	// applies that before the engine's first initialisation, which resets
	// it.
	"tessedit_pageseg_mode": layoutBlock,
	// Rows are not tested for fixed pitch: that test finds character cells
	// for the legacy engine, and the LSTM engine, which chartscan uses,
	// segments a line by itself. It cost about 4% of the engine's time on
	// chart pages and read the same words (docs/performance.md).
	"textord_all_prop": "1",
}

// Page segmentation modes: one block of text, or Tesseract's full layout
// analysis (columns, blocks, tables).
const (
	layoutBlock = "6"
	layoutAuto  = "3"
)

func (w *worker) recognize(enc []byte, dpi int, layout string) (*response, error) {
	if err := w.client.SetImageFromBytes(enc); err != nil {
		return nil, err
	}
	if layout != layoutAuto {
		layout = layoutBlock
	}
	if w.psm != layout {
		if err := w.client.SetVariable("tessedit_pageseg_mode", layout); err != nil {
			return nil, err
		}
		w.psm = layout
	}
	if dpi > 0 {
		if err := w.client.SetVariable("user_defined_dpi", strconv.Itoa(dpi)); err != nil {
			return nil, err
		}
	}
	boxes, err := w.client.GetBoundingBoxesVerbose()
	if err != nil {
		return nil, err
	}
	resp := &response{Words: make([]chartscan.Word, 0, len(boxes)), Pos: make([]wordPos, 0, len(boxes))}
	var text strings.Builder
	prevBlock, prevPar, prevLine := -1, -1, -1
	for _, b := range boxes {
		word := strings.TrimSpace(b.Word)
		if word == "" {
			continue
		}
		switch {
		case prevBlock == -1:
		case b.BlockNum != prevBlock || b.ParNum != prevPar:
			text.WriteString("\n\n")
		case b.LineNum != prevLine:
			text.WriteString("\n")
		default:
			text.WriteString(" ")
		}
		prevBlock, prevPar, prevLine = b.BlockNum, b.ParNum, b.LineNum
		text.WriteString(word)
		resp.Words = append(resp.Words, chartscan.Word{
			Text:       word,
			X:          b.Box.Min.X,
			Y:          b.Box.Min.Y,
			W:          b.Box.Dx(),
			H:          b.Box.Dy(),
			Confidence: clamp01(b.Confidence / 100),
		})
		resp.Pos = append(resp.Pos, wordPos{Block: b.BlockNum, Par: b.ParNum, Line: b.LineNum})
	}
	resp.Text = text.String()
	return resp, nil
}

func clamp01(f float64) float64 {
	switch {
	case f < 0:
		return 0
	case f > 1:
		return 1
	}
	return f
}

// blankPage is a small white page used to make an engine load its model.
var blankPage = func() []byte {
	g := image.NewGray(image.Rect(0, 0, 64, 64))
	for i := range g.Pix {
		g.Pix[i] = 255
	}
	return encodeSPIX(g, false)
}()

// Frames: a big-endian uint32 length and a JSON header, then a uint32
// length and a payload (possibly empty).

const maxFrame = 512 << 20

func writeFrame(w io.Writer, header any, payload []byte) error {
	hb, err := json.Marshal(header)
	if err != nil {
		return err
	}
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(hb)))
	if _, err := w.Write(n[:]); err != nil {
		return err
	}
	if _, err := w.Write(hb); err != nil {
		return err
	}
	binary.BigEndian.PutUint32(n[:], uint32(len(payload)))
	if _, err := w.Write(n[:]); err != nil {
		return err
	}
	_, err = w.Write(payload)
	return err
}

func readFrame(r io.Reader, header any) ([]byte, error) {
	var n [4]byte
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return nil, err
	}
	hl := binary.BigEndian.Uint32(n[:])
	if hl > maxFrame {
		return nil, errors.New("frame too large")
	}
	hb := make([]byte, hl)
	if _, err := io.ReadFull(r, hb); err != nil {
		return nil, unexpected(err)
	}
	if err := json.Unmarshal(hb, header); err != nil {
		return nil, err
	}
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return nil, unexpected(err)
	}
	pl := binary.BigEndian.Uint32(n[:])
	if pl > maxFrame {
		return nil, errors.New("frame too large")
	}
	payload := make([]byte, pl)
	if _, err := io.ReadFull(r, payload); err != nil {
		return nil, unexpected(err)
	}
	return payload, nil
}

func unexpected(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}
