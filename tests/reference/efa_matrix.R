# Reference results for matrix input and covar = TRUE (psych 2.2.9): fa on a covariance
# matrix and on raw data with covar = TRUE, and omega, KMO, Bartlett and fa.parallel on a
# covariance matrix.
#
# Run from the repository root:  Rscript tests/reference/efa_matrix.R
# Writes tests/reference/efa/matrix.json. CI has no R: the output is committed.

suppressPackageStartupMessages({
  library(psych)
  library(GPArotation)
})
source("tests/reference/_common.R")
out_dir <- reference_dir("efa")

rec <- function(f, label, rows = 0) {
  out <- list(label = label, loadings = mat(f$loadings),
              Phi = if (is.null(f$Phi)) NULL else mat(f$Phi),
              communality = unname(f$communality), communalities = unname(f$communalities),
              uniquenesses = unname(f$uniquenesses), values = unname(f$values),
              Vaccounted = mat(f$Vaccounted), objective = f$objective,
              STATISTIC = if (is.null(f$STATISTIC)) NA else f$STATISTIC, dof = f$dof,
              rms = f$rms, fit.off = f$fit.off, RMSEA = unname(f$RMSEA), TLI = f$TLI,
              weights = if (is.null(f$weights)) NULL else mat(f$weights))
  if (rows > 0 && !is.null(f$scores)) out$scores <- unname(f$scores[seq_len(rows), , drop = FALSE])
  out
}
S <- cov(hs)
fits <- list()
for (fm in c("minres", "ml", "pa", "uls")) {
  f <- suppressWarnings(fa(hs, 3, fm = fm, covar = TRUE, scores = "regression"))
  fits[[length(fits) + 1]] <- c(rec(f, paste0("raw-covar-", fm), rows = 301), fm = fm,
                                 input = "raw", covar = TRUE)
  f <- suppressWarnings(fa(S, 3, n.obs = 301, fm = fm, covar = TRUE))
  fits[[length(fits) + 1]] <- c(rec(f, paste0("cov-covar-", fm)), fm = fm, input = "cov",
                                 covar = TRUE)
}
f <- fa(S, 3, n.obs = 301)
fits[[length(fits) + 1]] <- c(rec(f, "cov-cor-minres"), fm = "minres", input = "cov",
                               covar = FALSE)
om <- suppressMessages(suppressWarnings(omega(S, nfactors = 3, n.obs = 301, plot = FALSE)))
k <- KMO(S)
b <- cortest.bartlett(S, n = 301)
p <- fa.parallel(S, n.obs = 301, n.iter = 5, plot = FALSE)
save_json(list(
  fa = fits, S = mat(S),
  omega = list(omega.tot = om$omega.tot, omega_h = om$omega_h, sl = mat(om$schmid$sl)),
  kmo = list(MSA = k$MSA, MSAi = unname(k$MSAi)),
  bartlett = list(chisq = b$chisq, df = b$df),
  parallel = list(pc.values = p$pc.values, fa.values = p$fa.values)
), "matrix")
cat("matrix-input reference written to", out_dir, "\n")
