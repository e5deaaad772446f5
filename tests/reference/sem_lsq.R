# Reference results for estimator = "GLS" / "ULS" through cfa()/sem() (fit measures,
# estimates, standardized solutions, R2, modification indices, lavTestScore) and for
# inequality constraints in the model syntax, from lavaan 0.6.14 (R).
#
# Run from the repository root:  Rscript tests/reference/sem_lsq.R
# Writes tests/reference/sem/lsq_<case>_{fit,estimates,mi,r2,score,score_total}.csv.
suppressPackageStartupMessages(library(lavaan))
stopifnot(packageVersion("lavaan") == "0.6.14")

source("tests/reference/_common.R")
out_dir <- reference_dir("sem")

HS <- export(lavaan::HolzingerSwineford1939, "HolzingerSwineford1939")
bfi <- export(psych::bfi, "bfi")
PD <- export(lavaan::PoliticalDemocracy, "PoliticalDemocracy")

HS_MODEL <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
BFI_MODEL <- paste(
  "A =~ A1 + A2 + A3 + A4 + A5", "C =~ C1 + C2 + C3 + C4 + C5",
  "E =~ E1 + E2 + E3 + E4 + E5", "N =~ N1 + N2 + N3 + N4 + N5",
  "O =~ O1 + O2 + O3 + O4 + O5", sep = "\n")
PD_MODEL <- paste(
  "ind60 =~ x1 + x2 + x3", "dem60 =~ y1 + a*y2 + b*y3 + c*y4",
  "dem65 =~ y5 + a*y6 + b*y7 + c*y8", "dem60 ~ ind60", "dem65 ~ ind60 + dem60",
  "y1 ~~ y5", "y2 ~~ y4 + y6", "y3 ~~ y7", "y4 ~~ y8", "y6 ~~ y8", sep = "\n")

# lavaan's nlminb stops at rel.tol 1e-10 of fmin, which leaves estimates ~1e-5 from the
# optimum: each fit is continued from lavaan's solution with BFGS at reltol 1e-16 (the same
# estimator, converged further; sem.R does the same). BFGS's closing gradient check is
# skipped: lavaan checks the gradient of every table row, which under equality constraints
# (group.equal) is not zero row by row, only summed over the rows of one parameter (lavaan's
# own nlminb stops short on bfi under GLS, "a solution has NOT been found").
# Where nlminb fails (bfi under ULS) BFGS starts from lavaan's default start values instead.
refined <- function(fun, ...) {
  fit <- do.call(fun, list(...))  # fun by name: lavaan reads its own call
  bfgs <- list(optim.method = "BFGS", control = list(reltol = 1e-16, maxit = 10000),
               check.gradient = FALSE)
  from <- if (lavInspect(fit, "converged")) list(start = fit) else list()
  better <- do.call(fun, c(list(...), from, bfgs))
  if (lavInspect(better, "converged")) better else fit
}
# With inequality constraints lavaan's optimiser is nlminb.constr (an augmented Lagrangian)
# whose outer loop stops when the constraints are met to 1e-6; tightened here to 1e-10.
# lavaan's vcov then has a zero (+-1e-32) variance for a parameter an active constraint
# pins, printed as se 0 or NA (sqrt of a tiny negative number); lavaan warns that the vcov
# "does not appear to be positive definite".
# (Called directly: through a wrapper's `...` lavaan 0.6.14's nlminb.constr fails to converge
# on the same model.)
CONSTR <- list(control.outer = list(tol = 1e-10))

write_case <- function(fit, case, score = FALSE, r2 = FALSE) {
  stopifnot(lavInspect(fit, "converged"))
  glab <- lavInspect(fit, "group.label")
  fm <- fitMeasures(fit)
  write.csv(data.frame(measure = names(fm), value = as.numeric(fm)),
            file.path(out_dir, paste0("lsq_", case, "_fit.csv")), row.names = FALSE)
  pe <- parameterEstimates(fit, standardized = TRUE, remove.eq = TRUE, remove.ineq = TRUE)
  if (!is.null(pe$group)) pe$group <- glab[pe$group]
  write.csv(pe, file.path(out_dir, paste0("lsq_", case, "_estimates.csv")), row.names = FALSE)
  mi <- modindices(fit)
  if (!is.null(mi$group)) mi$group <- glab[mi$group]
  write.csv(mi, file.path(out_dir, paste0("lsq_", case, "_mi.csv")), row.names = FALSE)
  if (r2) {
    v <- lavInspect(fit, "r2")
    write.csv(data.frame(variable = names(v), r2 = as.numeric(v)),
              file.path(out_dir, paste0("lsq_", case, "_r2.csv")), row.names = FALSE)
  }
  if (score) {
    st <- lavTestScore(fit)
    write.csv(st$test, file.path(out_dir, paste0("lsq_", case, "_score_total.csv")),
              row.names = FALSE)
    write.csv(st$uni, file.path(out_dir, paste0("lsq_", case, "_score.csv")), row.names = FALSE)
  }
  invisible(fit)
}

for (est in c("GLS", "ULS")) {
  e <- tolower(est)
  write_case(refined("cfa", HS_MODEL, data = HS, estimator = est), paste0("hs_", e))
  write_case(refined("cfa", HS_MODEL, data = HS, estimator = est, meanstructure = TRUE),
             paste0("hs_", e, "_means"))
  write_case(refined("cfa", HS_MODEL, data = HS, estimator = est, group = "school",
                     group.equal = "loadings"), paste0("hs_", e, "_metric"), score = TRUE)
  write_case(refined("cfa", BFI_MODEL, data = bfi, estimator = est, group = "gender",
                     group.equal = "loadings"),
             paste0("bfi_", e, "_metric"))
  write_case(refined("sem", PD_MODEL, data = PD, estimator = est), paste0("pd_", e),
             score = TRUE, r2 = TRUE)
}

# --- inequality constraints (ML) -------------------------------------------------------------
HS_LAB <- "visual =~ x1 + a*x2 + b*x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
# slack at the optimum (a = 0.55, b = 0.73): the unconstrained fit
write_case(refined("cfa", paste(HS_LAB, "a > 0", "b > a + 0.1", sep = "\n"), data = HS),
           "hs_ineq_slack")
# binding: a loading forced above its estimate, and an order that the estimates reverse
write_case(cfa(paste(HS_LAB, "a > 0.8", sep = "\n"), data = HS, control = CONSTR),
           "hs_ineq_bind")
write_case(cfa(paste(HS_LAB, "b < a", sep = "\n"), data = HS, control = CONSTR), "hs_ineq_order")
# a residual variance forced below its estimate, under ULS
write_case(cfa(paste(HS_MODEL, "x5 ~~ v*x5", "v < 0.3", sep = "\n"), data = HS,
               estimator = "ULS", control = CONSTR), "hs_uls_ineq_var")
# labels per group in a constraint, GLS by school: Pasteur's x2 loading (0.27) held at or
# above Grant-White's (0.71)
write_case(cfa("visual =~ x1 + c(a1, a2)*x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\na1 > a2",
               data = HS, group = "school", estimator = "GLS", control = CONSTR),
           "hs_gls_ineq_groups")
# a Heywood case on public data: with x9 on visual too and x7 ~~ x8 free, ML gives x8 a
# negative residual variance (-0.15); 'v > 0' holds it at zero
HEYWOOD <- paste("visual =~ x1 + x2 + x3 + x9", "textual =~ x4 + x5 + x6",
                 "speed =~ x7 + x8 + x9", "x7 ~~ x8", "x8 ~~ v*x8", sep = "\n")
write_case(cfa(paste(HEYWOOD, "v > 0", sep = "\n"), data = HS, control = CONSTR),
           "hs_ineq_heywood")
