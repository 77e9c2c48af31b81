// Package emulator is an in-process model of the Collinear dataset API, built
// from its documentation and OpenAPI document, for acceptance tests, benchmarks
// and `make demo`. It listens on 127.0.0.1 only.
package emulator

import (
	"encoding/json"
	"net/http"
	"time"
)

// Shape is the form of a successful upload's response.
type Shape int

const (
	// ShapeRows streams the uploaded rows back as a chunked JSON array, each
	// with a generated "id": what the current deployment does.
	ShapeRows Shape = iota
	// ShapeObject answers {"dataset_id": ..., "message": ...} as the OpenAPI
	// document says.
	ShapeObject
)

// Options configures a Server.
type Options struct {
	APIKey      string // the one key accepted; required
	Shape       Shape
	NumericIDs  bool  // ids in upload responses are JSON numbers instead of UUID strings
	MaxBodySize int64 // 413 above it; 0 = 256 MiB
}

// FaultKind is a failure the server produces for one request.
type FaultKind int

const (
	Fault429              FaultKind = iota // 429 with Retry-After (Fault.RetryAfter, default "1")
	Fault500                               // 500 before storing anything
	Fault502                               // 502 before storing anything
	Fault503                               // 503 before storing anything
	FaultDelay                             // sleep Fault.Delay, then handle normally
	FaultCommitThenDrop                    // store the rows, then drop the connection without a response
	FaultRouteNotFound                     // FastAPI's bare 404 {"detail":"Not Found"}
	FaultMethodNotAllowed                  // 405
)

// Fault is one injected failure. Path "" matches any route; otherwise only
// requests to that path consume it.
type Fault struct {
	Kind       FaultKind
	Path       string
	RetryAfter string
	Delay      time.Duration
}

// Request is one entry of the request log.
type Request struct {
	Method      string
	Path        string
	Status      int
	SpaceID     string
	DatasetName string
	Rows        []json.RawMessage // the upload's rows as received (nil if not an upload or not a JSON array)
	Header      http.Header
	Time        time.Time
}

// StoredRow is a row held by the emulator.
type StoredRow struct {
	ID   string          // id returned by the upload and the lookup's "id"
	DBID string          // the lookup's "db_id"
	Row  json.RawMessage // as uploaded
}

type Server struct{}

func Start(opts Options) (*Server, error) { panic("not implemented") }
func (s *Server) URL() string             { panic("not implemented") }
func (s *Server) Close()                  { panic("not implemented") }
