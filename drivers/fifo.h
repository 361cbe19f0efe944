// SPDX-License-Identifier: Apache-2.0
/*
 * fifo — the development scan source: every line written to a FIFO (and to
 * stdin, when it is a terminal) becomes one scan, so the demo and the tests
 * work without hardware.
 *
 *   echo 'MECARD:N:Doe,Jane;ORG:Acme;;' > var/scan.fifo
 */
#ifndef MB_FIFO_H
#define MB_FIFO_H

#include <stdbool.h>

#include "firmware/base/err.h"
#include "firmware/runtime/source.h"

struct fifo;

/*
 * Creates the FIFO at path if needed (mode 0620) and starts reading it, and
 * stdin too when with_stdin and stdin is a terminal. The host is copied.
 * Returns NULL with e on failure.
 */
struct fifo *fifo_open(const struct source_host *host, const char *path, bool with_stdin,
                       struct err *e);
void fifo_close(struct fifo *f); /* NULL-safe; leaves the FIFO file in place */

#endif
