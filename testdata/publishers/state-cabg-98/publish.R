# publish.R -- invents ratings.csv, the file of a state publisher (made up,
# like every hospital in it) that rates hospitals' risk-adjusted CABG
# mortality by a 98% interval: a hospital is "Worse than expected" when the
# whole 98% exact (Garwood) interval of its risk-adjusted mortality rate lies
# above the statewide rate, "Better than expected" when below.
#
#   Rscript publish.R      (in this directory; R 4.2.2 was used; seed fixed)
#
# Run once to make the fixture; compute.R then works out the figures again
# from the printed file alone, for the Go test to compare with.
set.seed(12)
words1 <- c("Alder", "Birch", "Cedar", "Elm", "Fern", "Hazel", "Juniper", "Larch", "Maple", "Oak",
  "Rowan", "Willow", "Ash", "Holly", "Linden", "Poplar", "Spruce", "Yew", "Beech", "Laurel")
words2 <- c("brook", "ford", "field", "mere", "wick", "stead", "vale", "combe", "haven", "ridge")
n <- 44
names <- unique(paste0(sample(words1, 3 * n, TRUE), sample(words2, 3 * n, TRUE)))[1:n]
kind <- sample(c("General Hospital", "Medical Center", "Community Hospital", "Heart Institute"), n, TRUE)
hosp <- data.frame(id = sprintf("%03d", sample(100:999, n)), name = paste(names, kind),
  size = round(exp(runif(n, log(150), log(2500)))), mix = runif(n, 0.75, 1.35),
  true = sample(c(rep(1, 28), 1.45, 1.6, 1.75, 1.9, 1.5, 1.65, 1.35, 1.55, 0.55, 0.6, 0.65, 0.5, 0.7, 0.62, 0.75, 0.58), n))
rows <- list()
for (year in c(2022, 2023)) {
  cases <- pmax(40, round(hosp$size * runif(n, 0.85, 1.15)))
  expected <- round(cases * 0.028 * hosp$mix, 2)
  deaths <- pmin(cases, rpois(n, expected * hosp$true))
  p0 <- sum(deaths) / sum(cases)
  lo <- ifelse(deaths == 0, 0, qgamma(0.01, deaths)) / expected * p0
  hi <- qgamma(0.99, deaths + 1) / expected * p0
  rating <- ifelse(lo > p0, "Worse than expected", ifelse(hi < p0, "Better than expected", "As expected"))
  rows[[length(rows) + 1]] <- data.frame(check.names = FALSE, "Year" = year, "Hospital ID" = hosp$id,
    "Hospital" = hosp$name, "Procedure" = "Isolated CABG", "Cases" = cases, "Deaths" = deaths,
    "Expected Deaths" = sprintf("%.2f", expected), "RAMR (%)" = sprintf("%.2f", 100 * deaths / expected * p0),
    "98% CI Lower (%)" = sprintf("%.2f", 100 * lo), "98% CI Upper (%)" = sprintf("%.2f", 100 * hi),
    "Statewide Rate (%)" = sprintf("%.2f", 100 * p0), "Performance Rating" = rating)
}
d <- do.call(rbind, rows)
d <- d[order(d$Year, d$Hospital), ]
write.csv(d, "ratings.csv", row.names = FALSE)
