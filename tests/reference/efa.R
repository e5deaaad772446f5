# Reference results for psychometrics.factor (kmo, bartlett, parallel_analysis, efa).
#
# Run from the repository root:  Rscript tests/reference/efa.R
# Needs psych 2.2.9, GPArotation, lavaan (data only) and jsonlite. Writes the public data
# sets to tests/reference/data/ (only when missing) and R's results as JSON to
# tests/reference/efa/. CI has no R: the outputs are committed.

suppressPackageStartupMessages({
  library(psych)
  library(GPArotation)
})
source("tests/reference/_common.R")
out_dir <- reference_dir("efa")

fa_record <- function(f, data_name, nfactors, fm, rotate, scores_rows = 0) {
  rec <- list(
    data = data_name, nfactors = nfactors, fm = fm, rotate = rotate,
    loadings = mat(f$loadings),
    Phi = if (is.null(f$Phi)) NULL else mat(f$Phi),
    Structure = mat(f$Structure),
    communality = unname(f$communality),
    communalities = unname(f$communalities),
    uniquenesses = unname(f$uniquenesses),
    complexity = unname(f$complexity),
    Vaccounted = mat(f$Vaccounted),
    values = unname(f$values),
    e.values = unname(f$e.values),
    objective = f$objective, STATISTIC = f$STATISTIC, PVAL = f$PVAL,
    dof = f$dof, chi = f$chi, EPVAL = f$EPVAL, rms = f$rms, crms = f$crms,
    RMSEA = unname(f$RMSEA), TLI = f$TLI, BIC = f$BIC, SABIC = f$SABIC,
    EBIC = f$EBIC, ESABIC = f$ESABIC, null.chisq = f$null.chisq,
    null.dof = f$null.dof, null.model = f$null.model, fit = f$fit,
    fit.off = f$fit.off, nh = f$nh, n.obs = f$n.obs,
    weights = mat(f$weights), R2 = unname(f$R2.scores)
  )
  if (scores_rows > 0 && !is.null(f$scores)) {
    rec$scores <- unname(f$scores[seq_len(scores_rows), , drop = FALSE])
  }
  rec
}

# ---- KMO and Bartlett ---------------------------------------------------------------------
k_bfi <- KMO(bfi_items)
k_hs <- KMO(hs)
k_h74 <- KMO(harman)
b_bfi <- cortest.bartlett(cor(bfi_items, use = "pairwise"), n = nrow(bfi_items))
b_hs <- cortest.bartlett(cor(hs), n = nrow(hs))
b_h74 <- cortest.bartlett(harman, n = 145)
save_json(list(
  bfi = list(MSA = k_bfi$MSA, MSAi = as.list(k_bfi$MSAi),
             chisq = b_bfi$chisq, df = b_bfi$df, p = b_bfi$p.value, n = nrow(bfi_items)),
  hs = list(MSA = k_hs$MSA, MSAi = as.list(k_hs$MSAi),
            chisq = b_hs$chisq, df = b_hs$df, p = b_hs$p.value, n = nrow(hs)),
  harman74 = list(MSA = k_h74$MSA, MSAi = as.list(k_h74$MSAi),
                  chisq = b_h74$chisq, df = b_h74$df, p = b_h74$p.value, n = 145)
), "adequacy")

# ---- fa -----------------------------------------------------------------------------------
fits <- list()
for (fm in c("minres", "ml", "pa")) {
  for (rot in c("none", "varimax", "oblimin", "promax")) {
    f <- fa(hs, nfactors = 3, fm = fm, rotate = rot, scores = "regression")
    fits[[length(fits) + 1]] <- fa_record(f, "hs", 3, fm, rot, scores_rows = 301)
    f <- fa(bfi_items, nfactors = 5, fm = fm, rotate = rot, scores = "regression")
    fits[[length(fits) + 1]] <- fa_record(f, "bfi", 5, fm, rot, scores_rows = 100)
  }
}
for (rot in c("quartimin", "geominQ")) {
  f <- fa(hs, nfactors = 3, fm = "minres", rotate = rot)
  fits[[length(fits) + 1]] <- fa_record(f, "hs", 3, "minres", rot)
  f <- fa(bfi_items, nfactors = 5, fm = "minres", rotate = rot)
  fits[[length(fits) + 1]] <- fa_record(f, "bfi", 5, "minres", rot)
}
# one factor, and Bartlett scores
for (fm in c("minres", "ml", "pa")) {
  f <- fa(hs, nfactors = 1, fm = fm, scores = "regression")
  fits[[length(fits) + 1]] <- fa_record(f, "hs", 1, fm, "oblimin", scores_rows = 301)
}
f <- fa(hs, nfactors = 3, fm = "minres", rotate = "oblimin", scores = "Bartlett")
rec <- fa_record(f, "hs", 3, "minres", "oblimin", scores_rows = 301)
rec$scores_method <- "bartlett"
fits[[length(fits) + 1]] <- rec
f <- fa(hs, nfactors = 3, fm = "ml", rotate = "varimax", scores = "Bartlett")
rec <- fa_record(f, "hs", 3, "ml", "varimax", scores_rows = 301)
rec$scores_method <- "bartlett"
fits[[length(fits) + 1]] <- rec
# correlation matrix input with n.obs
for (fm in c("minres", "ml", "pa")) {
  f <- fa(harman, nfactors = 4, n.obs = 145, fm = fm, rotate = "oblimin")
  fits[[length(fits) + 1]] <- fa_record(f, "harman74", 4, fm, "oblimin")
}
f <- fa(harman, nfactors = 4, n.obs = 145, fm = "minres", rotate = "promax")
fits[[length(fits) + 1]] <- fa_record(f, "harman74", 4, "minres", "promax")
# listwise: psych on the complete cases
bfi_cc <- na.omit(bfi_items)
f <- fa(bfi_cc, nfactors = 5, fm = "minres", rotate = "oblimin")
fits[[length(fits) + 1]] <- fa_record(f, "bfi_listwise", 5, "minres", "oblimin")
save_json(fits, "fa")

# ---- fa.parallel --------------------------------------------------------------------------
# psych simulates through parallel::mclapply, so the simulated eigenvalues vary between runs
# even with a seed; the tests compare them only in distribution (observed ones exactly).
set.seed(20240611)
pa_bfi <- fa.parallel(bfi_items, n.iter = 200, plot = FALSE)
set.seed(20240611)
pa_hs <- fa.parallel(hs, n.iter = 500, plot = FALSE)
set.seed(20240611)
pa_h74 <- fa.parallel(harman, n.obs = 145, n.iter = 500, plot = FALSE)
par_rec <- function(p) {
  list(pc.values = p$pc.values, fa.values = p$fa.values, pc.sim = p$pc.sim,
       fa.sim = p$fa.sim, pc.simr = p$pc.simr, fa.simr = p$fa.simr,
       nfact = p$nfact, ncomp = p$ncomp, n.iter = nrow(p$values),
       # standard deviations of the simulated (normal data) eigenvalues, for a
       # distributional comparison: the last 2p columns of p$values are the simulations
       sim.sd = unname(apply(p$values[, (ncol(p$values) - 2 * length(p$pc.values) + 1):
                                        ncol(p$values)], 2, sd)))
}
save_json(list(bfi = par_rec(pa_bfi), hs = par_rec(pa_hs), harman74 = par_rec(pa_h74)),
          "parallel")

cat("efa reference written to", out_dir, "\n")
