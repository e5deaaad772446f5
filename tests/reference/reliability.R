# Reference results for psychometrics.coefficients (alpha, split_half, ordinal_alpha) and
# psychometrics.correlation.polychoric.
#
# Run from the repository root:  Rscript tests/reference/reliability.R
# Needs psych 2.2.9, lavaan (data only) and jsonlite. Writes the public data sets to
# tests/reference/data/ (only when missing) and R's results as JSON to
# tests/reference/reliability/. CI has no R: the outputs are committed.

suppressPackageStartupMessages(library(psych))
source("tests/reference/_common.R")
out_dir <- reference_dir("reliability")

lsat6 <- as.data.frame(psych::lsat6)
export(lsat6, "lsat6")

frame <- function(df) {
  df <- as.data.frame(df)
  list(rows = rownames(df), cols = colnames(df), data = unname(as.matrix(df)))
}

bfi <- psych::bfi
hs <- lavaan::HolzingerSwineford1939[, paste0("x", 1:9)]

# ---------------------------------------------------------------------------------------------
# alpha
# ---------------------------------------------------------------------------------------------

alpha_record <- function(x, keys = NULL, level = 0.95, note = "") {
  a <- suppressWarnings(if (is.null(keys)) alpha(x) else alpha(x, keys = keys))
  nsub <- nrow(x)
  nvar <- a$nvar
  tot <- a$total
  z <- qnorm(1 - (1 - level) / 2)
  ci90 <- alpha.ci(tot$raw_alpha, nsub, nvar, p.val = 0.10)
  list(
    note = note,
    items = colnames(x),
    keys = if (is.null(keys)) NULL else keys,
    nsub = nsub, nvar = nvar,
    total = as.list(tot),
    feldt = list(lower = a$feldt$lower.ci[[1]], upper = a$feldt$upper.ci[[1]]),
    feldt90 = list(lower = ci90$lower.ci[[1]], upper = ci90$upper.ci[[1]]),
    # psych's printout uses raw_alpha -/+ 1.96 ase; the exact-quantile version as well
    duhachek_psych196 = list(lower = tot$raw_alpha - 1.96 * tot$ase,
                             upper = tot$raw_alpha + 1.96 * tot$ase),
    duhachek = list(lower = tot$raw_alpha - z * tot$ase, upper = tot$raw_alpha + z * tot$ase),
    alpha_drop = frame(a$alpha.drop),
    item_stats = frame(a$item.stats),
    response_freq = if (is.null(a$response.freq)) NULL else mat(a$response.freq)
  )
}

A <- bfi[, paste0("A", 1:5)]
E <- bfi[, paste0("E", 1:5)]
A_complete <- na.omit(A)
bfi25 <- bfi[, 1:25]
bfi_rev <- c("A1", "C4", "C5", "E1", "E2", "O2", "O5")
A_const <- A[, 2:5]
A_const$const <- 3

alpha_cases <- list(
  bfi_A_keys_pairwise = alpha_record(A, keys = c("A1"), note = "bfi A1-A5, A1 reversed, pairwise"),
  bfi_A_keys_listwise = alpha_record(A_complete, keys = c("A1"), note = "na.omit(bfi A1-A5), A1 reversed"),
  bfi_A_nokeys_listwise = alpha_record(A_complete, note = "na.omit(bfi A1-A5), no keys"),
  bfi_A_nokeys_pairwise = alpha_record(A, note = "bfi A1-A5, no keys, pairwise"),
  bfi_E_keys_pairwise = alpha_record(E, keys = c("E1", "E2"), note = "bfi E1-E5, E1 E2 reversed"),
  bfi25_keys_pairwise = alpha_record(bfi25, keys = bfi_rev, note = "all 25 bfi items, 7 reversed"),
  bfi_A234_pairwise = alpha_record(A[, 2:4], note = "k = 3: var.r of a single pair is NA"),
  bfi_A23_pairwise = alpha_record(A[, 2:3], note = "k = 2: psych's special case"),
  bfi_A_const = alpha_record(A_const, note = "a constant item is dropped but counted in the score"),
  lsat6 = alpha_record(lsat6, note = "psych::lsat6, complete binary"),
  hs_x1_x9 = alpha_record(hs, note = "lavaan HolzingerSwineford1939 x1-x9, continuous complete")
)

# The missing-data convention: psych's correlations are cov2cor(pairwise cov), not
# cor(use = "pairwise"). Record the naive alternatives so a test can pin the difference.
k <- ncol(A)
Ak <- A
Ak$A1 <- 7 - Ak$A1
naive_r <- cor(Ak, use = "pairwise")
psych_r <- cov2cor(cov(Ak, use = "pairwise"))
alpha_cases$convention <- list(
  naive_std_alpha = (1 - k / sum(naive_r)) * k / (k - 1),
  naive_average_r = (sum(naive_r) - k) / (k * (k - 1)),
  psych_std_alpha = (1 - k / sum(psych_r)) * k / (k - 1),
  naive_r = mat(naive_r),
  psych_r = mat(psych_r)
)
save_json(alpha_cases, "alpha")

# ---------------------------------------------------------------------------------------------
# splitHalf (raw = TRUE for the quantiles of all split values)
# ---------------------------------------------------------------------------------------------

split_names <- function(ab) lapply(ab, function(v) as.character(v))

split_record <- function(x, brute = FALSE, note = "") {
  s <- suppressWarnings(splitHalf(x, raw = TRUE, brute = brute))
  list(
    note = note, items = colnames(x), brute = brute,
    maxrb = s$maxrb, minrb = s$minrb, meanr = s$meanr, av.r = s$av.r, med.r = s$med.r,
    alpha = s$alpha, lambda2 = s$lambda2, lambda6 = s$lambda6,
    ci = unname(s$ci), n_values = length(s$raw),
    maxAB = split_names(s$maxAB), minAB = split_names(s$minAB)
  )
}

split_cases <- list(
  bfi_A = split_record(A, note = "k = 5: psych evaluates 5 of the 10 distinct splits"),
  bfi_C_E12 = split_record(bfi[, c(paste0("C", 1:5), "E1", "E2")],
                           note = "k = 7: choose(7, 3) / 2 = 17.5 splits counted"),
  bfi_A_C = split_record(bfi[, c(paste0("A", 1:5), paste0("C", 1:5))], note = "k = 10"),
  bfi_16 = split_record(bfi[, 1:16], note = "k = 16: 6435 splits enumerated"),
  bfi_20_brute = split_record(bfi[, 1:20], brute = TRUE, note = "k = 20, brute force"),
  hs_x1_x9 = split_record(hs, note = "k = 9"),
  lsat6 = split_record(lsat6, note = "k = 5 binary")
)
save_json(split_cases, "split_half")

# ---------------------------------------------------------------------------------------------
# polychoric
# ---------------------------------------------------------------------------------------------

poly_record <- function(x, correct = 0.5, note = "") {
  p <- suppressWarnings(suppressMessages(polychoric(x, correct = correct)))
  list(note = note, items = colnames(x), correct = correct, n_obs = p$n.obs,
       rho = mat(p$rho), tau = mat(p$tau))
}

A_uneven <- A
A_uneven$A1 <- (A_uneven$A1 + 1) %/% 2      # 1-3: unequal categories, global = FALSE
A_small <- A_uneven[1:60, ]                   # sparse tables: zero cells, continuity correction

poly_cases <- list(
  bfi25 = poly_record(bfi25, note = "25 bfi items, 1-6 with missing values (global thresholds)"),
  lsat6 = poly_record(lsat6, note = "binary items (tetrachoric through polychoric)"),
  bfi_A_uneven = poly_record(A_uneven, note = "A1 collapsed to 3 categories: global = FALSE"),
  bfi_A_uneven_small = poly_record(A_small, note = "60 rows: zero cells corrected by 0.5"),
  bfi_A_uneven_small_nocorrect = poly_record(A_small, correct = 0,
                                             note = "60 rows, correct = 0")
)
save_json(poly_cases, "polychoric")

# ---------------------------------------------------------------------------------------------
# ordinal alpha: alpha on the polychoric correlations (Zumbo, Gadermann & Zeisser 2007)
# ---------------------------------------------------------------------------------------------

ordinal_record <- function(x, keys = NULL, note = "") {
  rho <- suppressWarnings(suppressMessages(polychoric(x)))$rho
  a <- suppressWarnings(if (is.null(keys)) alpha(rho) else alpha(rho, keys = keys))
  list(note = note, items = colnames(x), keys = keys, total = as.list(a$total),
       alpha_drop = frame(a$alpha.drop), item_stats = frame(a$item.stats))
}

ordinal_cases <- list(
  bfi_A_keys = ordinal_record(A, keys = c("A1"), note = "bfi A1-A5, A1 reversed"),
  bfi_E_keys = ordinal_record(E, keys = c("E1", "E2"), note = "bfi E1-E5"),
  lsat6 = ordinal_record(lsat6, note = "lsat6 binary")
)
save_json(ordinal_cases, "ordinal_alpha")

cat("written to", out_dir, "\n")
