package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"chartscan"
)

func (e *cmdEnv) search(ctx context.Context, args []string) error {
	fs := e.flags("search")
	asJSON := fs.Bool("json", false, "print the search API's JSON")
	section := fs.String("section", "", "only this chart section")
	mrn := fs.String("mrn", "", "only this medical record number")
	limit := fs.Int("limit", 20, "hits to show (1-100)")
	words, err := parse(fs, args)
	if err != nil {
		return err
	}
	cfg, err := e.loadConfig()
	if err != nil {
		return err
	}
	q := chartscan.SearchQuery{Text: strings.Join(words, " "), MRN: *mrn, Limit: *limit}
	if *section != "" {
		if q.Section, err = chartscan.ParseSection(*section); err != nil {
			return err
		}
	}
	m, done, err := e.openRecords(cfg, "search", "search through the API or the web UI")
	if err != nil {
		return err
	}
	defer done()
	res, err := m.Records.Search(ctx, operator(), q)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	fmt.Fprintf(e.stdout, "%d pages match\n", res.Total)
	for _, h := range res.Hits {
		fmt.Fprintf(e.stdout, "\n%s  page %d  %s  mrn %s  %s  (score %.2f)\n", h.PageID, h.PageNumber, h.Section, orDash(h.MRN), orDash(h.ServiceDate), h.Score)
		for _, f := range h.Fragments {
			f = strings.NewReplacer("<mark>", "[", "</mark>", "]", "\n", " ").Replace(f)
			fmt.Fprintf(e.stdout, "    %s\n", unescape(f))
		}
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func unescape(s string) string {
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&", "&#34;", `"`, "&#39;", "'", "&quot;", `"`).Replace(s)
}
