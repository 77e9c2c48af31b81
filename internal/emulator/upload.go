package emulator

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
)

// uploadForm is the multipart body of POST /api/v1/dataset/upload as
// Starlette hands it to FastAPI: each field a string or a file, last one
// wins.
type uploadForm struct {
	values map[string]string
	files  map[string]formFile
}

type formFile struct {
	name        string
	contentType string
	data        []byte
}

// errBodyTooLarge means the body exceeded MaxBodySize while being read.
var errBodyTooLarge = errors.New("request body too large")

// errMalformedBody means the body could not be parsed; the client is sent
// malformedBodyDetail.
var errMalformedBody = errors.New("malformed request body")

// malformedBodyDetail is FastAPI's answer to a body it cannot parse.
const malformedBodyDetail = "There was an error parsing the body"

// upload serves POST /api/v1/dataset/upload. The order of checks follows
// FastAPI: the body is read first, then the security dependency (403/401),
// then the form's validation (422), then the handler (space access, the file,
// the insert).
func (ex *exchange) upload() {
	form, err := ex.readUploadForm()
	switch {
	case errors.Is(err, errBodyTooLarge):
		writeDetail(ex.w, http.StatusRequestEntityTooLarge, "Request entity too large")
		return
	case err != nil: // errMalformedBody
		writeDetail(ex.w, http.StatusBadRequest, malformedBodyDetail)
		return
	}
	file, hasFile := form.files["file"]
	if hasFile {
		ex.entry.FileName = file.name
		ex.entry.FileContentType = file.contentType
	}
	ex.entry.DatasetName = form.values["dataset_name"]
	ex.entry.SpaceID = form.values["space_id"]

	if !ex.authenticate() {
		return
	}
	space, issues := validateUploadForm(form)
	if len(issues) > 0 {
		writeValidation(ex.w, issues)
		return
	}
	ex.entry.SpaceID = space
	name := form.values["dataset_name"]
	if !ex.authorizeSpace(space) {
		return
	}

	rows, format, ferr := ex.parseFile(space, name, file.data)
	if ferr == nil {
		var datasetID string
		var ids []string
		datasetID, ids, ferr = ex.s.commit(space, name, rows, format)
		if ferr == nil {
			ex.entry.Stored = len(ids)
			ex.entry.LateCommit = ex.late != nil
			ex.respondUploaded(datasetID, rows, ids)
			return
		}
	}
	writeDetail(ex.w, http.StatusBadRequest, ferr.detail)
}

// parseFile reads the uploaded file: a JSON array, or CSV when appending to
// an existing dataset.
func (ex *exchange) parseFile(space, name string, data []byte) ([]parsedRow, fileFormat, *fileError) {
	format := sniffFormat(data)
	ex.entry.FileFormat = format.String()
	exists := ex.s.DatasetID(space, name) != ""
	if format == formatCSV {
		if !exists {
			return nil, format, &fileError{detail: errNewDatasetNotArray}
		}
		rows, ferr := parseCSVRows(data)
		return rows, format, ferr
	}
	raws, rows, ferr := parseJSONRows(data)
	ex.entry.Rows = raws
	if ferr != nil && raws == nil && !exists {
		// Not a JSON array at all: say what a new dataset needs.
		if t := bytes.TrimLeft(trimBOM(data), " \t\r\n"); len(t) == 0 || t[0] != '[' {
			ferr = &fileError{detail: errNewDatasetNotArray}
		}
	}
	return rows, format, ferr
}

// readUploadForm reads the whole body. A Content-Type that is not
// multipart/form-data with a boundary yields an empty form, which fails
// validation with every field missing, as FastAPI reports it.
func (ex *exchange) readUploadForm() (*uploadForm, error) {
	form := &uploadForm{values: map[string]string{}, files: map[string]formFile{}}
	body := http.MaxBytesReader(ex.rec, ex.r.Body, ex.s.maxBody)
	mediaType, params, err := mime.ParseMediaType(ex.r.Header.Get("Content-Type"))
	if err != nil {
		return form, drainBody(body)
	}
	switch mediaType {
	case "application/x-www-form-urlencoded":
		raw, err := io.ReadAll(body)
		if err != nil {
			return nil, bodyError(err)
		}
		q, err := url.ParseQuery(string(raw))
		if err != nil {
			return nil, errMalformedBody
		}
		for k, v := range q {
			form.values[k] = v[len(v)-1]
		}
		return form, nil
	case "multipart/form-data":
	default:
		return form, drainBody(body)
	}
	boundary := params["boundary"]
	if boundary == "" {
		return form, drainBody(body)
	}
	mr := multipart.NewReader(body, boundary)
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return form, nil
		}
		if err != nil {
			return nil, bodyError(err)
		}
		name := part.FormName()
		var buf bytes.Buffer
		if isFilePart(part) {
			if n := ex.r.ContentLength; n > 0 && n <= ex.s.maxBody {
				buf.Grow(int(n))
			}
		}
		if _, err := buf.ReadFrom(part); err != nil {
			return nil, bodyError(err)
		}
		if isFilePart(part) {
			form.files[name] = formFile{name: part.FileName(), contentType: part.Header.Get("Content-Type"), data: buf.Bytes()}
			delete(form.values, name)
		} else {
			form.values[name] = buf.String()
			delete(form.files, name)
		}
	}
}

// isFilePart reports whether Starlette would make the part an UploadFile:
// its Content-Disposition has a filename parameter, even an empty one.
func isFilePart(p *multipart.Part) bool {
	_, params, err := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
	if err != nil {
		return false
	}
	_, ok := params["filename"]
	return ok
}

func drainBody(body io.Reader) error {
	_, err := io.Copy(io.Discard, body)
	if err != nil {
		return bodyError(err)
	}
	return nil
}

func bodyError(err error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return errBodyTooLarge
	}
	return errMalformedBody
}

// validateUploadForm lists every problem with the form's fields, in the
// order of the endpoint's parameters, and returns the canonical space id.
func validateUploadForm(form *uploadForm) (string, []validationIssue) {
	var issues []validationIssue
	if _, ok := form.files["file"]; !ok {
		if v, isString := form.values["file"]; isString && v != "" {
			issues = append(issues, validationIssue{
				Type: "value_error", Loc: []any{"body", "file"},
				Msg:   "Value error, Expected UploadFile, received: <class 'str'>",
				Input: v, Ctx: map[string]any{"error": map[string]any{}},
			})
		} else {
			issues = append(issues, missingField("body", "file"))
		}
	}
	// FastAPI treats an empty form value as absent.
	if f, isFile := form.files["dataset_name"]; isFile {
		issues = append(issues, validationIssue{Type: "string_type", Loc: []any{"body", "dataset_name"},
			Msg: "Input should be a valid string", Input: uploadFileRepr(f)})
	} else if form.values["dataset_name"] == "" {
		issues = append(issues, missingField("body", "dataset_name"))
	}
	var space string
	if f, isFile := form.files["space_id"]; isFile {
		issues = append(issues, validationIssue{Type: "uuid_type", Loc: []any{"body", "space_id"},
			Msg: "UUID input should be a string, bytes or UUID object", Input: uploadFileRepr(f)})
	} else if raw := form.values["space_id"]; raw == "" {
		issues = append(issues, missingField("body", "space_id"))
	} else if canonical, errText := parseUUID(raw); errText != "" {
		issues = append(issues, uuidParsingIssue([]any{"body", "space_id"}, raw, errText))
	} else {
		space = canonical
	}
	return space, issues
}

func uuidParsingIssue(loc []any, input any, errText string) validationIssue {
	return validationIssue{
		Type: "uuid_parsing", Loc: loc,
		Msg:   "Input should be a valid UUID, " + errText,
		Input: input, Ctx: map[string]any{"error": errText},
	}
}

func uploadFileRepr(f formFile) string {
	return "UploadFile(filename='" + f.name + "', size=" + strconv.Itoa(len(f.data)) + ")"
}

// respondUploaded answers a stored upload in the current shape.
func (ex *exchange) respondUploaded(datasetID string, rows []parsedRow, ids []string) {
	if ex.s.currentShape() == ShapeObject {
		writeJSON(ex.w, http.StatusOK, map[string]string{
			"dataset_id": datasetID,
			"message":    "Dataset uploaded successfully",
		})
		return
	}
	ex.streamRows(ex.answeredRows(rows, ids))
}

// answeredRows returns the rows and ids the streamed answer holds: those
// stored, unless a fault makes the answer misreport them.
func (ex *exchange) answeredRows(rows []parsedRow, ids []string) ([]parsedRow, []string) {
	switch {
	case ex.faulted(FaultWrongCount) && len(rows) > 0:
		return rows[:len(rows)-1], ids[:len(ids)-1]
	case ex.faulted(FaultReorderedAnswer):
		rows, ids = slices.Clone(rows), slices.Clone(ids)
		slices.Reverse(rows)
		slices.Reverse(ids)
	case ex.faulted(FaultDuplicateIDs) && len(rows) == 1:
		return []parsedRow{rows[0], rows[0]}, []string{ids[0], ids[0]}
	case ex.faulted(FaultDuplicateIDs) && len(rows) > 1:
		ids = slices.Clone(ids)
		ids[1] = ids[0]
	}
	return rows, ids
}

// rowsPerFlush is how many rows go into each flushed piece of a streamed
// answer: small enough that clients see a real chunked stream, large enough
// that a 100,000-row answer is not 100,000 writes.
const rowsPerFlush = 16

// streamRows writes rows back as a chunked JSON array, each as received
// plus its "id".
func (ex *exchange) streamRows(rows []parsedRow, ids []string) {
	w := ex.w
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	flusher, _ := w.(http.Flusher)
	bw := bufio.NewWriterSize(w, 32<<10)
	flush := func() bool {
		if bw.Flush() != nil {
			return false
		}
		if flusher != nil {
			flusher.Flush()
		}
		return true
	}

	n := len(rows)
	cut := -1
	if ex.faulted(FaultTruncatedStream) {
		cut = n / 2
	}
	_ = bw.WriteByte('[')
	// Flushing the bracket at once commits the answer to chunked encoding,
	// as the deployment's streaming response does even for one row.
	if !flush() {
		return
	}
	var buf []byte
	for i := 0; i < n; i++ {
		if i == cut {
			flush()
			ex.drop()
			return
		}
		if i > 0 {
			_ = bw.WriteByte(',')
		}
		buf = appendRowWithID(buf[:0], rows[i], ids[i], ex.s.opts.NumericIDs)
		if _, err := bw.Write(buf); err != nil {
			return // the client went away
		}
		if (i+1)%rowsPerFlush == 0 && !flush() {
			return
		}
	}
	if cut >= 0 {
		// Fewer rows than needed to cut in the middle: cut before the end.
		flush()
		ex.drop()
		return
	}
	_ = bw.WriteByte(']')
	flush()
}

// appendRowWithID appends the row as received with "id" added as its last
// key, or replacing an "id" the row carried.
func appendRowWithID(dst []byte, p parsedRow, id string, numeric bool) []byte {
	raw := bytes.TrimSpace(p.raw)
	if p.hasID {
		var m map[string]json.RawMessage
		if json.Unmarshal(raw, &m) == nil {
			m["id"] = appendID(nil, id, numeric)
			return append(dst, mustJSON(m)...)
		}
	}
	body := bytes.TrimRight(raw[:len(raw)-1], " \t\r\n") // without the closing brace
	dst = append(dst, body...)
	if body[len(body)-1] != '{' {
		dst = append(dst, ',')
	}
	dst = append(dst, `"id":`...)
	dst = appendID(dst, id, numeric)
	return append(dst, '}')
}

// appendID appends id as JSON: a number as it is, a UUID as a string, which
// needs no escaping.
func appendID(dst []byte, id string, numeric bool) []byte {
	if numeric {
		return append(dst, id...)
	}
	dst = append(dst, '"')
	dst = append(dst, id...)
	return append(dst, '"')
}
