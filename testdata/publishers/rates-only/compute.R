# Independent figures for rates-only/hospital-mortality.csv (invented
# data), written to expected.csv and skipped.csv beside it. Run once from
# this directory:
#
#   Rscript compute.R
#
# The publisher gives no deaths, so nothing is computed: each CABG
# hospital's figures are the publisher's, as printed. This script says
# which rows a journalist should find and what each should carry: the
# heart-failure rows (Measure ID other than MORT_30_CABG) are not ours;
# a hospital whose comparison is "Not Available" has nothing published;
# "Not Available" in a figure is no figure (NA, an empty cell). Every
# hospital kept has no deaths, no expected deaths and no verdict of ours
# (not_assessed), and its rate, interval and rating are the publisher's.
d <- read.csv("hospital-mortality.csv", check.names = FALSE, colClasses = "character")
na <- function(x) ifelse(x %in% c("", "NA", "N/A", "Not Available"), NA, x)
cabg <- d[["Measure ID"]] == "MORT_30_CABG"
rated <- !is.na(na(d[["Compared to National"]]))
keep <- cabg & rated
k <- d[keep, ]
num <- function(x) { v <- as.numeric(na(x)); ifelse(is.na(v), "", trimws(formatC(v, digits = 15, format = "g"))) }
out <- data.frame(unit_id = k[["Facility ID"]], unit_name = k[["Facility Name"]],
  cases = num(k$Denominator), events = "", expected = "", band = "not_assessable", verdict = "not_assessed",
  published_rate = num(k$Score), published_low = num(k[["Lower Estimate"]]),
  published_high = num(k[["Higher Estimate"]]), published_rating = k[["Compared to National"]])
write.csv(out, "expected.csv", row.names = FALSE, quote = TRUE, na = "")
skipped <- data.frame(reason = c("not a surgical measure", "no published rating"),
  rows = c(sum(!cabg), sum(cabg & !rated)))
write.csv(skipped, "skipped.csv", row.names = FALSE, quote = TRUE)
