-- When a release was published and will next be updated, and which
-- release it corrects (issue 15): a publication that runs year after
-- year says when its figures came out and when the next ones will, and
-- a release found to hold errors is corrected by a new release that
-- supersedes it, both served, the correction saying what was wrong.
--
-- Dates are the publisher's, YYYY-MM-DD, NULL where not given. A release
-- is corrected at most once (a correction of a correction corrects the
-- newest), and a correction always says why. The old release is never
-- changed: that it was superseded is read from the release correcting it.
-- Adding columns changes no row, so the release triggers (0001) are not
-- involved; the columns are written once, when the release row is.
ALTER TABLE release ADD COLUMN published_on TEXT CHECK (published_on IS NULL OR date(published_on) IS published_on);
ALTER TABLE release ADD COLUMN next_update TEXT CHECK (next_update IS NULL OR date(next_update) IS next_update);
ALTER TABLE release ADD COLUMN corrects TEXT REFERENCES release (id);
ALTER TABLE release ADD COLUMN correction_note TEXT NOT NULL DEFAULT '' CHECK ((corrects IS NULL) = (correction_note = ''));
CREATE UNIQUE INDEX release_corrected_once ON release (corrects) WHERE corrects IS NOT NULL;
