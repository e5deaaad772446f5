# Reference results for psychometrics.omega / ordinal_omega (psych::omega, psych 2.2.9).
#
# Run from the repository root:  Rscript tests/reference/omega.R
# Writes the public data sets to tests/reference/data/ (only when missing) and R's results
# as JSON to tests/reference/omega/. CI has no R: the outputs are committed.

suppressPackageStartupMessages({
  library(psych)
  library(GPArotation)
})
source("tests/reference/_common.R")
out_dir <- reference_dir("omega")

omega_record <- function(om, data_name, nfactors, rotate) {
  list(
    data = data_name, nfactors = nfactors, rotate = rotate,
    omega_h = om$omega_h, omega.lim = om$omega.lim, alpha = om$alpha,
    omega.tot = om$omega.tot, G6 = om$G6, ECV = unname(om$ECV),
    sl = mat(om$schmid$sl), oblique = mat(om$schmid$oblique),
    phi = mat(om$schmid$phi), gloading = unname(as.vector(om$schmid$gloading)),
    key = unname(om$key), omega.group = mat(om$omega.group)
  )
}

recs <- list()
run <- function(x, name, nf, rotate = "oblimin", ...) {
  om <- suppressMessages(suppressWarnings(
    omega(x, nfactors = nf, rotate = rotate, plot = FALSE, ...)))
  recs[[length(recs) + 1]] <<- omega_record(om, name, nf, rotate)
}
run(hs, "hs", 3)
run(hs, "hs", 1)
run(hs, "hs", 2)
run(hs, "hs", 3, rotate = "promax")
run(hs, "hs", 3, rotate = "geominQ")
run(bfi_items, "bfi", 5)
run(bfi_items, "bfi", 3)
run(harman, "harman74", 4, n.obs = 145)

# ordinal omega: psych's polychoric correlations of the first ten bfi items; the matrix is
# saved too so that omega on it can be checked without a polychoric implementation.
bfi10 <- bfi_items[, 1:10]
pc <- polychoric(bfi10)
om <- suppressMessages(suppressWarnings(
  omega(bfi10, nfactors = 2, poly = TRUE, plot = FALSE)))
rec <- omega_record(om, "bfi10_poly", 2, "oblimin")
rec$rho <- mat(pc$rho)
rec$n.obs <- nrow(bfi10)
recs[[length(recs) + 1]] <- rec

save_json(recs, "omega")
cat("omega reference written to", out_dir, "\n")
