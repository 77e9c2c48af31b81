package client

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"

	"github.com/hashicorp/go-retryablehttp"
)

// UploadPath is the route of the upload endpoint, below the base URL.
const UploadPath = "/api/v1/dataset/upload"

// Upload posts body (a JSON array of rows, already encoded) as the multipart
// "file" field (filename "rows.json", Content-Type application/json) with
// "dataset_name" and "space_id" to POST /api/v1/dataset/upload, and decodes
// the response as a stream. Retries happen only where the request certainly
// did not store anything (see the package's retry policy); otherwise a failure
// after the body may have reached the server is an *OutcomeUnknownError.
//
// Each element of a rows answer is handed to each (which may be nil) as it
// is decoded, before a failure it causes; see AnswerRow. Every failure after
// the API answered 200 is an *OutcomeUnknownError with ProbablyStored set:
// the caller must not upload the rows again.
func (c *Client) Upload(ctx context.Context, spaceID, datasetName string, body []byte, each func(*AnswerRow)) (*UploadResult, error) {
	if spaceID == "" || datasetName == "" {
		return nil, errors.New("upload needs a space_id and a dataset_name")
	}
	if len(body) == 0 {
		return nil, errors.New("upload needs a body: a JSON array of rows")
	}
	form := newMultipartForm(datasetName, spaceID, body)
	resp, err := c.do(ctx, opUpload, http.MethodPost, UploadPath, form.contentType, retryablehttp.ReaderFunc(form.reader))
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
	contentType    string
	prefix, suffix []byte // the text fields and the file part's header; the closing boundary
	rows           []byte
}

func newMultipartForm(datasetName, spaceID string, rows []byte) *multipartForm {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	// Writing to a bytes.Buffer cannot fail.
	_ = mw.WriteField("dataset_name", datasetName)
	_ = mw.WriteField("space_id", spaceID)
	_, _ = mw.CreatePart(textproto.MIMEHeader{
		"Content-Disposition": {`form-data; name="file"; filename="rows.json"`},
		"Content-Type":        {"application/json"},
	})
	f := &multipartForm{contentType: mw.FormDataContentType(), prefix: bytes.Clone(buf.Bytes()), rows: rows}
	buf.Reset()
	_ = mw.Close()
	f.suffix = buf.Bytes()
	return f
}

// reader is the retryablehttp body function: a new reader over the same
// bytes for every attempt, with its length.
func (f *multipartForm) reader() (io.Reader, error) {
	return &sizedReader{
		Reader: io.MultiReader(bytes.NewReader(f.prefix), bytes.NewReader(f.rows), bytes.NewReader(f.suffix)),
		n:      len(f.prefix) + len(f.rows) + len(f.suffix),
	}, nil
}

// sizedReader lets retryablehttp see the exact Content-Length of a body that
// is a concatenation of readers.
type sizedReader struct {
	io.Reader
	n int
}

func (r *sizedReader) Len() int { return r.n }
