// Shim for OpenBLAS's CBLAS header. Debian installs it as <cblas.h> through the alternatives
// system (/usr/include/x86_64-linux-gnu/cblas.h); other layouts keep it under openblas/.
#ifndef COPENBLAS_SHIM_H
#define COPENBLAS_SHIM_H

#if __has_include(<cblas.h>)
#include <cblas.h>
#elif __has_include(<openblas/cblas.h>)
#include <openblas/cblas.h>
#elif __has_include(<x86_64-linux-gnu/cblas.h>)
#include <x86_64-linux-gnu/cblas.h>
#elif __has_include(<aarch64-linux-gnu/cblas.h>)
#include <aarch64-linux-gnu/cblas.h>
#else
#error "cblas.h not found: install libopenblas-dev"
#endif

#endif
