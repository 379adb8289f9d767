/* Synthetic rows with known truth (SPEC section 8).
 *
 * x = A z, A = Q diag(sqrt(sigma)), Q a seeded Haar-random orthogonal matrix,
 * z standard Gaussian or multivariate Student t_nu rescaled to unit second moment,
 * so Sigma = E[x x^T] = Q diag(sigma) Q^T and log det Sigma = sum log sigma_i.
 * Elliptical rows with a lognormal radius (issue 9): x = sqrt(w) A z, z Gaussian, w
 * lognormal with E w = 1 and Var w = V (log w ~ N(-s^2/2, s^2), s^2 = log(1 + V)), so
 * Sigma is the same and D^2 = x^T Sigma^-1 x = w chi2_d: tau^2 = Var(w chi2_d) =
 * E[w^2] E[chi2_d^2] - d^2 = (1 + V)(d^2 + 2d) - d^2 (checked by simulation: numpy,
 * d = 10/64/256, within 0.7%). V = 44 / (d + 2) gives tau^2 = 46 d, like fastText.
 * Every number comes from Philox counters keyed by (seed, row, column): a row's
 * values do not depend on which rank writes it. The seed chooses Sigma (Q); the row
 * draws z have their own seed, row_seed (issue 10; default the seed), so two files with
 * one seed and two row seeds are independent row sets of the same Sigma. Philox stream
 * ids (counter word c), never shared: z 1, Student t chi2 2, Q 3, lognormal radius 4
 * (synth.c), the recursive-refit draws 5 (refit.c).
 */
#ifndef SIGMA_SYNTH_H
#define SIGMA_SYNTH_H

#include <stddef.h>
#include <stdint.h>

typedef enum { SIGMA_SPEC_ISOTROPIC, SIGMA_SPEC_POWERLAW, SIGMA_SPEC_SPIKED,
               SIGMA_SPEC_EXPONENTIAL } sigma_spectrum_kind;

/* The radius of elliptical rows: none (Gaussian or Student t z) or lognormal. */
typedef enum { SIGMA_RADIAL_NONE, SIGMA_RADIAL_LOGNORMAL } sigma_radial_kind;

typedef struct {
  int d;
  sigma_spectrum_kind spectrum;
  double beta;     /* power law: sigma_i = i^-beta; exponential: sigma_i = exp(-beta (i-1)/d) */
  int spikes;      /* spiked: the first `spikes` values are spike_size, the rest 1 */
  double spike_size;
  double nu;       /* Student t degrees of freedom; 0 or inf: Gaussian */
  uint64_t seed;
  sigma_radial_kind radial; /* lognormal: x = sqrt(w) A z with Gaussian z (nu must be 0) */
  double radial_var;        /* Var w (> 0); E w = 1 */
  uint64_t row_seed;        /* the seed of the row draws z when has_row_seed, else seed */
  int has_row_seed;         /* 0 (zero-initialized params): rows keyed by seed, as before */
} sigma_synth_params;

/* The seed the row draws z are keyed by: row_seed if has_row_seed, else seed. */
uint64_t sigma_synth_row_seed(const sigma_synth_params *p);

typedef struct {
  sigma_synth_params p;
  double *sigma; /* d eigenvalues of Sigma (descending) */
  double *A;     /* d x d, column-major: x = A z */
} sigma_synth;

/* Parse "isotropic", "powerlaw", "spiked", "exponential". Errors: SIGMA_EINVAL. */
int sigma_spectrum_parse(const char *name, sigma_spectrum_kind *kind);
const char *sigma_spectrum_name(sigma_spectrum_kind kind);

/* Parse "lognormal". Errors: SIGMA_EINVAL. */
int sigma_radial_parse(const char *name, sigma_radial_kind *kind);
const char *sigma_radial_name(sigma_radial_kind kind); /* "none", "lognormal" */

/* Build sigma and A. Errors: SIGMA_EINVAL (d < 1, nu <= 2, a radius with a Student t,
 * a lognormal radius without a finite Var w > 0), SIGMA_ENOMEM, SIGMA_ELAPACK. */
int sigma_synth_create(const sigma_synth_params *p, sigma_synth **s);
void sigma_synth_destroy(sigma_synth **s);

/* log det Sigma = sum_i log sigma_i. */
double sigma_synth_logdet(const sigma_synth *s);

/* tau^2 = Var(x^T Sigma^-1 x): Gaussian 2d; t_nu (nu > 4): (nu-2) d (d+2)/(nu-4) - d^2;
 * NaN (infinite) for t with nu <= 4; lognormal radius: (1 + V)(d^2 + 2d) - d^2. */
double sigma_synth_tau2(const sigma_synth *s);

/* Rows are made in tiles of SIGMA_SYNTH_TILE consecutive rows aligned to multiples of
 * SIGMA_SYNTH_TILE, so a row's bits depend on (parameters, seed, row) only: not on the
 * block, rank or partition it is made in, on any BLAS kernel. */
enum { SIGMA_SYNTH_TILE = 64 };

/* The standardized row z (length d) of row index `row` (keyed by the row seed): x = A z. */
void sigma_synth_z(const sigma_synth *s, uint64_t row, double *z);

/* Doubles of scratch sigma_synth_rows needs: 2 * SIGMA_SYNTH_TILE * d. */
size_t sigma_synth_work_len(int d);

/* Rows row0 .. row0+b-1 into X (row-major b x d). work: sigma_synth_work_len(d) doubles
 * (contents undefined afterwards). */
void sigma_synth_rows(const sigma_synth *s, uint64_t row0, int64_t b, double *X, double *work);

#endif
