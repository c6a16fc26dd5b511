// Package metrics is what chartscan tells a Prometheus server, built on
// github.com/prometheus/client_golang (the only package that imports it).
// It counts and times, never names: labels are profiles, statuses, page
// kinds and route templates — no ids, no query text, no patient data.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds chartscan's metrics in a registry of its own. Its methods
// are safe for concurrent use.
type Metrics struct {
	reg       *prometheus.Registry
	files     *prometheus.CounterVec
	pages     *prometheus.CounterVec
	ocr       prometheus.Histogram
	retries   prometheus.Counter
	requests  *prometheus.CounterVec
	followLag prometheus.Gauge
}

// Gauges are read when Prometheus scrapes. Each may be nil.
type Gauges struct {
	// QueueFiles is the number of accepted files waiting or in progress.
	QueueFiles func() int
	// ReviewDocuments is the number of documents waiting for a person;
	// an error leaves the gauge out of that scrape.
	ReviewDocuments func() (int, error)
}

// New returns the metrics, with the gauges g reads at each scrape, and
// the Go runtime's and the process's own.
func New(g Gauges) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		files: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chartscan_files_total",
			Help: "Scanned files the pipeline finished with, by scanner profile and status (done, duplicate, failed).",
		}, []string{"profile", "status"}),
		pages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chartscan_pages_total",
			Help: "Pages processed, by kind (content, cover, separator, blank).",
		}, []string{"kind"}),
		ocr: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "chartscan_ocr_page_seconds",
			Help:    "Time the OCR engine took to read one page.",
			Buckets: []float64{0.25, 0.5, 1, 1.5, 2, 3, 5, 8, 13, 30, 60, 120},
		}),
		retries: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "chartscan_store_retries_total",
			Help: "Object store operations retried after a failure of the store.",
		}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chartscan_http_requests_total",
			Help: "HTTP requests answered, by route template and status code.",
		}, []string{"route", "code"}),
		followLag: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "chartscan_follow_lag_seconds",
			Help: "On a search node: age of the newest change of the bucket applied to the index.",
		}),
	}
	m.reg.MustRegister(m.files, m.pages, m.ocr, m.retries, m.requests, m.followLag,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if g.QueueFiles != nil {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "chartscan_queue_files",
			Help: "Accepted files waiting in the work folder or being processed.",
		}, func() float64 { return float64(g.QueueFiles()) }))
	}
	if g.ReviewDocuments != nil {
		m.reg.MustRegister(&reviewCollector{f: g.ReviewDocuments, desc: prometheus.NewDesc(
			"chartscan_review_documents", "Documents waiting for a person in the review queue.", nil, nil)})
	}
	return m
}

// FileDone counts a file the pipeline finished with.
func (m *Metrics) FileDone(profile, status string) { m.files.WithLabelValues(profile, status).Inc() }

// Page counts a processed page of a kind.
func (m *Metrics) Page(kind string) { m.pages.WithLabelValues(kind).Inc() }

// OCRPage records how long the engine took on one page.
func (m *Metrics) OCRPage(d time.Duration) { m.ocr.Observe(d.Seconds()) }

// StoreRetry counts a retried object store operation.
func (m *Metrics) StoreRetry() { m.retries.Inc() }

// ObserveHTTP counts an answered request by its route template.
func (m *Metrics) ObserveHTTP(route string, code int) {
	m.requests.WithLabelValues(route, strconv.Itoa(code)).Inc()
}

// FollowLag records how far behind the bucket a search node's index is.
func (m *Metrics) FollowLag(d time.Duration) { m.followLag.Set(d.Seconds()) }

// Handler serves the metrics in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// reviewCollector reads the review queue's length at each scrape, and
// leaves it out when the index cannot answer.
type reviewCollector struct {
	f    func() (int, error)
	desc *prometheus.Desc
}

func (c *reviewCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *reviewCollector) Collect(ch chan<- prometheus.Metric) {
	if n, err := c.f(); err == nil {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n))
	}
}
