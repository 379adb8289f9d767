/* The estimator registry: every estimator of L = log det G from an observed block, one
 * table entry each (SPEC sections 3-4).
 *
 * Every command iterates this table: the audit's table, JSON and CSV, the study's
 * replicate and summary CSVs, its plots and report, merge and --resume, and plan. Adding
 * an estimator is one entry in src/registry.c plus one function computing it from a
 * sigma_block; nothing else in the tool names estimators one by one.
 *
 * Units: log-determinants and estimates in nats; N, n1, na, nb are row counts.
 */
#ifndef SIGMA_REGISTRY_H
#define SIGMA_REGISTRY_H

#include "sigma/calibrated.h"
#include "sigma/estimators.h"

/* What an estimator may use: the observed block's statistics, never G itself. */
typedef struct {
  int d;
  double N, n1;          /* rows of the full matrix and of the observed block O */
  double na, nb;         /* rows of the Richardson halves of O (na + nb = n1; 0: none) */
  double logdet_G1;      /* log det G1 (G1 positive definite) */
  double logdet_Ga, logdet_Gb; /* the halves' log-dets; NaN when a half has < d rows or
                                  is singular */
  sigma_leverage_stats lev;    /* the leverages of O's rows (SPEC 4.1); lev.n = 0: not
                                  measured (an audit without pass 2) */
  double tau2_dec, V_G;        /* SPEC 4.1, from lev and (n1, N, d): sigma_block_finish */
  double v_bj;                 /* SPEC 4.1: the delete-G-block jackknife variance of LEV
                                  (sigma/calibrated.h), nats^2; NaN (or 0): not computed
                                  or not applicable. LEV's own variance is then
                                  max(V_cal, v_bj); without it V_cal */
} sigma_block;

/* tau2_dec (NaN unless lev covers all n1 rows and n1 > d + 4) and V_G (NaN if n1 < d). */
void sigma_block_finish(sigma_block *b);

/* Estimate of L from a block; NaN when not applicable to this block (e.g. no halves).
 * *var: the variance of its own CI (SPEC 4.1: LEV, jackknife), NaN when it has none beyond
 * the paper's. */
typedef double (*sigma_est_fn)(const sigma_block *b, double *var);

typedef struct {
  const char *key;     /* machine name: JSON key, CSV column prefix, plot file ("plugin") */
  const char *name;    /* display name in tables and reports ("plug-in Lhat") */
  const char *source;  /* where it is defined ("[3.13]", "SPEC 4") */
  const char *needs;   /* why it can be not applicable, shown as n/a reason; NULL: never */
  int bias_corrected;  /* plan: 1 if its bias is taken as 0 when sizing n1 (SPEC 4) */
  int calibrated;      /* plan: 1 if its own CI has the calibrated variance (SPEC 4.1), so
                          n1 is sized by V_G(n1) + (tau2_dec - 2d) u, not tau2 u */
  sigma_est_fn estimate;
} sigma_estimator;

/* Capacity of fixed-size per-estimator arrays (sigma_est_line line[SIGMA_EST_MAX]). */
#define SIGMA_EST_MAX 8

/* The table, in output order, and its length (<= SIGMA_EST_MAX). */
extern const sigma_estimator sigma_estimators[];
extern const int sigma_nest;

/* Positions of the paper's three estimators in the table (fixed by src/registry.c). */
enum { SIGMA_EST_PLUGIN = 0, SIGMA_EST_WISHART = 1, SIGMA_EST_RICHARDSON = 2 };

/* Index of the estimator with this key, or -1. */
int sigma_estimator_index(const char *key);

/* Every registered estimator's line for block b (sigma_block_finish'ed): est, err = L -
 * est, the paper's CIs with tau2[0] (oracle) and tau2[1] (observed) at z (Theorem 3,
 * [3.10]-[3.11]), the calibrated CIs with the oracle tau2 and b->tau2_dec (SPEC 4.1), and
 * its own CI; a line of NaN (covers -1) for an estimator not applicable to b.
 * line: sigma_nest entries. */
void sigma_est_lines(const sigma_block *b, double L, double z, const double tau2[2],
                     sigma_est_line *line);

#endif
