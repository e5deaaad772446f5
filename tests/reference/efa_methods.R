# Reference results for the extraction methods, factor scores and principal components of
# psychometrics.factor (psych 2.2.9's fa, factor.scores and principal).
#
# Run from the repository root:  Rscript tests/reference/efa_methods.R
# Writes tests/reference/efa/methods.json. CI has no R: the output is committed.

suppressPackageStartupMessages({
  library(psych)
  library(GPArotation)
})
source("tests/reference/_common.R")
out_dir <- reference_dir("efa")

rec <- function(f, data_name, nfactors, fm, rotate, scores = "none", rows = 0) {
  out <- list(
    data = data_name, nfactors = nfactors, fm = fm, rotate = rotate, score_method = scores,
    loadings = mat(f$loadings), Phi = if (is.null(f$Phi)) NULL else mat(f$Phi),
    communality = unname(f$communality), communalities = unname(f$communalities),
    uniquenesses = unname(f$uniquenesses), values = unname(f$values),
    e.values = unname(f$e.values), Vaccounted = mat(f$Vaccounted),
    objective = f$objective, STATISTIC = if (is.null(f$STATISTIC)) NA else f$STATISTIC,
    dof = f$dof, rms = f$rms, fit.off = f$fit.off, chi = f$chi,
    weights = if (is.null(f$weights)) NULL else mat(f$weights)
  )
  if (rows > 0 && !is.null(f$scores)) out$scores <- unname(f$scores[seq_len(rows), , drop = FALSE])
  out
}
fits <- list()
for (fm in c("uls", "ols", "wls", "gls", "alpha", "minchi")) {
  f <- suppressWarnings(fa(hs, nfactors = 3, fm = fm, rotate = "oblimin"))
  fits[[length(fits) + 1]] <- rec(f, "hs", 3, fm, "oblimin")
  f <- suppressWarnings(fa(bfi_items, nfactors = 5, fm = fm, rotate = "varimax"))
  fits[[length(fits) + 1]] <- rec(f, "bfi", 5, fm, "varimax")
  # psych 2.2.9's alpha factoring fails for one factor (diag() of a scalar)
  if (fm != "alpha") {
    f <- suppressWarnings(fa(hs, nfactors = 1, fm = fm))
    fits[[length(fits) + 1]] <- rec(f, "hs", 1, fm, "oblimin")
  }
}
for (fm in c("uls", "wls", "gls", "alpha")) {
  f <- suppressWarnings(fa(harman, nfactors = 4, n.obs = 145, fm = fm, rotate = "oblimin"))
  fits[[length(fits) + 1]] <- rec(f, "harman74", 4, fm, "oblimin")
}
for (sc in c("tenBerge", "Anderson", "Bartlett", "Harman", "components", "regression")) {
  # as.matrix: psych 2.2.9's components scores fail on a data frame (x %*% w)
  f <- fa(as.matrix(hs), nfactors = 3, fm = "minres", rotate = "oblimin", scores = sc)
  fits[[length(fits) + 1]] <- rec(f, "hs", 3, "minres", "oblimin", sc, rows = 301)
  f <- fa(as.matrix(hs), nfactors = 3, fm = "ml", rotate = "varimax", scores = sc)
  fits[[length(fits) + 1]] <- rec(f, "hs", 3, "ml", "varimax", sc, rows = 301)
}
# missing values: bfi rows with NA get NA scores
f <- fa(bfi_items, nfactors = 5, fm = "minres", rotate = "oblimin", scores = "tenBerge")
fits[[length(fits) + 1]] <- rec(f, "bfi", 5, "minres", "oblimin", "tenBerge", rows = 200)

pcs <- list()
prec <- function(p, data_name, nf, rotate, rows = 0) {
  out <- list(data = data_name, nfactors = nf, rotate = rotate,
              loadings = mat(p$loadings), Phi = if (is.null(p$Phi)) NULL else mat(p$Phi),
              communality = unname(p$communality), uniquenesses = unname(p$uniquenesses),
              values = unname(p$values), Vaccounted = mat(p$Vaccounted),
              complexity = unname(p$complexity), rms = p$rms, fit = p$fit,
              fit.off = p$fit.off, chi = p$chi, dof = p$dof,
              weights = if (is.null(p$weights)) NULL else mat(p$weights))
  if (rows > 0 && !is.null(p$scores)) out$scores <- unname(p$scores[seq_len(rows), , drop = FALSE])
  out
}
for (rot in c("varimax", "none", "oblimin", "promax", "Promax", "quartimax", "geominQ")) {
  p <- principal(hs, nfactors = 3, rotate = rot)
  pcs[[length(pcs) + 1]] <- prec(p, "hs", 3, rot, rows = 301)
}
p <- principal(hs, nfactors = 1)
pcs[[length(pcs) + 1]] <- prec(p, "hs", 1, "varimax", rows = 301)
p <- principal(bfi_items, nfactors = 5, rotate = "varimax")
pcs[[length(pcs) + 1]] <- prec(p, "bfi", 5, "varimax", rows = 200)
p <- principal(harman, nfactors = 4, n.obs = 145, rotate = "oblimin")
pcs[[length(pcs) + 1]] <- prec(p, "harman74", 4, "oblimin")
save_json(list(fa = fits, principal = pcs), "methods")
cat("methods reference written to", out_dir, "\n")
