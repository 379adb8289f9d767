/* Prints sigma's digamma/trigamma sums (SPEC 4, 4.1) for d, N, n given on the command line,
 * for tests/check_specials.py to compare with mpmath at 40 digits: the Wishart correction,
 * V_G and n [psi((n - d)/2) - psi(n/2)]. */
#include <stdio.h>
#include <stdlib.h>

#include "sigma/calibrated.h"
#include "sigma/estimators.h"

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: specials_print D N n\n");
    return 2;
  }
  const int d = atoi(argv[1]);
  const double N = strtod(argv[2], NULL), n = strtod(argv[3], NULL);
  printf("%.17g %.17g %.17g\n", sigma_wishart_correction(d, N, n), sigma_var_gauss(d, N, n),
         sigma_log1mh_gauss(d, n));
  return 0;
}
