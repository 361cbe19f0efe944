// SPDX-License-Identifier: Apache-2.0
/*
 * mail_text — the follow-up e-mail's words in seven languages (see
 * mail_text.h). Kept in the program like the kiosk's translations
 * (ui/assets/i18n-*.json), so an e-mail goes out in the language the
 * visitor read the consent in, with no file to install.
 */
#include "sync/mail_text.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

static const struct mail_text texts[] = {
    {"en", "Your suppliers from %s", "Hello %s,", "Hello,",
     "thank you for visiting %s. As you asked at the kiosk, here are the suppliers that match "
     "your interests:",
     "Country", "Visit the supplier's page",
     "You receive this one e-mail because you asked for it at the kiosk. We will not write to "
     "you again about this visit.",
     "To withdraw your consent and unsubscribe: %s"},
    {"zh-Hant", "您在%s配對的供應商", "%s，您好：", "您好：",
     "感謝您蒞臨%s。按您在資訊站的要求，以下是與您的需要配對的供應商：", "國家／地區",
     "瀏覽供應商網頁", "您收到這封電郵，是因為您在資訊站要求寄出。我們不會就這次參觀再寫信給您。",
     "如要撤回同意並取消訂閱：%s"},
    {"zh-Hans", "您在%s配对的供应商", "%s，您好：", "您好：",
     "感谢您莅临%s。按您在信息亭的要求，以下是与您的需要配对的供应商：", "国家/地区",
     "浏览供应商网页", "您收到这封电邮，是因为您在信息亭要求寄出。我们不会就这次参观再写信给您。",
     "如要撤回同意并取消订阅：%s"},
    {"de", "Ihre Lieferanten – %s", "Guten Tag %s,", "Guten Tag,",
     "danke für Ihren Besuch bei %s. Wie am Kiosk gewünscht, hier die Lieferanten, die zu Ihren "
     "Interessen passen:",
     "Land", "Zur Seite des Lieferanten",
     "Sie erhalten diese eine E-Mail, weil Sie sie am Kiosk angefordert haben. Zu diesem Besuch "
     "schreiben wir Ihnen nicht noch einmal.",
     "Einwilligung widerrufen und abmelden: %s"},
    {"fr", "Vos fournisseurs – %s", "Bonjour %s,", "Bonjour,",
     "merci de votre visite à %s. Comme demandé à la borne, voici les fournisseurs qui "
     "correspondent à vos intérêts :",
     "Pays", "Voir la page du fournisseur",
     "Vous recevez cet unique e-mail parce que vous l'avez demandé à la borne. Nous ne vous "
     "écrirons plus au sujet de cette visite.",
     "Pour retirer votre consentement et vous désabonner : %s"},
    {"es", "Sus proveedores – %s", "Hola, %s:", "Hola:",
     "gracias por visitarnos en %s. Como pidió en el quiosco, estos son los proveedores que "
     "coinciden con sus intereses:",
     "País", "Ver la página del proveedor",
     "Recibe este único correo porque lo pidió en el quiosco. No volveremos a escribirle sobre "
     "esta visita.",
     "Para retirar su consentimiento y darse de baja: %s"},
    {"hi", "%s से आपके आपूर्तिकर्ता", "नमस्ते %s,", "नमस्ते,",
     "%s में आने के लिए धन्यवाद। कियोस्क पर आपके अनुरोध के अनुसार, आपकी रुचियों से मेल खाने वाले "
     "आपूर्तिकर्ता ये हैं:",
     "देश", "आपूर्तिकर्ता का पेज देखें",
     "आपको यह एक ईमेल इसलिए मिला है क्योंकि आपने कियोस्क पर इसका अनुरोध किया था। इस यात्रा के बारे "
     "में हम आपको दोबारा नहीं लिखेंगे।",
     "अपनी सहमति वापस लेने और सदस्यता समाप्त करने के लिए: %s"},
};

#define NTEXTS (sizeof texts / sizeof texts[0])

static const struct mail_text *by_tag(const char *tag)
{
    for (size_t i = 0; i < NTEXTS; i++)
        if (!strcasecmp(texts[i].lang, tag))
            return &texts[i];
    return NULL;
}

const struct mail_text *mail_text_for(const char *lang)
{
    const struct mail_text *t = lang ? by_tag(lang) : NULL;
    if (t || !lang)
        return t ? t : &texts[0];
    size_t primary = strcspn(lang, "-_");
    if (primary == 2 && !strncasecmp(lang, "zh", 2)) {
        /* The script when named, else the region's usual one. */
        const char *rest = lang + 2;
        bool trad = strcasestr(rest, "hant") || strcasestr(rest, "-tw") ||
                    strcasestr(rest, "-hk") || strcasestr(rest, "-mo") || strcasestr(rest, "_tw") ||
                    strcasestr(rest, "_hk");
        return by_tag(trad && !strcasestr(rest, "hans") ? "zh-Hant" : "zh-Hans");
    }
    for (size_t i = 0; i < NTEXTS; i++)
        if (strlen(texts[i].lang) == primary && !strncasecmp(texts[i].lang, lang, primary))
            return &texts[i];
    return &texts[0];
}
