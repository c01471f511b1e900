-- Fixed-window request counters shared by every node on one PostgreSQL, so a
-- rate limit holds however many nodes serve the API. One row per limit key
-- and window; the increment is one atomic upsert, never read-modify-write.
-- (A single SQLite node counts in memory and never writes here.)

CREATE TABLE rate_windows (
    limit_key    TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    hits         BIGINT NOT NULL,
    PRIMARY KEY (limit_key, window_start)
);
CREATE INDEX rate_windows_start ON rate_windows (window_start);
