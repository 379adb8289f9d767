/* Replicate statistics of a confidence-interval study (issue 3; SPEC sections 3-4).
 * Means, standard deviations and quantiles come from GSL; what GSL lacks (the
 * Kolmogorov distribution) is here. */
#ifndef SIGMA_STATS_H
#define SIGMA_STATS_H

#include <stddef.h>

/* Kolmogorov-Smirnov distance of the sample x[0..n) from N(0, 1), and its
 * asymptotic p-value P(D_n >= D) with Stephens' small-sample correction
 * lambda = (sqrt(n) + 0.12 + 0.11 / sqrt(n)) D (Numerical Recipes 14.3).
 * x is not modified. Errors: SIGMA_EINVAL (n < 1), SIGMA_ENOMEM. */
int sigma_ks_normal(const double *x, size_t n, double *D, double *pvalue);

/* Q_KS(lambda) = 2 sum_{k>=1} (-1)^{k-1} exp(-2 k^2 lambda^2), the Kolmogorov
 * survival function (1 for lambda <= 0). */
double sigma_kolmogorov_q(double lambda);

/* Binomial standard error of a proportion p from n trials: sqrt(p (1 - p) / n). */
double sigma_binomial_se(double p, size_t n);

/* Smallest n1 at which a decreasing precision curve q(n1) reaches eps, by linear
 * interpolation of log q against log n1 between the sweep points n1[k] (ascending)
 * with values q[k]. Returns n1[0] if q[0] <= eps already, NaN if no sweep point
 * reaches eps (the sweep is too short: report, do not extrapolate). */
double sigma_n1_for_precision(const double *n1, const double *q, size_t K, double eps);

#endif
