package storage

// Subscribe returns a channel that receives a signal after deliveries are
// appended, and a cancel function that unsubscribes and closes the channel.
// Each commit signals once, however many appends it held.
//
// The channel has room for one signal and the writer never waits for a
// reader: appends made while a signal is pending coalesce into it. A
// subscriber therefore treats a signal as "something new" and calls
// RecordsAfter with the last number it has seen. Close closes every
// subscriber's channel; on a closed Store the channel is closed at once.
//
// Only this Store's appends signal. A read-only Store is never signalled:
// while it holds the file, no other process can write to it.
func (s *Store) Subscribe() (changes <-chan struct{}, cancel func()) {
	ch := make(chan struct{}, 1)

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		close(ch)
		return ch, func() {}
	}
	s.subscribers[ch] = struct{}{}

	cancel = func() {
		s.mu.Lock()
		defer s.mu.Unlock()

		// Close may already have closed it, and cancel may run twice.
		if _, ok := s.subscribers[ch]; ok {
			delete(s.subscribers, ch)
			close(ch)
		}
	}
	return ch, cancel
}

// notify signals every subscriber without waiting for any of them.
func (s *Store) notify() {
	s.mu.Lock()
	defer s.mu.Unlock()

	for ch := range s.subscribers {
		select {
		case ch <- struct{}{}:
		default:
			// A signal is already pending; the subscriber will see this
			// delivery when it reads after it.
		}
	}
}
