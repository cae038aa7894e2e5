// Private to CEncoderKernels: run-time CPU dispatch shared by kernels.c and conv.c.
#ifndef VLN_DISPATCH_H
#define VLN_DISPATCH_H
#include "vln_kernels.h"

// Each kernel is compiled three times — AVX-512, AVX2 + FMA, baseline — and called through a dispatcher that
// reads the CPU's features (capped by VLNSIM_SIMD) once (by feature, not by CPU model, so that CPUs newer than the compiler still get the
// wide variant).
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define VLN_X86 1
#define VLN_AVX512 __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,avx2,fma")))
#define VLN_AVX2 __attribute__((target("avx2,fma")))
#else
#define VLN_X86 0
#endif

static int vln_level = -1;  // one cache per translation unit; each reads the same CPU features
static inline int level(void) {
    int l = __atomic_load_n(&vln_level, __ATOMIC_RELAXED);
    if (l < 0) {
        l = vln_simd_level();
        __atomic_store_n(&vln_level, l, __ATOMIC_RELAXED);
    }
    return l;
}

#if VLN_X86
#define VLN_DISPATCH(name, params, args)                                                                       \
    static VLN_AVX512 void name##_avx512 params { name##_body args; }                                           \
    static VLN_AVX2 void name##_avx2 params { name##_body args; }                                               \
    static void name##_base params { name##_body args; }                                                        \
    void name params {                                                                                          \
        switch (level()) {                                                                                      \
        case 2: name##_avx512 args; break;                                                                      \
        case 1: name##_avx2 args; break;                                                                        \
        default: name##_base args;                                                                              \
        }                                                                                                       \
    }
#else
#define VLN_DISPATCH(name, params, args) \
    void name params { name##_body args; }
#endif

#endif
