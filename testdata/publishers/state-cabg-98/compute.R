# compute.R -- the figures of ratings.csv worked out independently of the Go
# code, with base R only, for cmd/outcomes/publishers_levels_test.go.
#
#   Rscript compute.R      (in this directory; R 4.2.2 was used) writes expected.csv
#
# For each hospital and year of the publisher's file, as printed:
#   target   p0 = sum(Deaths) / sum(Cases) of the year (the statewide rate)
#   ratio    O/E, with E the printed Expected Deaths
#   ci_*_98  the exact (Garwood) 98% interval of O/E: qgamma(0.01, O) / E (0 when O = 0)
#            and qgamma(0.99, O + 1) / E; the RAMR interval is these times p0
#   verdict_98  higher when ci_low_98 > 1, lower when ci_high_98 < 1, else not_different:
#            the publisher's rule, at its level
#   ci_*_95, verdict_95  the same at 95% (qgamma(0.025, O), qgamma(0.975, O + 1)): what a
#            product that knew only 95% would have said
#   published_rating  the publisher's printed rating, as a verdict code
d <- read.csv("ratings.csv", check.names = FALSE, colClasses = c("Hospital ID" = "character"))
verdict <- function(lo, hi) ifelse(lo > 1, "higher", ifelse(hi < 1, "lower", "not_different"))
codes <- c("Worse than expected" = "higher", "Better than expected" = "lower", "As expected" = "not_different")
out <- do.call(rbind, lapply(split(d, d$Year), function(y) {
  O <- y$Deaths; E <- y[["Expected Deaths"]]
  p0 <- sum(O) / sum(y$Cases)
  lo98 <- ifelse(O == 0, 0, qgamma(0.01, O)) / E; hi98 <- qgamma(0.99, O + 1) / E
  lo95 <- ifelse(O == 0, 0, qgamma(0.025, O)) / E; hi95 <- qgamma(0.975, O + 1) / E
  data.frame(period = y$Year, unit_id = y[["Hospital ID"]], cases = y$Cases, events = O, expected = E,
    target = p0, ratio = O / E, ci_low_98 = lo98, ci_high_98 = hi98, verdict_98 = verdict(lo98, hi98),
    ci_low_95 = lo95, ci_high_95 = hi95, verdict_95 = verdict(lo95, hi95),
    published_rating = unname(codes[y[["Performance Rating"]]]))
}))
num <- sapply(out, is.double)
out[num] <- lapply(out[num], function(x) formatC(x, digits = 17, format = "g"))
out[] <- lapply(out, trimws)
write.csv(out, "expected.csv", row.names = FALSE, quote = FALSE)
cat(sprintf("%d units; 98%% verdicts differ from the printed rating on %d, 95%% verdicts on %d\n",
  nrow(out), sum(out$verdict_98 != out$published_rating), sum(out$verdict_95 != out$published_rating)))
