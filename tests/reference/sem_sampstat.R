# Reference sample moments of psychometrics.structural fits (CFAResult.sample_cov /
# sample_mean) from lavaan 0.6.14: lavInspect(fit, "sampstat") for ML, GLS and ULS.
#
# Run from the repository root:  Rscript tests/reference/sem_sampstat.R
# Writes tests/reference/sem/sampstat.json. What it shows: lavaan keeps the covariance
# matrix with divisor N for ML (likelihood = "normal", its default: sample.cov.rescale =
# TRUE) but the unbiased one (divisor N - 1) for GLS and ULS (sample.cov.rescale is FALSE for
# them, and likelihood = "normal" / "wishart" is refused: "likelihood argument is only
# relevant if estimator = ML"). ML with likelihood = "wishart" (divisor N - 1) is recorded
# too; psychometrics has no likelihood option (its ML is lavaan's "normal").
suppressPackageStartupMessages(library(lavaan))
stopifnot(packageVersion("lavaan") == "0.6.14")

source("tests/reference/_common.R")
out_dir <- reference_dir("sem")

HS <- export(lavaan::HolzingerSwineford1939, "HolzingerSwineford1939")
HS_MODEL <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
ov <- paste0("x", 1:9)

sampstat <- function(fit) {
  stopifnot(lavInspect(fit, "converged"))
  ss <- lavInspect(fit, "sampstat")
  one <- function(s) list(cov = mat(s$cov), mean = if (is.null(s$mean)) NULL else
                            as.numeric(s$mean))
  groups <- if (is.null(ss$cov)) unname(lapply(ss, one)) else list(one(ss))
  list(groups = groups, group_label = lavInspect(fit, "group.label"),
       nobs = lavInspect(fit, "nobs"), chisq = unname(fitMeasures(fit, "chisq")),
       likelihood = lavInspect(fit, "options")$likelihood,
       rescale = lavInspect(fit, "options")$sample.cov.rescale)
}

refused <- tryCatch({cfa(HS_MODEL, data = HS, estimator = "GLS", likelihood = "normal")
                     "accepted"}, error = function(e) conditionMessage(e))

S_unbiased <- cov(HS[, ov])
out <- list(
  ml = sampstat(cfa(HS_MODEL, data = HS, estimator = "ML")),
  ml_wishart = sampstat(cfa(HS_MODEL, data = HS, estimator = "ML", likelihood = "wishart")),
  gls = sampstat(cfa(HS_MODEL, data = HS, estimator = "GLS")),
  uls = sampstat(cfa(HS_MODEL, data = HS, estimator = "ULS")),
  gls_means = sampstat(cfa(HS_MODEL, data = HS, estimator = "GLS", meanstructure = TRUE)),
  uls_groups = sampstat(cfa(HS_MODEL, data = HS, estimator = "ULS", group = "school")),
  gls_matrix = sampstat(cfa(HS_MODEL, sample.cov = S_unbiased, sample.nobs = nrow(HS),
                            estimator = "GLS")),
  ml_matrix = sampstat(cfa(HS_MODEL, sample.cov = S_unbiased, sample.nobs = nrow(HS))),
  input_cov = mat(S_unbiased),
  likelihood_refused = refused
)
save_json(out, "sampstat")
