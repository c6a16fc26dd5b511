// Package ocr reads page images with Tesseract (through gosseract) and is
// the only package that touches cgo.
//
// A Pool runs a fixed number of worker processes, each owning one
// Tesseract engine that is created once and reused; callers share the pool
// and their pages run in parallel on every worker. See worker.go for why the
// engines live in worker processes.
package ocr

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"chartscan"
	"chartscan/raster"
)

// Config configures a Pool.
type Config struct {
	// Workers is the number of engines (worker processes); at least 1.
	Workers int
	// Languages are the Tesseract languages used when a call names none.
	Languages []string
	// PageTimeout bounds each engine call; a worker that overruns it is
	// killed and replaced. 0 means no limit.
	PageTimeout time.Duration
	// Recycle restarts a worker after it served this many calls, to give
	// back memory the engine does not release. 0 means 500.
	Recycle int
	// MaxDPI is the resolution pages are read at: a page scanned finer is
	// scaled down to it first (word boxes are given in the page's own
	// pixels). On the shared chart batches, 200 dpi reads as many words
	// right as 300 and takes about 7% less engine time; below 200 the
	// identifiers start to suffer (docs/performance.md). It also halves
	// the engine's memory for a page. 0 reads pages at their own
	// resolution.
	MaxDPI int
	// Command is the worker program and its arguments; nil means this
	// executable, which must call RunWorker when IsWorker is true.
	Command []string
	// Logger receives worker lifecycle events; nil discards them.
	Logger *slog.Logger
}

// Options are per-page settings.
type Options struct {
	// DPI is the page's resolution; 0 lets Tesseract estimate it.
	DPI int
	// Bilevel pages are sent to the engine as 1-bit images.
	Bilevel bool
	// DetectOrientation turns pages that do not read well upright through
	// Tesseract's orientation detection and reads them again turned.
	DetectOrientation bool
	// Languages override the pool's languages for this page.
	Languages []string
}

// Result is what OCR read on a page.
type Result struct {
	// Text is the page text in reading order: words separated by spaces,
	// lines by newlines, paragraphs by blank lines.
	Text string
	// Words are the recognised words with boxes in the pixels of the page
	// turned by Rotation.
	Words []chartscan.Word
	// Confidence is the mean word confidence in [0,1]; 0 without words.
	Confidence float64
	// Rotation is the clockwise turn (0, 90, 180, 270) that made the page
	// upright before it was read.
	Rotation int
	// OrientationChecked is true when orientation detection ran.
	OrientationChecked bool
}

// Pool is a set of OCR worker processes. It is safe for concurrent use.
type Pool struct {
	cfg   Config
	log   *slog.Logger
	slots chan *proc
	wg    sync.WaitGroup

	mu      sync.Mutex
	closed  bool
	version string
}

// proc is one worker process. It is owned by whoever took it from slots.
type proc struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *bufio.Reader
	served int
	done   chan struct{} // closed when the process has exited
}

// ErrTimeout is returned (wrapped) when a page overran PageTimeout.
var ErrTimeout = errors.New("OCR took longer than the page timeout")

// New starts the workers and checks that each engine loads the languages.
func New(cfg Config) (*Pool, error) {
	if cfg.Workers < 1 {
		cfg.Workers = 1
	}
	if len(cfg.Languages) == 0 {
		cfg.Languages = []string{"eng"}
	}
	if cfg.Recycle <= 0 {
		cfg.Recycle = 500
	}
	if cfg.Command == nil {
		exe, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("ocr: find own executable: %w", err)
		}
		cfg.Command = []string{exe}
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	p := &Pool{cfg: cfg, log: log, slots: make(chan *proc, cfg.Workers)}
	for i := 0; i < cfg.Workers; i++ {
		w, err := p.start()
		if err == nil {
			var resp response
			resp, err = w.call(context.Background(), &request{Op: "init", Languages: cfg.Languages}, nil, 2*time.Minute)
			if err == nil && resp.Error != "" {
				err = errors.New(resp.Error)
			}
			p.version = resp.Tesseract
		}
		if err != nil {
			if w != nil {
				w.kill()
			}
			for len(p.slots) > 0 {
				(<-p.slots).stop()
			}
			return nil, fmt.Errorf("ocr: start engine: %w", err)
		}
		p.slots <- w
	}
	log.Info("ocr engines ready", "workers", cfg.Workers, "languages", strings.Join(cfg.Languages, "+"), "tesseract", p.version)
	return p, nil
}

// Workers returns the number of engines.
func (p *Pool) Workers() int { return p.cfg.Workers }

// Version returns the Tesseract version the engines run.
func (p *Pool) Version() string { return p.version }

func (p *Pool) start() (*proc, error) {
	cmd := exec.Command(p.cfg.Command[0], p.cfg.Command[1:]...)
	// One malloc arena: the engine runs on one thread at a time, but Go
	// moves its calls between threads and glibc would give every thread
	// an arena that keeps the memory of the pages it once read (two
	// workers held 480 MiB on a 300-page PDF with the default, 300 MiB
	// with one arena).
	cmd.Env = append(os.Environ(), WorkerEnv+"=1", "OMP_THREAD_LIMIT=1", "MALLOC_ARENA_MAX=1")
	cmd.Stderr = io.Discard // Tesseract's warnings; never page content
	dieWithParent(cmd)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	w := &proc{cmd: cmd, stdin: stdin, stdout: bufio.NewReaderSize(stdout, 256<<10), done: make(chan struct{})}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		_ = cmd.Wait()
		close(w.done)
	}()
	return w, nil
}

func (w *proc) kill() {
	_ = w.cmd.Process.Kill()
	_ = w.stdin.Close()
	<-w.done
}

// call sends one request and waits for the answer, killing the worker if
// ctx ends or timeout passes first. After an error the worker is dead.
func (w *proc) call(ctx context.Context, req *request, payload []byte, timeout time.Duration) (response, error) {
	type answer struct {
		resp response
		err  error
	}
	ch := make(chan answer, 1)
	go func() {
		var a answer
		if a.err = writeFrame(w.stdin, req, payload); a.err == nil {
			_, a.err = readFrame(w.stdout, &a.resp)
		}
		ch <- a
	}()
	var timer <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		timer = t.C
	}
	select {
	case a := <-ch:
		if a.err != nil {
			w.kill()
			return response{}, fmt.Errorf("OCR engine stopped: %w", a.err)
		}
		w.served++
		return a.resp, nil
	case <-timer:
		w.kill()
		<-ch
		return response{}, ErrTimeout
	case <-ctx.Done():
		w.kill()
		<-ch
		return response{}, ctx.Err()
	}
}

// do runs one request on a free worker, replacing the worker if it died
// or has served its share.
func (p *Pool) do(ctx context.Context, req *request, payload []byte) (response, error) {
	var w *proc
	select {
	case w = <-p.slots:
	case <-ctx.Done():
		return response{}, ctx.Err()
	}
	defer func() { p.slots <- w }()
	if w == nil || w.exited() || w.served >= p.cfg.Recycle {
		if w != nil {
			w.stop()
		}
		var err error
		if w, err = p.start(); err != nil {
			w = nil
			return response{}, fmt.Errorf("ocr: restart engine: %w", err)
		}
	}
	resp, err := w.call(ctx, req, payload, p.cfg.PageTimeout)
	if err != nil {
		p.log.Warn("ocr engine replaced", "reason", err.Error())
		w = nil
		return response{}, err
	}
	if resp.Error != "" {
		return response{}, errors.New(resp.Error)
	}
	return resp, nil
}

func (w *proc) exited() bool {
	select {
	case <-w.done:
		return true
	default:
		return false
	}
}

// stop ends a healthy worker by closing its input.
func (w *proc) stop() {
	_ = w.stdin.Close()
	select {
	case <-w.done:
	case <-time.After(5 * time.Second):
		w.kill()
	}
}

// Recognize reads the page image img. With DetectOrientation, a page that
// does not read well is checked for orientation and, when it is turned,
// read again upright; the better reading is returned. It returns an error
// wrapping ErrTimeout when the page overran the timeout.
func (p *Pool) Recognize(ctx context.Context, img *image.Gray, opt Options) (res *Result, err error) {
	b := img.Bounds()
	if b.Dx() < 16 || b.Dy() < 16 || b.Dx() > 32000 || b.Dy() > 32000 {
		return nil, chartscan.Errorf(chartscan.EINVALID, "page image of %dx%d pixels cannot be read by OCR", b.Dx(), b.Dy())
	}
	langs := opt.Languages
	if len(langs) == 0 {
		langs = p.cfg.Languages
	}
	// Read a finer scan scaled down; boxes are scaled back up at the end.
	scale := 1.0
	dpi := opt.DPI
	if p.cfg.MaxDPI > 0 && opt.DPI > p.cfg.MaxDPI*115/100 {
		scale = float64(p.cfg.MaxDPI) / float64(opt.DPI)
		img = scaleGray(img, scale)
		dpi = p.cfg.MaxDPI
		opt.Bilevel = false // scaling leaves gray edges, which the engine reads best
	}
	defer func() {
		if res != nil && scale != 1 {
			res.scaleBoxes(1 / scale)
		}
	}()
	opt.DPI = dpi
	enc := encodeSPIX(img, opt.Bilevel)
	// A page that looks turned is checked before it is read.
	if opt.DetectOrientation && turnedHint(img) {
		if turn, ok := p.orientation(ctx, enc, dpi); ok && turn != 0 {
			res, err = p.read(ctx, encodeSPIX(raster.Rotate(img, turn).(*image.Gray), opt.Bilevel), dpi, langs)
			if err != nil {
				return nil, err
			}
			res.Rotation, res.OrientationChecked = turn, true
			return res, nil
		}
	}
	res, err = p.read(ctx, enc, opt.DPI, langs)
	if err != nil {
		return nil, err
	}
	if !opt.DetectOrientation || !needsOrientationCheck(res) {
		return res, nil
	}
	res.OrientationChecked = true
	turn, ok := p.orientation(ctx, enc, dpi)
	if !ok || turn == 0 {
		return res, nil
	}
	turned := raster.Rotate(img, turn).(*image.Gray)
	res2, err := p.read(ctx, encodeSPIX(turned, opt.Bilevel), opt.DPI, langs)
	if err != nil {
		return res, nil //nolint:nilerr // keep the upright reading
	}
	res2.Rotation = turn
	res2.OrientationChecked = true
	if quality(res2) > quality(res) {
		return res2, nil
	}
	return res, nil
}

// orientation asks Tesseract's orientation detection which turn makes the
// page upright; ok is false when it cannot tell with confidence.
func (p *Pool) orientation(ctx context.Context, enc []byte, dpi int) (int, bool) {
	o, err := p.do(ctx, &request{Op: "osd", DPI: dpi}, enc)
	if err != nil || !o.TurnFound || o.TurnConf < minTurnConfidence {
		return 0, false
	}
	return o.Turn, true
}

// scaleBoxes multiplies every word box by f.
func (r *Result) scaleBoxes(f float64) {
	for i := range r.Words {
		w := &r.Words[i]
		w.X, w.Y = int(float64(w.X)*f+0.5), int(float64(w.Y)*f+0.5)
		w.W, w.H = int(float64(w.W)*f+0.5), int(float64(w.H)*f+0.5)
	}
}

// minTurnConfidence is the OSD confidence below which a detected turn is
// not worth a second reading.
const minTurnConfidence = 1.5

func (p *Pool) read(ctx context.Context, enc []byte, dpi int, langs []string) (*Result, error) {
	resp, err := p.do(ctx, &request{Op: "ocr", DPI: dpi, Languages: langs}, enc)
	if err != nil {
		return nil, err
	}
	res := &Result{Text: resp.Text, Words: resp.Words}
	if res.Words == nil {
		res.Words = []chartscan.Word{}
	}
	var sum float64
	for _, w := range res.Words {
		sum += w.Confidence
	}
	if len(res.Words) > 0 {
		res.Confidence = sum / float64(len(res.Words))
	}
	return res, nil
}

// needsOrientationCheck reports whether a reading looks like a page that
// is not upright: enough marks to be text, but few words read with
// confidence.
func needsOrientationCheck(r *Result) bool {
	if len(r.Words) < 8 {
		return len(r.Words) > 0 && r.Confidence < 0.5
	}
	// Upright pages of poor scans score 0.5 and more; a turned page read
	// as it lies scores far lower.
	return quality(r) < 0.45
}

// quality is the share of a page's words that were read confidently and
// look like words, in [0,1].
func quality(r *Result) float64 {
	if len(r.Words) == 0 {
		return 0
	}
	good := 0
	for _, w := range r.Words {
		if w.Confidence >= 0.7 && wordLike(w.Text) {
			good++
		}
	}
	return float64(good) / float64(len(r.Words))
}

func wordLike(s string) bool {
	alnum := 0
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r > 127 {
			alnum++
		}
	}
	return alnum >= 2 && alnum*2 >= len([]rune(s))
}

// Close stops every worker. Calls in progress fail.
func (p *Pool) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	p.mu.Unlock()
	for i := 0; i < cap(p.slots); i++ {
		select {
		case w := <-p.slots:
			if w != nil {
				w.stop()
			}
		case <-time.After(10 * time.Second):
			// a call still holds this worker; it is killed below by
			// the process exiting, or finishes on its own.
		}
	}
	return nil
}
