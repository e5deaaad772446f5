# Reference results for psychometrics.evaluation: effect sizes, group comparisons, change
# from baseline and proportions.
#
# Run from the repository root:  Rscript tests/reference/evaluation.R
# Needs base R's stats, MASS (data), psych (data) and effectsize 0.8.3. Writes the public
# data sets to tests/reference/data/ (only when missing) and R's results as JSON to
# tests/reference/evaluation/. CI has no R: the outputs are committed.
#
# effectsize 0.8.3 has no repeated_measures_d(): d_av and d_rm (and their normal-theory
# intervals) are computed below with the formulas of effectsize >= 0.8.5's .paired_d()
# (Algina & Keselman 2003 eq. 4; Cooper et al. 2009 eq. 12.21), without the Hedges
# adjustment. d_z is effectsize 0.8.3's cohens_d(paired = TRUE).

suppressPackageStartupMessages({
  library(effectsize)
  library(psych)
})
source("tests/reference/_common.R")
out_dir <- reference_dir("evaluation")
stopifnot(as.character(packageVersion("effectsize")) == "0.8.3")

# -- data ------------------------------------------------------------------------------------

mtcars_df <- export(data.frame(mpg = mtcars$mpg, am = ifelse(mtcars$am == 1, "manual", "automatic"),
                               vs = ifelse(mtcars$vs == 1, "straight", "v_shaped")), "mtcars_am_vs")
plant <- export(PlantGrowth, "PlantGrowth")
tooth <- export(data.frame(len = ToothGrowth$len, supp = as.character(ToothGrowth$supp),
                           dose = paste0("d", ToothGrowth$dose)), "ToothGrowth")
sleep_wide <- export(data.frame(ID = sleep$ID[1:10], drug1 = sleep$extra[1:10],
                                drug2 = sleep$extra[11:20]), "sleep_wide")
immer <- export(MASS::immer[, c("Loc", "Var", "Y1", "Y2")], "immer")
# Agreeableness (mean of A1-A5, A1 reversed) with gender and education from psych's bfi.
bfi <- psych::bfi
a_score <- rowMeans(cbind(7 - bfi$A1, bfi$A2, bfi$A3, bfi$A4, bfi$A5), na.rm = TRUE)
bfi_a <- export(data.frame(agree = a_score,
                           gender = ifelse(bfi$gender == 1, "male", "female"),
                           education = bfi$education), "bfi_agreeableness")

# -- two groups ------------------------------------------------------------------------------

es <- function(obj, name) {
  list(estimate = obj[[1]], lower = obj$CI_low, upper = obj$CI_high)
}

two_groups <- function(x, y, level = 0.95) {
  welch <- t.test(x, y, var.equal = FALSE, conf.level = level)
  student <- t.test(x, y, var.equal = TRUE, conf.level = level)
  mw <- suppressWarnings(wilcox.test(x, y, correct = TRUE))
  list(
    n_1 = length(x), n_2 = length(y), mean_1 = mean(x), mean_2 = mean(y),
    sd_1 = sd(x), sd_2 = sd(y),
    welch_t = unname(welch$statistic), welch_df = unname(welch$parameter),
    welch_p = welch$p.value,
    student_t = unname(student$statistic), student_df = unname(student$parameter),
    student_p = student$p.value,
    mann_whitney_u = unname(mw$statistic), mann_whitney_p = mw$p.value,
    cohen_d = es(cohens_d(x, y, ci = level)),
    hedges_g = es(hedges_g(x, y, ci = level)),
    glass_delta = es(glass_delta(x, y, ci = level)),
    rank_biserial = es(rank_biserial(x, y, ci = level)),
    cliffs_delta = es(cliffs_delta(x, y, ci = level)),
    ci = level
  )
}

bfi_ok <- bfi_a[!is.na(bfi_a$agree), ]
save_json(list(
  mtcars_mpg_am = c(list(data = "mtcars_am_vs", score = "mpg", by = "am",
                         group_1 = "automatic", group_2 = "manual"),
                    two_groups(mtcars_df$mpg[mtcars_df$am == "automatic"],
                               mtcars_df$mpg[mtcars_df$am == "manual"])),
  mtcars_mpg_am_90 = c(list(data = "mtcars_am_vs", score = "mpg", by = "am",
                            group_1 = "automatic", group_2 = "manual"),
                       two_groups(mtcars_df$mpg[mtcars_df$am == "automatic"],
                                  mtcars_df$mpg[mtcars_df$am == "manual"], level = 0.90)),
  # no ties, both groups under 50: wilcox.test's exact p-value
  plant_ctrl_trt2 = c(list(data = "PlantGrowth", score = "weight", by = "group",
                           group_1 = "ctrl", group_2 = "trt2"),
                      two_groups(plant$weight[plant$group == "ctrl"],
                                 plant$weight[plant$group == "trt2"])),
  bfi_agree_gender = c(list(data = "bfi_agreeableness", score = "agree", by = "gender",
                            group_1 = "female", group_2 = "male"),
                       two_groups(bfi_ok$agree[bfi_ok$gender == "female"],
                                  bfi_ok$agree[bfi_ok$gender == "male"]))
), "two_groups")

# -- more than two groups --------------------------------------------------------------------

omnibus <- function(formula, data) {
  w <- oneway.test(formula, data = data, var.equal = FALSE)
  k <- kruskal.test(formula, data = data)
  list(welch_f = unname(w$statistic), welch_df1 = unname(w$parameter[1]),
       welch_df2 = unname(w$parameter[2]), welch_p = w$p.value,
       kruskal_h = unname(k$statistic), kruskal_df = unname(k$parameter),
       kruskal_p = k$p.value)
}
bfi_edu <- bfi_ok[!is.na(bfi_ok$education), ]
bfi_edu$education <- paste0("edu", bfi_edu$education)
save_json(list(
  plant = c(list(data = "PlantGrowth", score = "weight", by = "group"),
            omnibus(weight ~ group, plant)),
  bfi_education = c(list(data = "bfi_agreeableness", score = "agree", by = "education"),
                    omnibus(agree ~ education, bfi_edu))
), "omnibus")

# -- two crossed factors: cell means and the difference of differences ----------------------
# interaction(a1, a2, b1, b2) = (m[a2,b2] - m[a2,b1]) - (m[a1,b2] - m[a1,b1]), the
# coefficient of the treatment-coded interaction in lm(score ~ A * B) with a1, b1 as the
# reference levels; its interval uses the residual variance of all cells.

crossed <- function(data, score, fa, fb) {
  cells <- aggregate(data[[score]], list(a = data[[fa]], b = data[[fb]]),
                     function(v) c(n = length(v), mean = mean(v), sd = sd(v)))
  cells <- data.frame(a = cells$a, b = cells$b, n = cells$x[, "n"], mean = cells$x[, "mean"],
                      sd = cells$x[, "sd"])
  la <- sort(unique(data[[fa]])); lb <- sort(unique(data[[fb]]))
  rows <- list()
  for (i in seq_along(la)) for (j in seq_along(la)) if (i < j)
    for (k in seq_along(lb)) for (l in seq_along(lb)) if (k < l) {
      d <- data
      d$A <- relevel(factor(d[[fa]]), la[i]); d$B <- relevel(factor(d[[fb]]), lb[k])
      fit <- lm(d[[score]] ~ A * B, data = d)
      term <- paste0("A", la[j], ":B", lb[l])
      ci <- confint(fit, term, level = 0.95)
      s <- summary(fit)$coefficients[term, ]
      rows[[length(rows) + 1]] <- list(a_1 = la[i], a_2 = la[j], b_1 = lb[k], b_2 = lb[l],
        estimate = unname(s["Estimate"]), se = unname(s["Std. Error"]),
        t = unname(s["t value"]), df = fit$df.residual, p = unname(s["Pr(>|t|)"]),
        lower = ci[1], upper = ci[2])
    }
  list(cells = cells, interaction = rows)
}
save_json(list(
  mtcars = c(list(data = "mtcars_am_vs", score = "mpg", by = c("am", "vs")),
             crossed(mtcars_df, "mpg", "am", "vs")),
  tooth = c(list(data = "ToothGrowth", score = "len", by = c("supp", "dose")),
            crossed(tooth, "len", "supp", "dose"))
), "crossed")

# -- paired change ---------------------------------------------------------------------------

paired <- function(pre, post, level = 0.95) {
  tt <- t.test(post, pre, paired = TRUE, conf.level = level)
  w <- suppressWarnings(wilcox.test(post, pre, paired = TRUE, correct = TRUE))
  dz <- cohens_d(post, pre, paired = TRUE, ci = level)
  gz <- hedges_g(post, pre, paired = TRUE, ci = level)
  rb <- rank_biserial(post, pre, paired = TRUE, ci = level)
  n <- length(pre); m <- mean(post - pre); r <- cor(post, pre); f <- 2 * (1 - r)
  q <- qnorm(1 - (1 - level) / 2)
  s_av <- sqrt((var(pre) + var(post)) / 2)
  d_av <- m / s_av
  se_av <- sqrt(var(post - pre) / n) / s_av
  d_rm <- m / (sd(post - pre) / sqrt(f))
  se_rm <- sqrt((1 / n + d_rm^2 / (2 * n)) * f)
  list(n = n, mean_diff = unname(tt$estimate), mean_diff_lower = tt$conf.int[1],
       mean_diff_upper = tt$conf.int[2], t = unname(tt$statistic), df = unname(tt$parameter),
       pvalue = tt$p.value, wilcoxon_v = unname(w$statistic), wilcoxon_p = w$p.value,
       d_z = es(dz), g_z = es(gz), d_av = list(estimate = d_av, lower = d_av - q * se_av,
                                 upper = d_av + q * se_av),
       d_rm = list(estimate = d_rm, lower = d_rm - q * se_rm, upper = d_rm + q * se_rm),
       rank_biserial = es(rb), ci = level)
}
im12 <- immer[1:12, ]
save_json(list(
  # a zero difference and ties: normal approximation with continuity correction
  sleep = c(list(data = "sleep_wide", pre = "drug1", post = "drug2"),
            paired(sleep_wide$drug1, sleep_wide$drug2)),
  immer = c(list(data = "immer", pre = "Y1", post = "Y2"), paired(immer$Y1, immer$Y2)),
  # no ties, no zeros, n < 50: the exact signed-rank p-value
  immer_first12 = c(list(data = "immer", pre = "Y1", post = "Y2", rows = 12),
                    paired(im12$Y1, im12$Y2)),
  immer_90 = c(list(data = "immer", pre = "Y1", post = "Y2"),
               paired(immer$Y1, immer$Y2, level = 0.90))
), "paired")

# -- proportions -----------------------------------------------------------------------------

one_prop <- function(k, n) {
  w <- prop.test(k, n, correct = FALSE)$conf.int
  cp <- binom.test(k, n)$conf.int
  list(k = k, n = n, estimate = k / n, wilson_lower = w[1], wilson_upper = w[2],
       clopper_pearson_lower = cp[1], clopper_pearson_upper = cp[2])
}
# Newcombe (1998) method 10: the difference's interval from the two Wilson intervals.
two_props <- function(k1, n1, k2, n2) {
  p1 <- k1 / n1; p2 <- k2 / n2
  w1 <- prop.test(k1, n1, correct = FALSE)$conf.int
  w2 <- prop.test(k2, n2, correct = FALSE)$conf.int
  d <- p1 - p2
  lower <- d - sqrt((p1 - w1[1])^2 + (w2[2] - p2)^2)
  upper <- d + sqrt((w1[2] - p1)^2 + (p2 - w2[1])^2)
  f <- fisher.test(matrix(c(k1, n1 - k1, k2, n2 - k2), 2))
  list(k_1 = k1, n_1 = n1, k_2 = k2, n_2 = n2, difference = d, newcombe_lower = lower,
       newcombe_upper = upper, fisher_p = f$p.value, odds_ratio = unname(f$estimate),
       odds_ratio_lower = f$conf.int[1], odds_ratio_upper = f$conf.int[2])
}
save_json(list(
  one = list(one_prop(39, 40), one_prop(0, 10), one_prop(10, 10), one_prop(5, 18),
             one_prop(40, 89)),
  two = list(two_props(40, 89, 18, 28), two_props(39, 40, 12, 18), two_props(3, 10, 0, 12),
             two_props(7, 7, 5, 9))
), "proportions")

# -- one sample against zero (the change scores of sleep) -------------------------------------

one <- sleep_wide$drug2 - sleep_wide$drug1
save_json(list(
  data = "sleep_wide", x = "drug2 - drug1",
  cohen_d = es(cohens_d(one)), hedges_g = es(hedges_g(one)),
  rank_biserial = es(rank_biserial(one))
), "one_sample")
