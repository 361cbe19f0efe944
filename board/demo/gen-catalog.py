#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Generates board/demo/catalog.json: a made-up catalog of 240 suppliers for
the demo kiosk (names and one-line descriptions in English, Traditional and
Simplified Chinese, German, French, Spanish and Hindi).

Deterministic (no randomness): running it again gives the same file.
Every company and URL is invented; the domain is .example (RFC 2606).
Usage: board/demo/gen-catalog.py > board/demo/catalog.json
"""
import json
import sys

# (category, English noun, zh-Hant, zh-Hans, de, fr, es, hi)
CATEGORIES = [
    ("smart-home", "Smart Home", "智能家居", "智能家居", "Smart Home", "maison connectée", "hogar inteligente", "स्मार्ट होम"),
    ("audio", "Audio", "耳機音響", "耳机音响", "Audio", "audio", "audio", "ऑडियो हेडफ़ोन"),
    ("components", "Components", "電子零件", "电子元件", "Bauteile", "composants", "componentes", "इलेक्ट्रॉनिक पुर्जे"),
    ("power", "Power", "電池充電器", "电池充电器", "Akkus", "batteries", "baterías", "बैटरी चार्जर"),
    ("wearables", "Wearables", "穿戴裝置", "穿戴设备", "Wearables", "objets portables", "vestibles", "वियरेबल्स"),
    ("lighting", "Lighting", "LED照明", "LED照明", "LED-Leuchten", "éclairage LED", "iluminación LED", "एलईडी लाइटिंग"),
    ("cables", "Cables", "線材", "线材", "Kabel", "câbles", "cables", "केबल"),
    ("displays", "Displays", "顯示屏", "显示屏", "Displays", "écrans", "pantallas", "डिस्प्ले"),
]

# (English, zh-Hant, zh-Hans, Hindi transliteration) name stems
STEMS = [
    ("Harbour", "海港", "海港", "हार्बर"), ("Jade", "翡翠", "翡翠", "जेड"), ("Lotus", "蓮花", "莲花", "लोटस"),
    ("Summit", "峰頂", "峰顶", "समिट"), ("Pearl River", "珠江", "珠江", "पर्ल रिवर"), ("Kowloon", "九龍", "九龙", "कोलून"),
    ("Everbright", "永明", "永明", "एवरब्राइट"), ("Silverline", "銀線", "银线", "सिल्वरलाइन"), ("Redwood", "紅木", "红木", "रेडवुड"),
    ("Golden Bay", "金灣", "金湾", "गोल्डन बे"), ("Northstar", "北星", "北星", "नॉर्थस्टार"), ("Bluewave", "藍波", "蓝波", "ब्लूवेव"),
    ("Orchid", "蘭花", "兰花", "ऑर्किड"), ("Phoenix", "鳳凰", "凤凰", "फीनिक्स"), ("Cedar", "雪松", "雪松", "सीडर"),
]
SUFFIX = [("Technology Co., Ltd.", "科技有限公司", "科技有限公司", "टेक्नोलॉजी"),
          ("Industrial Ltd.", "實業有限公司", "实业有限公司", "इंडस्ट्रियल"),
          ("Electronics Works", "電子廠", "电子厂", "इलेक्ट्रॉनिक्स")]
COUNTRIES = ["HK", "CN", "TW", "IN", "VN", "DE", "KR", "MY"]
# city per country: (en, zh-Hant, zh-Hans, hi)
CITY = {"HK": ("Hong Kong", "香港", "香港", "हांगकांग"), "CN": ("Shenzhen", "深圳", "深圳", "शेनझेन"),
        "TW": ("Taipei", "台北", "台北", "ताइपे"), "IN": ("Bengaluru", "班加羅爾", "班加罗尔", "बेंगलुरु"),
        "VN": ("Hanoi", "河內", "河内", "हनोई"), "DE": ("Stuttgart", "斯圖加特", "斯图加特", "श्टुटगार्ट"),
        "KR": ("Seoul", "首爾", "首尔", "सियोल"), "MY": ("Penang", "檳城", "槟城", "पेनांग")}


def supplier(i):
    cat = CATEGORIES[i % len(CATEGORIES)]
    second = CATEGORIES[(i * 3 + 1) % len(CATEGORIES)]
    stem = STEMS[(i // len(CATEGORIES)) % len(STEMS)]
    suf = SUFFIX[(i // (len(CATEGORIES) * len(STEMS))) % len(SUFFIX)]
    country = COUNTRIES[(i * 5) % len(COUNTRIES)]
    cats = [cat[0]] if second[0] == cat[0] else [cat[0], second[0]]
    en = f"{stem[0]} {cat[1]} {suf[0]}"
    city, city_hant, city_hans, city_hi = CITY[country]
    return {
        "id": f"SUP-{i + 1:04d}",
        "names": {
            "en": en,
            "zh-Hant": f"{stem[1]}{cat[2]}{suf[1]}",
            "zh-Hans": f"{stem[2]}{cat[3]}{suf[2]}",
            "hi": f"{stem[3]} {cat[7]} {suf[3]}",
        },
        "descriptions": {
            "en": f"{cat[1]} and {second[1].lower()} maker from {city}; OEM and ODM, samples in 7 days.",
            "zh-Hant": f"來自{city_hant}的{cat[2]}及{second[2]}製造商，提供OEM/ODM，七天內寄送樣品。",
            "zh-Hans": f"来自{city_hans}的{cat[3]}及{second[3]}制造商，提供OEM/ODM，七天内寄送样品。",
            "de": f"Hersteller für {cat[4]} und {second[4]} aus {city}; OEM und ODM, Muster in 7 Tagen.",
            "fr": f"Fabricant de {cat[5]} et {second[5]} à {city} ; OEM et ODM, échantillons en 7 jours.",
            "es": f"Fabricante de {cat[6]} y {second[6]} en {city}; OEM y ODM, muestras en 7 días.",
            "hi": f"{city_hi} से {cat[7]} और {second[7]} निर्माता; OEM और ODM, 7 दिनों में नमूने।",
        },
        "categories": cats,
        "country": country,
        "url": f"https://suppliers.example/s/{i + 1:04d}",
    }


def main():
    json.dump({"suppliers": [supplier(i) for i in range(240)]}, sys.stdout, ensure_ascii=False,
              indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
