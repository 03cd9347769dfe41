-- The levels, in percent, at which a release's publisher computes each
-- unit's own interval (interval_level) and gives its verdict (flag_level):
-- a publisher may rate hospitals by a 98% interval, and its verdicts are
-- reproduced only at its own level. Releases loaded before this migration
-- were computed at 95%, which the defaults record. The funnel's 95% and
-- 99.8% lines are the product's own and are not stored per release.
-- Adding columns changes no row, so the release triggers (0001) are not
-- involved; the columns are written once, when the release row is.
ALTER TABLE release ADD COLUMN interval_level REAL NOT NULL DEFAULT 95 CHECK (interval_level > 50 AND interval_level < 100);
ALTER TABLE release ADD COLUMN flag_level REAL NOT NULL DEFAULT 95 CHECK (flag_level > 50 AND flag_level < 100);
