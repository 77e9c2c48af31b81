package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
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

// String returns the name the control API and the command use: "rows" or
// "object".
func (s Shape) String() string {
	switch s {
	case ShapeRows:
		return "rows"
	case ShapeObject:
		return "object"
	}
	return fmt.Sprintf("Shape(%d)", int(s))
}

// ParseShape is the inverse of Shape.String.
func ParseShape(s string) (Shape, error) {
	switch s {
	case "rows":
		return ShapeRows, nil
	case "object":
		return ShapeObject, nil
	}
	return 0, fmt.Errorf("unknown response shape %q: want \"rows\" or \"object\"", s)
}

// DefaultMaxBodySize is the request size above which the emulator answers
// 413 when Options.MaxBodySize is 0.
const DefaultMaxBodySize = 256 << 20

// Options configures a Server.
type Options struct {
	APIKey      string // the one key accepted; required
	Shape       Shape
	NumericIDs  bool  // ids in upload responses are JSON numbers instead of UUID strings
	MaxBodySize int64 // 413 above it; 0 = 256 MiB
	// Addr is the address to listen on. Its host must be 127.0.0.1 or
	// localhost; "" means 127.0.0.1:0 (a free port).
	Addr string
}

// Request is one entry of the request log.
type Request struct {
	Method      string
	Path        string
	Status      int // 0 when no answer was written (the connection was dropped, or the client had gone)
	SpaceID     string
	DatasetName string
	Rows        []json.RawMessage // the upload's rows as received (nil if not an upload or not a JSON array)
	Header      http.Header
	Time        time.Time

	// ContentType is the request's Content-Type header.
	ContentType string
	// FileName and FileContentType describe the upload's "file" part.
	FileName        string
	FileContentType string
	// FileFormat is "json" or "csv" for an upload whose file was parsed.
	FileFormat string
	// Body is the raw body of a non-upload request (the lookup's JSON).
	Body []byte
	// Fault is the injected fault that shaped this request, if any. A
	// request refused by the rate limit has no Fault.
	Fault *Fault
	// Dropped says the connection was closed without a complete answer
	// (FaultCommitThenDrop, FaultTruncatedStream).
	Dropped bool
	// Stored is the number of rows this request added to a dataset, or 1
	// for a judge or an evaluation run it created.
	Stored int
	// LateCommit says the rows were stored after a FaultLateCommit's
	// delay, whether or not the client was still there for the answer.
	LateCommit bool
}

// StoredRow is a row held by the emulator.
type StoredRow struct {
	ID        string          // id returned by the upload and the lookup's "id"
	DBID      string          // the lookup's "db_id"
	Row       json.RawMessage // as uploaded (CSV rows converted to the JSON form)
	CreatedAt time.Time
}

// Server is a running emulator. All its methods are safe for concurrent use.
type Server struct {
	opts    Options
	maxBody int64
	ln      net.Listener
	http    *http.Server
	url     string
	served  chan struct{}
	// closing is closed when Close begins: requests a fault holds without
	// an answer end then instead of keeping Close waiting.
	closing   chan struct{}
	closeOnce sync.Once

	connMu   sync.Mutex
	newConns map[net.Conn]bool // connections that have not sent a request yet

	mu        sync.Mutex
	shape     Shape
	datasets  map[datasetKey]*storedDataset
	forbidden map[string]bool
	faults    []pendingFault
	log       []Request
	limiter   rateLimiter
	numericID int64
	// lateCommits holds the done channel of each FaultLateCommit request
	// taken and not yet ended.
	lateCommits map[chan struct{}]struct{}

	judges        map[string][]Judge // by canonical space id, in creation order
	evaluations   []Evaluation
	removedSpaces map[string]bool
}

// Start listens on 127.0.0.1 and serves the API until Close. It returns once
// the listener accepts connections.
func Start(opts Options) (*Server, error) {
	if opts.APIKey == "" {
		return nil, errors.New("emulator: an API key is required (Options.APIKey)")
	}
	if opts.Shape != ShapeRows && opts.Shape != ShapeObject {
		return nil, fmt.Errorf("emulator: unknown response shape %d", opts.Shape)
	}
	addr, err := loopbackAddr(opts.Addr)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp4", addr)
	if err != nil {
		return nil, fmt.Errorf("emulator: listen on %s: %w", addr, err)
	}
	s := &Server{
		opts:        opts,
		maxBody:     opts.MaxBodySize,
		ln:          ln,
		url:         "http://" + ln.Addr().String(),
		served:      make(chan struct{}),
		closing:     make(chan struct{}),
		shape:       opts.Shape,
		datasets:    make(map[datasetKey]*storedDataset),
		forbidden:   make(map[string]bool),
		newConns:    make(map[net.Conn]bool),
		lateCommits: make(map[chan struct{}]struct{}),

		judges:        make(map[string][]Judge),
		removedSpaces: make(map[string]bool),
	}
	if s.maxBody <= 0 {
		s.maxBody = DefaultMaxBodySize
	}
	s.http = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 30 * time.Second,
		// The emulator's own log must not pollute test output with
		// "broken pipe" noise from clients that give up on purpose.
		ErrorLog:  discardLogger(),
		ConnState: s.trackConn,
	}
	go func() {
		defer close(s.served)
		_ = s.http.Serve(ln)
	}()
	return s, nil
}

// loopbackAddr checks that addr names 127.0.0.1 (or localhost) and returns
// it in host:port form. The emulator must never be reachable from elsewhere.
func loopbackAddr(addr string) (string, error) {
	if addr == "" {
		return "127.0.0.1:0", nil
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("emulator: listen address %q: %w (want 127.0.0.1:PORT)", addr, err)
	}
	switch host {
	case "127.0.0.1", "localhost":
		return net.JoinHostPort("127.0.0.1", port), nil
	}
	return "", fmt.Errorf("emulator: refusing to listen on %q: only 127.0.0.1 is allowed", addr)
}

// URL is the base URL of the API, e.g. http://127.0.0.1:41234, without a
// trailing slash.
func (s *Server) URL() string { return s.url }

// Close stops the server and waits for in-flight requests to end (a few
// seconds at most; stragglers are cut off). A request a fault holds without
// an answer (FaultHang, a FaultLateCommit not yet due) has its connection
// dropped at once, and nothing is stored for it.
func (s *Server) Close() {
	s.closeOnce.Do(func() { close(s.closing) })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	shut := make(chan error, 1)
	go func() { shut <- s.http.Shutdown(ctx) }()
	// Shutdown waits up to 5s for connections a client opened but has not
	// used yet (HTTP clients dial spares); nothing is in flight on them.
	s.connMu.Lock()
	for c := range s.newConns {
		_ = c.Close()
	}
	s.connMu.Unlock()
	if err := <-shut; err != nil {
		_ = s.http.Close()
	}
	<-s.served
}

func (s *Server) trackConn(c net.Conn, state http.ConnState) {
	s.connMu.Lock()
	defer s.connMu.Unlock()
	if state == http.StateNew {
		s.newConns[c] = true
	} else {
		delete(s.newConns, c)
	}
}

// SetShape switches the shape of successful upload responses.
func (s *Server) SetShape(shape Shape) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.shape = shape
}

// ForbidSpace makes every API request naming spaceID answer 403, as for a
// key that is valid but not a member of the space.
func (s *Server) ForbidSpace(spaceID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.forbidden[normalizeSpaceID(spaceID)] = true
}

// AllowSpace undoes ForbidSpace.
func (s *Server) AllowSpace(spaceID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.forbidden, normalizeSpaceID(spaceID))
}

// Reset forgets every dataset, judge and evaluation run, the request log,
// pending faults, forbidden and removed spaces and the rate limit, and
// restores the configured shape.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.shape = s.opts.Shape
	s.datasets = make(map[datasetKey]*storedDataset)
	s.forbidden = make(map[string]bool)
	s.faults = nil
	s.log = nil
	s.limiter = rateLimiter{}
	s.judges = make(map[string][]Judge)
	s.evaluations = nil
	s.removedSpaces = make(map[string]bool)
}

func (s *Server) isForbidden(spaceID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.forbidden[spaceID]
}

func (s *Server) currentShape() Shape {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.shape
}

// Routes of the API the emulator serves, with the one method each accepts.
const (
	uploadPath = "/api/v1/dataset/upload"
	lookupPath = "/api/v1/dataset/name"
	controlDir = "/_emulator/"
)

var apiRoutes = map[string]string{
	uploadPath: http.MethodPost,
	lookupPath: http.MethodPost,

	judgeCreatePath:  http.MethodPost,
	spaceJudgesRoute: http.MethodGet,
	assessRunPath:    http.MethodPost,
}

// routeKey is the key in apiRoutes of the route that serves path: the path
// itself, or the template of a route with a path parameter.
func routeKey(path string) string {
	if rest, ok := strings.CutPrefix(path, spaceRoutePrefix); ok {
		if space, tail, ok := strings.Cut(rest, "/"); ok && space != "" && tail == spaceJudgesSuffix {
			return spaceJudgesRoute
		}
	}
	return path
}

// ServeHTTP dispatches a request. The order follows the deployment: injected
// faults and the rate limit sit in front of the application (a gateway), then
// the body size limit (the proxy), then FastAPI's routing.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, controlDir) {
		s.serveControl(w, r)
		return
	}

	entry := &Request{
		Method:      r.Method,
		Path:        r.URL.Path,
		Header:      r.Header.Clone(),
		Time:        time.Now().UTC(),
		ContentType: r.Header.Get("Content-Type"),
	}
	rec := &recorder{ResponseWriter: w}
	ex := &exchange{s: s, w: rec, rec: rec, r: r, entry: entry}
	defer ex.finishLog()

	if f, late, ok := s.takeFault(r.URL.Path); ok {
		entry.Fault = &f
		ex.late = late
		if done := ex.applyFault(f); done {
			return
		}
	}
	if retry, limited := s.limiter.admit(&s.mu, time.Now()); limited {
		ex.w.Header().Set("Retry-After", retry)
		writeDetail(ex.w, http.StatusTooManyRequests, "Too Many Requests")
		return
	}
	if r.ContentLength > s.maxBody {
		writeDetail(ex.w, http.StatusRequestEntityTooLarge, "Request entity too large")
		return
	}
	if ex.failAfterCommit() {
		return
	}
	ex.route()
}

// exchange is one API request being answered.
type exchange struct {
	s     *Server
	w     http.ResponseWriter // where the answer goes
	rec   *recorder           // the real connection
	r     *http.Request
	entry *Request

	logged bool
	// late is closed when a FaultLateCommit request ends (nil otherwise).
	late chan struct{}
}

// faulted reports whether the request's fault is of kind k.
func (ex *exchange) faulted(k FaultKind) bool {
	return ex.entry.Fault != nil && ex.entry.Fault.Kind == k
}

// finishLog records the request once, with the status answered.
func (ex *exchange) finishLog() {
	if ex.logged {
		return
	}
	ex.logged = true
	ex.entry.Status = ex.rec.status
	if ex.rec.dropped {
		ex.entry.Status = 0
		ex.entry.Dropped = true
	}
	ex.s.appendLog(ex.entry)
	if ex.late != nil {
		ex.s.endLateCommit(ex.late)
	}
}

// drop closes the connection without completing the answer. The request is
// logged first, so a client that sees the connection close finds it in the
// log.
func (ex *exchange) drop() {
	ex.rec.dropped = true
	ex.finishLog()
	ex.rec.drop()
}

func (ex *exchange) route() {
	path := ex.r.URL.Path
	key := routeKey(path)
	method, known := apiRoutes[key]
	if !known {
		// FastAPI's redirect_slashes: the other spelling of a known route
		// answers 307 to it.
		alt := strings.TrimSuffix(path, "/")
		if alt == path {
			alt = path + "/"
		}
		if _, ok := apiRoutes[routeKey(alt)]; ok {
			u := *ex.r.URL
			u.Path = alt
			ex.w.Header().Set("Location", u.String())
			ex.w.WriteHeader(http.StatusTemporaryRedirect)
			return
		}
		writeDetail(ex.w, http.StatusNotFound, "Not Found")
		return
	}
	if ex.r.Method != method {
		ex.w.Header().Set("Allow", method)
		writeDetail(ex.w, http.StatusMethodNotAllowed, "Method Not Allowed")
		return
	}
	switch key {
	case uploadPath:
		ex.upload()
	case lookupPath:
		ex.lookup()
	case judgeCreatePath:
		ex.createJudge()
	case spaceJudgesRoute:
		ex.listSpaceJudges()
	case assessRunPath:
		ex.startEvaluation()
	}
}
