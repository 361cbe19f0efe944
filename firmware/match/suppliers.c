// SPDX-License-Identifier: Apache-2.0
/*
 * suppliers — a visitor's matched suppliers and their links (see
 * suppliers.h).
 */
#include "firmware/match/suppliers.h"

#include <cjson/cJSON.h>

#include "firmware/base/buf.h"
#include "firmware/base/strv.h"
#include "firmware/config/show.h"
#include "firmware/match/campaign.h"
#include "firmware/store/store_catalog.h"

int suppliers_matched(struct store *s, const cJSON *form, const cJSON *lead, const char *lead_id,
                      const char *lang, int limit, cJSON **out, struct strv *cats, struct err *e)
{
    struct strv own = {0}, *c = cats ? cats : &own;
    show_categories(form, lead, c);
    long long seed = 0;
    for (const char *p = lead_id ? lead_id : ""; *p; p++)
        seed = (seed * 31 + (unsigned char)*p) % 1000003;
    int rc = store_catalog_match(s, c, lang, limit, seed, out, e);
    strv_free(&own);
    return rc;
}

int suppliers_links(struct store *s, cJSON *list, const char *lead_id, const char *show,
                    const char *kiosk, struct err *e)
{
    cJSON *it;
    cJSON_ArrayForEach(it, list)
    {
        struct buf link = {0};
        if (campaign_link(s, lead_id, cJSON_GetStringValue(cJSON_GetObjectItem(it, "id")),
                          cJSON_GetStringValue(cJSON_GetObjectItem(it, "url")), show, kiosk, &link,
                          e) < 0) {
            buf_free(&link);
            return -1;
        }
        cJSON_AddStringToObject(it, "link", link.data);
        buf_free(&link);
    }
    return 0;
}
