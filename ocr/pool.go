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
	"math"
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
	// Skew is the angle of the page's text lines in degrees,
	// counter-clockwise positive, as raster.Inspect measures it; a page
	// skewed by more than straightenAbove is straightened before it is
	// read. 0 reads the page as it is.
	Skew float64
}

// Layouts a page can be read in (Result.Layout).
const (
	// LayoutBlock: the page read as one block of text.
	LayoutBlock = "block"
	// LayoutColumns: the page read after Tesseract's layout analysis,
	// which found columns of text.
	LayoutColumns = "columns"
)

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
	// Straightened is the skew, in degrees, the page was straightened by
	// before it was read; 0 when it was read as it lies.
	Straightened float64
	// FullResolution is true when the page was read again at its own
	// resolution after reading badly scaled down, and that reading kept.
	FullResolution bool
	// Layout is how the page was segmented: LayoutBlock or LayoutColumns.
	Layout string
	// Readings is how many times the engine read the page (turned,
	// at full resolution, laid out) before this reading was chosen.
	Readings int

	// pos holds each word's block, paragraph and line, while the pool
	// chooses between readings.
	pos []wordPos
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

// Recognize reads the page image img, as follows.
//
//   - A page finer than MaxDPI is scaled down to it (word boxes are given
//     in img's pixels all the same).
//   - A page whose text lines are skewed by Options.Skew (measured by the
//     caller, see raster.Inspect) by more than straightenAbove degrees is
//     straightened first.
//   - With DetectOrientation, a page whose ink looks turned is checked for
//     orientation first, and a page that does not read well afterwards;
//     a turned page is read again upright, and the better reading kept.
//   - A scaled-down page that still reads badly is read again at its own
//     resolution, and the better reading kept (see betterRead).
//   - A page whose reading shows text set in columns is read again with
//     Tesseract's layout analysis (see layout.go).
//
// It returns an error wrapping ErrTimeout when an engine call overran the
// timeout.
func (p *Pool) Recognize(ctx context.Context, img *image.Gray, opt Options) (*Result, error) {
	b := img.Bounds()
	if b.Dx() < 16 || b.Dy() < 16 || b.Dx() > 32000 || b.Dy() > 32000 {
		return nil, chartscan.Errorf(chartscan.EINVALID, "page image of %dx%d pixels cannot be read by OCR", b.Dx(), b.Dy())
	}
	if len(opt.Languages) == 0 {
		opt.Languages = p.cfg.Languages
	}
	readings := new(int)
	ctx = context.WithValue(ctx, readingsKey{}, readings)
	straighten := 0.0
	if a := math.Abs(opt.Skew); a >= straightenAbove && a <= 15 {
		straighten = -opt.Skew
	}
	// Read a finer scan scaled down; boxes are scaled back up at the end.
	full := view{img: img, bilevel: opt.Bilevel, dpi: opt.DPI, scale: 1, turn: straighten}
	v := full
	if p.cfg.MaxDPI > 0 && opt.DPI > p.cfg.MaxDPI*115/100 {
		v.scale = float64(p.cfg.MaxDPI) / float64(opt.DPI)
		v.img = scaleGray(img, v.scale)
		v.dpi = p.cfg.MaxDPI
		v.bilevel = false // scaling leaves gray edges, which the engine reads best
	}
	r, err := p.readView(ctx, v, opt)
	if err != nil {
		return nil, err
	}
	if v.scale != 1 && quality(r.res) < fullResolutionBelow {
		// Small print, scaled down, may have become too small to read.
		if r2, err := p.readView(ctx, full, opt); err == nil {
			r2.res.FullResolution = true
			if betterRead(r2.res, r.res) {
				r = r2
			}
		} else if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	r.res.Layout = LayoutBlock
	if gutterLines(r.res, r.width) >= minGutterLines {
		// Set in columns: read again laid out, at the scan's own
		// resolution, upright as the first reading found it.
		r3, err := p.readTurned(ctx, full, r.res.Rotation, opt.Languages, layoutAuto)
		switch {
		case err == nil && goodWords(r3.res) > goodWords(r.res):
			r3.res.Rotation, r3.res.OrientationChecked = r.res.Rotation, r.res.OrientationChecked
			r3.res.Layout = LayoutColumns
			r = r3
		case err != nil && ctx.Err() != nil:
			return nil, ctx.Err()
		}
	}
	res := r.res
	if r.view.turn != 0 {
		res.Straightened = -r.view.turn
		res.unturnBoxes(r.width, r.height, r.view.turn)
	}
	if r.view.scale != 1 {
		res.scaleBoxes(1 / r.view.scale)
	}
	res.pos = nil
	res.Readings = *readings
	return res, nil
}

// readingsKey is the context key of the count of engine readings made for
// one Recognize call.
type readingsKey struct{}

// straightenAbove is the skew, in degrees, beyond which a page is
// straightened before it is read. Tesseract follows skewed text lines by
// itself: real chart pages turned by known angles read the same
// straightened or not up to 2° (within half a point of word recall), and
// worse unstraightened beyond (3°: 1.5 points, 5°: 2, 8°: 10;
// docs/performance.md). Below it, turning the page would cost time and
// gain nothing.
const straightenAbove = 2.0

// fullResolutionBelow is the quality (see quality) under which a page read
// scaled down is read again at its own resolution. Chart pages read at
// 200 dpi score 0.85 and more; print too small for the reduced
// resolution scores far lower.
const fullResolutionBelow = 0.6

// betterRead reports whether reading a, at the scan's own resolution,
// is better than reading b, scaled down, of the same page: it has a tenth
// more words read with confidence that look like words (the measure
// quality counts a share of). Small print that scaling made too small
// reads far more words at full resolution; on the chart batches the
// scaled reading is the better one (mean word F1 98.5 % against 96.8 % at
// full resolution over 111 pages), and of the 71 pages where the two
// readings differ by half a point or more this rule keeps the better on
// 66, a bare majority of good words on 61 (docs/performance.md).
func betterRead(a, b *Result) bool { return 10*goodWords(a) > 11*goodWords(b) }

// view is a page image as it is sent to the engine: scaled by scale from
// the page given (1: as given) and, before that is read, turned by turn
// degrees counter-clockwise (raster.RotateAngle) to straighten it.
type view struct {
	img     *image.Gray
	bilevel bool
	dpi     int
	scale   float64
	turn    float64
}

// reading is a reading of a view: the result, the image the engine read
// (straightened and turned upright) in its spix encoding, and its size.
type reading struct {
	res           *Result
	view          view
	img           *image.Gray
	enc           []byte
	width, height int
}

// readTurned straightens a view, turns it clockwise by quarter (0, 90,
// 180, 270) and reads it with the given layout.
func (p *Pool) readTurned(ctx context.Context, v view, quarter int, langs []string, layout string) (reading, error) {
	img := v.img
	if v.turn != 0 {
		img = raster.RotateAngle(img, v.turn)
	}
	if quarter != 0 {
		img = raster.Rotate(img, quarter).(*image.Gray)
	}
	enc := encodeSPIX(img, v.bilevel)
	res, err := p.read(ctx, enc, v.dpi, langs, layout)
	if err != nil {
		return reading{}, err
	}
	res.Rotation = quarter
	size := img.Bounds().Size()
	return reading{res: res, view: v, img: img, enc: enc, width: size.X, height: size.Y}, nil
}

// readView straightens and reads a view as one block of text, checking its
// orientation as Recognize describes.
func (p *Pool) readView(ctx context.Context, v view, opt Options) (reading, error) {
	langs := opt.Languages
	straight := v
	if v.turn != 0 {
		straight.img, straight.turn = raster.RotateAngle(v.img, v.turn), 0
	}
	img := straight.img
	enc := encodeSPIX(img, v.bilevel)
	// A page that looks turned is checked before it is read.
	if opt.DetectOrientation && turnedHint(img) {
		if turn, ok := p.orientation(ctx, enc, v.dpi); ok && turn != 0 {
			r, err := p.readTurned(ctx, straight, turn, langs, layoutBlock)
			if err != nil {
				return reading{}, err
			}
			r.view, r.res.OrientationChecked = v, true
			return r, nil
		}
	}
	res, err := p.read(ctx, enc, v.dpi, langs, layoutBlock)
	if err != nil {
		return reading{}, err
	}
	size := img.Bounds().Size()
	r := reading{res: res, view: v, img: img, enc: enc, width: size.X, height: size.Y}
	if !opt.DetectOrientation || !needsOrientationCheck(res) {
		return r, nil
	}
	res.OrientationChecked = true
	turn, ok := p.orientation(ctx, enc, v.dpi)
	if !ok || turn == 0 {
		return r, nil
	}
	r2, err := p.readTurned(ctx, straight, turn, langs, layoutBlock)
	if err != nil {
		return r, nil //nolint:nilerr // keep the upright reading
	}
	r2.view, r2.res.OrientationChecked = v, true
	if quality(r2.res) > quality(res) {
		return r2, nil
	}
	return r, nil
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

// unturnBoxes maps every word box of a reading of an image of w×h pixels
// turned by deg degrees (raster.RotateAngle) to the image before the turn:
// the box around the four corners mapped back, within the image.
func (r *Result) unturnBoxes(w, h int, deg float64) {
	for i := range r.Words {
		wd := &r.Words[i]
		x0, y0, x1, y1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
		for _, c := range [4][2]int{{wd.X, wd.Y}, {wd.X + wd.W, wd.Y}, {wd.X, wd.Y + wd.H}, {wd.X + wd.W, wd.Y + wd.H}} {
			x, y := raster.RotatePoint(float64(c[0]), float64(c[1]), w, h, deg)
			x0, y0, x1, y1 = math.Min(x0, x), math.Min(y0, y), math.Max(x1, x), math.Max(y1, y)
		}
		// Clipped to the image (the same size turned or not): a word at
		// an edge may reach past it once its box is turned back.
		x0, y0 = math.Max(x0, 0), math.Max(y0, 0)
		x1, y1 = math.Min(x1, float64(w)), math.Min(y1, float64(h))
		wd.X, wd.Y = int(math.Round(x0)), int(math.Round(y0))
		wd.W, wd.H = max(int(math.Round(x1))-wd.X, 0), max(int(math.Round(y1))-wd.Y, 0)
	}
}

// minTurnConfidence is the OSD confidence below which a detected turn is
// not worth a second reading.
const minTurnConfidence = 1.5

func (p *Pool) read(ctx context.Context, enc []byte, dpi int, langs []string, layout string) (*Result, error) {
	if n, ok := ctx.Value(readingsKey{}).(*int); ok {
		*n++
	}
	resp, err := p.do(ctx, &request{Op: "ocr", DPI: dpi, Languages: langs, Layout: layout}, enc)
	if err != nil {
		return nil, err
	}
	res := &Result{Text: resp.Text, Words: resp.Words, pos: resp.Pos}
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
