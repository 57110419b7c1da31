# Regenerates tests/fixtures/bfi_polychoric_rho.csv, bfi150_polychoric_rho.csv,
# bfi300_unequal_polychoric_rho.csv and
# bfi_reliability_extra.json (R >= 4.2, psych 2.2.9, GPArotation).
# Run from the repository root:  Rscript tests/reference/reliability_polychoric.R
suppressPackageStartupMessages({library(psych); library(jsonlite)})
bfi <- read.csv("tests/fixtures/bfi.csv")
items <- bfi[, 1:25]

# 1. polychoric correlations, psych defaults (global thresholds, correct = .5, smooth)
pc <- polychoric(items)
write.csv(round(pc$rho, 12), "tests/fixtures/bfi_polychoric_rho.csv")
# a small sample with empty cells (exercises the continuity correction)
pc150 <- polychoric(items[1:150, 1:10])
write.csv(round(pc150$rho, 12), "tests/fixtures/bfi150_polychoric_rho.csv")
# unequal numbers of categories (A1 collapsed to 1..4): psych switches to per-pair thresholds
# (global = FALSE) and fills empty cells with correct = .5
uneq <- items[1:300, 1:8]
uneq$A1 <- pmin(uneq$A1, 4)
pcu <- suppressWarnings(polychoric(uneq))
write.csv(round(pcu$rho, 12), "tests/fixtures/bfi300_unequal_polychoric_rho.csv")

rev_items <- c("A1", "C4", "C5", "E1", "E2", "O2", "O5")
keyed <- items
keyed[, rev_items] <- 7 - keyed[, rev_items]
complete <- keyed[complete.cases(keyed), ]
scales <- list(agreeableness = paste0("A", 1:5), conscientiousness = paste0("C", 1:5),
               extraversion = paste0("E", 1:5), neuroticism = paste0("N", 1:5),
               openness = paste0("O", 1:5))
out <- list()

# 2. pairwise alpha (psych default use = "pairwise") on all 2800 rows with missing values
out$pairwise_alpha <- lapply(scales, function(s) {
  a <- alpha(keyed[, s], warnings = FALSE)
  list(raw_alpha = a$total$raw_alpha, std_alpha = a$total$std.alpha,
       average_r = a$total$average_r, feldt_ci95 = c(a$feldt$lower.ci[[1]], a$feldt$upper.ci[[1]]),
       n_rows = nrow(keyed),
       alpha_if_item_dropped = as.list(setNames(a$alpha.drop$raw_alpha, s)),
       corrected_item_total_r = as.list(setNames(a$item.stats$r.drop, s)),
       item_mean = as.list(setNames(a$item.stats$mean, s)),
       item_sd = as.list(setNames(a$item.stats$sd, s)))
})

# 3. ordinal alpha: alpha of the polychoric matrix (Zumbo et al. 2007), complete keyed cases
out$ordinal_alpha <- lapply(scales, function(s) {
  alpha(polychoric(complete[, s])$rho, warnings = FALSE)$total$raw_alpha
})

# 4. omega hierarchical: psych::omega defaults (minres, oblimin, Schmid-Leiman)
om <- function(nf) {
  o <- omega(complete, nfactors = nf, plot = FALSE)
  list(omega_h = o$omega_h, omega_total = o$omega.tot,
       sl_general = as.list(setNames(o$schmid$sl[, 1], colnames(complete))))
}
out$omega_25_keyed <- list(nf3 = om(3), nf5 = om(5))
o3 <- omega(complete[, c(scales$neuroticism, scales$conscientiousness, scales$extraversion)],
            nfactors = 3, plot = FALSE)
out$omega_NCE_keyed_nf3 <- list(omega_h = o3$omega_h, omega_total = o3$omega.tot)

# 5. split-half, exhaustive (choose(10, 5) / 2 = 126 splits <= n.sample)
sh <- function(x) {
  s <- splitHalf(x, check.keys = FALSE)
  list(max = s$maxrb, min = s$minrb, mean = s$meanr, alpha = s$alpha, lambda6 = s$lambda6)
}
out$split_half_AC_keyed <- sh(complete[, c(scales$agreeableness, scales$conscientiousness)])
out$split_half_N <- sh(complete[, scales$neuroticism])
out$split_half_16_keyed <- sh(complete[, 1:16])
set.seed(1)
s25 <- splitHalf(complete)
out$split_half_25_keyed_check_keys <- list(max = s25$maxrb, min = s25$minrb, mean = s25$meanr)
set.seed(1)
s25n <- splitHalf(complete, check.keys = FALSE)
out$split_half_25_keyed_no_check <- list(max = s25n$maxrb, min = s25n$minrb, mean = s25n$meanr)

out$versions <- list(R = R.version.string, psych = as.character(packageVersion("psych")),
                     GPArotation = as.character(packageVersion("GPArotation")))
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE),
           "tests/fixtures/bfi_reliability_extra.json")
