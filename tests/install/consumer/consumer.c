/* A consumer of the installed libsigma (tests/install/test_install.sh): log det of a
 * small SPD Gram matrix (sigma/linalg.h) and the Wishart estimate of L, directly
 * (sigma/estimators.h) and through the estimator registry (sigma/registry.h). Built once
 * with find_package(sigma) and once with pkg-config; tests/install/check_consumer.py
 * checks the printed numbers against numpy and a closed form. */
#include <stdio.h>

#include <sigma/error.h>
#include <sigma/estimators.h>
#include <sigma/linalg.h>
#include <sigma/registry.h>
#include <sigma/version.h>

enum { N1 = 8, D = 3 };

/* The observed block: n1 = 8 rows of d = 3 (check_consumer.py holds the same rows). */
static const double X[N1][D] = {{1.0, 0.5, -0.25}, {0.25, -1.0, 0.5}, {-0.5, 0.75, 1.0},
                                {2.0, 0.0, 0.5},   {0.0, 1.5, -1.0},  {-1.25, -0.5, 0.25},
                                {0.5, 0.25, 2.0},  {1.0, -0.75, -0.5}};

int main(void) {
  double G1[D * D] = {0};
  for (int r = 0; r < N1; r++)
    for (int i = 0; i < D; i++)
      for (int j = 0; j < D; j++) G1[i * D + j] += X[r][i] * X[r][j];
  double logdet;
  if (sigma_logdet_chol(G1, D, &logdet) != SIGMA_OK) {
    fprintf(stderr, "consumer: %s\n", sigma_error_message());
    return 1;
  }
  const double N = 1000;
  sigma_block b = {.d = D, .N = N, .n1 = N1, .logdet_G1 = logdet};
  int w = sigma_estimator_index("wishart");
  if (w < 0) return 1;
  double var;
  printf("version %s\n", SIGMA_VERSION);
  printf("logdet_G1 %.17g\n", logdet);
  printf("wishart %.17g\n", logdet + sigma_wishart_correction(D, N, N1));
  printf("wishart_registry %.17g\n", sigma_estimators[w].estimate(&b, &var));
  printf("plugin %.17g\n", sigma_plugin(logdet, D, N, N1));
  return 0;
}
