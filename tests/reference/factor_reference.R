# Regenerates tests/fixtures/factor_sim.csv, factor_heywood.csv and tests/fixtures/factor_reference.json
# (R >= 4.2, psych 2.2.9, GPArotation 2022.10-2, jsonlite).
# Run from the repository root:  Rscript tests/reference/factor_reference.R
suppressPackageStartupMessages({library(psych); library(GPArotation); library(jsonlite)})

bfi <- read.csv("tests/fixtures/bfi.csv")
items <- bfi[, 1:25]                       # raw (not reverse-keyed), as bfi_reference.json
complete <- items[complete.cases(items), ] # 2436 rows

mat <- function(m) unname(lapply(seq_len(ncol(m)), function(j) as.list(setNames(m[, j], rownames(m)))))
fa_out <- function(f) list(
  columns = colnames(f$loadings),
  loadings = mat(unclass(f$loadings)),
  communality = as.list(f$communality),
  phi = if (is.null(f$Phi)) NULL else unname(f$Phi),
  ss_loadings = unname(f$Vaccounted[1, ]),
  values = f$values)
out <- list()

# 1. psych-sorted/reflected pa + oblimin (psych's fa, not factor_analyzer's PCA "principal")
out$pa_oblimin <- fa_out(fa(complete, 5, fm = "pa", rotate = "oblimin"))
# a one-factor minres and a three-factor ml/oblimin, for coverage of nf = 1 and ml + GPA
out$minres_1f_agree <- fa_out(fa(complete[, 1:5], 1))
out$ml_oblimin_3f <- fa_out(fa(complete[, 1:15], 3, fm = "ml", rotate = "oblimin"))
# pa with promax and pca with oblimin/promax (psych::principal uses stats::promax, TC names)
out$pca_oblimin <- fa_out(principal(complete, 5, rotate = "oblimin"))
out$pca_promax <- fa_out(principal(complete, 5, rotate = "promax"))
# psych default missing handling: pairwise correlations of all 2800 rows
out$minres_oblimin_pairwise <- fa_out(fa(items, 5))

# 2. EFA on polychoric correlations: fa(bfi[, 1:10], 2, cor = "poly") on the complete cases
#    (listwise, the package default), with the polychoric matrix it used.
pc10 <- polychoric(complete[, 1:10])$rho
out$poly_2f <- fa_out(fa(complete[, 1:10], 2, cor = "poly"))
out$poly_2f$rho <- unname(pc10)

# 3. SPSS-style Kaiser-normalised oblique rotations.  SPSS divides each row of the unrotated
#    loadings by sqrt(h2), rotates, and multiplies back.  Here: GPArotation::oblimin(L,
#    normalize = TRUE) and psych::kaiser(L, "Promax"), then psych's reflect / sort rule
#    (reflect by column sums, order by diag(Phi %*% t(L) %*% L), decreasing).
psych_sort <- function(L, Phi) {
  s <- sign(colSums(L)); s[s == 0] <- 1
  L <- L %*% diag(s); Phi <- diag(s) %*% Phi %*% diag(s)
  o <- order(diag(Phi %*% t(L) %*% L), decreasing = TRUE)
  list(loadings = mat(L[, o]), phi = unname(Phi[o, o]))
}
principal_sort <- function(L, Phi) {  # psych::principal: order by colSums(L^2), then reflect
  o <- order(colSums(L^2), decreasing = TRUE)
  L <- L[, o]; Phi <- Phi[o, o]
  s <- sign(colSums(L)); s[s == 0] <- 1
  list(loadings = mat(L %*% diag(s)), phi = unname(diag(s) %*% Phi %*% diag(s)))
}
f0 <- fa(complete, 5, rotate = "none")
L0 <- unclass(f0$loadings)
ob_n <- oblimin(L0, normalize = TRUE)
ob_raw <- oblimin(L0, normalize = FALSE)
out$spss_minres_oblimin <- c(psych_sort(unclass(ob_n$loadings), ob_n$Phi),
  list(unrotated = mat(L0), max_abs_diff_vs_unnormalised = max(abs(unclass(ob_n$loadings) - unclass(ob_raw$loadings)))))
p0 <- principal(complete, 5, rotate = "none")
P0 <- unclass(p0$loadings)
ob_pn <- oblimin(P0, normalize = TRUE)
out$spss_pca_oblimin <- c(principal_sort(unclass(ob_pn$loadings), ob_pn$Phi), list(unrotated = mat(P0)))
pro_pn <- kaiser(P0, rotate = "Promax")
out$spss_pca_promax <- c(principal_sort(unclass(pro_pn$loadings), pro_pn$Phi), list(unrotated = mat(P0)))

# 4. parallel analysis: a seeded simulated data set with 3 factors x 4 items (loadings .5-.8)
set.seed(20240611)
n <- 600
lam <- matrix(0, 12, 3)
lam[1:4, 1] <- c(.8, .7, .6, .5); lam[5:8, 2] <- c(.75, .65, .6, .55); lam[9:12, 3] <- c(.7, .7, .6, .5)
phi <- matrix(c(1, .3, .2, .3, 1, .25, .2, .25, 1), 3)
f <- matrix(rnorm(n * 3), n) %*% chol(phi)
x <- f %*% t(lam) + matrix(rnorm(n * 12), n) %*% diag(sqrt(1 - rowSums((lam %*% phi) * lam)))
colnames(x) <- paste0("X", 1:12)
write.csv(round(x, 10), "tests/fixtures/factor_sim.csv", row.names = FALSE)
x <- read.csv("tests/fixtures/factor_sim.csv")
set.seed(1)
pa <- fa.parallel(x, n.iter = 200, plot = FALSE)
q95 <- function(cols) unname(apply(pa$values[, cols], 2, quantile, 0.95))
k <- ncol(x)
out$parallel_sim <- list(n_iter = 200, fa_values = pa$fa.values, pc_values = pa$pc.values,
  fa_sim_mean = pa$fa.sim, pc_sim_mean = pa$pc.sim,
  fa_sim_q95 = q95((3 * k + 1):(4 * k)), pc_sim_q95 = q95((2 * k + 1):(3 * k)),
  fa_sim_sd = unname(apply(pa$values[, (3 * k + 1):(4 * k)], 2, sd)),
  pc_sim_sd = unname(apply(pa$values[, (2 * k + 1):(3 * k)], 2, sd)),
  nfact = pa$nfact, ncomp = pa$ncomp)
set.seed(2)
pb <- fa.parallel(complete, n.iter = 20, plot = FALSE)
out$parallel_bfi <- list(fa_values = pb$fa.values, pc_values = pb$pc.values, nfact = pb$nfact, ncomp = pb$ncomp)

# 5. a Heywood case: a one-factor model of r(a,b) = r(a,c) = .8, r(b,c) = .5 implies
#    h2(a) = .8 * .8 / .5 = 1.28 > 1.  Seeded multivariate normal data, then psych's fits.
set.seed(31)
C <- matrix(c(1, .8, .8, .3, .8, 1, .5, .3, .8, .5, 1, .3, .3, .3, .3, 1), 4)
h <- matrix(rnorm(1000 * 4), 1000) %*% chol(C)
colnames(h) <- c("a", "b", "c", "d")
write.csv(round(h, 10), "tests/fixtures/factor_heywood.csv", row.names = FALSE)
h <- read.csv("tests/fixtures/factor_heywood.csv")
out$heywood_minres <- suppressWarnings(fa_out(fa(h, 1)))
out$heywood_pa <- suppressWarnings(fa_out(fa(h, 1, fm = "pa")))
out$heywood_ml <- suppressWarnings(fa_out(fa(h, 1, fm = "ml")))

out$versions <- list(R = R.version.string, psych = as.character(packageVersion("psych")),
  GPArotation = as.character(packageVersion("GPArotation")))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, null = "null", pretty = FALSE),
  "tests/fixtures/factor_reference.json")
