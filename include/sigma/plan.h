/* Sample-size planning without the truth (issue 3; SPEC sections 3-4).
 *
 * From a pilot block: tau2 (leave-one-out) and the plug-in bias constant c of
 * E[L - Lhat] ~ c (1/n1 - 1/N) (estimated by the Richardson split of the pilot, and
 * the Gaussian value d(d+1)/2 for comparison). An estimator is planned to reach
 * precision eps at a level when |bias| + z s <= eps, s = tau sqrt(1/n1 - 1/N)
 * (Theorem 3): for the bias-corrected estimators the bias term is taken as 0. */
#ifndef SIGMA_PLAN_H
#define SIGMA_PLAN_H

#include <stdint.h>

/* Smallest n1 (real, >= 1) with c (1/n1 - 1/N) + z tau sqrt(1/n1 - 1/N) <= eps,
 * c >= 0 (c = 0: variance only). Returns +inf if even n1 = N cannot (never: at
 * n1 = N both terms vanish, so the result is at most N); callers compare with N. */
double sigma_plan_n1(double eps, double z, double tau2, double c, double N);

/* SPEC 4.1 (issue 9): the smallest integer n1 in (d + 4, N] whose calibrated variance
 * V_G(n1) + max(tau2_dec - 2d, 0) (1/n1 - 1/N) is at most (eps / z)^2 (sigma/calibrated.h;
 * V_G decreases in n1, so bisection); N itself when no smaller n1 does (at n1 = N both
 * terms vanish). NaN when tau2_dec is NaN or N <= d + 4. */
double sigma_plan_n1_calibrated(double eps, double z, double tau2_dec, int d, double N);

#endif
