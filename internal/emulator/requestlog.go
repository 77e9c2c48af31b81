package emulator

// appendLog records a finished API request.
func (s *Server) appendLog(r *Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = append(s.log, *r)
}

// Requests returns a copy of the request log, oldest first: every API
// request, including refused ones. Control requests (/_emulator/) are not
// logged. The Rows and Body bytes are shared: do not modify them.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.log))
	copy(out, s.log)
	return out
}

// ResetLog empties the request log.
func (s *Server) ResetLog() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = nil
}

// UploadCount is the number of upload requests logged, whatever their
// outcome.
func (s *Server) UploadCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.log {
		if r.Path == uploadPath {
			n++
		}
	}
	return n
}

// StoredUploadCount is the number of logged uploads that stored rows (or
// created a dataset), including those whose answer was lost to a fault.
func (s *Server) StoredUploadCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.log {
		if r.Path == uploadPath && (r.Stored > 0 || r.Status == 200) {
			n++
		}
	}
	return n
}
