// SPDX-License-Identifier: Apache-2.0
/*
 * drivers — the one list of USB scanner and printer drivers, and lookups
 * in it.
 */
#include <string.h>

#include "drivers/driver.h"

extern const struct driver wedge_driver;
extern const struct driver hidpos_driver;
extern const struct driver escpos_driver;
extern const struct driver acm_driver;

const struct driver *const driver_table[] = {&hidpos_driver, &wedge_driver, &acm_driver,
                                             &escpos_driver, NULL};

const struct driver *driver_find(const char *name)
{
    for (size_t i = 0; driver_table[i]; i++)
        if (strcmp(driver_table[i]->name, name) == 0)
            return driver_table[i];
    return NULL;
}

const struct driver *driver_match(uint16_t vid, uint16_t pid)
{
    for (size_t i = 0; driver_table[i]; i++)
        for (const struct usb_id *id = driver_table[i]->ids; id && id->vid; id++)
            if (id->vid == vid && (id->pid == pid || id->pid == DRIVER_ANY_PID))
                return driver_table[i];
    return NULL;
}
