package dataset

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// referenceRows decodes a JSON array of rows with encoding/json, the way the
// API's own JSON parser would see it, and applies the row schema strictly.
// It is the oracle the fuzz targets hold the hand-written scanner to: it is
// slow and simple, where the scanner is fast and careful.
func referenceRows(data []byte) ([]Row, error) {
	var elems []json.RawMessage
	if err := json.Unmarshal(data, &elems); err != nil {
		return nil, err
	}
	rows := make([]Row, 0, len(elems))
	for i, e := range elems {
		r, err := referenceRow(e)
		if err != nil {
			return nil, fmt.Errorf("row %d: %w", i+1, err)
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// referenceRow decodes one row object. Keys are matched exactly (encoding/json
// would match struct fields case-insensitively, the scanner does not), and
// unknown keys are ignored, as the scanner drops them.
func referenceRow(data []byte) (Row, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil || obj == nil {
		return Row{}, fmt.Errorf("not an object")
	}
	var r Row
	conv, ok := obj["conv_prefix"]
	if !ok {
		return Row{}, fmt.Errorf("no conv_prefix")
	}
	var turns []json.RawMessage
	if err := json.Unmarshal(conv, &turns); err != nil || turns == nil {
		return Row{}, fmt.Errorf("conv_prefix is not a list")
	}
	for _, t := range turns {
		m, err := referenceMessage(t)
		if err != nil {
			return Row{}, err
		}
		r.ConvPrefix = append(r.ConvPrefix, m)
	}
	resp, ok := obj["response"]
	if !ok {
		return Row{}, fmt.Errorf("no response")
	}
	var err error
	if r.Response, err = referenceMessage(resp); err != nil {
		return Row{}, err
	}
	if gt, ok := obj["ground_truth"]; ok && !bytes.Equal(gt, []byte("null")) {
		var n json.Number
		d := json.NewDecoder(bytes.NewReader(gt))
		d.UseNumber()
		if err := d.Decode(&n); err != nil {
			return Row{}, fmt.Errorf("ground_truth is not a number")
		}
		v, err := n.Int64()
		if err != nil {
			return Row{}, fmt.Errorf("ground_truth is not an int64")
		}
		r.GroundTruth = &v
	}
	if ctx, ok := obj["context"]; ok && !bytes.Equal(ctx, []byte("null")) {
		var s string
		if err := json.Unmarshal(ctx, &s); err != nil {
			return Row{}, fmt.Errorf("context is not a string")
		}
		r.Context = &s
	}
	return r, nil
}

func referenceMessage(data []byte) (Message, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil || obj == nil {
		return Message{}, fmt.Errorf("message is not an object")
	}
	var m Message
	for key, dst := range map[string]*string{"role": &m.Role, "content": &m.Content} {
		v, ok := obj[key]
		if !ok {
			return Message{}, fmt.Errorf("message has no %s", key)
		}
		if len(v) == 0 || v[0] != '"' {
			return Message{}, fmt.Errorf("%s is not a string", key)
		}
		if err := json.Unmarshal(v, dst); err != nil {
			return Message{}, err
		}
	}
	return m, nil
}

// jsonlAsArray joins the non-blank lines of a JSONL source into one JSON
// array, so that referenceRows can read it. ok is false when a line is not
// valid JSON on its own (the scanner must then report an error).
func jsonlAsArray(data []byte) (array []byte, ok bool) {
	data = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))
	array = append(array, '[')
	n := 0
	for _, line := range bytes.Split(data, []byte("\n")) {
		if len(bytes.Trim(line, " \t\r")) == 0 {
			continue
		}
		if !json.Valid(line) {
			return nil, false
		}
		if n > 0 {
			array = append(array, ',')
		}
		array = append(array, line...)
		n++
	}
	return append(array, ']'), true
}
