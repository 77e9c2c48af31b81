package rowsync

import (
	"bytes"

	"github.com/collinear-ai/terraform-provider-collinear/internal/client"
	"github.com/collinear-ai/terraform-provider-collinear/internal/dataset"
	"github.com/collinear-ai/terraform-provider-collinear/internal/upload"
)

// answer collects what the API streamed back for one request, as it is
// decoded, to pair each returned id with the row it belongs to by content
// rather than by position: an answer that lists the rows in another order
// must not give a row another row's id.
type answer struct {
	batch *upload.Batch
	ids   []string
	// echo[k] is what element k echoed: exactly the k-th row sent (in
	// place), else the digest of the row it echoed, or only its key when the
	// echo lacks what the digest needs (a response given as plain text), or
	// nothing.
	echo []echoed

	row dataset.Row
	fp  dataset.Fingerprinter
	buf []byte
}

type echoKind uint8

const (
	echoNone    echoKind = iota // no content: an id alone
	echoDigest                  // the whole row
	echoKey                     // what the lookup would show of it
	echoInPlace                 // the row sent at the element's position
)

type echoed struct {
	kind echoKind
	sum  dataset.Digest
}

func newAnswer(b *upload.Batch) *answer {
	return &answer{batch: b, ids: make([]string, 0, b.Len()), echo: make([]echoed, 0, b.Len())}
}

// add takes one element of the answer.
func (a *answer) add(r *client.AnswerRow) {
	a.ids = append(a.ids, r.ID)
	k := len(a.echo)
	if k < a.batch.Len() && echoes(r.Raw, a.batch.Row(k), r.ID) {
		a.echo = append(a.echo, echoed{kind: echoInPlace})
		return
	}
	e := echoed{}
	if r.Content() {
		a.row.ConvPrefix = a.row.ConvPrefix[:0]
		for _, m := range r.ConvPrefix {
			a.row.ConvPrefix = append(a.row.ConvPrefix, dataset.Message{Role: m.Role, Content: m.Content})
		}
		a.row.Response = dataset.Message{Role: r.Response.Role, Content: r.Response.Content}
		a.row.GroundTruth, a.row.Context = r.GroundTruth, r.Context
		if r.Response.Role == "" {
			e = echoed{kind: echoKey, sum: a.fp.MatchKey(&a.row)}
		} else {
			a.buf = a.row.AppendCanonical(a.buf[:0])
			if k < a.batch.Len() && bytes.Equal(a.buf, a.batch.Row(k)) {
				a.echo = append(a.echo, echoed{kind: echoInPlace})
				return
			}
			e = echoed{kind: echoDigest, sum: dataset.DigestOfCanonical(a.buf)}
		}
	}
	a.echo = append(a.echo, e)
}

// echoes reports whether an answer's element is, byte for byte, the row
// sent (its canonical JSON) with its id added as the last member: what the
// API answers when it echoes the rows as received. Anything else is decoded
// and compared by content.
func echoes(raw, sent []byte, id string) bool {
	if id == "" || len(sent) < 2 || len(raw) < len(sent) || !bytes.Equal(raw[:len(sent)-1], sent[:len(sent)-1]) {
		return false
	}
	rest := raw[len(sent)-1:]
	if !bytes.HasPrefix(rest, []byte(`,"id":`)) || rest[len(rest)-1] != '}' {
		return false
	}
	value := rest[len(`,"id":`) : len(rest)-1]
	return string(value) == id || len(value) == len(id)+2 && value[0] == '"' && string(value[1:len(value)-1]) == id
}

// pair returns the id of each row sent, aligned with the batch, or ok false
// when the answer cannot be paired with the rows for certain: a different
// number of elements, an empty or repeated id, rows echoed that were not
// sent, or elements out of place that carry no content to place them by.
func (a *answer) pair(digestOf func(index int) dataset.Digest) (ids []string, ok bool) {
	n := a.batch.Len()
	if len(a.ids) != n {
		return nil, false
	}
	seen := make(map[string]bool, n)
	for _, id := range a.ids {
		if id == "" || seen[id] {
			return nil, false
		}
		seen[id] = true
	}
	rowOf := unpaired(n) // answer element -> batch row
	elemOf := unpaired(n)
	if !a.pairInPlace(rowOf, elemOf) {
		return nil, false
	}
	for _, kind := range []echoKind{echoDigest, echoKey} {
		sent := func(j int) (dataset.Digest, bool) {
			if kind == echoKey {
				return a.batch.Keys[j], true
			}
			return digestOf(a.batch.Indexes[j]), true
		}
		pairByKey(
			side[dataset.Digest]{partner: rowOf, key: func(k int) (dataset.Digest, bool) { return a.echo[k].sum, a.echo[k].kind == kind }},
			side[dataset.Digest]{partner: elemOf, key: sent},
		)
	}
	ids = make([]string, n)
	for j, k := range elemOf {
		if k < 0 {
			return nil, false
		}
		ids[j] = a.ids[k]
	}
	return ids, true
}

// pairInPlace pairs the elements that are taken at their position: those
// that echoed the row sent there, and those without content, which can only
// be taken so, and only when nothing else was out of place (ok false if
// something was).
func (a *answer) pairInPlace(rowOf, elemOf []int) (ok bool) {
	outOfPlace := false
	for k, e := range a.echo {
		switch e.kind {
		case echoInPlace:
			rowOf[k], elemOf[k] = k, k
		case echoDigest, echoKey:
			outOfPlace = true
		}
	}
	for k, e := range a.echo {
		if e.kind == echoNone {
			if outOfPlace {
				return false
			}
			rowOf[k], elemOf[k] = k, k
		}
	}
	return true
}
