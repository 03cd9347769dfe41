# compute.R: the figures expected.csv holds for this fixture, computed once
# from the publisher's file by base R, independently of the Go code.
#
# Run from this directory:  Rscript compute.R   (R 4.2; writes expected.csv)
#
# Rows kept: those whose deaths do not exceed their operations (one trust
# reports 4 deaths after 1 operation; the mapping skips events_over_cases).
# Crude data, one group; the funnel figures as in ../exact-funnel.R.
source("../exact-funnel.R")
d <- read.csv("elective-aaa-repair-2024.csv", check.names = FALSE, colClasses = "character")
d$cases <- as.numeric(d[["Elective AAA repairs"]])
d$observed <- as.numeric(d[["Deaths within 30 days"]])
d <- d[d$observed <= d$cases, ]
out <- cbind(data.frame(procedure = "aaa", period = "2024", unit_id = d[["Trust code"]],
                        cases = d$cases, observed = d$observed, expected = NA),
             funnel(d$observed, d$cases))
write_expected(out, "expected.csv")
