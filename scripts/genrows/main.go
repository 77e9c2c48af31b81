// Command genrows writes synthetic, distinct evaluation rows for
// scripts/bench.sh: each row has a conv_prefix with a user turn (sometimes
// after a system turn), an assistant response, an integer ground_truth and a
// context, about 300 bytes as JSON (-context-bytes makes rows wider). Rows are deterministic: row i is the same
// on every run, so -start lets the benchmark append new rows to a file.
//
//	go run ./scripts/genrows -n 100000 -jsonl rows.jsonl -json rows.json
//	go run ./scripts/genrows -start 100000 -n 100 -jsonl rows.jsonl -append
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
)

type message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

type row struct {
	ConvPrefix  []message `json:"conv_prefix"`
	Response    message   `json:"response"`
	GroundTruth int64     `json:"ground_truth"`
	Context     string    `json:"context"`
}

var (
	products = []string{"the wireless headphones", "my e-reader", "the standing desk", "a gift card",
		"the coffee grinder", "my subscription", "the hiking boots", "the phone case", "the air purifier",
		"the printer ink", "my laptop sleeve", "the yoga mat", "the smart thermostat"}
	asks = []string{"How long does delivery of %s take to %s?", "Can I return %s if I ordered it from %s?",
		"Is %s covered by the warranty in %s?", "Why was %s charged twice on my card in %s?",
		"How do I change the shipping address for %s to %s?", "Does %s ship with an adapter for %s?"}
	places = []string{"Germany", "Canada", "Brazil", "Japan", "Kenya", "Norway", "Mexico", "India",
		"Australia", "Spain", "Poland", "Chile", "Vietnam", "Ireland"}
	answers = []string{"Delivery usually takes %d to %d business days once the order has shipped.",
		"Yes, returns are accepted within %d days; the label costs %d euros unless the item is faulty.",
		"The warranty lasts %d months and covers defects, not damage; repairs take about %d days.",
		"A duplicate charge is a pending authorisation: it disappears within %d to %d days.",
		"You can change it within %d hours of ordering; after that, contact us with order %d.",
		"Adapters for the %d-volt range ship in the box; plug type %d is sold separately."}
	contexts = []string{"shipping", "returns", "warranty", "billing", "account", "hardware"}
)

// contextPad is the -context-bytes flag: 0 keeps rows at about 300 bytes.
var contextPad int

// makeRow returns row i: the order number makes every row distinct, and a
// per-row pseudo-random choice of topic, product, place and figures makes the
// rows vary the way real tickets do. A topic's answer matches its question
// (ground_truth 1) except for about one row in five, which gets another
// topic's answer (ground_truth 0).
func makeRow(i int64) row {
	u := uint64(i)*0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019
	pick := func(n int) int {
		u ^= u >> 29
		u *= 0xBF58476D1CE4E5B9
		u ^= u >> 32
		return int(u % uint64(n))
	}
	topic := pick(len(asks))
	answer, truth := topic, int64(1)
	if pick(5) == 0 {
		answer, truth = (topic+1+pick(len(answers)-1))%len(answers), 0
	}
	r := row{
		ConvPrefix: []message{{Role: "user", Content: fmt.Sprintf("Order #%07d: "+asks[topic],
			i, products[pick(len(products))], places[pick(len(places))])}},
		Response: message{Role: "assistant", Content: fmt.Sprintf(answers[answer],
			2+pick(5), 7+pick(30))},
		GroundTruth: truth,
		Context:     fmt.Sprintf("%s/ticket-%d", contexts[topic], 100000+i),
	}
	if pad := contextPad - len(r.Context); pad > 0 {
		// Wide rows: the ticket's notes, drawn from the same vocabulary.
		notes := make([]byte, 0, contextPad)
		notes = append(notes, r.Context...)
		notes = append(notes, " notes:"...)
		for len(notes) < contextPad {
			notes = append(notes, ' ')
			notes = append(notes, products[pick(len(products))]...)
			notes = append(notes, ' ')
			notes = append(notes, places[pick(len(places))]...)
		}
		r.Context = string(notes[:contextPad])
	}
	if pick(4) == 0 {
		r.ConvPrefix = append([]message{{Role: "system",
			Content: "You are a concise support assistant of an online shop."}}, r.ConvPrefix...)
	}
	return r
}

func main() {
	n := flag.Int64("n", 100000, "number of rows")
	start := flag.Int64("start", 0, "index of the first row")
	jsonlPath := flag.String("jsonl", "", "write the rows as JSON Lines to this file")
	jsonPath := flag.String("json", "", "write the rows as one JSON array to this file")
	appendMode := flag.Bool("append", false, "append to the -jsonl file instead of replacing it")
	flag.IntVar(&contextPad, "context-bytes", 0, "lengthen each row's context to about this many bytes (wide rows)")
	flag.Parse()
	if err := run(*start, *n, *jsonlPath, *jsonPath, *appendMode); err != nil {
		fmt.Fprintln(os.Stderr, "genrows:", err)
		os.Exit(1)
	}
}

func run(start, n int64, jsonlPath, jsonPath string, appendMode bool) (err error) {
	if n < 0 || start < 0 {
		return errors.New("-n and -start must not be negative")
	}
	if jsonlPath == "" && jsonPath == "" {
		return errors.New("give -jsonl, -json or both")
	}
	if appendMode && jsonPath != "" {
		return errors.New("-append applies to -jsonl only")
	}
	var jl, ja *bufio.Writer
	var files []*os.File
	defer func() {
		for _, f := range files {
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
	}()
	open := func(path string, flags int) (*bufio.Writer, error) {
		f, err := os.OpenFile(path, flags, 0o644)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
		return bufio.NewWriterSize(f, 1<<20), nil
	}
	if jsonlPath != "" {
		flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
		if appendMode {
			flags = os.O_WRONLY | os.O_CREATE | os.O_APPEND
		}
		if jl, err = open(jsonlPath, flags); err != nil {
			return err
		}
	}
	if jsonPath != "" {
		if ja, err = open(jsonPath, os.O_WRONLY|os.O_CREATE|os.O_TRUNC); err != nil {
			return err
		}
		_ = ja.WriteByte('[') // bufio errors are sticky: Flush reports them
	}
	for i := start; i < start+n; i++ {
		b, err := json.Marshal(makeRow(i))
		if err != nil {
			return err
		}
		// bufio errors are sticky: the Flush below reports them.
		if jl != nil {
			_, _ = jl.Write(b)
			_ = jl.WriteByte('\n')
		}
		if ja != nil {
			if i > start {
				_ = ja.WriteByte(',')
			}
			_, _ = ja.Write(b)
		}
	}
	for _, w := range []*bufio.Writer{jl, ja} {
		if w == nil {
			continue
		}
		if w == ja {
			_, _ = w.WriteString("]\n")
		}
		if err := w.Flush(); err != nil {
			return err
		}
	}
	return nil
}
