package emulator

// RemoveSpace deletes a space and everything in it, as someone deleting it in
// the platform's UI would: from then on every request naming it answers 404
// {"detail":"Space not found"}. Spaces the emulator has never heard of are
// taken to exist, as for any key that may use them.
func (s *Server) RemoveSpace(spaceID string) {
	space := normalizeSpaceID(spaceID)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.removedSpaces[space] = true
	delete(s.judges, space)
	for k := range s.datasets {
		if k.space == space {
			delete(s.datasets, k)
		}
	}
}

func (s *Server) isRemovedSpace(space string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.removedSpaces[space]
}
