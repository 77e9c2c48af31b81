package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/go-json-experiment/json/jsontext"
)

// LookupPath is the route of the dataset lookup, below the base URL.
const LookupPath = "/api/v1/dataset/name"

// Annotation is one stored row as POST /api/v1/dataset/name returns it.
// Response is the assistant's text (not an object).
type Annotation struct {
	ID          string    `json:"id"`
	DBID        string    `json:"db_id"`
	ConvPrefix  []Message `json:"conv_prefix"`
	Response    string    `json:"response"`
	GroundTruth *int64    `json:"ground_truth"`
	CreatedAt   string    `json:"created_at"`
}

// LookupDataset calls POST /api/v1/dataset/name and hands each annotation
// to fn as it is decoded, so that the caller keeps only what it needs (say,
// ids and fingerprints) instead of every row's text. A 404 whose detail is
// about the dataset returns ErrDatasetNotFound; a 404 with FastAPI's bare
// {"detail":"Not Found"} or a 405 returns ErrLookupUnavailable (the route
// does not exist on this deployment). Both are wrapped: use errors.Is;
// errors.As also finds the *APIError underneath. The lookup is read-only, so
// it is retried on 429, 5xx and network errors.
//
// The *Annotation, its ConvPrefix slice and its GroundTruth pointer are
// reused from one call to the next: they are valid only during the call, so
// copy them to keep them. Its strings (ID, DBID, the messages' text,
// Response, CreatedAt) are fresh for each annotation and safe to keep.
//
// It returns the dataset's id. An error from fn stops the read and is
// returned. An answer that breaks off midway is an error (fn may already have
// seen some rows); only a failure before the answer starts is retried.
func (c *Client) LookupDataset(ctx context.Context, spaceID, datasetName string, fn func(*Annotation) error) (string, error) {
	if spaceID == "" || datasetName == "" {
		return "", errors.New("dataset lookup needs a space_id and a dataset_name")
	}
	resp, err := c.sendJSON(ctx, opLookup, LookupPath, map[string]string{"dataset_name": datasetName, "space_id": spaceID})
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return "", routeStatusError(apiErr, http.MethodPost, LookupPath, ErrLookupUnavailable, ErrDatasetNotFound,
			fmt.Sprintf("no dataset named %q in space %s (the API said: %s)", datasetName, spaceID, apiErr.Detail))
	}
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	id, err := decodeDataset(resp.Body, c.redact, fn)
	if err != nil {
		return "", fmt.Errorf("reading the Collinear dataset lookup answer for %q in space %s: %w", datasetName, spaceID, err)
	}
	return id, nil
}

// datasetDecoder reads the lookup's answer in one pass.
type datasetDecoder struct {
	*answerReader
	fn    func(*Annotation) error
	fnErr error // fn's error, returned as it is
	count int   // annotations handed to fn
	el    elementReader
	ann   Annotation
}

// decodeDataset reads the lookup's answer as a stream, one annotation at a
// time, ignoring keys it does not know. It hands each annotation to fn,
// reusing the *Annotation as LookupDatasetEach says, and returns the
// dataset's id.
func decodeDataset(r io.Reader, redact func(string) string, fn func(*Annotation) error) (string, error) {
	d := &datasetDecoder{answerReader: newAnswerReader(r, redact), fn: fn}
	id, err := d.dataset()
	if err == nil {
		err = d.end()
	}
	if err != nil && err != d.fnErr {
		err = d.fail(err, fmt.Sprintf("the answer broke off after %d annotation(s)", d.count))
	}
	return id, err
}

func (d *datasetDecoder) dataset() (string, error) {
	switch k, err := d.peek(); {
	case err != nil:
		return "", err
	case k != jsontext.KindBeginObject:
		return "", d.unexpected("expected a JSON object with dataset_annotations, got " + kindNames[k])
	}
	var datasetID string
	err := d.object(func(name []byte) (err error) {
		switch string(name) {
		case "dataset_id":
			datasetID, err = d.readDatasetID()
		case "dataset_annotations":
			err = d.annotations()
		default:
			err = d.skip()
		}
		return err
	})
	return datasetID, err
}

func (d *datasetDecoder) annotations() error {
	switch k, err := d.peek(); {
	case err != nil:
		return err
	case k == jsontext.KindNull:
		return d.skip()
	case k != jsontext.KindBeginArray:
		return d.unexpected("dataset_annotations is " + kindNames[k] + ", not a list")
	}
	return d.list(func() error {
		if d.count >= maxRowsInAnswer {
			return d.unexpected(fmt.Sprintf("more than %d annotations in the answer", maxRowsInAnswer))
		}
		problem, err := d.el.read(d.answerReader)
		if err != nil {
			return err
		}
		if problem == "" {
			problem = d.annotation()
		}
		if problem != "" {
			return d.unexpected(fmt.Sprintf("annotation %d %s", d.count, problem))
		}
		d.count++
		d.fnErr = d.fn(&d.ann)
		return d.fnErr
	})
}

// annotation fills d.ann from the element read, or returns what is wrong
// with it, phrased to follow "annotation N ".
func (d *datasetDecoder) annotation() string {
	el := &d.el
	id, problem := el.rowID()
	dbID := el.dbIDText
	hasDBID := el.dbIDKind != jsontext.KindInvalid && el.dbIDKind != jsontext.KindNull
	switch {
	case problem != "":
		return problem
	case el.wrong != "":
		return "has " + el.wrong
	case hasDBID && idProblem(el.dbIDKind, dbID) != "":
		return "has an unusable db_id"
	}
	d.ann = Annotation{ID: id, DBID: string(dbID)}
	if el.hasGroundTruth {
		d.ann.GroundTruth = &el.groundTruth
	}
	convPrefix, text := el.content()
	if len(convPrefix) > 0 {
		d.ann.ConvPrefix = convPrefix
	}
	d.ann.Response = text[el.response.content.start:el.response.content.end]
	d.ann.CreatedAt = text[el.created.start:el.created.end]
	return ""
}
