# compute.R: the names and figures expected.csv holds for this fixture, and
# the count of records by encoding in encodings.csv, computed once from the
# publisher's bytes by base R (iconv), independently of the Go code.
#
# Run from this directory, in a UTF-8 locale:  Rscript compute.R
# (R 4.2; writes expected.csv and encodings.csv)
#
# Decoding, a record at a time (the header is a record): read.csv with
# encoding = "bytes" splits the records and fields and leaves their bytes
# as they are (but for CRLF inside a quoted value, read as LF); a record whose bytes are all ASCII is "ascii", one whose
# bytes are valid UTF-8 (validUTF8) "utf-8", any other "windows-1252". Each
# field is then decoded with iconv from its record's encoding; a name's
# runs of white space (the newline inside a quoted value) become one space.
# The *_windows1252 columns decode every record with iconv from CP1252, as
# a mapping forcing encoding = "windows-1252" should: the UTF-8 records'
# names turn to mojibake ("ZoÃ« Oâ€™Donnell").
#
# Figures: rows are surgeons (one hospital each a year); each year is a
# group; surgeons and hospitals have separate funnels, a hospital's unit
# the sum of its surgeons' rows. The funnel figures as in ../exact-funnel.R.
source("../exact-funnel.R")
stopifnot(l10n_info()[["UTF-8"]])

raw <- read.csv("cabg-consultant-outcomes-2020-2023.csv", header = FALSE, colClasses = "character",
                encoding = "bytes")
record_encoding <- apply(raw, 1, function(fields) {
  b <- unlist(lapply(fields, charToRaw))
  if (all(b < as.raw(0x80))) "ascii" else if (validUTF8(rawToChar(b))) "utf-8" else "windows-1252"
})
one_line <- function(x) trimws(gsub("[[:space:]]+", " ", x))
decode <- function(x, from) {
  out <- one_line(iconv(x, from, "UTF-8"))
  stopifnot(!is.na(out))
  out
}
from <- ifelse(record_encoding == "windows-1252", "CP1252", "UTF-8")
per_record <- as.data.frame(lapply(raw, function(col) mapply(decode, col, from, USE.NAMES = FALSE)))
forced <- as.data.frame(lapply(raw, function(col) decode(col, "CP1252")))

header <- unlist(per_record[1, ])
stopifnot(identical(header, unlist(forced[1, ])))
d <- setNames(per_record[-1, ], header)
f <- setNames(forced[-1, ], header)
d$name_forced <- f[["Consultant’s name"]]
d$hospital_forced <- f[["Hospital"]]
d$cases <- as.numeric(d$Operations)
d$observed <- as.numeric(d[["Deaths within 30 days"]])
d$expected <- as.numeric(d[["Expected deaths (risk model)"]])

out <- do.call(rbind, lapply(split(d, d$Year), function(g) {
  surgeons <- data.frame(unit_type = "surgeon", procedure = "cabg", period = g$Year,
                         unit_id = g[["Consultant’s GMC No."]], unit_name = g[["Consultant’s name"]],
                         unit_name_windows1252 = g$name_forced, hospital_id = g[["Hospital code"]],
                         hospital_name = g$Hospital, hospital_name_windows1252 = g$hospital_forced,
                         cases = g$cases, observed = g$observed, expected = g$expected)
  by_hospital <- split(g, g[["Hospital code"]])
  hospitals <- data.frame(unit_type = "hospital", procedure = "cabg", period = g$Year[1],
                          unit_id = names(by_hospital),
                          unit_name = vapply(by_hospital, function(h) h$Hospital[1], ""),
                          unit_name_windows1252 = vapply(by_hospital, function(h) h$hospital_forced[1], ""),
                          hospital_id = "", hospital_name = "", hospital_name_windows1252 = "",
                          cases = vapply(by_hospital, function(h) sum(h$cases), 0),
                          observed = vapply(by_hospital, function(h) sum(h$observed), 0),
                          expected = vapply(by_hospital, function(h) sum(h$expected), 0))
  rbind(cbind(surgeons, funnel(surgeons$observed, surgeons$cases, surgeons$expected)),
        cbind(hospitals, funnel(hospitals$observed, hospitals$cases, hospitals$expected)))
}))
write_expected(out, "expected.csv")

counts <- table(factor(record_encoding, levels = c("ascii", "utf-8", "windows-1252")))
write.csv(data.frame(encoding = names(counts), records = as.vector(counts)), "encodings.csv",
          row.names = FALSE, quote = FALSE)
