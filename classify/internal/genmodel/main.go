// Command genmodel builds chartscan's built-in section model from the
// MTSamples transcribed notes and the classifier's seed texts:
//
//	go generate ./classify
//
// A fifth of the notes is held out, and each seed page is left out in
// turn, to fit the model's temperature (how sure its probabilities should
// be); the final model is trained on all.
package main

import (
	"compress/gzip"
	"flag"
	"fmt"
	"math/rand"
	"os"

	"chartscan/classify"
)

func main() {
	in := flag.String("mtsamples", "", "MTSamples CSV")
	out := flag.String("o", "model.txt.gz", "output file")
	flag.Parse()
	f, err := os.Open(*in)
	if err != nil {
		fail(err)
	}
	notes, err := classify.ReadMTSamples(f)
	f.Close()
	if err != nil {
		fail(err)
	}
	m := classify.Build(notes, rand.New(rand.NewSource(1)))
	w, err := os.Create(*out)
	if err != nil {
		fail(err)
	}
	zw, _ := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err := m.Write(zw); err != nil {
		fail(err)
	}
	if err := zw.Close(); err != nil {
		fail(err)
	}
	if err := w.Close(); err != nil {
		fail(err)
	}
	fmt.Printf("genmodel: %d notes, %d features, kappa %.2f, beta %.1f -> %s\n", len(notes), len(m.Counts), m.Kappa, m.Beta, *out)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "genmodel:", err)
	os.Exit(1)
}
