# compute.R: the figures expected.csv holds for this fixture, computed once
# from the publisher's file by base R, independently of the Go code.
#
# Run from this directory:  Rscript compute.R   (R 4.2; writes expected.csv)
#
# Rows kept: every record, trimmed, that is not identical to an earlier one
# (the file prints 2022's rows twice; the mapping says drop-identical).
# Each year is a group; the funnel figures as in ../exact-funnel.R.
source("../exact-funnel.R")
d <- read.csv("cabg-outcomes-2021-2023.csv", check.names = FALSE, colClasses = "character")
d[] <- lapply(d, trimws)
d <- d[!duplicated(d), ]
d$cases <- as.numeric(d$Operations)
d$observed <- as.numeric(d$Deaths)
d$expected <- as.numeric(d[["Expected Deaths"]])
out <- do.call(rbind, lapply(split(d, d$Year), function(g) {
  cbind(data.frame(procedure = "cabg", period = g$Year, unit_id = g[["Hospital Code"]],
                   cases = g$cases, observed = g$observed, expected = g$expected),
        funnel(g$observed, g$cases, g$expected))
}))
write_expected(out, "expected.csv")
