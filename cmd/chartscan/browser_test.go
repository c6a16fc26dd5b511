package main

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"chartscan"
	"chartscan/internal/testutil"
)

// browser is a headless Chromium (Debian's chromium) driven through the
// DevTools protocol, with a fresh profile, at the size of a technician's
// 1366x768 screen.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string
}

// chromiumPath finds Debian's chromium; its absence fails the test.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	t.Fatal("chromium not found: make test installs Debian's chromium for the browser tests")
	return ""
}

func newBrowser(t *testing.T, base string) *browser {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1366, 768),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	// The first run starts the browser and binds it to ctx: it must not
	// be a context with a deadline of its own.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1366, 768)); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return &browser{t: t, ctx: ctx, base: base}
}

// do runs steps, failing the test on the first error, with a bound.
func (b *browser) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 90*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("browser: %v (at %s)", err, b.location())
	}
}

// eval evaluates JavaScript in the page and decodes its value into T.
func eval[T any](b *browser, js string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("browser: evaluate %s: %v", js, err)
	}
	return v
}

// until waits for a JavaScript condition to hold on the page. The page
// may navigate meanwhile (a form posted): the condition is asked again on
// the next page.
func (b *browser) until(what, js string) {
	b.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!(`+js+`)`))
		cancel()
		if err == nil && ok {
			return
		}
		last = err
		time.Sleep(50 * time.Millisecond)
	}
	b.t.Fatalf("browser: waiting for %s: %v (at %s)\n%s", what, last, b.location(), b.bodyText())
}

func (b *browser) location() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	l, _ := chromedp.Run(ctx, chromedp.Location())
	return l
}

func (b *browser) bodyText() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText.slice(0, 2000) : ""`))
	return s
}

// open navigates to a path of the UI and waits for the page's main part.
func (b *browser) open(path string) {
	b.t.Helper()
	b.do(chromedp.Navigate(b.base + path))
	b.until("the page", `document.readyState === "complete" && document.querySelector("main") !== null`)
}

// shot saves what the browser shows, as a technician sees it at
// 1366x768, into the screenshots folder of the test run.
func (b *browser) shot(name string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := screenshotDir(b.t)
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// screenshotDir is where the browser tests keep their screenshots:
// $CHARTSCAN_SCREENSHOT_DIR (make test sets it), else a folder of the test.
func screenshotDir(t *testing.T) string {
	dir := os.Getenv("CHARTSCAN_SCREENSHOT_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "chartscan-screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// signIn signs in through the form.
func (b *browser) signIn(name, password string) {
	b.t.Helper()
	b.open("/ui/login")
	b.do(
		chromedp.SendKeys(chromedp.CSS(`input[name=name]`), name),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), password),
		chromedp.Click(chromedp.CSS(`form button[type=submit]`)),
	)
	b.until("signed in", `location.pathname !== "/ui/login" && document.querySelector("form.who") !== null`)
}

// createUser creates a web UI user with the real command.
func createUser(t *testing.T, m *Main, name, role, password string) {
	t.Helper()
	var out, errOut strings.Builder
	code := run(context.Background(), []string{"--config", m.ConfigFile, "user", "create", "--name", name, "--role", role, "--password-stdin"},
		strings.NewReader(password+"\n"), &out, &errOut)
	if code != 0 {
		t.Fatalf("user create exit %d: %s", code, errOut.String())
	}
}

// TestWebUI is a technician's day in a real browser against the real
// server: sign in, upload from the browser, search for a word printed on
// a page and see it marked, open the hit and find a box over that word
// on the page image, correct a document from the review queue and see it
// leave the queue and appear under its new section, split and merge,
// forms without their CSRF token refused, the audit trail closed to
// technicians, sign-out, and the idle timeout.
func TestWebUI(t *testing.T) {
	m := MustOpenMain(t, map[string]string{"default": testProfile}, nil)
	base := "http://" + m.Addr()
	const adminPW, techPW = "records admin passphrase", "technician passphrase"
	createUser(t, m, "records-admin", "admin", adminPW)
	createUser(t, m, "jdoe", "technician", techPW)
	api := client{t, base, newToken(t, m, "ui-test", "admin")}

	// A stack from a scanning station, through the API.
	src := filepath.Join(testutil.SharedData(t), "charts", "batches", "public-11-012.pdf")
	raw, _ := os.ReadFile(src)
	var up struct {
		BatchID string `json:"batch_id"`
	}
	api.json("POST", "/api/v1/scans?name=stack.pdf", strings.NewReader(string(raw)), 202, &up)

	b := newBrowser(t, base)

	// Without a session every page leads to the sign-in form.
	b.open("/ui/search")
	if loc := b.location(); !strings.Contains(loc, "/ui/login") {
		t.Fatalf("/ui/search without a session went to %s", loc)
	}
	b.shot("01-sign-in")
	b.signIn("jdoe", techPW)

	// A page with no MRN, uploaded from the browser: it will need review.
	b.open("/ui/upload")
	b.do(chromedp.SetUploadFiles(chromedp.CSS(`input[type=file]`), []string{filepath.Join(testutil.SharedData(t), "tesseract-test", "eurotext.tif")}))
	b.do(chromedp.Click(chromedp.CSS(`form[enctype] button[type=submit]`)))
	b.until("the upload to be received", `location.pathname === "/ui/batches" && document.querySelector(".flash") !== null`)
	uploaded := eval[string](b, `new URLSearchParams(location.search).get("uploaded")`)
	if len(uploaded) != 16 {
		t.Fatalf("upload landed on %s", b.location())
	}
	waitBatch(t, api, up.BatchID)
	if got := waitBatch(t, api, uploaded); got.Status != "done" {
		t.Fatalf("uploaded batch = %+v", got)
	}
	b.open("/ui/batches")
	b.until("both batches listed", fmt.Sprintf(`document.querySelector("#batch-%s") && document.querySelector("#batch-%s")`, up.BatchID, uploaded))
	b.shot("02-batches")

	// Search for a word printed on the last page of the stack.
	truth := readTruth(t, "public-11-012")
	word := distinctiveWord(truth[len(truth)-1].Text)
	b.open("/ui/search")
	b.do(chromedp.SendKeys(chromedp.CSS(`form[role=search] input[name=q]`), word+"\n"))
	b.until("hits", `document.querySelector(".hit-item") !== null`)
	marked := eval[string](b, `Array.from(document.querySelectorAll(".hit-item mark")).map(m => m.textContent.toLowerCase()).join(" ")`)
	if !strings.Contains(marked, word) {
		t.Fatalf("the word %q is not marked in the hits (marked: %q)", word, marked)
	}
	if loc := b.location(); !strings.Contains(loc, "q="+url.QueryEscape(word)) {
		t.Errorf("search URL %s does not carry the query", loc)
	}
	b.shot("03-search")

	// The hit opens the document at its page, with a .hit box over the word.
	href := eval[string](b, `document.querySelector(".hit-item a.hit-link").getAttribute("href")`)
	if !strings.HasPrefix(href, "/ui/documents/") || !strings.Contains(href, "page=4") || !strings.Contains(href, "q=") {
		t.Fatalf("hit link %q", href)
	}
	b.do(chromedp.Click(chromedp.CSS(`.hit-item a.hit-link`)))
	b.until("the page image with its boxes", `(() => { const i = document.querySelector("img.page"); return i && i.complete && i.naturalWidth > 0 && document.querySelector(".hit") !== null })()`)
	b.shot("04-viewer")
	docID := strings.TrimPrefix(strings.SplitN(href, "?", 2)[0], "/ui/documents/")
	var doc struct {
		Pages       []string `json:"pages"`
		PageDetails []struct {
			ID     string `json:"id"`
			Number int    `json:"number"`
		} `json:"page_details"`
	}
	api.json("GET", "/api/v1/documents/"+docID, nil, 200, &doc)
	pageID := ""
	for _, p := range doc.PageDetails {
		if p.Number == 4 {
			pageID = p.ID
		}
	}
	var pg chartscan.Page
	api.json("GET", "/api/v1/pages/"+pageID, nil, 200, &pg)
	var want []chartscan.Word
	for _, w := range pg.Words {
		if strings.Contains(strings.ToLower(w.Text), word) {
			want = append(want, w)
		}
	}
	if len(want) == 0 {
		t.Fatalf("page %s has no word %q", pageID, word)
	}
	// Where the boxes are drawn, in the image's own pixels.
	type rect struct{ X, Y, W, H float64 }
	drawn := eval[[]rect](b, `(() => {
		const img = document.querySelector("img.page").getBoundingClientRect();
		const sx = document.querySelector("img.page").naturalWidth / img.width;
		const sy = document.querySelector("img.page").naturalHeight / img.height;
		return Array.from(document.querySelectorAll(".hit")).map(h => {
			const r = h.getBoundingClientRect();
			return {X: (r.left - img.left) * sx, Y: (r.top - img.top) * sy, W: r.width * sx, H: r.height * sy};
		});
	})()`)
	overlap := func(a rect, w chartscan.Word) float64 {
		ix := math.Max(0, math.Min(a.X+a.W, float64(w.X+w.W))-math.Max(a.X, float64(w.X)))
		iy := math.Max(0, math.Min(a.Y+a.H, float64(w.Y+w.H))-math.Max(a.Y, float64(w.Y)))
		union := a.W*a.H + float64(w.W*w.H) - ix*iy
		return ix * iy / union
	}
	for _, w := range want {
		best := 0.0
		for _, d := range drawn {
			best = math.Max(best, overlap(d, w))
		}
		if best < 0.8 {
			t.Errorf("no .hit box over %q at %d,%d %dx%d (boxes drawn: %+v)", w.Text, w.X, w.Y, w.W, w.H, drawn)
		}
	}
	// Zoom: the boxes follow the image.
	b.do(chromedp.Click(chromedp.CSS(`button[data-zoom=in]`)), chromedp.Click(chromedp.CSS(`button[data-zoom=in]`)))
	ratio := eval[float64](b, `(() => { const i = document.querySelector("img.page").getBoundingClientRect(); const h = document.querySelector(".hit").getBoundingClientRect(); return (h.left - i.left) / i.width; })()`)
	if d := drawn[0].X/float64(pg.Width) - ratio; math.Abs(d) > 0.002 {
		t.Errorf("after zooming the box moved off its word: %.4f vs %.4f of the width", ratio, drawn[0].X/float64(pg.Width))
	}

	// The review queue: the uploaded page has no MRN. Correct it with the
	// keyboard flow, "save and next".
	var review struct {
		Documents []struct {
			ID      string `json:"id"`
			BatchID string `json:"batch_id"`
		} `json:"documents"`
	}
	api.json("GET", "/api/v1/review?limit=100", nil, 200, &review)
	target := ""
	for _, d := range review.Documents {
		if d.BatchID == uploaded {
			target = d.ID
		}
	}
	if target == "" {
		t.Fatalf("the page without an MRN is not in the review queue: %+v", review.Documents)
	}
	b.open("/ui/review")
	b.until("the queue", fmt.Sprintf(`document.querySelector('a[href="/ui/documents/%s?review=1"]') !== null`, target))
	b.shot("05-review")
	b.open("/ui/documents/" + target + "?review=1")
	b.until("the correction form", `document.querySelector("form.correct select[name=section]") !== null`)
	if focused := eval[string](b, `document.activeElement ? document.activeElement.name || "" : ""`); focused != "section" {
		t.Errorf("in review the section is not focused for the keyboard (focus on %q)", focused)
	}
	b.do(
		chromedp.SetValue(chromedp.CSS(`form.correct select[name=section]`), "correspondence"),
		chromedp.SetValue(chromedp.CSS(`form.correct input[name=mrn]`), "00417744"),
		chromedp.Click(chromedp.CSS(`form.correct button[name=next]`)),
	)
	b.until("the next step of the queue", fmt.Sprintf(`!location.pathname.endsWith("%s") && document.querySelector(".flash") !== null`, target))
	var after chartscan.Document
	api.json("GET", "/api/v1/documents/"+target, nil, 200, &after)
	if after.Section != chartscan.SectionCorrespondence || after.MRN != "00417744" || after.NeedsReview || after.CorrectedBy != "jdoe" {
		t.Fatalf("after save and next: %+v", after)
	}
	api.json("GET", "/api/v1/review?limit=100", nil, 200, &review)
	for _, d := range review.Documents {
		if d.ID == target {
			t.Error("the corrected document is still in the review queue")
		}
	}
	b.open("/ui/search?section=correspondence&mrn=00417744")
	b.until("the corrected document under its new section", fmt.Sprintf(`document.querySelector('a.hit-link[href^="/ui/documents/%s"]') !== null`, target))

	// Bad input changes nothing: an unknown section, a malformed date, a
	// stale form; each says why on the page.
	b.open("/ui/documents/" + docID)
	before := after
	api.json("GET", "/api/v1/documents/"+docID, nil, 200, &before)
	b.do(
		chromedp.SetValue(chromedp.CSS(`form.correct input[name=service_date]`), "31/31/2026"),
		chromedp.Click(chromedp.CSS(`form.correct button[type=submit]`)),
	)
	b.until("the refusal", `document.querySelector(".error") !== null`)
	if msg := eval[string](b, `document.querySelector(".error").textContent`); !strings.Contains(msg, "service_date") {
		t.Errorf("malformed date refused with %q", msg)
	}
	var unchanged chartscan.Document
	api.json("GET", "/api/v1/documents/"+docID, nil, 200, &unchanged)
	if unchanged.Version != before.Version || unchanged.ServiceDate != before.ServiceDate {
		t.Errorf("a refused correction changed the document: %+v", unchanged)
	}
	// A form opened before someone else changed the document is stale.
	b.open("/ui/documents/" + docID)
	api.json("PATCH", "/api/v1/documents/"+docID, strings.NewReader(`{"patient_name":"SOMEONE^ELSE"}`), 200, nil)
	b.do(
		chromedp.SetValue(chromedp.CSS(`form.correct input[name=mrn]`), "12345678"),
		chromedp.Click(chromedp.CSS(`form.correct button[type=submit]`)),
	)
	b.until("the stale refusal", `document.querySelector(".error") !== null`)
	if msg := eval[string](b, `document.querySelector(".error").textContent`); !strings.Contains(msg, "changed since it was opened") {
		t.Errorf("stale form refused with %q", msg)
	}
	api.json("GET", "/api/v1/documents/"+docID, nil, 200, &unchanged)
	if unchanged.MRN == "12345678" {
		t.Error("a stale form changed the MRN")
	}

	// Split the stack's document before its second page, then merge the
	// two back, from the forms of the viewer.
	if len(doc.Pages) < 2 {
		api.json("GET", "/api/v1/documents/"+up.BatchID+"-d01", nil, 200, &doc)
		docID = up.BatchID + "-d01"
	}
	if len(doc.Pages) >= 2 {
		b.open("/ui/documents/" + docID)
		b.do(
			chromedp.SetValue(chromedp.CSS(`form.split select[name=before_page]`), doc.Pages[1]),
			chromedp.Click(chromedp.CSS(`form.split button[type=submit]`)),
		)
		b.until("the new document", fmt.Sprintf(`location.pathname.startsWith("/ui/documents/") && !location.pathname.endsWith("%s") && document.querySelector(".flash") !== null`, docID))
		newID := strings.TrimPrefix(eval[string](b, `location.pathname`), "/ui/documents/")
		var kept, split chartscan.Document
		api.json("GET", "/api/v1/documents/"+docID, nil, 200, &kept)
		api.json("GET", "/api/v1/documents/"+newID, nil, 200, &split)
		if len(kept.Pages) != 1 || len(split.Pages) != len(doc.Pages)-1 || string(split.SplitFrom) != docID {
			t.Fatalf("after the split: kept %v, new %v", kept.Pages, split.Pages)
		}
		b.shot("06-split")
		b.open("/ui/documents/" + docID)
		b.do(
			chromedp.SendKeys(chromedp.CSS(`form.merge input[name=with]`), newID),
			chromedp.Click(chromedp.CSS(`form.merge button[type=submit]`)),
		)
		b.until("the merge", `document.querySelector(".flash") !== null || document.querySelector(".error") !== null`)
		var merged chartscan.Document
		api.json("GET", "/api/v1/documents/"+docID, nil, 200, &merged)
		if len(merged.Pages) != len(doc.Pages) {
			t.Fatalf("after the merge: %v (error on the page: %s)", merged.Pages, b.bodyText())
		}
	} else {
		t.Fatalf("no document of two pages to split: %v", doc.Pages)
	}

	// A form posted without its CSRF token is refused and changes nothing.
	status := eval[int](b, fmt.Sprintf(`fetch("/ui/documents/%s", {method: "POST", body: new URLSearchParams({section: "consent", version: "0"})}).then(r => r.status)`, docID))
	if status != 403 {
		t.Errorf("a form without its CSRF token was answered %d, want 403", status)
	}
	api.json("GET", "/api/v1/documents/"+docID, nil, 200, &unchanged)
	if unchanged.Section == chartscan.SectionConsent {
		t.Error("a form without its CSRF token changed the document")
	}

	// So is an upload whose token is missing or wrong, before its file
	// is taken.
	for _, token := range []string{"", "forged"} {
		status := eval[int](b, fmt.Sprintf(`(() => { const f = new FormData(); if (%q) f.append("csrf", %q); f.append("profile", "default"); f.append("file", new Blob(["%%PDF-1.4 not a scan"], {type: "application/pdf"}), "forged.pdf"); return fetch("/ui/upload", {method: "POST", body: f}).then(r => r.status); })()`, token, token))
		if status != 403 {
			t.Errorf("an upload with CSRF token %q was answered %d, want 403", token, status)
		}
	}

	// A link made elsewhere cannot put its words on a chartscan page.
	b.open("/ui/search?done=" + url.QueryEscape("Records moved: sign in again at another address."))
	if eval[bool](b, `document.querySelector(".flash") !== null`) {
		t.Error("a message from the link's query was shown as chartscan's")
	}

	// Nothing of a patient in titles or browser storage.
	if title := eval[string](b, `document.title`); strings.Contains(strings.ToUpper(title), "^") || strings.Contains(title, unchanged.MRN) {
		t.Errorf("page title %q holds patient data", title)
	}
	storage := eval[string](b, `JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage)])`)
	for _, phi := range []string{word, unchanged.MRN, "q=", docID} {
		if strings.Contains(storage, phi) {
			t.Errorf("browser storage holds %q: %s", phi, storage)
		}
	}

	// A technician may not read the audit trail.
	b.open("/ui/audit")
	if txt := b.bodyText(); !strings.Contains(txt, "Not allowed") {
		t.Errorf("a technician opened /ui/audit: %s", txt)
	}
	status = eval[int](b, `fetch("/ui/audit").then(r => r.status)`)
	if status != 403 {
		t.Errorf("/ui/audit for a technician = %d, want 403", status)
	}

	// Sign out ends the session on the server: the old cookie opens nothing.
	cookie := eval[string](b, `document.cookie`) // HttpOnly: nothing readable
	if strings.Contains(cookie, "chartscan_session") {
		t.Error("the session cookie is readable by scripts")
	}
	b.open("/ui/search")
	b.do(chromedp.Click(chromedp.CSS(`form.who button`)))
	b.until("signed out", `location.pathname === "/ui/login"`)
	b.open("/ui/review")
	if loc := b.location(); !strings.Contains(loc, "/ui/login") {
		t.Errorf("after sign-out /ui/review went to %s", loc)
	}

	// The administrator reads the trail of all of it: sign-ins, the
	// failure, the views, the correction, the sign-out, with names.
	b.open("/ui/login")
	b.do(
		chromedp.SendKeys(chromedp.CSS(`input[name=name]`), "records-admin"),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), "not the password"),
		chromedp.Click(chromedp.CSS(`form button[type=submit]`)),
	)
	b.until("the refusal", `document.querySelector(".error") !== null`)
	b.signIn("records-admin", adminPW)
	b.open("/ui/audit?actor=jdoe")
	b.until("the trail", `document.querySelector("table.audit tbody tr") !== null`)
	b.shot("07-audit")
	var trail struct {
		Entries []struct{ Actor, Action, Via, Document string } `json:"entries"`
	}
	api.json("GET", "/api/v1/audit?limit=1000", nil, 200, &trail)
	seen := map[string]bool{}
	for _, e := range trail.Entries {
		seen[e.Actor+" "+e.Action+" "+e.Via] = true
	}
	for _, w := range []string{"jdoe signin ui", "jdoe search ui", "jdoe document.view ui", "jdoe page.image ui", "jdoe document.correct ui",
		"jdoe document.split ui", "jdoe document.merge ui", "jdoe upload ui", "jdoe signout ui", "records-admin signin.failed ui", "records-admin audit.read ui"} {
		if !seen[w] {
			t.Errorf("audit trail lacks %q", w)
		}
	}

	// The idle timeout ends a session that is not used.
	m.Sessions.Idle = 2 * time.Second
	time.Sleep(3 * time.Second) // idleness is the point
	b.open("/ui/search")
	if loc := b.location(); !strings.Contains(loc, "/ui/login") {
		t.Errorf("after the idle timeout /ui/search went to %s", loc)
	}
}

// On a fresh installation serve prints a one-time link; opened in the
// browser it creates the first administrator, who is then signed in. The
// link works once.
func TestFirstAdministratorLink(t *testing.T) {
	m := MustOpenMain(t, map[string]string{"default": testProfile}, nil)
	found := regexp.MustCompile(`http://\S+/ui/setup\?token=\S+`).FindString(logsOf(m))
	if found == "" {
		t.Fatalf("serve printed no set-up link:\n%s", logsOf(m))
	}
	link, err := url.Parse(found)
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, "http://"+m.Addr())
	b.open(link.RequestURI())
	b.do(
		chromedp.SendKeys(chromedp.CSS(`input[name=name]`), "first-admin"),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), "a long first passphrase"),
		chromedp.SendKeys(chromedp.CSS(`input[name=password2]`), "a long first passphrase"),
		chromedp.Click(chromedp.CSS(`form button[type=submit]`)),
	)
	b.until("signed in as the first administrator", `location.pathname === "/ui/search" && document.querySelector("form.who") !== null && document.querySelector("form.who").textContent.includes("first-admin")`)
	b.shot("00-first-admin")
	users, err := m.Users.List()
	if err != nil || len(users) != 1 || users[0].Role != chartscan.RoleAdmin {
		t.Fatalf("users after set-up: %+v, %v", users, err)
	}
	// The link is spent.
	b2 := newBrowser(t, "http://"+m.Addr())
	b2.open(link.RequestURI())
	if txt := b2.bodyText(); !strings.Contains(txt, "not valid") {
		t.Errorf("the set-up link worked twice: %s", txt)
	}
}

// A release in the browser: a technician picks the patient's documents
// and the authorization, sees the suggested redaction over the SSN, draws
// a box of their own on the page, approves, and finds the release in the
// patient's accounting of disclosures; the packet has both boxes burned in.
func TestReleaseInTheBrowser(t *testing.T) {
	m := MustOpenMain(t, map[string]string{"default": testProfile}, nil)
	base := "http://" + m.Addr()
	createUser(t, m, "roi-clerk", "technician", "release clerk passphrase")
	scanner := client{t, base, newToken(t, m, "station", "scanner")}
	api := client{t, base, newToken(t, m, "checker", "technician")}
	auth := uploadPage(t, scanner, api, "authorization", authorizationPage)
	note := uploadPage(t, scanner, api, "note", ssnNotePage)

	b := newBrowser(t, base)
	b.signIn("roi-clerk", "release clerk passphrase")
	b.open("/ui/releases")
	b.do(chromedp.SendKeys(chromedp.CSS(`form.release-form input[name=mrn]`), "00417744\n"))
	b.until("the patient's documents", `document.querySelector('form.release-form input[name=documents]') !== null`)
	if loc := b.location(); strings.Contains(loc, "00417744") {
		t.Errorf("the MRN went into the URL: %s", loc)
	}
	b.do(
		chromedp.SendKeys(chromedp.CSS(`form.release-form input[name=requester_name]`), "A. Counsel"),
		chromedp.SendKeys(chromedp.CSS(`form.release-form input[name=requester_organization]`), "Lakeside Legal LLP"),
		chromedp.SendKeys(chromedp.CSS(`form.release-form input[name=purpose]`), "personal injury claim"),
		chromedp.SetValue(chromedp.CSS(`form.release-form select[name=authorization_document_id]`), string(auth)),
		chromedp.Click(chromedp.CSS(`form.release-form input[name=documents][value="`+string(note)+`"]`)),
		chromedp.Click(chromedp.CSS(`form.release-form button[type=submit]`)),
	)
	b.until("the draft", `location.pathname.startsWith("/ui/releases/r-") && document.querySelector("rect.redaction.suggested") !== null`)
	id := chartscan.ReleaseID(strings.TrimPrefix(b.location()[strings.Index(b.location(), "/ui/releases/")+len("/ui/releases/"):], ""))
	id = chartscan.ReleaseID(strings.SplitN(string(id), "?", 2)[0])
	b.until("the page image", `(() => { const i = document.querySelector(".drawable img.page"); return i && i.complete && i.naturalWidth > 0 })()`)
	b.shot("08-release-draft")

	// Drag a box over the first line of the page (the title).
	var pg chartscan.Page
	var draft chartscan.Release
	api.json("GET", "/api/v1/releases/"+string(id), nil, 200, &draft)
	api.json("GET", "/api/v1/pages/"+string(draft.Pages[0]), nil, 200, &pg)
	title := pg.Words[0] // "PROGRESS"
	type pt struct{ X, Y float64 }
	corner := func(x, y int) pt {
		return eval[pt](b, fmt.Sprintf(`(() => { const i = document.querySelector(".drawable img.page"); i.scrollIntoView({block: "start"}); const r = i.getBoundingClientRect();
			return {X: r.left + %d * r.width / i.naturalWidth, Y: r.top + %d * r.height / i.naturalHeight}; })()`, x, y))
	}
	from, to := corner(title.X-10, title.Y-10), corner(title.X+title.W+10, title.Y+title.H+10)
	b.do(
		chromedp.MouseEvent(chromedp.MousePressed, from.X, from.Y, chromedp.ButtonLeft),
		chromedp.MouseEvent(chromedp.MouseMoved, (from.X+to.X)/2, (from.Y+to.Y)/2, chromedp.ButtonLeft),
		chromedp.MouseEvent(chromedp.MouseMoved, to.X, to.Y, chromedp.ButtonLeft),
		chromedp.MouseEvent(chromedp.MouseReleased, to.X, to.Y, chromedp.ButtonLeft),
	)
	if n := eval[int](b, `document.querySelectorAll('form#approve input[name=manual]').length`); n != 1 {
		t.Logf("at %v: %s", from, eval[string](b, fmt.Sprintf(`(() => { const e = document.elementFromPoint(%f, %f); return e ? e.outerHTML.slice(0, 200) : "none"; })()`, from.X, from.Y)))
		t.Fatalf("drawing on the page made %d boxes", n)
	}
	b.shot("09-release-boxes")
	b.do(chromedp.Click(chromedp.CSS(`form#approve button[type=submit]`)))
	b.until("the approval", `document.querySelector(".flash") !== null && document.body.innerText.includes("approved")`)
	var approved chartscan.Release
	api.json("GET", "/api/v1/releases/"+string(id), nil, 200, &approved)
	kinds := map[string]int{}
	for _, r := range approved.Redactions {
		kinds[r.Kind]++
		if r.Kind == chartscan.RedactManual {
			if r.Box.X > title.X || r.Box.Y > title.Y || r.Box.X+r.Box.W < title.X+title.W || r.Box.Y+r.Box.H < title.Y+title.H {
				t.Errorf("the drawn box %+v does not cover the title at %+v", r.Box, title)
			}
		}
	}
	if approved.Status != "approved" || kinds[chartscan.RedactManual] != 1 || kinds["ssn"] == 0 {
		t.Fatalf("approved = %s, redactions %v", approved.Status, kinds)
	}

	// The accounting of disclosures shows it.
	b.open("/ui/disclosures")
	b.do(chromedp.SendKeys(chromedp.CSS(`input[name=mrn]`), "00417744\n"))
	b.until("the accounting", `document.querySelector("table.disclosures") !== null`)
	if txt := b.bodyText(); !strings.Contains(txt, "Lakeside Legal LLP") || !strings.Contains(txt, string(id)) {
		t.Errorf("the accounting does not list the release: %s", txt)
	}
	b.shot("10-disclosures")
}
