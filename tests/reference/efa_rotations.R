# Reference results for the rotations of psychometrics.factor.rotation (psych 2.2.9's fa and
# GPArotation 2022.10 called directly), the number of factors up to the number of items, and
# psych's $communalities.
#
# Run from the repository root:  Rscript tests/reference/efa_rotations.R
# Writes tests/reference/efa/rotations.json. CI has no R: the output is committed.

suppressPackageStartupMessages({
  library(psych)
  library(GPArotation)
})
source("tests/reference/_common.R")
out_dir <- reference_dir("efa")

rot_record <- function(f, data_name, nfactors, fm, rotate, args = list()) {
  list(
    data = data_name, nfactors = nfactors, fm = fm, rotate = rotate, args = args,
    loadings = mat(f$loadings),
    Phi = if (is.null(f$Phi)) NULL else mat(f$Phi),
    communality = unname(f$communality),
    communalities = unname(f$communalities),
    Vaccounted = mat(f$Vaccounted), dof = f$dof, objective = f$objective,
    STATISTIC = if (is.null(f$STATISTIC)) NA else f$STATISTIC,
    rms = f$rms
  )
}

fits <- list()
add <- function(x, name, nf, rotate, args = list(), fm = "minres") {
  f <- suppressMessages(suppressWarnings(
    do.call(fa, c(list(x, nfactors = nf, fm = fm, rotate = rotate), args))))
  fits[[length(fits) + 1]] <<- rot_record(f, name, nf, fm, rotate, args)
}

# every rotation psych's fa dispatches itself
for (rot in c("Varimax", "quartimax", "equamax", "bentlerT", "geominT", "bifactor",
              "Promax", "simplimax", "bentlerQ", "biquartimin", "cluster")) {
  add(hs, "hs", 3, rot)
  add(bfi_items, "bfi", 5, rot)
}
# varimax/Varimax and promax/Promax side by side on the same data (psych reads them apart)
add(hs, "hs", 3, "varimax")
add(hs, "hs", 3, "promax")
# options passed through fa's ... to GPArotation
add(hs, "hs", 3, "oblimin", list(gam = 0.5))
add(bfi_items, "bfi", 5, "oblimin", list(gam = -0.5))
add(hs, "hs", 3, "geominQ", list(normalize = TRUE))
add(hs, "hs", 3, "oblimin", list(normalize = TRUE))
add(hs, "hs", 3, "quartimax", list(normalize = TRUE))
add(hs, "hs", 3, "geominT", list(delta = 0.05))
# target rotations: the target is in the unrotated factors' order (MR1 MR2 MR3)
tgt <- matrix(0, 9, 3)
tgt[1:3, 2] <- NA; tgt[4:6, 1] <- NA; tgt[7:9, 3] <- NA
add(hs, "hs", 3, "targetQ", list(Target = tgt))
add(hs, "hs", 3, "targetT", list(Target = tgt))
# number of factors up to the number of items: psych fits it (df < 0)
add(hs, "hs", 8, "none")
add(hs, "hs", 9, "none")
add(hs, "hs", 5, "oblimin")
save_json(fits, "rotations")

# ---- GPArotation directly (rotations psych's fa does not dispatch, random starts) --------
unrot_hs <- unclass(fa(hs, nfactors = 3, rotate = "none")$loadings)
unrot_bfi <- unclass(fa(bfi_items, nfactors = 5, rotate = "none")$loadings)
gpa <- function(g) list(loadings = unname(unclass(g$loadings)),
                        Phi = if (is.null(g$Phi)) NULL else unname(g$Phi),
                        Th = unname(g$Th), f = g$Table[nrow(g$Table), 2],
                        convergence = g$convergence)
W <- matrix(0, 9, 3); W[is.na(tgt)] <- 0; W[!is.na(tgt)] <- 1
direct <- list(
  unrotated_hs = unname(unrot_hs), unrotated_bfi = unname(unrot_bfi),
  target = ifelse(is.na(tgt), 0, tgt), W = W,
  oblimax = gpa(oblimax(unrot_hs)),
  oblimax_bfi = gpa(oblimax(unrot_bfi)),
  pstT = gpa(pstT(unrot_hs, W = W, Target = ifelse(is.na(tgt), 0, tgt))),
  pstQ = gpa(pstQ(unrot_hs, W = W, Target = ifelse(is.na(tgt), 0, tgt))),
  cfT = gpa(cfT(unrot_bfi, kappa = 5 / (2 * 25))),
  simplimax_k = gpa(simplimax(unrot_bfi, k = 40))
)
# random starts: GPArotation's Random.Start matrices, and the rotation from each
set.seed(20261201)
starts <- lapply(1:10, function(i) Random.Start(5))
runs <- lapply(starts, function(s) gpa(geominQ(unrot_bfi, Tmat = s)))
direct$starts <- lapply(starts, unname)
direct$geominQ_runs <- runs
runs_t <- lapply(starts, function(s) gpa(geominT(unrot_bfi, Tmat = s)))
direct$geominT_runs <- runs_t
save_json(direct, "rotations_gpa")
cat("rotation reference written to", out_dir, "\n")
