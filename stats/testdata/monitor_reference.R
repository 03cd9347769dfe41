# monitor_reference.R -- reference values for the RA-CUSUM and VLAD of
# stats/monitor.go, computed once with base R only (the `cusum` and `vlad`
# packages are not installed here).
#
# Writes monitor_reference.csv beside it (stats/monitor_test.go reads it):
#   Rscript monitor_reference.R        (run in stats/testdata)
#
# A synthetic series of 80 operations: the first 20 at low risk with a
# cluster of deaths (the deterioration chart signals and starts again), the
# rest at higher risk, nearly all survived (the improvement chart signals,
# twice). Columns:
#   i, died (0/1), risk p;
#   w_up   = died*log(2)   - log1p((2 - 1) p)      (Steiner et al. 2000, R = 2)
#   w_down = died*log(0.5) - log1p((0.5 - 1) p)    (R = 1/2)
#   s_up   = max(0, s_up[i-1] + w_up),   signal_up   = s_up >= 4.5, then 0 for the next
#   s_down = min(0, s_down[i-1] - w_down), signal_down = s_down <= -4, then 0 for the next
#   vlad   = cumsum(p - died)                       (Lovegrove et al. 1997)
# Inputs and results are printed with 17 significant digits.
n <- 80
i <- seq_len(n)
risk <- ifelse(i <= 20, 0.02 + 0.01 * (i %% 5), 0.25 + 0.05 * (i %% 3))
died <- as.integer(i %in% c(3, 5, 6, 8, 9, 11, 12, 14, 15, 50))
w_up <- died * log(2) - log1p((2 - 1) * risk)
w_down <- died * log(0.5) - log1p((0.5 - 1) * risk)
s_up <- s_down <- numeric(n)
sig_up <- sig_down <- integer(n)
up <- 0; down <- 0
for (t in i) {
  up <- max(0, up + w_up[t]); down <- min(0, down - w_down[t])
  s_up[t] <- up; s_down[t] <- down
  if (up >= 4.5) { sig_up[t] <- 1L; up <- 0 }
  if (down <= -4) { sig_down[t] <- 1L; down <- 0 }
}
vlad <- cumsum(risk - died)
f <- function(x) trimws(formatC(x, digits = 17, format = "g"))
out <- data.frame(i = i, died = died, risk = f(risk), w_up = f(w_up), w_down = f(w_down),
                  s_up = f(s_up), s_down = f(s_down), signal_up = sig_up, signal_down = sig_down,
                  vlad = f(vlad))
con <- file("monitor_reference.csv", "w")
writeLines(paste0("# monitor_reference.csv -- written by monitor_reference.R (", R.version.string,
                  "); see its header."), con)
write.csv(out, con, row.names = FALSE, quote = FALSE)
close(con)
cat("signals up at", i[sig_up == 1], "; down at", i[sig_down == 1], "\n")
