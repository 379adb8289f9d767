/* ScaLAPACK log det and eigenvalues of a replicated symmetric matrix (SPEC section 2). */
#include "scalapack.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "reduce.h"
#include "sigma/error.h"

/* BLACS (C interface) and ScaLAPACK (Fortran) from libscalapack-openmpi. */
extern int Csys2blacs_handle(MPI_Comm comm);
extern void Cfree_blacs_system_handle(int handle);
extern void Cblacs_get(int ctxt, int what, int *val);
extern void Cblacs_gridinit(int *ctxt, char *order, int nprow, int npcol);
extern void Cblacs_gridinfo(int ctxt, int *nprow, int *npcol, int *myrow, int *mycol);
extern void Cblacs_gridexit(int ctxt);
extern int numroc_(int *n, int *nb, int *iproc, int *isrcproc, int *nprocs);
extern void descinit_(int *desc, int *m, int *n, int *mb, int *nb, int *irsrc, int *icsrc,
                      int *ictxt, int *lld, int *info);
extern void pdpotrf_(char *uplo, int *n, double *a, int *ia, int *ja, int *desca, int *info);
extern void pdsyev_(char *jobz, char *uplo, int *n, double *a, int *ia, int *ja, int *desca,
                    double *w, double *z, int *iz, int *jz, int *descz, double *work, int *lwork,
                    int *info);

void sigma_pgrid_shape(int P, int *prow, int *pcol) {
  int r = 1;
  for (int k = 1; (long)k * k <= P; k++)
    if (P % k == 0) r = k;
  *prow = r;
  *pcol = P / r;
}

int sigma_pgrid_init(MPI_Comm comm, int nb, sigma_pgrid *g) {
  memset(g, 0, sizeof *g);
  g->ctxt = -1;
  if (nb <= 0) nb = SIGMA_SCALAPACK_NB;
  g->nb = nb;
  g->comm = comm;
  int P;
  MPI_Comm_size(comm, &P);
  sigma_pgrid_shape(P, &g->nprow, &g->npcol);
  /* A BLACS context on comm itself (Cblacs_get(-1, 0, ...) would be MPI_COMM_WORLD). */
  g->sys = Csys2blacs_handle(comm);
  g->ctxt = g->sys;
  Cblacs_gridinit(&g->ctxt, "Row", g->nprow, g->npcol);
  int pr = -1, pc = -1;
  Cblacs_gridinfo(g->ctxt, &pr, &pc, &g->myrow, &g->mycol);
  int ok = pr == g->nprow && pc == g->npcol && g->myrow >= 0 && g->mycol >= 0, all;
  MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, comm);
  if (!all) {
    if (ok) Cblacs_gridexit(g->ctxt);
    Cfree_blacs_system_handle(g->sys);
    g->ctxt = -1;
    return sigma_set_error(SIGMA_EMPI, "BLACS could not form a %d x %d process grid", g->nprow,
                           g->npcol);
  }
  return SIGMA_OK;
}

void sigma_pgrid_free(sigma_pgrid *g) {
  if (g->ctxt < 0) return;
  Cblacs_gridexit(g->ctxt);
  Cfree_blacs_system_handle(g->sys);
  g->ctxt = -1;
}

/* Global index (0-based) of local index l (0-based) in a block-cyclic dimension with
 * source process 0 (indxl2g_ without the call). */
static inline int l2g(int l, int nb, int p, int np) { return ((l / nb) * np + p) * nb + l % nb; }

/* This rank's block-cyclic part of A (local mloc x nloc, leading dimension lld). */
typedef struct {
  double *a;
  int mloc, nloc, lld;
  int desc[9];
} local_part;

static int distribute(const sigma_pgrid *g, const double *A, int d, local_part *p) {
  int nb = g->nb, zero = 0, info = 0, myrow = g->myrow, mycol = g->mycol, nprow = g->nprow,
      npcol = g->npcol, ctxt = g->ctxt;
  p->a = NULL;
  p->mloc = numroc_(&d, &nb, &myrow, &zero, &nprow);
  p->nloc = numroc_(&d, &nb, &mycol, &zero, &npcol);
  p->lld = p->mloc > 1 ? p->mloc : 1;
  descinit_(p->desc, &d, &d, &nb, &nb, &zero, &zero, &ctxt, &p->lld, &info);
  if (info != 0)
    return sigma_set_error(SIGMA_ELAPACK, "descinit: argument %d is illegal (d = %d, nb = %d)",
                           -info, d, nb);
  size_t n = (size_t)p->lld * (p->nloc > 1 ? p->nloc : 1);
  SIGMA_CHECK(sigma_calloc(&p->a, n, sizeof(double)));
  for (int jl = 0; jl < p->nloc; jl++) {
    const double *col = A + (size_t)l2g(jl, nb, mycol, npcol) * d;
    double *out = p->a + (size_t)jl * p->lld;
    for (int il = 0; il < p->mloc; il++) out[il] = col[l2g(il, nb, myrow, nprow)];
  }
  return SIGMA_OK;
}

/* The same error on every rank: the most negative info (argument error) first, else the
 * smallest positive one. local_rc: a local failure (e.g. ENOMEM) before the call. */
static void agree_info(MPI_Comm comm, int *info) {
  int v[2] = {*info < 0 ? *info : 0, *info > 0 ? *info : INT_MAX}, r[2];
  MPI_Allreduce(v, r, 2, MPI_INT, MPI_MIN, comm);
  *info = r[0] < 0 ? r[0] : r[1] == INT_MAX ? 0 : r[1];
}

static int agree_rc(MPI_Comm comm, int rc) {
  int bad = rc != SIGMA_OK, any;
  MPI_Allreduce(&bad, &any, 1, MPI_INT, MPI_MAX, comm);
  if (any && rc == SIGMA_OK)
    return sigma_set_error(SIGMA_ENOMEM, "ScaLAPACK: another rank failed to set up its part");
  return rc;
}

int sigma_pd_logdet_chol(const sigma_pgrid *g, const double *A, int d, double *logdet) {
  local_part p;
  int rc = agree_rc(g->comm, distribute(g, A, d, &p));
  if (rc != SIGMA_OK) goto done;
  int one = 1, info = 0;
  pdpotrf_("L", &d, p.a, &one, &one, p.desc, &info);
  agree_info(g->comm, &info);
  if (info < 0) {
    rc = sigma_set_error(SIGMA_ELAPACK, "pdpotrf: argument %d is illegal", -info);
    goto done;
  }
  if (info > 0) {
    rc = sigma_set_error(SIGMA_ESINGULAR,
                         "matrix is not numerically positive definite (leading minor %d of %d)",
                         info, d);
    goto done;
  }
  /* Diagonal entries this rank owns: local (il, jl) with equal global indices. */
  double s = 0.0, tot;
  const int nb = g->nb;
  for (int jl = 0; jl < p.nloc; jl++) {
    int jg = l2g(jl, nb, g->mycol, g->npcol);
    if ((jg / nb) % g->nprow != g->myrow) continue;
    int il = (jg / (nb * g->nprow)) * nb + jg % nb;
    s += log(p.a[il + (size_t)jl * p.lld]);
  }
  MPI_Allreduce(&s, &tot, 1, MPI_DOUBLE, MPI_SUM, g->comm);
  *logdet = 2.0 * tot;
done:
  free(p.a);
  return rc;
}

/* Why pdsyev and not pdsyevr (MRRR): ScaLAPACK 2.2.1's pdsyevr computes wrong
 * eigenvalues of ill-conditioned matrices (lambda_min / lambda_max below about 1e-7,
 * singular ones included) whenever one process computes more than half of the spectrum
 * (1 rank, or 2 ranks and odd d): its DLARRE2 then takes the dqds path from a shift just
 * below the bisection estimate of lambda_min, and, unlike LAPACK's DLARRE, does not check
 * that T - sigma I = L D L^T is definite. When rounding leaves one pivot of D with the
 * wrong sign, dqds runs on |D|, another matrix, and some eigenvalues come out off by up
 * to lambda_max (tests/mpi/scalapack_check.c, "tridiagonal" cases, on any OpenBLAS core).
 * Which tridiagonal the reduction produces depends on the BLAS kernels' rounding: that
 * is why issue 7's d = 300 singular case failed under OpenBLAS's Prescott kernels only.
 * pdsyev with jobz = 'N' (pdsytrd, then implicit QL/QR on the tridiagonal, the same
 * family of methods as the serial path's dsyevd) has no such step, and was faster here
 * on 2 and 4 ranks (d = 4096: 6.7 s vs 11.7 s on 1x2, 7.4 s vs 14.5 s on 2x2). */
int sigma_pd_eigvalsh(const sigma_pgrid *g, const double *A, int d, double *w) {
  local_part p;
  double *work = NULL, zdummy = 0.0;
  int rc = agree_rc(g->comm, distribute(g, A, d, &p));
  if (rc != SIGMA_OK) goto done;
  int one = 1, info = 0, lwork = -1;
  double w1 = 0.0;
  /* Workspace query (jobz = 'N': Z is not referenced; its descriptor is A's). */
  pdsyev_("N", "L", &d, p.a, &one, &one, p.desc, w, &zdummy, &one, &one, p.desc, &w1, &lwork,
          &info);
  agree_info(g->comm, &info);
  if (info != 0) {
    rc = sigma_set_error(SIGMA_ELAPACK, "pdsyev workspace query: info = %d", info);
    goto done;
  }
  /* A little slack over the query (ScaLAPACK's estimates are known to run tight). */
  lwork = (int)w1 + 2 * d + 64;
  rc = agree_rc(g->comm, sigma_calloc(&work, (size_t)lwork, sizeof(double)));
  if (rc != SIGMA_OK) goto done;
  pdsyev_("N", "L", &d, p.a, &one, &one, p.desc, w, &zdummy, &one, &one, p.desc, work, &lwork,
          &info);
  agree_info(g->comm, &info);
  if (info != 0) { /* info = d + 1: the ranks' eigenvalues differ (heterogeneous nodes) */
    rc = sigma_set_error(SIGMA_ELAPACK, "pdsyev: info = %d (d = %d)%s", info, d,
                         info == d + 1 ? ": ranks computed different eigenvalues" : "");
    goto done;
  }
  /* Ascending -> descending. */
  for (int i = 0, j = d - 1; i < j; i++, j--) {
    double t = w[i];
    w[i] = w[j];
    w[j] = t;
  }
done:
  free(p.a);
  free(work);
  return rc;
}

int sigma_pd_spectra(MPI_Comm comm, const double *G, const double *G1, int d, sigma_spectra *sp,
                     int grid[3]) {
  sigma_pgrid g;
  double *G2 = NULL;
  int rc = sigma_pgrid_init(comm, SIGMA_SCALAPACK_NB, &g);
  if (rc != SIGMA_OK) return rc;
  grid[0] = g.nprow;
  grid[1] = g.npcol;
  grid[2] = g.nb;
  rc = sigma_spectra_init(sp, d);
  if (rc == SIGMA_OK) rc = sigma_calloc(&G2, (size_t)d * d, sizeof(double));
  rc = sigma_sync_error(rc, comm);
  if (rc != SIGMA_OK) goto done;
  for (size_t k = 0; k < (size_t)d * d; k++) G2[k] = G[k] - G1[k];
  SIGMA_TRY(sigma_pd_eigvalsh(&g, G, d, sp->w_G));
  SIGMA_TRY(sigma_pd_eigvalsh(&g, G1, d, sp->w_G1));
  SIGMA_TRY(sigma_pd_eigvalsh(&g, G2, d, sp->w_G2));
  SIGMA_TRY(sigma_pd_logdet_chol(&g, G, d, &sp->L));
  SIGMA_TRY(sigma_pd_logdet_chol(&g, G1, d, &sp->logdet_G1));
  sigma_spectra_ranks(sp);
done:
  free(G2);
  sigma_pgrid_free(&g);
  return rc;
}
