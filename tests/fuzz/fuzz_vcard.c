// SPDX-License-Identifier: Apache-2.0
/*
 * fuzz_vcard — libFuzzer target of the vcard decoder alone (decode_vcard.c), under
 * every fuzz profile (fuzz_common.c).
 */
#include <stddef.h>
#include <stdint.h>

#include "firmware/decode/decode_util.h"
#include "tests/fuzz/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_one(&decode_vcard, data, size);
}
