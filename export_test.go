package ticketd

import "time"

// SetKeyCacheClock lets tests move the API-key cache's clock.
func SetKeyCacheClock(s *Service, now func() time.Time) { s.keys.now = now }

// ConversationCacheBytes reports the size of what the conversation cache
// holds, for tests of its bound.
func ConversationCacheBytes(s *Service) int64 {
	if s.convs == nil {
		return 0
	}
	return s.convs.bytes()
}
