package emulator

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"time"
)

// datasetKey names a dataset: the platform keys datasets by space and name.
type datasetKey struct {
	space string // canonical UUID
	name  string
}

type storedDataset struct {
	id   string
	rows []storedRow
}

// storedRow is a row with what the lookup needs already decoded.
type storedRow struct {
	StoredRow
	convPrefix  []message
	response    string
	groundTruth *int64
}

// commit appends rows to the dataset atomically, creating it when a JSON
// array is uploaded to a name not yet used. It returns the dataset's id and
// the new rows' ids in order.
func (s *Server) commit(space, name string, rows []parsedRow, format fileFormat) (string, []string, *fileError) {
	// Random ids are drawn before taking the lock: large uploads need many.
	uuids := newUUIDs(2 * len(rows))
	now := time.Now().UTC()

	s.mu.Lock()
	defer s.mu.Unlock()
	key := datasetKey{space: space, name: name}
	ds := s.datasets[key]
	if ds == nil {
		if format != formatJSON {
			return "", nil, &fileError{detail: errNewDatasetNotArray}
		}
		ds = &storedDataset{id: newUUID()}
		s.datasets[key] = ds
	}
	ids := make([]string, len(rows))
	ds.rows = slices.Grow(ds.rows, len(rows))
	for i, p := range rows {
		id := uuids[2*i]
		if s.opts.NumericIDs {
			s.numericID++
			id = strconv.FormatInt(s.numericID, 10)
		}
		ids[i] = id
		ds.rows = append(ds.rows, storedRow{
			StoredRow:   StoredRow{ID: id, DBID: uuids[2*i+1], Row: p.raw, CreatedAt: now},
			convPrefix:  p.convPrefix,
			response:    p.response,
			groundTruth: p.groundTruth,
		})
	}
	return ds.id, ids, nil
}

// snapshot returns the dataset's id and a copy of its rows, or ok false.
func (s *Server) snapshot(space, name string) (id string, rows []storedRow, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ds := s.datasets[datasetKey{space: space, name: name}]
	if ds == nil {
		return "", nil, false
	}
	return ds.id, append([]storedRow(nil), ds.rows...), true
}

// Rows returns the rows stored in a dataset, in insertion order; nil when the
// dataset does not exist. The Row bytes are shared: do not modify them.
func (s *Server) Rows(spaceID, name string) []StoredRow {
	_, rows, ok := s.snapshot(normalizeSpaceID(spaceID), name)
	if !ok {
		return nil
	}
	out := make([]StoredRow, len(rows))
	for i, r := range rows {
		out[i] = r.StoredRow
	}
	return out
}

// DatasetID returns the dataset's id, or "" when it does not exist.
func (s *Server) DatasetID(spaceID, name string) string {
	id, _, _ := s.snapshot(normalizeSpaceID(spaceID), name)
	return id
}

// DatasetInfo summarises one stored dataset.
type DatasetInfo struct {
	SpaceID     string `json:"space_id"`
	DatasetName string `json:"dataset_name"`
	DatasetID   string `json:"dataset_id"`
	RowCount    int    `json:"row_count"`
}

// Datasets lists every stored dataset, sorted by space and name.
func (s *Server) Datasets() []DatasetInfo {
	s.mu.Lock()
	out := make([]DatasetInfo, 0, len(s.datasets))
	for k, ds := range s.datasets {
		out = append(out, DatasetInfo{SpaceID: k.space, DatasetName: k.name, DatasetID: ds.id, RowCount: len(ds.rows)})
	}
	s.mu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		if out[i].SpaceID != out[j].SpaceID {
			return out[i].SpaceID < out[j].SpaceID
		}
		return out[i].DatasetName < out[j].DatasetName
	})
	return out
}

// DeleteRows removes rows by id, as someone working in the platform's UI
// would. Unknown ids are an error and then nothing is removed.
func (s *Server) DeleteRows(spaceID, name string, ids ...string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	ds := s.datasets[datasetKey{space: normalizeSpaceID(spaceID), name: name}]
	if ds == nil {
		return fmt.Errorf("emulator: no dataset %q in space %s", name, spaceID)
	}
	drop := make(map[string]bool, len(ids))
	for _, id := range ids {
		drop[id] = true
	}
	found := 0
	for _, r := range ds.rows {
		if drop[r.ID] {
			found++
		}
	}
	if found != len(drop) {
		return fmt.Errorf("emulator: dataset %q in space %s holds only %d of the %d row ids to delete", name, spaceID, found, len(drop))
	}
	kept := ds.rows[:0:0]
	for _, r := range ds.rows {
		if !drop[r.ID] {
			kept = append(kept, r)
		}
	}
	ds.rows = kept
	return nil
}

// AddRows appends rows to a dataset behind Terraform's back, creating the
// dataset if needed. Rows are validated as an upload's are; the new ids are
// returned in order. Nothing is logged.
func (s *Server) AddRows(spaceID, name string, rows ...json.RawMessage) ([]string, error) {
	array := make([]byte, 0, 2+len(rows)*256)
	array = append(array, '[')
	for i, raw := range rows {
		if i > 0 {
			array = append(array, ',')
		}
		array = append(array, raw...)
	}
	array = append(array, ']')
	_, parsed, err := parseJSONRows(array)
	if err != nil {
		return nil, fmt.Errorf("emulator: AddRows: %s", err.detail)
	}
	_, ids, ferr := s.commit(normalizeSpaceID(spaceID), name, parsed, formatJSON)
	if ferr != nil {
		return nil, fmt.Errorf("emulator: %s", ferr.detail)
	}
	return ids, nil
}

// DeleteDataset removes a dataset and its rows.
func (s *Server) DeleteDataset(spaceID, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := datasetKey{space: normalizeSpaceID(spaceID), name: name}
	if s.datasets[key] == nil {
		return fmt.Errorf("emulator: no dataset %q in space %s", name, spaceID)
	}
	delete(s.datasets, key)
	return nil
}

// RestoreDataset sets a dataset to hold exactly rows, with their ids, db_ids
// and times, under the given dataset id: the platform as an earlier run left
// it, for tests that start from state written by an earlier provider.
func (s *Server) RestoreDataset(spaceID, name, datasetID string, rows []StoredRow) error {
	raws := make([]json.RawMessage, len(rows))
	for i, r := range rows {
		raws[i] = r.Row
	}
	array, err := json.Marshal(raws)
	if err != nil {
		return fmt.Errorf("emulator: RestoreDataset: %w", err)
	}
	_, parsed, ferr := parseJSONRows(array)
	if ferr != nil {
		return fmt.Errorf("emulator: RestoreDataset: %s", ferr.detail)
	}
	ds := &storedDataset{id: datasetID}
	for i, p := range parsed {
		ds.rows = append(ds.rows, storedRow{StoredRow: rows[i], convPrefix: p.convPrefix, response: p.response, groundTruth: p.groundTruth})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.datasets[datasetKey{space: normalizeSpaceID(spaceID), name: name}] = ds
	return nil
}
