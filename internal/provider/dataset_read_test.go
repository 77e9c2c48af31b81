package provider

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/collinear-ai/terraform-provider-collinear/internal/dataset"
	"github.com/collinear-ai/terraform-provider-collinear/internal/ledger"
)

// reconcileByMaps is reconcile written the plain way, with maps over every
// platform row: the definition the ordered walk and the unchanged shortcut
// must agree with.
func reconcileByMaps(remote *remoteRows, ids []types.String, led *ledger.Ledger) (out []types.String, entries []ledger.Entry, released []string, gone, foreign int) {
	n := remote.ids.len()
	byID, byDBID := map[string]int{}, map[string]int{}
	for i := range n {
		byID[remote.ids.at(i)] = i
		if db := remote.dbIDs.at(i); db != "" {
			byDBID[db] = i
		}
	}
	find := func(id string) (int, bool) {
		if i, ok := byID[id]; ok {
			return i, true
		}
		i, ok := byDBID[id]
		return i, ok
	}
	claimed := make([]bool, n)
	for _, id := range led.Released {
		if i, ok := find(id); ok {
			claimed[i] = true
			released = append(released, id)
		}
	}
	ids = slices.Clone(ids)
	ent := make([]ledger.Entry, len(ids))
	fits := len(led.Rows) == len(ids)
	if fits {
		copy(ent, led.Rows)
	}
	keep := make([]bool, len(ids))
	for k, id := range ids {
		if id.IsNull() {
			keep[k] = true
			continue
		}
		i, ok := find(id.ValueString())
		if !ok {
			gone++
			continue
		}
		keep[k], claimed[i] = true, true
		if !fits {
			ent[k] = ledger.Entry{Key: remote.keys[i]}
		}
	}
	for k, id := range ids {
		if !id.IsNull() || !keep[k] {
			continue
		}
		for i := range n {
			if !claimed[i] && remote.keys[i] == ent[k].Key {
				ids[k], claimed[i] = types.StringValue(remote.ids.at(i)), true
				if ent[k].Digest != (dataset.Digest{}) {
					ent[k].Key = dataset.Digest{} // known by id now (ledger.EntryFor)
				}
				break
			}
		}
	}
	for k := range ids {
		if keep[k] {
			out = append(out, ids[k])
			entries = append(entries, ent[k])
		}
	}
	for _, c := range claimed {
		if !c {
			foreign++
		}
	}
	return out, entries, released, gone, foreign
}

func TestReconcileMatchesDefinition(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 14))
	key := func(l int) dataset.Digest { return dataset.Digest{byte(1 + l)} }
	for iter := range 4000 {
		remote := &remoteRows{}
		n := r.IntN(25)
		for i := range n {
			remote.ids.add(fmt.Sprintf("r%d", i))
			db := ""
			if r.IntN(3) > 0 {
				db = fmt.Sprintf("d%d", i)
			}
			remote.dbIDs.add(db)
			remote.keys = append(remote.keys, key(r.IntN(4)))
		}
		// State: mostly the platform's rows in order, some by db_id, some
		// gone, some without ids, now and then two swapped.
		var ids []types.String
		led := &ledger.Ledger{}
		for i := range n {
			switch x := r.IntN(10); {
			case x == 0:
				continue // foreign: on the platform, not in state
			case x == 1:
				ids = append(ids, types.StringNull())
			case x == 2 && remote.dbIDs.at(i) != "":
				ids = append(ids, types.StringValue(remote.dbIDs.at(i)))
			case x == 3:
				ids = append(ids, types.StringValue(fmt.Sprintf("gone%d", i)))
			default:
				ids = append(ids, types.StringValue(remote.ids.at(i)))
			}
			led.Rows = append(led.Rows, ledger.Entry{Digest: dataset.Digest{0xd, byte(i)}, Key: remote.keys[i]})
		}
		if len(ids) > 1 && r.IntN(4) == 0 {
			a, b := r.IntN(len(ids)), r.IntN(len(ids))
			ids[a], ids[b] = ids[b], ids[a]
			led.Rows[a], led.Rows[b] = led.Rows[b], led.Rows[a]
		}
		for range r.IntN(3) {
			led.Released = append(led.Released, fmt.Sprintf("r%d", r.IntN(n+3)))
		}
		if r.IntN(8) == 0 {
			led.Rows = nil // no usable ledger
		}

		wantIDs, wantEntries, wantReleased, wantGone, wantForeign := reconcileByMaps(remote, ids, led)
		rec := reconcile(remote, slices.Clone(ids), led)
		gotIDs, gotEntries := rec.ids, rec.entries
		if rec.unchanged {
			gotIDs, gotEntries = ids, led.Rows
		}
		if rec.gone != wantGone || rec.foreign != wantForeign || !slices.Equal(rec.released, wantReleased) {
			t.Fatalf("iteration %d: gone %d foreign %d released %v, want %d %d %v", iter, rec.gone, rec.foreign, rec.released, wantGone, wantForeign, wantReleased)
		}
		same := func(a, b types.String) bool { return a.Equal(b) }
		if !slices.EqualFunc(gotIDs, wantIDs, same) {
			t.Fatalf("iteration %d: ids %v, want %v", iter, gotIDs, wantIDs)
		}
		if !slices.Equal(gotEntries, wantEntries) {
			t.Fatalf("iteration %d: entries %v, want %v", iter, gotEntries, wantEntries)
		}
	}
}
