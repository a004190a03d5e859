// glibc's heap, tuned once for training loops. A training step frees and reallocates hundreds of
// tensors; with glibc's defaults the heap's top is handed back to the kernel whenever more than
// 128 KiB of it is free and taken again a moment later, while glibc's moving mmap threshold
// climbs, so the first epoch page-faults its way to a steady heap (measured: fashion_mlp's epoch
// 1 ran 1.6x as long as the later ones, and the energy forecast taken from it overshot by
// 15-28 %). Joule sets M_TOP_PAD to JOULE_HEAP_TOP_PAD bytes (default 64 MiB), M_TRIM_THRESHOLD
// to twice that and M_MMAP_THRESHOLD to 32 MiB (glibc's own ceiling for it): epoch 1 then runs as
// fast as the others (forecast within 2 %), for about 7 MiB more resident memory.
//
// Applied before main (a static initialiser in host_heap.cpp; set at the first tensor instead it
// came too late to help), unless JOULE_HEAP_TOP_PAD=0, or GLIBC_TUNABLES names a glibc.malloc
// tunable (the user tunes the heap already), or the C library is not glibc. docs/energy.md.
#pragma once

#include <cstddef>
#include <string>

namespace joule {

// The pad JOULE_HEAP_TOP_PAD asks for: bytes, with an optional K, M or G suffix (powers of
// 1024); "" gives the default 64 MiB. Throws joule::Error naming the value when it is not a
// number, negative, or above 1G.
size_t parse_heap_top_pad(const std::string& value);

// Applies the pad once per process (later calls return the first answer): the pad applied, or
// 0 when it was left alone; *why (may be null) says why not.
size_t tune_host_heap(std::string* why = nullptr);

// What the static initialiser applied before main: tune_host_heap()'s answer then.
size_t host_heap_pad_at_start();

}  // namespace joule
