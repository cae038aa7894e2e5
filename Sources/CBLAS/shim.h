// OpenBLAS's CBLAS interface (Debian: libopenblas-dev; `pkg-config --cflags --libs openblas`).
#include <cblas.h>
// Declared by OpenBLAS's cblas.h; repeated here in case another CBLAS header is found first.
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
