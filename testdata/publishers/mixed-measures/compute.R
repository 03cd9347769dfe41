# compute.R: the figures expected.csv holds for this fixture, computed once
# from the publisher's file by base R, independently of the Go code.
#
# Run from this directory:  Rscript compute.R   (R 4.2; writes expected.csv)
#
# Rows kept: Measure Type "Surgical" (the mapping drops "Medical"); each
# measure is a group. Expected deaths E = cases * expected rate / 100; the
# funnel figures of each group as in ../exact-funnel.R.
source("../exact-funnel.R")
d <- read.csv("hospital-mortality-2020-2023.csv", check.names = FALSE, colClasses = "character")
d <- d[trimws(d[["Measure Type"]]) != "Medical", ]
d$cases <- as.numeric(gsub(",", "", d$Cases))
d$observed <- as.numeric(d$Deaths)
d$expected <- d$cases * as.numeric(d[["Expected Mortality Rate (%)"]]) / 100
d$procedure <- c("CABG" = "cabg", "Valve Surgery" = "valve")[d$Measure]
out <- do.call(rbind, lapply(split(d, d$procedure), function(g) {
  cbind(data.frame(procedure = g$procedure, period = g[["Measure Period"]], unit_id = g[["Facility ID"]],
                   cases = g$cases, observed = g$observed, expected = g$expected),
        funnel(g$observed, g$cases, g$expected))
}))
write_expected(out, "expected.csv")
