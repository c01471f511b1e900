package ticketd

import "time"

// SetKeyCacheClock lets tests move the API-key cache's clock.
func SetKeyCacheClock(s *Service, now func() time.Time) { s.keys.now = now }
