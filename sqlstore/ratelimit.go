package sqlstore

import (
	"context"
	"fmt"
	"strings"
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

// HitWindows is HitWindow for several keys in one statement (one round trip
// per request, whatever the number of limits); it returns the counts in the
// order of keys.
func (db *DB) HitWindows(ctx context.Context, keys []string, windowStart, expireBefore int64) ([]int64, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	if len(keys) > 4 {
		return nil, fmt.Errorf("count rate windows: at most 4 keys, not %d", len(keys))
	}
	args := []any{windowStart}
	values := make([]string, len(keys))
	for i, k := range keys {
		args = append(args, k)
		values[i] = fmt.Sprintf("($%d, $1, 1)", i+2)
	}
	rows, err := db.write.QueryContext(ctx, `INSERT INTO rate_windows (limit_key, window_start, hits) VALUES `+
		strings.Join(values, ", ")+` ON CONFLICT (limit_key, window_start) DO UPDATE SET hits = rate_windows.hits + 1
		RETURNING limit_key, hits`, args...)
	if err != nil {
		return nil, fmt.Errorf("count rate windows: %w", err)
	}
	got := map[string]int64{}
	for rows.Next() {
		var k string
		var n int64
		if err := rows.Scan(&k, &n); err != nil {
			rows.Close()
			return nil, fmt.Errorf("count rate windows: %w", err)
		}
		got[k] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count rate windows: %w", err)
	}
	out := make([]int64, len(keys))
	fresh := false
	for i, k := range keys {
		out[i] = got[k]
		fresh = fresh || out[i] == 1
	}
	if fresh {
		if _, err := db.write.ExecContext(ctx, `DELETE FROM rate_windows WHERE window_start < $1`, expireBefore); err != nil {
			return nil, fmt.Errorf("expire rate windows: %w", err)
		}
	}
	return out, nil
}
