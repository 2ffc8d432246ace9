// The float GEMM engine: Debian's OpenBLAS (libopenblas-dev), through its CBLAS header.
#include <cblas.h>
