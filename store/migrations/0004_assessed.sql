-- The per-funnel count of units a band compares (every band but too_few)
-- is "assessed", the name the API and the code use: "flagged" read as
-- "outside the limits", which it never meant.
ALTER TABLE result_group RENAME COLUMN flagged TO assessed;
