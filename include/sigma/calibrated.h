/* Calibrated variance, deconvolved tau^2 and the leverage-corrected estimators of an
 * observed block (SPEC section 4.1, beyond the paper).
 *
 * Notation (SPEC 4.1): n = n1 rows of the block O, N rows of G, d the dimension,
 * h_j = x_j^T G1^{-1} x_j the leverages of O (they sum to d), a_j = h_j / (1 - h_j) the
 * leave-one-out leverages, abar their mean, u = 1/n - 1/N. Units: nats (log-dets,
 * estimates), nats^2 (variances); tau^2 is dimensionless. Pure functions, no I/O.
 */
#ifndef SIGMA_CALIBRATED_H
#define SIGMA_CALIBRATED_H

#include <stdint.h>

/* The leverage sums of a block, accumulated row by row in double-double (any order,
 * any split: the same sums up to the last bit of the pairs' sum). */
typedef struct {
  double n;             /* rows added */
  double s_log[4];      /* dd pairs: sum log(1 - h_j), sum (log(1 - h_j) - c_log)^2 */
  double s_a[4];        /* dd pairs: sum (a_j - c_a), sum (a_j - c_a)^2 */
  double c_log, c_a;    /* fixed centres (their Gaussian means) against cancellation */
} sigma_leverage_sums;

/* Start sums for a block of n rows in dimension d (the centres depend on n and d only,
 * so every rank and every split uses the same ones). */
void sigma_leverage_init(sigma_leverage_sums *s, int d, double n);

/* Add m leverages h[0..m) (each in [0, 1); log(1 - h) by log1p). */
void sigma_leverage_add(sigma_leverage_sums *s, const double *h, int64_t m);

/* Merge b into a (e.g. across ranks after a double-double reduction of the pairs). */
void sigma_leverage_merge(sigma_leverage_sums *a, const sigma_leverage_sums *b);

/* The statistics SPEC 4.1 uses, from the sums: sum_j log(1 - h_j), sum_j (log(1 - h_j) -
 * mean)^2, abar and var_a = (1/n) sum_j (a_j - abar)^2. */
typedef struct {
  double n, sum_log, ss_log, abar, var_a;
} sigma_leverage_stats;

void sigma_leverage_stats_of(const sigma_leverage_sums *s, sigma_leverage_stats *out);

/* Gaussian variance of log det G1 (Goodman 1963; SPEC 4.1):
 * V_G = sum_{i=1}^{d} [psi'((n - i + 1)/2) - psi'((N - i + 1)/2)], psi' = trigamma (GSL).
 * Requires n >= d (NaN otherwise). */
double sigma_var_gauss(int d, double N, double n);

/* Deconvolved tau^2 (SPEC 4.1): v_obs = var_a / abar^2, v_G = 2 (n - 2) / (d (n - d - 4)),
 * tau2_dec = ((1 + v_obs) / (1 + v_G)) (d^2 + 2d) - d^2. NaN when n <= d + 4. */
double sigma_tau2_dec(int d, double n, double abar, double var_a);

/* Calibrated variance (SPEC 4.1): V = V_G + max(tau2 - 2d, 0) u, u = 1/n - 1/N.
 * NaN when V_G or tau2 is. */
double sigma_var_calibrated(double V_G, double tau2, int d, double N, double n);

/* The Gaussian mean of sum_j log(1 - h_j) over n rows: n [psi((n - d)/2) - psi(n/2)]. */
double sigma_log1mh_gauss(int d, double n);

/* Lhat_LEV (SPEC 4.1): Lhat_W + d log(abar (n - d - 2) / d) + sum_log - n [psi((n - d)/2)
 * - psi(n/2)] - (tau2_dec - 2d) / (2N). NaN when n <= d + 4. */
double sigma_lev(double Lhat_W, int d, double N, double n, double abar, double sum_log,
                 double tau2_dec);

/* Delete-one jackknife on Wishart (SPEC 4.1): Lhat_JK = Lhat_W - f [sum_log - n (psi((n -
 * d)/2) - psi(n/2))], f = ((n - 1)/n)(1 - n/N); *var = f ss_log (its jackknife variance).
 * NaN (and *var NaN) when n <= d. */
double sigma_jackknife(double Lhat_W, int d, double N, double n, double sum_log, double ss_log,
                       double *var);

/* ---- delete-G-block jackknife of LEV (SPEC 4.1, `--block-jackknife G`) ----
 *
 * The block O (n rows, in draw order) is split into G contiguous groups: group g holds the
 * positions [floor(g n / G), floor((g + 1) n / G)), m_g rows. LEV_{-g} is Lhat_LEV of the
 * block without group g: n' = n - m_g rows, G1_{-g} = G1 - X_g^T X_g, its log det, and the
 * leverages of the remaining rows with respect to G1_{-g} (their abar, var_a, sum_log and
 * tau2_dec at n'). The jackknife variance (SPEC 4.1, "max(V, delete-8-block jackknife
 * variance)"):
 *   v_bj = ((G - 1) / G) sum_{g=0}^{G-1} (LEV_{-g} - mean_g LEV_{-g})^2   [nats^2].
 * With it LEV's own CI uses V = max(V_G + max(tau2_dec - 2d, 0) u, v_bj). Not applicable
 * (NaN) when some n - m_g <= d + 4. G is limited to 2..SIGMA_BJ_MAX and G <= n. */
#define SIGMA_BJ_MAX 2147483647LL

/* First position of group g (0 <= g <= G; g = G gives n): floor(g n / G), exact in
 * integers for 1 <= G <= SIGMA_BJ_MAX, 0 <= n < 2^62. */
int64_t sigma_bj_group_start(int64_t n, int64_t G, int64_t g);

/* The group of position p (0 <= p < n): the g with start(g) <= p < start(g + 1). */
int64_t sigma_bj_group_of(int64_t n, int64_t G, int64_t p);

/* LEV_{-g}: Lhat_LEV from a block of n_rest rows with log det logdet_rest (nats) and the
 * statistics lev of its leverages (lev->n = n_rest): Lhat_W(n_rest) + the LEV terms with
 * tau2_dec(n_rest) (sigma_lev). NaN when n_rest <= d + 4. */
double sigma_lev_of_block(int d, double N, double n_rest, double logdet_rest,
                          const sigma_leverage_stats *lev);

/* v_bj from the G values LEV_{-g} (formula above); NaN if G < 2 or any value is NaN. */
double sigma_bj_variance(const double *lev_minus, int64_t G);

#endif
