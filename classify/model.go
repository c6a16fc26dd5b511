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

// Model is a multinomial naive Bayes model over weighted features, with a
// temperature that turns its scores into calibrated probabilities. The
// zero value is an empty model.
type Model struct {
	// Counts[f][s] is the weight of feature f seen in section s.
	Counts map[string][]float64
	// Totals[s] is the total feature weight seen in section s.
	Totals []float64
	// Alpha smooths unseen features.
	Alpha float64
	// Kappa scales the per-feature mean log-likelihood before the
	// softmax; fitted on held-out documents so that confidences match
	// how often the model is right.
	Kappa float64
}

// sectionIndex maps sections to their index in the taxonomy order.
var sectionIndex = func() map[chartscan.Section]int {
	m := map[chartscan.Section]int{}
	for i, s := range chartscan.Sections {
		m[s] = i
	}
	return m
}()

// NewModel returns an empty model.
func NewModel() *Model {
	return &Model{Counts: map[string][]float64{}, Totals: make([]float64, len(chartscan.Sections)), Alpha: 0.1, Kappa: 20}
}

// Add counts a document's features for its section, weight times.
func (m *Model) Add(s chartscan.Section, feats map[string]float64, weight float64) {
	i, ok := sectionIndex[s]
	if !ok {
		return
	}
	for f, w := range feats {
		c := m.Counts[f]
		if c == nil {
			c = make([]float64, len(chartscan.Sections))
			m.Counts[f] = c
		}
		c[i] += w * weight
		m.Totals[i] += w * weight
	}
}

// Merge adds the counts of o to m.
func (m *Model) Merge(o *Model) {
	for f, oc := range o.Counts {
		c := m.Counts[f]
		if c == nil {
			c = make([]float64, len(chartscan.Sections))
			m.Counts[f] = c
		}
		for i, v := range oc {
			c[i] += v
		}
	}
	for i, v := range o.Totals {
		m.Totals[i] += v
	}
}

// LogLikelihoods returns, per section, the log-likelihood of the features
// and the total feature weight. Sections the model never saw get -Inf.
// Priors are uniform: a site's mix of documents is not the training mix.
func (m *Model) LogLikelihoods(feats map[string]float64) ([]float64, float64) {
	ll := make([]float64, len(chartscan.Sections))
	v := float64(len(m.Counts)) + 1
	denom := make([]float64, len(ll))
	for i := range ll {
		if m.Totals[i] == 0 {
			ll[i] = math.Inf(-1)
			continue
		}
		denom[i] = math.Log(m.Totals[i] + m.Alpha*v)
	}
	var n float64
	for f, w := range feats {
		c := m.Counts[f]
		if c == nil {
			continue // unknown everywhere: no evidence either way
		}
		n += w
		for i := range ll {
			if m.Totals[i] == 0 {
				continue
			}
			ll[i] += w * (math.Log(c[i]+m.Alpha) - denom[i])
		}
	}
	return ll, n
}

// Posterior returns the probability of each section for the features.
func (m *Model) Posterior(feats map[string]float64) []float64 {
	ll, n := m.LogLikelihoods(feats)
	return softmax(ll, m.Kappa, n)
}

// softmax turns log-likelihoods into probabilities, scaling the mean
// log-likelihood per unit of feature weight by kappa.
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
		m.Add(d.Section, Features(d.Text), w)
	}
	m.Prune(1)
	if len(held) > 0 {
		m.Kappa = fitKappa(m, held)
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
			delete(m.Counts, f)
		}
	}
}

// fitKappa picks the temperature that minimises the log-loss on held.
func fitKappa(m *Model, held []Labeled) float64 {
	type scored struct {
		ll    []float64
		n     float64
		truth int
	}
	var data []scored
	for _, d := range held {
		ll, n := m.LogLikelihoods(Features(d.Text))
		data = append(data, scored{ll, n, sectionIndex[d.Section]})
	}
	best, bestLoss := m.Kappa, math.Inf(1)
	for k := 1.0; k <= 400; k *= 1.15 {
		var loss float64
		for _, d := range data {
			p := softmax(d.ll, k, d.n)
			loss -= math.Log(math.Max(p[d.truth], 1e-9))
		}
		if loss < bestLoss {
			best, bestLoss = k, loss
		}
	}
	return best
}

// Write saves the model as text: a header, then one line per feature with
// its non-zero counts.
func (m *Model) Write(w io.Writer) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "chartscan-section-model\t1\n")
	fmt.Fprintf(bw, "alpha\t%g\nkappa\t%g\n", m.Alpha, m.Kappa)
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

// ReadModel loads a model written by Write.
func ReadModel(r io.Reader) (*Model, error) {
	m := NewModel()
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	line := 0
	var order []int // file section index -> taxonomy index
	for sc.Scan() {
		line++
		k, v, ok := strings.Cut(sc.Text(), "\t")
		if !ok {
			return nil, fmt.Errorf("classify: model line %d is malformed", line)
		}
		// Four header lines, then one line per feature (whose names may
		// be any word, "alpha" and "sections" included).
		switch {
		case line == 1:
			if k != "chartscan-section-model" || v != "1" {
				return nil, fmt.Errorf("classify: not a section model (version 1)")
			}
		case line == 2 && k == "alpha":
			m.Alpha, _ = strconv.ParseFloat(v, 64)
		case line == 3 && k == "kappa":
			m.Kappa, _ = strconv.ParseFloat(v, 64)
		case line == 4 && k == "sections":
			for _, s := range strings.Split(v, ",") {
				i, ok := sectionIndex[chartscan.Section(s)]
				if !ok {
					i = -1 // a section this version does not know
				}
				order = append(order, i)
			}
		case line <= 4:
			return nil, fmt.Errorf("classify: model header line %d is malformed", line)
		default:
			c := make([]float64, len(chartscan.Sections))
			for _, p := range strings.Split(v, ",") {
				is, vs, _ := strings.Cut(p, ":")
				fi, err1 := strconv.Atoi(is)
				x, err2 := strconv.ParseFloat(vs, 64)
				if err1 != nil || err2 != nil || fi < 0 || fi >= len(order) {
					return nil, fmt.Errorf("classify: model line %d is malformed", line)
				}
				if ti := order[fi]; ti >= 0 {
					c[ti] += x
					m.Totals[ti] += x
				}
			}
			m.Counts[k] = c
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return m, nil
}

// Build makes a section model from MTSamples notes and the seed texts: it
// fits the temperature with a fifth of the notes held out (chosen by rng),
// then trains on all of them.
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
	fitted := Train(append(train, seed...), held)
	m := Train(append(all, seed...), nil)
	m.Prune(2)
	m.Kappa = fitted.Kappa
	return m
}
