# Reference results for parallel analysis with fm, sim and cor, and for omega with more
# rotations and extractions (psych 2.2.9).
#
# Run from the repository root:  Rscript tests/reference/parallel_omega.R
# Writes tests/reference/efa/parallel_options.json and tests/reference/omega/rotations.json.
# CI has no R: the outputs are committed.

suppressPackageStartupMessages({
  library(psych)
  library(GPArotation)
})
source("tests/reference/_common.R")
out_dir <- reference_dir("efa")

# psych simulates through parallel::mclapply: the simulated eigenvalues are compared in
# distribution (their SDs are saved), the observed ones exactly.
par_rec <- function(p, label) {
  nv <- length(p$pc.values)
  list(label = label, pc.values = p$pc.values, fa.values = p$fa.values,
       pc.sim = p$pc.sim, fa.sim = p$fa.sim, pc.simr = p$pc.simr, fa.simr = p$fa.simr,
       nfact = p$nfact, ncomp = p$ncomp, n.iter = nrow(p$values),
       sd = unname(apply(p$values, 2, sd)), ncol = ncol(p$values))
}
set.seed(20261201)
recs <- list()
# (not alpha: psych 2.2.9's alpha factoring fails for one factor)
for (fm in c("ml", "pa", "uls")) {
  p <- fa.parallel(hs, fm = fm, n.iter = 200, plot = FALSE)
  recs[[length(recs) + 1]] <- c(par_rec(p, paste0("hs-", fm)), fm = fm, sim = TRUE, cor = "cor")
}
p <- fa.parallel(hs, sim = FALSE, n.iter = 200, plot = FALSE)
recs[[length(recs) + 1]] <- c(par_rec(p, "hs-nosim"), fm = "minres", sim = FALSE, cor = "cor")
bfi10 <- bfi_items[, 1:10]
p <- suppressWarnings(fa.parallel(bfi10, cor = "poly", n.iter = 20, plot = FALSE))
recs[[length(recs) + 1]] <- c(par_rec(p, "bfi10-poly"), fm = "minres", sim = TRUE, cor = "poly")
save_json(recs, "parallel_options")

out_dir <- reference_dir("omega")
omega_record <- function(om, data_name, nfactors, rotate, fm) {
  list(
    data = data_name, nfactors = nfactors, rotate = rotate, fm = fm,
    omega_h = om$omega_h, omega.lim = om$omega.lim, alpha = om$alpha,
    omega.tot = om$omega.tot, G6 = om$G6, ECV = unname(om$ECV),
    sl = mat(om$schmid$sl), oblique = mat(om$schmid$oblique),
    phi = mat(om$schmid$phi), gloading = unname(as.vector(om$schmid$gloading))
  )
}
orecs <- list()
run <- function(x, name, nf, rotate = "oblimin", fm = "minres", ...) {
  om <- suppressMessages(suppressWarnings(
    omega(x, nfactors = nf, rotate = rotate, fm = fm, plot = FALSE, ...)))
  orecs[[length(orecs) + 1]] <<- omega_record(om, name, nf, rotate, fm)
}
for (rot in c("Promax", "bentlerQ", "simplimax", "biquartimin", "cluster")) run(hs, "hs", 3, rot)
run(bfi_items, "bfi", 5, "bentlerQ")
run(bfi_items, "bfi", 5, "Promax")
for (fm in c("pa", "ml", "wls", "gls")) run(hs, "hs", 3, "oblimin", fm)
run(harman, "harman74", 4, "oblimin", "ml", n.obs = 145)
save_json(orecs, "rotations")
cat("parallel/omega option references written\n")
