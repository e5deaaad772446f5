# Reference results for the small-sample reliability intervals of
# psychometrics.coefficients._intervals: boot::boot.ci (BCa and percentile) on resamples
# whose indices are saved, so that Python recomputes the same resamples, and the ADF
# interval for alpha written here from Maydeu-Olivares, Coffman & Hartmann (2007) with the
# explicit duplication-matrix form (an implementation independent of the package's).
#
# Run from the repository root:  Rscript tests/reference/intervals.R
# Needs psych 2.2.9 and boot. Writes tests/reference/intervals/intervals.json.

suppressPackageStartupMessages({
  library(psych)
  library(boot)
})
source("tests/reference/_common.R")
out_dir <- reference_dir("intervals")

# raw alpha, as psych::alpha's raw_alpha on complete data
alpha_raw <- function(x) {
  S <- cov(x); k <- ncol(x)
  k / (k - 1) * (1 - sum(diag(S)) / sum(S))
}

# ADF interval (Maydeu-Olivares et al., 2007, eqs. 10-14): Gamma = the fourth-order moments
# sigma_ijkl - sigma_ij sigma_kl of vech(S) (1/N moments), delta = d alpha / d vech(Sigma).
adf_alpha <- function(x, level = 0.95) {
  x <- as.matrix(x); N <- nrow(x); p <- ncol(x)
  d <- sweep(x, 2, colMeans(x))
  S <- crossprod(d) / N
  idx <- which(lower.tri(S, diag = TRUE), arr.ind = TRUE)  # vech order (column-major)
  idx <- idx[order(idx[, 2], idx[, 1]), , drop = FALSE]
  prods <- sapply(seq_len(nrow(idx)), function(r) d[, idx[r, 1]] * d[, idx[r, 2]])
  sig <- colMeans(prods)
  Gamma <- crossprod(prods) / N - tcrossprod(sig)
  tr <- sum(diag(S)); s <- sum(S)
  # d alpha / d sigma_ij for the distinct elements: a diagonal element enters tr and s
  # once, an off-diagonal one enters s twice
  dalpha <- p / (p - 1) * ifelse(idx[, 1] == idx[, 2], tr / s^2 - 1 / s, 2 * tr / s^2)
  se <- sqrt(drop(t(dalpha) %*% Gamma %*% dalpha) / N)
  a <- p / (p - 1) * (1 - tr / s)
  z <- qnorm((1 + level) / 2)
  list(alpha = a, se = se, lower = a - z * se, upper = a + z * se)
}

cases <- list()
add <- function(name, x, R_alpha = 2000, R_omega = 1000, seed = 1) {
  x <- as.data.frame(x)
  set.seed(seed)
  b <- boot(x, function(d, i) alpha_raw(d[i, ]), R = R_alpha)
  ci <- boot.ci(b, conf = 0.95, type = c("bca", "perc"))
  set.seed(seed + 1)
  om_stat <- function(d, i) {
    r <- try(suppressMessages(suppressWarnings(
      omega(d[i, ], nfactors = 1, plot = FALSE)$omega.tot)), silent = TRUE)
    if (inherits(r, "try-error")) NA else r
  }
  bo <- boot(x, om_stat, R = R_omega)
  cio <- boot.ci(bo, conf = 0.95, type = c("bca", "perc"))
  adf <- adf_alpha(x)
  adf90 <- adf_alpha(x, 0.90)
  cases[[name]] <<- list(
    items = colnames(x), n = nrow(x),
    alpha = list(t0 = b$t0, t = as.vector(b$t), indices = boot.array(b, indices = TRUE) - 1,
                 bca = unname(ci$bca[4:5]), perc = unname(ci$percent[4:5]),
                 psych_raw_alpha = psych::alpha(x, check.keys = FALSE)$total$raw_alpha),
    omega = list(t0 = bo$t0, t = as.vector(bo$t), indices = boot.array(bo, indices = TRUE) - 1,
                 bca = unname(cio$bca[4:5]), perc = unname(cio$percent[4:5])),
    adf = adf, adf90 = adf90
  )
}
bfi_c <- na.omit(psych::bfi[, paste0("C", 1:4)])
add("bfi_C_18", bfi_c[1:18, ])
add("hs_textual_18", hs[1:18, c("x4", "x5", "x6")])
add("hs_visual_60", hs[1:60, c("x1", "x2", "x3")], R_omega = 500)
cases$bfi_A_adf <- list(items = paste0("A", 2:5), adf = adf_alpha(na.omit(bfi_items[, 2:5])),
                        n = nrow(na.omit(bfi_items[, 2:5])))
save_json(cases, "intervals")
cat("interval reference written to", out_dir, "\n")
