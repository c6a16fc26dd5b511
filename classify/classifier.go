// Package classify assigns chart sections to pages from their text.
//
// The classifier is a naive Bayes model over words, headings and titles.
// Its built-in model (model.txt.gz, made by go generate from the
// MTSamples transcribed notes and the Seed texts) works on a new site out
// of the box; what technicians teach it by correcting documents, or with
// `chartscan train`, is kept in the object store under models/sections/
// as one object per lesson, so every node and every restart uses it.
package classify

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"chartscan"
)

//go:generate go run ./internal/genmodel -mtsamples ../../shared/data/mtsamples/mtsamples_public.csv -o model.txt.gz

//go:embed model.txt.gz
var builtinModel []byte

// BuiltinModel returns the model shipped with chartscan.
func BuiltinModel() (*Model, error) {
	zr, err := gzip.NewReader(bytes.NewReader(builtinModel))
	if err != nil {
		return nil, fmt.Errorf("classify: built-in model: %w", err)
	}
	return ReadModel(zr)
}

// LessonsPrefix is where learned lessons are kept in the object store.
const LessonsPrefix = chartscan.LessonsPrefix

// LessonWeight is how many documents one corrected page counts as.
const LessonWeight = 10

// Classifier classifies pages with a base model plus what it has learned.
// It is safe for concurrent use.
type Classifier struct {
	store chartscan.ObjectStore // nil: lessons stay in memory
	log   *slog.Logger

	mu      sync.RWMutex
	base    *Model
	learned *Model
	model   *Model // base + learned
	seen    map[string]bool
}

// New returns a classifier over base that keeps its lessons in store
// (which may be nil).
func New(base *Model, store chartscan.ObjectStore, log *slog.Logger) *Classifier {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Classifier{store: store, log: log, base: base, learned: NewModel(), seen: map[string]bool{}}
	c.model = base
	return c
}

// Classify returns the probability of each section of chartscan.Sections
// for a page of text. A page with no known words gets all zeros.
func (c *Classifier) Classify(text string) []float64 {
	c.mu.RLock()
	m := c.model
	c.mu.RUnlock()
	return m.Posterior(Features(text))
}

// Learn teaches the classifier that pages belong to section, and keeps the
// lesson in the store for other nodes and later runs.
func (c *Classifier) Learn(ctx context.Context, section chartscan.Section, pages []*chartscan.Page) error {
	var texts []string
	for _, p := range pages {
		if strings.TrimSpace(p.Text) != "" {
			texts = append(texts, p.Text)
		}
	}
	return c.LearnTexts(ctx, section, texts)
}

// lesson is one stored correction.
type lesson struct {
	Section  chartscan.Section    `json:"section"`
	Weight   float64              `json:"weight"`
	Features []map[string]float64 `json:"features"` // one map per page
	Time     time.Time            `json:"time"`
}

// LearnTexts teaches the classifier that each text is a page of section.
func (c *Classifier) LearnTexts(ctx context.Context, section chartscan.Section, texts []string) error {
	if !section.Valid() {
		return chartscan.Errorf(chartscan.EINVALID, "unknown section %q", section)
	}
	if len(texts) == 0 {
		return nil
	}
	l := lesson{Section: section, Weight: LessonWeight, Time: time.Now().UTC()}
	for _, t := range texts {
		l.Features = append(l.Features, Features(t))
	}
	key := ""
	if c.store != nil {
		var rnd [6]byte
		rand.Read(rnd[:])
		key = chartscan.LessonKey(l.Time, hex.EncodeToString(rnd[:]))
		if err := chartscan.PutJSON(ctx, c.store, key, &l); err != nil {
			return err
		}
	}
	c.apply(key, &l)
	return nil
}

// apply adds a lesson to the learned model, once per key.
func (c *Classifier) apply(key string, l *lesson) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if key != "" {
		if c.seen[key] {
			return
		}
		c.seen[key] = true
	}
	for _, f := range l.Features {
		c.learned.Add(l.Section, f, l.Weight)
	}
	m := NewModel()
	m.Alpha, m.Mu, m.Kappa, m.Beta = c.base.Alpha, c.base.Mu, c.base.Kappa, c.base.Beta
	m.Merge(c.base)
	m.Merge(c.learned)
	c.model = m
}

// Sync loads the lessons other nodes (or earlier runs) stored.
func (c *Classifier) Sync(ctx context.Context) error {
	if c.store == nil {
		return nil
	}
	var keys []string
	err := c.store.List(ctx, LessonsPrefix, func(o chartscan.ObjectInfo) error {
		c.mu.RLock()
		seen := c.seen[o.Key]
		c.mu.RUnlock()
		if !seen && strings.HasSuffix(o.Key, ".json") {
			keys = append(keys, o.Key)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range keys {
		var l lesson
		if err := chartscan.GetJSON(ctx, c.store, k, &l); err != nil {
			c.log.Warn("skipping unreadable lesson", "key", k, "err", err.Error())
			c.mu.Lock()
			c.seen[k] = true
			c.mu.Unlock()
			continue
		}
		if !l.Section.Valid() {
			continue
		}
		c.apply(k, &l)
	}
	if len(keys) > 0 {
		c.log.Info("section lessons loaded", "new", len(keys))
	}
	return nil
}

// Run syncs every interval until ctx ends.
func (c *Classifier) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := c.Sync(ctx); err != nil && ctx.Err() == nil {
				c.log.Warn("loading section lessons failed", "err", err.Error())
			}
		}
	}
}
