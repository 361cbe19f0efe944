// SPDX-License-Identifier: Apache-2.0
/*
 * fuzz_decode — libFuzzer target of decode_payload(): every decoder of a
 * profile in order, the roster lookup and the final touches (names, E.164).
 */
#include <stddef.h>
#include <stdint.h>

#include "tests/fuzz/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_one(NULL, data, size);
}
