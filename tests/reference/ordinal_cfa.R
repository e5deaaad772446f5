# Reference results for pm.cfa(..., ordered=...) / pm.sem (psychometrics.structural.ordinal_cfa):
# lavaan 0.6.14's parameter estimates (with thresholds, standardized), fit measures and R2 of
# ordinal CFA and SEM fits by WLSMV, DWLS, ULSMV, ULS and WLS, delta and theta
# parameterization, one and two groups (group.equal), and the Wu & Estabrook (2016)
# identification from semTools::measEq.syntax.
#
# Run from the repository root:  Rscript tests/reference/ordinal_cfa.R
# Needs lavaan 0.6.14, semTools and jsonlite; data from tests/reference/ordinal.R.

suppressPackageStartupMessages({
  library(lavaan)
  library(semTools)
})
source("tests/reference/_common.R")
out_dir <- reference_dir("ordinal_cfa")

bfi_ac <- read.csv(file.path(data_dir, "bfi_ac_complete.csv"))
bfi25 <- read.csv(file.path(data_dir, "bfi25_complete.csv"))
hs <- read.csv(file.path(data_dir, "hs_ordinal.csv"))
hs_items <- hs[, paste0("x", 1:9)]

m_ac <- "A =~ A1 + A2 + A3 + A4 + A5
         C =~ C1 + C2 + C3 + C4 + C5"
m_hs <- "visual =~ x1 + x2 + x3
         textual =~ x4 + x5 + x6
         speed =~ x7 + x8 + x9"
m_hs_sem <- paste(m_hs, "\nspeed ~ visual + textual")
m_25 <- "A =~ A1 + A2 + A3 + A4 + A5
         C =~ C1 + C2 + C3 + C4 + C5
         E =~ E1 + E2 + E3 + E4 + E5
         N =~ N1 + N2 + N3 + N4 + N5
         O =~ O1 + O2 + O3 + O4 + O5"

record <- function(fit) {
  pe <- parameterEstimates(fit, standardized = TRUE, remove.nonfree = FALSE,
                           remove.eq = TRUE, remove.ineq = TRUE, remove.def = FALSE)
  keep <- c("lhs", "op", "rhs", "group", "label", "est", "se", "z", "pvalue", "std.lv",
            "std.all")
  fm <- fitMeasures(fit)
  r2 <- lavInspect(fit, "r2", drop.list.single.group = FALSE)
  list(
    estimates = as.list(pe[, intersect(keep, names(pe))]),
    fit = as.list(fm),
    r2 = lapply(r2, function(x) as.list(x)),
    group_labels = lavInspect(fit, "group.label"),
    npar = lavInspect(fit, "npar")
  )
}

fits <- list(
  bfi_ac_wlsmv = cfa(m_ac, data = bfi_ac, ordered = TRUE, estimator = "WLSMV"),
  bfi_ac_wlsmv_stdlv = cfa(m_ac, data = bfi_ac, ordered = TRUE, estimator = "WLSMV",
                           std.lv = TRUE),
  bfi_ac_dwls = cfa(m_ac, data = bfi_ac, ordered = TRUE, estimator = "DWLS"),
  bfi_ac_ulsmv = cfa(m_ac, data = bfi_ac, ordered = TRUE, estimator = "ULSMV"),
  bfi_ac_uls = cfa(m_ac, data = bfi_ac, ordered = TRUE, estimator = "ULS"),
  bfi_ac_wls = cfa(m_ac, data = bfi_ac, ordered = TRUE, estimator = "WLS"),
  bfi_ac_theta = cfa(m_ac, data = bfi_ac, ordered = TRUE, estimator = "WLSMV",
                     parameterization = "theta"),
  hs_wlsmv = cfa(m_hs, data = hs_items, ordered = TRUE, estimator = "WLSMV"),
  hs_theta = cfa(m_hs, data = hs_items, ordered = TRUE, estimator = "WLSMV",
                 parameterization = "theta"),
  hs_sem = sem(m_hs_sem, data = hs_items, ordered = TRUE, estimator = "WLSMV"),
  hs_groups = cfa(m_hs, data = hs, ordered = paste0("x", 1:9), group = "school",
                  estimator = "WLSMV"),
  hs_groups_th_load = cfa(m_hs, data = hs, ordered = paste0("x", 1:9), group = "school",
                          group.equal = c("thresholds", "loadings"), estimator = "WLSMV"),
  hs_groups_th_load_int = cfa(m_hs, data = hs, ordered = paste0("x", 1:9),
                              group = "school",
                              group.equal = c("thresholds", "loadings", "intercepts"),
                              estimator = "WLSMV"),
  hs_groups_theta_th_load = cfa(m_hs, data = hs, ordered = paste0("x", 1:9),
                                group = "school", group.equal = c("thresholds", "loadings"),
                                estimator = "WLSMV", parameterization = "theta"),
  hs_groups_partial = cfa(m_hs, data = hs, ordered = paste0("x", 1:9), group = "school",
                          group.equal = c("thresholds", "loadings"),
                          group.partial = c("x3|t2", "visual=~x2"), estimator = "WLSMV"),
  bfi25_wlsmv = cfa(m_25, data = bfi25, ordered = TRUE, estimator = "WLSMV")
)

# Wu & Estabrook (2016) identification: semTools writes the syntax, lavaan fits it
we <- list()
for (lev in c("configural", "thresholds", "loadings")) {
  eq <- switch(lev, configural = "", thresholds = "thresholds",
               loadings = c("thresholds", "loadings"))
  syn <- measEq.syntax(configural.model = m_hs, data = hs, ordered = paste0("x", 1:9),
                       parameterization = "delta", ID.fac = "std.lv",
                       ID.cat = "Wu.Estabrook.2016", group = "school",
                       group.equal = eq, return.fit = FALSE)
  txt <- as.character(syn)
  name <- paste0("hs_wu_", lev)
  fits[[name]] <- cfa(txt, data = hs, ordered = paste0("x", 1:9), group = "school",
                      estimator = "WLSMV")
  we[[name]] <- txt
}

save_json(c(list(note = paste("lavaan", packageVersion("lavaan"),
                              "parameterEstimates(standardized=TRUE), fitMeasures, r2"),
                 wu_syntax = we),
            lapply(fits, record)), "fits")

# The package's demo data (psychometrics.datasets.load_mentorship(): the WHO-5 and ACS
# answers, exported by tests/test_ordinal_cfa_instrument.py's docstring recipe): each
# instrument's published one-factor structure, its items ordered (pm.cfa(data, instrument,
# estimator = "WLSMV")).
demo <- read.csv(file.path(data_dir, "mentorship_who5_acs.csv"))
demo_fits <- list(
  who5 = cfa("well_being =~ who5_1 + who5_2 + who5_3 + who5_4 + who5_5", data = demo,
             ordered = TRUE, estimator = "WLSMV"),
  acs = cfa(paste("affective =~", paste0("acs_", 1:8, collapse = " + ")), data = demo,
            ordered = TRUE, estimator = "WLSMV")
)
save_json(c(list(note = paste("lavaan", packageVersion("lavaan"),
                              "WHO-5 and ACS of the demo data, ordered, WLSMV")),
            lapply(demo_fits, record)), "demo")

# lavTestLRT of nested ordinal fits (lavaan's default for WLSMV: method = "satorra.2000",
# scaled.shifted = TRUE), the ladders of tests/test_ordinal_cfa.py
fit_load <- cfa(m_hs, data = hs, ordered = paste0("x", 1:9), group = "school",
                group.equal = "loadings", estimator = "WLSMV")
lrt <- function(...) {
  t <- suppressWarnings(lavTestLRT(...))
  list(df = t$Df, chisq = t$Chisq, chisq_diff = t[["Chisq diff"]], df_diff = t[["Df diff"]],
       pvalue = t[["Pr(>Chisq)"]])
}
save_json(list(
  note = paste("lavaan", packageVersion("lavaan"), "lavTestLRT (satorra.2000, scaled.shifted)"),
  hs_groups_load = record(fit_load),
  lavaan_ladder = lrt(fits$hs_groups, fit_load, fits$hs_groups_th_load,
                      fits$hs_groups_th_load_int),
  wu_ladder = lrt(fits$hs_wu_configural, fits$hs_wu_thresholds, fits$hs_wu_loadings)
), "lrt")
