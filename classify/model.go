package classify

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"math/rand"
	"sort"
	"strconv"
	"strings"

	"chartscan"
)

// Model is a naive Bayes model over weighted features, with a
// temperature that turns its scores into calibrated probabilities. Use
// NewModel or ReadModel. Posterior may be called concurrently; Add, Merge
// and Prune change the model and must not run beside anything else.
//
// Each family of features (words of the running text, headings, title) is
// its own multinomial: a section whose documents carry many titles (the
// seed's) keeps as much probability for the words of its pages as one
// known from untitled notes. Within a family, a section's probabilities
// are smoothed towards the background, the feature's share over all
// sections (Dirichlet smoothing): a section known from a few forms has not
// seen most words of a page, and a word it has not seen must count as no
// evidence, as in the background, not as impossible. Sections known from
// thousands of notes are hardly changed by it.
type Model struct {
	// Counts[f][s] is the weight of feature f seen in section s.
	Counts map[string][]float64
	// totals[fam][s] is the weight of the features of family fam seen in
	// section s; sizes[fam] the number of features of the family.
	totals [numFamilies][]float64
	sizes  [numFamilies]int
	// Alpha smooths the background share of rare features.
	Alpha float64
	// Mu is the weight of the background in a section's probabilities,
	// as a share of the mean weight of a section in the family; 0
	// smooths with Alpha alone (Laplace).
	Mu float64
	// Kappa and Beta turn log-likelihoods into probabilities: the
	// differences between sections are scaled by Kappa / n^Beta, n being
	// the page's feature weight, before the softmax. Both are fitted on
	// documents the model has not seen, so that its confidence matches how
	// often it is right. Beta 1 scales by the mean per feature.
	Kappa, Beta float64
}

// family is a kind of feature, see Features.
type family int

const (
	famText family = iota
	famHeading
	famTitle
	numFamilies
)

// familyOf returns the family of a feature by its prefix.
func familyOf(f string) family {
	switch {
	case strings.HasPrefix(f, "t:"), strings.HasPrefix(f, "tt:"):
		return famTitle
	case strings.HasPrefix(f, "h:"):
		return famHeading
	}
	return famText
}

// sectionIndex maps sections to their index in the taxonomy order.
var sectionIndex = func() map[chartscan.Section]int {
	m := map[chartscan.Section]int{}
	for i, s := range chartscan.Sections {
		m[s] = i
	}
	return m
}()

// DefaultMu is the background weight of new models, chosen by
// cross-validation on transcribed notes and on the seed pages (one left
// out at a time, with its title); see TestSeedCrossValidation.
const DefaultMu = 0.3

// NewModel returns an empty model.
func NewModel() *Model {
	m := &Model{Counts: map[string][]float64{}, Alpha: 0.1, Mu: DefaultMu, Kappa: 20, Beta: 1}
	for i := range m.totals {
		m.totals[i] = make([]float64, len(chartscan.Sections))
	}
	return m
}

// count adds weight w of feature f to section i.
func (m *Model) count(f string, i int, w float64) {
	c := m.Counts[f]
	if c == nil {
		c = make([]float64, len(chartscan.Sections))
		m.Counts[f] = c
		m.sizes[familyOf(f)]++
	}
	c[i] += w
	m.totals[familyOf(f)][i] += w
}

// Add counts a document's features for its section, weight times (a
// negative weight takes a document out again).
func (m *Model) Add(s chartscan.Section, feats map[string]float64, weight float64) {
	i, ok := sectionIndex[s]
	if !ok {
		return
	}
	for f, w := range feats {
		m.count(f, i, w*weight)
	}
}

// Merge adds the counts of o to m.
func (m *Model) Merge(o *Model) {
	for f, oc := range o.Counts {
		for i, v := range oc {
			if v != 0 {
				m.count(f, i, v)
			}
		}
	}
}

// Known reports whether the model saw any document of section s.
func (m *Model) Known(s chartscan.Section) bool {
	i, ok := sectionIndex[s]
	if !ok {
		return false
	}
	for f := range m.totals {
		if m.totals[f][i] > 0 {
			return true
		}
	}
	return false
}

// LogLikelihoods returns, per section, the log-likelihood of the features
// and the total feature weight. Sections the model never saw get -Inf.
// Priors are uniform: a site's mix of documents is not the training mix.
func (m *Model) LogLikelihoods(feats map[string]float64) ([]float64, float64) {
	ns := len(chartscan.Sections)
	ll := make([]float64, ns)
	var denom, all [numFamilies][]float64
	var mu [numFamilies]float64
	var sum [numFamilies]float64
	for fam := range denom {
		denom[fam] = make([]float64, ns)
		all[fam] = m.totals[fam]
		known := 0
		for i := range ns {
			sum[fam] += m.totals[fam][i]
			if m.totals[fam][i] > 0 {
				known++
			}
		}
		if known > 0 {
			mu[fam] = m.Mu * sum[fam] / float64(known)
		}
		v := float64(m.sizes[fam]) + 1
		for i := range ns {
			if mu[fam] > 0 {
				denom[fam][i] = math.Log(m.totals[fam][i] + mu[fam])
			} else {
				denom[fam][i] = math.Log(m.totals[fam][i] + m.Alpha*v)
			}
		}
	}
	seen := make([]bool, ns)
	for i := range ns {
		seen[i] = m.Known(chartscan.Sections[i])
		if !seen[i] {
			ll[i] = math.Inf(-1)
		}
	}
	var n float64
	for f, w := range feats {
		c := m.Counts[f]
		if c == nil {
			continue // unknown everywhere: no evidence either way
		}
		fam := familyOf(f)
		n += w
		smooth := m.Alpha
		if mu[fam] > 0 {
			var cf float64
			for _, x := range c {
				cf += x
			}
			v := float64(m.sizes[fam]) + 1
			smooth = mu[fam] * (cf + m.Alpha) / (sum[fam] + m.Alpha*v)
		}
		for i := range ll {
			if seen[i] {
				ll[i] += w * (math.Log(c[i]+smooth) - denom[fam][i])
			}
		}
	}
	return ll, n
}

// Posterior returns the probability of each section for the features.
func (m *Model) Posterior(feats map[string]float64) []float64 {
	ll, n := m.LogLikelihoods(feats)
	return softmax(ll, m.Kappa, scale(n, m.Beta))
}

// scale is the divisor of the log-likelihood differences of a page of
// feature weight n.
func scale(n, beta float64) float64 {
	if n <= 0 {
		return 0
	}
	return math.Pow(n, beta)
}

// softmax turns log-likelihoods into probabilities, scaling their
// differences by kappa/n; n <= 0 (no known feature) gives all zeros.
func softmax(ll []float64, kappa, n float64) []float64 {
	p := make([]float64, len(ll))
	if n <= 0 {
		return p
	}
	best := math.Inf(-1)
	for _, v := range ll {
		best = math.Max(best, v)
	}
	var sum float64
	for i, v := range ll {
		if math.IsInf(v, -1) {
			continue
		}
		p[i] = math.Exp(kappa * (v - best) / n)
		sum += p[i]
	}
	for i := range p {
		p[i] /= sum
	}
	return p
}

// Labeled is a training document.
type Labeled struct {
	Section chartscan.Section
	Text    string
	Weight  float64 // how many documents it counts as; 0 means 1
	// Title, when set, is the document's title; otherwise it is found
	// in Text as on a page (extract.Title).
	Title string
}

// features returns the document's features, with its title if given.
func (d Labeled) features() map[string]float64 {
	if d.Title != "" {
		return titledFeatures(d.Title, d.Text)
	}
	return Features(d.Text)
}

// Train builds a model from labeled documents and fits its temperature on
// held, a separate set of labeled documents (none: the default kappa).
func Train(docs, held []Labeled) *Model {
	m := NewModel()
	for _, d := range docs {
		w := d.Weight
		if w == 0 {
			w = 1
		}
		m.Add(d.Section, d.features(), w)
	}
	m.Prune(1)
	if len(held) > 0 {
		m.Kappa, m.Beta = bestTemperature(scoreHeld(m, held))
	}
	return m
}

// Prune drops features seen with a total weight below min, which are
// mostly OCR noise and names, to keep the model small.
func (m *Model) Prune(min float64) {
	for f, c := range m.Counts {
		var t float64
		for _, v := range c {
			t += v
		}
		if t < min {
			for i, v := range c {
				m.totals[familyOf(f)][i] -= v
			}
			m.sizes[familyOf(f)]--
			delete(m.Counts, f)
		}
	}
}

// scored is a held-out document as the model scores it.
type scored struct {
	ll    []float64
	n     float64
	truth int
}

// scoreHeld scores documents the model was not trained on.
func scoreHeld(m *Model, held []Labeled) []scored {
	var data []scored
	for _, d := range held {
		ll, n := m.LogLikelihoods(d.features())
		data = append(data, scored{ll, n, sectionIndex[d.Section]})
	}
	return data
}

// scoreLeftOut scores each seed page of docs (which the model was trained
// on) with the page taken out of the model, and with it the seed title it
// bears: the model then sees it as a page of a new site, a form it does
// not know under a title it has not seen.
func scoreLeftOut(m *Model, docs []Labeled) []scored {
	var data []scored
	for _, d := range docs {
		if d.Title == "" || d.Text == d.Title {
			continue // not a seed page, or a title on its own
		}
		out := []Labeled{d}
		for _, e := range docs {
			if e.Text == e.Title && e.Section == d.Section && strings.EqualFold(e.Title, d.Title) {
				out = append(out, e)
			}
		}
		for _, e := range out {
			m.Add(e.Section, e.features(), -e.Weight)
		}
		ll, n := m.LogLikelihoods(Features(d.Text))
		data = append(data, scored{ll, n, sectionIndex[d.Section]})
		for _, e := range out {
			m.Add(e.Section, e.features(), e.Weight)
		}
	}
	return data
}

// bestTemperature returns the kappa and beta that minimise the log-loss
// on data (the defaults when there is none).
func bestTemperature(data []scored) (kappa, beta float64) {
	kappa, beta = 20, 1
	bestLoss := math.Inf(1)
	for b := 0.8; b <= 1.61; b += 0.1 {
		scales := make([]float64, len(data))
		for i, d := range data {
			scales[i] = scale(d.n, b)
		}
		for k := 0.05; k <= 5000; k *= 1.15 {
			var loss float64
			for i, d := range data {
				p := softmax(d.ll, k, scales[i])
				loss -= math.Log(math.Max(p[d.truth], 1e-9))
			}
			if loss < bestLoss {
				kappa, beta, bestLoss = k, b, loss
			}
		}
	}
	return kappa, beta
}

// Write saves the model as text: a header, then one line per feature with
// its non-zero counts.
func (m *Model) Write(w io.Writer) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "chartscan-section-model\t2\n")
	fmt.Fprintf(bw, "alpha\t%g\nmu\t%g\nkappa\t%g\nbeta\t%g\n", m.Alpha, m.Mu, m.Kappa, m.Beta)
	names := make([]string, len(chartscan.Sections))
	for i, s := range chartscan.Sections {
		names[i] = string(s)
	}
	fmt.Fprintf(bw, "sections\t%s\n", strings.Join(names, ","))
	feats := make([]string, 0, len(m.Counts))
	for f := range m.Counts {
		feats = append(feats, f)
	}
	sort.Strings(feats)
	for _, f := range feats {
		var parts []string
		for i, v := range m.Counts[f] {
			if v != 0 {
				parts = append(parts, strconv.Itoa(i)+":"+strconv.FormatFloat(v, 'g', 6, 64))
			}
		}
		fmt.Fprintf(bw, "%s\t%s\n", f, strings.Join(parts, ","))
	}
	return bw.Flush()
}

// ReadModel loads a model written by Write (version 2, or version 1 of
// earlier releases, which has no background weight).
func ReadModel(r io.Reader) (*Model, error) {
	m := NewModel()
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	line := 0
	// The header lines of each version, after the first; then one line
	// per feature (whose names may be any word, "alpha" and "sections"
	// included).
	var header []string
	var order []int // file section index -> taxonomy index
	for sc.Scan() {
		line++
		k, v, ok := strings.Cut(sc.Text(), "\t")
		if !ok {
			return nil, fmt.Errorf("classify: model line %d is malformed", line)
		}
		if line == 1 {
			switch {
			case k == "chartscan-section-model" && v == "1":
				header = []string{"alpha", "kappa", "sections"}
				m.Mu = 0
			case k == "chartscan-section-model" && v == "2":
				header = []string{"alpha", "mu", "kappa", "beta", "sections"}
			default:
				return nil, fmt.Errorf("classify: not a section model (version 1 or 2)")
			}
			continue
		}
		if line-2 < len(header) {
			if k != header[line-2] {
				return nil, fmt.Errorf("classify: model header line %d is malformed", line)
			}
			switch k {
			case "alpha":
				m.Alpha, _ = strconv.ParseFloat(v, 64)
			case "mu":
				m.Mu, _ = strconv.ParseFloat(v, 64)
			case "kappa":
				m.Kappa, _ = strconv.ParseFloat(v, 64)
			case "beta":
				m.Beta, _ = strconv.ParseFloat(v, 64)
			case "sections":
				for _, s := range strings.Split(v, ",") {
					i, ok := sectionIndex[chartscan.Section(s)]
					if !ok {
						i = -1 // a section this version does not know
					}
					order = append(order, i)
				}
			}
			continue
		}
		if _, dup := m.Counts[k]; dup {
			return nil, fmt.Errorf("classify: model line %d repeats a feature", line)
		}
		for _, p := range strings.Split(v, ",") {
			is, vs, _ := strings.Cut(p, ":")
			fi, err1 := strconv.Atoi(is)
			x, err2 := strconv.ParseFloat(vs, 64)
			if err1 != nil || err2 != nil || fi < 0 || fi >= len(order) {
				return nil, fmt.Errorf("classify: model line %d is malformed", line)
			}
			if ti := order[fi]; ti >= 0 {
				m.count(k, ti, x)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if line < len(header)+1 {
		return nil, fmt.Errorf("classify: model header is cut short")
	}
	return m, nil
}

// Build makes a section model from MTSamples notes and the seed texts. It
// fits the temperature on documents the model has not seen: a fifth of the
// notes held out (chosen by rng), and every seed page left out in turn
// with its title (see scoreLeftOut); then it trains on all of them.
func Build(notes []MTSample, rng *rand.Rand) *Model {
	idx := rng.Perm(len(notes))
	var train, held, all []Labeled
	for k, i := range idx {
		l := Labeled{Section: notes[i].Section, Text: notes[i].Text}
		all = append(all, l)
		if k%5 == 0 {
			held = append(held, l)
		} else {
			train = append(train, l)
		}
	}
	seed := SeedDocuments()
	fitted := Train(append(train, seed...), nil)
	kappa, beta := bestTemperature(append(scoreHeld(fitted, held), scoreLeftOut(fitted, seed)...))
	m := Train(append(all, seed...), nil)
	m.Prune(2)
	m.Kappa, m.Beta = kappa, beta
	return m
}
