package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/textproto"
)

// UploadPath is the route of the upload endpoint, below the base URL.
const UploadPath = "/api/v1/dataset/upload"

// Message is one conversation turn as the API carries it.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// UploadResult is what a successful upload returned.
type UploadResult struct {
	// IDs holds one id per row the API streamed back, in the order returned,
	// numbers rendered in decimal. Nil when the API answered with the
	// {dataset_id, message} object and no rows.
	IDs       []string
	DatasetID string // from the object shape, or "" when not given
	Message   string // from the object shape
}

// Upload posts body (a JSON array of rows, already encoded) as the multipart
// "file" field (filename "rows.json", Content-Type application/json) with
// "dataset_name" and "space_id" to POST /api/v1/dataset/upload, and decodes
// the response as a stream. Retries happen only where the request certainly
// did not store anything (see the package's retry policy); otherwise a failure
// after the body may have reached the server is an *OutcomeUnknownError.
//
// Each element of a rows answer is handed to each (which may be nil) as it
// is decoded; see AnswerRow. Every failure after the API answered 200 is an
// *OutcomeUnknownError with ProbablyStored set and the ids read so far in
// PartialIDs: the caller must not upload the rows again.
func (c *Client) Upload(ctx context.Context, spaceID, datasetName string, body []byte, each func(*AnswerRow)) (*UploadResult, error) {
	if spaceID == "" || datasetName == "" {
		return nil, errors.New("upload needs a space_id and a dataset_name")
	}
	if len(body) == 0 {
		return nil, errors.New("upload needs a body: a JSON array of rows")
	}
	form, err := newMultipartForm(datasetName, spaceID, body)
	if err != nil {
		return nil, err
	}

	resp, err := c.do(ctx, opUpload, "POST", UploadPath, form.contentType, form.reader)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()

	res, err := decodeUploadResponse(resp.Body, c.redact, each)
	if err != nil {
		return nil, err
	}
	c.logger(ctx).Debug("Collinear upload stored rows", "path", UploadPath, "ids", len(res.IDs), "dataset_id", res.DatasetID)
	return res, nil
}

// multipartForm is an upload body: prefix + rows + suffix. The rows are
// never copied; each attempt reads them afresh through reader.
type multipartForm struct {
	contentType string
	prefix      []byte // the two text fields and the file part's header
	rows        []byte
	suffix      []byte // the closing boundary
}

func newMultipartForm(datasetName, spaceID string, rows []byte) (*multipartForm, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if err := mw.WriteField("dataset_name", datasetName); err != nil {
		return nil, fmt.Errorf("building the upload form: %w", err)
	}
	if err := mw.WriteField("space_id", spaceID); err != nil {
		return nil, fmt.Errorf("building the upload form: %w", err)
	}
	h := make(textproto.MIMEHeader)
	h.Set("Content-Disposition", `form-data; name="file"; filename="rows.json"`)
	h.Set("Content-Type", "application/json")
	if _, err := mw.CreatePart(h); err != nil {
		return nil, fmt.Errorf("building the upload form: %w", err)
	}
	prefix := bytes.Clone(buf.Bytes())
	buf.Reset()
	if err := mw.Close(); err != nil {
		return nil, fmt.Errorf("building the upload form: %w", err)
	}
	return &multipartForm{
		contentType: mw.FormDataContentType(),
		prefix:      prefix,
		rows:        rows,
		suffix:      bytes.Clone(buf.Bytes()),
	}, nil
}

// size is the exact Content-Length.
func (f *multipartForm) size() int {
	return len(f.prefix) + len(f.rows) + len(f.suffix)
}

// reader is the retryablehttp body function: a new reader over the same
// bytes for every attempt, with its length.
func (f *multipartForm) reader() (io.Reader, error) {
	return &sizedReader{
		Reader: io.MultiReader(bytes.NewReader(f.prefix), bytes.NewReader(f.rows), bytes.NewReader(f.suffix)),
		n:      f.size(),
	}, nil
}
