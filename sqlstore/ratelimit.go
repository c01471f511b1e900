package sqlstore

import (
	"context"
	"fmt"
)

// HitWindow counts one request against key in the fixed window that starts
// at windowStart (Unix seconds) and returns the window's count after it. It is
// one atomic upsert, so two nodes counting at once never lose a hit. Windows
// that started before expireBefore are deleted on the way, whenever a key
// opens a new window, so the table holds about two windows of rows.
func (db *DB) HitWindow(ctx context.Context, key string, windowStart, expireBefore int64) (int64, error) {
	var n int64
	err := db.write.QueryRowContext(ctx, `INSERT INTO rate_windows (limit_key, window_start, hits) VALUES ($1, $2, 1)
		ON CONFLICT (limit_key, window_start) DO UPDATE SET hits = rate_windows.hits + 1
		RETURNING hits`, key, windowStart).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count rate window: %w", err)
	}
	if n == 1 {
		if _, err := db.write.ExecContext(ctx, `DELETE FROM rate_windows WHERE window_start < $1`, expireBefore); err != nil {
			return 0, fmt.Errorf("expire rate windows: %w", err)
		}
	}
	return n, nil
}
