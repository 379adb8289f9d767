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

#endif
