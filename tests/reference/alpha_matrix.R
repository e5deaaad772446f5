# psych::alpha on a correlation or covariance matrix with n.obs (psych 2.2.9):
# Rscript tests/reference/alpha_matrix.R  ->  tests/reference/reliability/alpha_matrix.json
source("tests/reference/_common.R"); out_dir <- reference_dir("reliability")
suppressPackageStartupMessages(library(psych))
bfi <- export(psych::bfi, "bfi")
items <- bfi[, c("A1", "A2", "A3", "A4", "A5")]
one <- function(m, n_obs, keys) {
  a <- suppressWarnings(alpha(m, keys = keys, n.obs = n_obs))
  list(total = as.list(a$total), alpha_drop = mat(a$alpha.drop), item_stats = mat(a$item.stats),
       feldt = as.list(a$feldt$lower.ci), n_obs = n_obs)
}
R <- cor(items, use = "pairwise")
C <- cov(items, use = "pairwise")
save_json(list(
  correlation = c(one(R, 2800, "A1"), list(matrix = mat(R))),
  covariance = c(one(C, 2800, "A1"), list(matrix = mat(C))),
  covariance_nokeys = c(one(C[2:5, 2:5], 2800, NULL), list(matrix = mat(C[2:5, 2:5])))
), "alpha_matrix")
