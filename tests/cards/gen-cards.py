#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""gen-cards.py — generates the business-card test images and their expected
fields (tests/cards/expected.json) with ImageMagick's pango: text renderer.

Run once when the test data is (re)made; the images are committed so that
`make check` does not depend on the renderer's version:

    /usr/bin/python3 tests/cards/gen-cards.py tests/cards

Cards are 3.5 x 2 in at 300 dpi (1050 x 600), grayscale. Each one combines a
person (English, Traditional/Simplified Chinese, Hindi or German), a layout,
a font and a degradation (clean, noisy, rotated up to 5 degrees, JPEG). A few
carry a QR code (MECARD) to exercise the decode-first path; six print the name
and title on one line and the address over two. Layouts, fonts and angles
are seeded, so a rerun gives the same cards; ImageMagick's noise is not, so
the noisy ones come out with other noise (and the same text).
"""
import html
import json
import os
import random
import subprocess
import sys
import tempfile

W, H = 1050, 600
FORCE = False  # --force: render every card again, not only the missing ones
FIRST_SET = 76  # cards before issue 16; the others go to intl/

# Each person: the text lines as printed and the fields expected from them.
# "phone_printed" is how the number appears; "phone" its E.164 form given
# the show's "country".
PEOPLE_EN = [
    ("Alice Johnson", "Senior Product Manager", "Brightwave Technologies Inc.",
     "alice.johnson@brightwave.com", "+1 (415) 555-0134", "+14155550134", "www.brightwave.com",
     "500 Howard Street, San Francisco, CA 94105", "US"),
    ("Michael Chen", "Director of Sales", "Northgate Logistics Ltd.",
     "m.chen@northgate-logistics.co.uk", "+44 20 7946 0321", "+442079460321",
     "northgate-logistics.co.uk", "14 Baker Street, London W1U 3BW", "GB"),
    ("Sarah O'Neill", "Marketing Director", "Bluepeak Solutions LLC",
     "sarah@bluepeak.io", "(212) 555-0187", "+12125550187", "www.bluepeak.io",
     "120 Broadway, Suite 400, New York, NY 10271", "US"),
    ("David Wong", "Chief Technology Officer", "Harbour Data Systems Limited",
     "david.wong@harbourdata.hk", "+852 2345 6789", "+85223456789", "www.harbourdata.hk",
     "12/F, 88 Queen's Road Central, Hong Kong", "HK"),
    ("Emily Carter", "Sales Engineer", "Redstone Robotics Corp.",
     "ecarter@redstone-robotics.com", "+1 617 555 0199", "+16175550199",
     "https://redstone-robotics.com", "77 Summer Street, Boston, MA 02110", "US"),
    ("Rahul Mehta", "Business Development Manager", "Indus Cloud Services Pvt Ltd",
     "rahul.mehta@induscloud.in", "+91 98765 43210", "+919876543210", "www.induscloud.in",
     "4th Floor, Tower B, Cyber City, Gurugram 122002", "IN"),
    ("Laura Schmidt", "Head of Partnerships", "Greenline Energy Group",
     "laura.schmidt@greenline-energy.com", "+49 89 1234 5678", "+498912345678",
     "www.greenline-energy.com", "Leopoldstrasse 31, 80802 Munich", "DE"),
    ("James Patel", "Account Executive", "Skyforge Software Inc.",
     "james.patel@skyforge.com", "+1 (206) 555-0112", "+12065550112", "skyforge.com",
     "1420 Fifth Avenue, Seattle, WA 98101", "US"),
    ("Grace Lee", "Operations Manager", "Pacific Rim Trading Co. Ltd.",
     "grace.lee@pacificrim.com.hk", "9123 4567", "+85291234567", "www.pacificrim.com.hk",
     "Unit 1203, 9 Canton Road, Tsim Sha Tsui, Kowloon", "HK"),
    ("Thomas Reed", "Founder & CEO", "Lumen Analytics Inc.",
     "tom@lumenanalytics.ai", "+1 512 555 0176", "+15125550176", "www.lumenanalytics.ai",
     "300 Congress Avenue, Austin, TX 78701", "US"),
    ("Olivia Martin", "Procurement Specialist", "Westbridge Manufacturing Ltd.",
     "olivia.martin@westbridge.co.uk", "+44 161 496 0752", "+441614960752",
     "www.westbridge.co.uk", "22 Deansgate, Manchester M3 1RH", "GB"),
    ("Daniel Kim", "Software Engineer", "Quantum Leaf Technologies",
     "daniel.kim@quantumleaf.dev", "+1 (408) 555-0143", "+14085550143", "quantumleaf.dev",
     "2100 Geng Road, Palo Alto, CA 94303", "US"),
    ("Priya Sharma", "Regional Sales Manager", "Sunrise Pharma Pvt Ltd",
     "priya.sharma@sunrisepharma.in", "+91 22 4567 8901", "+912245678901",
     "www.sunrisepharma.in", "Nariman Point, Mumbai 400021", "IN"),
    ("Kevin Brown", "Technical Consultant", "Ironclad Security Solutions",
     "kbrown@ironcladsec.com", "+1 312 555 0165", "+13125550165", "www.ironcladsec.com",
     "233 South Wacker Drive, Chicago, IL 60606", "US"),
    ("Hannah Lewis", "Design Lead", "Paperkite Studio Ltd.",
     "hannah@paperkite.studio", "+44 117 496 0288", "+441174960288", "paperkite.studio",
     "5 Queen Square, Bristol BS1 4JQ", "GB"),
    ("Peter Ng", "General Manager", "Golden Harvest Foods Limited",
     "peter.ng@goldenharvest.com.hk", "+852 3456 7890", "+85234567890",
     "www.goldenharvest.com.hk", "8/F, 25 Nathan Road, Kowloon", "HK"),
]

PEOPLE_ZH_HANT = [
    ("陳大文", "市場總監", "香港貿易有限公司", "chan.taiman@hktrade.com.hk", "+852 2123 4567",
     "+85221234567", "www.hktrade.com.hk", "香港中環皇后大道中88號12樓", "HK"),
    ("李美玲", "銷售經理", "台灣精密科技股份有限公司", "meiling.li@twprecision.com.tw",
     "+886 2 2345 6789", "+886223456789", "www.twprecision.com.tw", "台北市信義區松仁路100號8樓",
     "TW"),
    ("黃志明", "技術總監", "華南電子有限公司", "cm.wong@scelectronics.hk", "9876 5432",
     "+85298765432", "www.scelectronics.hk", "九龍觀塘道388號創紀之城1期", "HK"),
    ("林嘉欣", "產品經理", "宏達數碼有限公司", "kayan.lam@hongtat.com.hk", "+852 3188 2266",
     "+85231882266", "www.hongtat.com.hk", "香港灣仔港灣道30號新鴻基中心", "HK"),
    ("張偉強", "總經理", "永信物流有限公司", "wk.cheung@wingshun.com.hk", "+852 2561 8899",
     "+85225618899", "www.wingshun.com.hk", "新界荃灣青山公路611號", "HK"),
    ("吳淑芬", "工程師", "新竹半導體股份有限公司", "sf.wu@hsinchu-semi.com.tw", "+886 3 578 1234",
     "+88635781234", "www.hsinchu-semi.com.tw", "新竹市東區園區二路25號", "TW"),
]

PEOPLE_ZH_HANS = [
    ("王晓明", "销售总监", "深圳创新科技有限公司", "wang.xm@szinnov.cn", "+86 138 0013 8000",
     "+8613800138000", "www.szinnov.cn", "深圳市南山区科技园南路18号", "CN"),
    ("刘芳", "市场经理", "上海远航贸易有限公司", "liufang@shyuanhang.com", "+86 21 6234 5678",
     "+862162345678", "www.shyuanhang.com", "上海市浦东新区世纪大道100号", "CN"),
    ("赵磊", "技术经理", "北京云帆软件有限公司", "zhaolei@yunfansoft.cn", "+86 10 8888 6666",
     "+861088886666", "www.yunfansoft.cn", "北京市海淀区中关村大街27号", "CN"),
    ("孙丽华", "采购主管", "广州恒达电子有限公司", "sunlh@hengda-elec.com", "+86 139 2233 4455",
     "+8613922334455", "www.hengda-elec.com", "广州市天河区天河路385号", "CN"),
    ("周杰", "总经理", "杭州智联网络有限公司", "zhoujie@zhilian.net.cn", "+86 571 8765 4321",
     "+8657187654321", "www.zhilian.net.cn", "杭州市西湖区文三路90号", "CN"),
]

PEOPLE_HI = [
    ("राजेश कुमार", "बिक्री प्रबंधक", "भारत टेक्नोलॉजीज़ प्राइवेट लिमिटेड", "rajesh.kumar@bharattech.in",
     "+91 98100 12345", "+919810012345", "www.bharattech.in", "Sector 62, Noida 201301", "IN"),
    ("सुनीता शर्मा", "विपणन निदेशक", "गंगा एक्सपोर्ट्स लिमिटेड", "sunita@gangaexports.com",
     "+91 11 2345 6789", "+911123456789", "www.gangaexports.com", "Connaught Place, New Delhi 110001",
     "IN"),
    ("अमित वर्मा", "वरिष्ठ अभियंता", "इंडस सॉफ्टवेयर सॉल्यूशंस", "amit.verma@indussoft.in",
     "+91 80 4123 5678", "+918041235678", "www.indussoft.in", "Whitefield, Bengaluru 560066", "IN"),
    ("प्रिया सिंह", "महाप्रबंधक", "सूर्या एनर्जी लिमिटेड", "priya.singh@suryaenergy.co.in",
     "+91 99887 66554", "+919988766554", "www.suryaenergy.co.in", "Salt Lake, Kolkata 700091", "IN"),
]

PEOPLE_DE = [
    ("Markus Weber", "Geschäftsführer", "Weber Maschinenbau GmbH", "m.weber@weber-maschinenbau.de",
     "+49 711 2345 678", "+497112345678", "www.weber-maschinenbau.de",
     "Königstraße 12, 70173 Stuttgart", "DE"),
    ("Julia Fischer", "Vertriebsleiterin", "Nordlicht Software AG", "julia.fischer@nordlicht.de",
     "030 9876 5432", "+493098765432", "www.nordlicht.de", "Friedrichstraße 68, 10117 Berlin", "DE"),
    ("Stefan Müller", "Leiter Einkauf", "Alpenwerk Elektronik GmbH", "s.mueller@alpenwerk.de",
     "+49 89 4455 6677", "+498944556677", "www.alpenwerk.de", "Sendlinger Straße 5, 80331 München",
     "DE"),
]

# Cards from more countries, in their own languages and scripts, with the
# legal forms those countries print (ISO 20275 abbreviations or local names)
# and web addresses written as bare domains.
PEOPLE_ES = [
    ("Lucía Fernández", "Directora Comercial", "Soluciones Ibéricas S.L.",
     "lucia.fernandez@solucionesibericas.es", "+34 912 345 678", "+34912345678",
     "solucionesibericas.es", "Calle de Alcalá 45, 28014 Madrid", "ES"),
    ("Javier Muñoz", "Jefe de Ventas", "Construcciones Peñalara S.A.", "jmunoz@penalara.es",
     "934 567 890", "+34934567890", "www.penalara.es", "Avinguda Diagonal 210, 08018 Barcelona",
     "ES"),
]
PEOPLE_FR = [
    ("Étienne Lefèvre", "Directeur Général", "Société Lyonnaise de Robotique SAS",
     "etienne.lefevre@slr-robotique.fr", "+33 4 72 12 34 56", "+33472123456", "slr-robotique.fr",
     "12 rue de la République, 69002 Lyon", "FR"),
    ("Hélène Moreau", "Chef de Projet", "Boréal Conseil SA", "h.moreau@boreal-conseil.fr",
     "01 42 68 53 00", "+33142685300", "www.boreal-conseil.fr",
     "8 boulevard Haussmann, 75009 Paris", "FR"),
]
PEOPLE_PL = [
    ("Katarzyna Wiśniewska", "Kierownik Sprzedaży", "Technika Polska Sp. z o.o.",
     "k.wisniewska@technikapolska.pl", "+48 22 123 45 67", "+48221234567", "technikapolska.pl",
     "ul. Marszałkowska 84, 00-514 Warszawa", "PL"),
    ("Łukasz Wiśniewski", "Dyrektor Handlowy", "Żagiel Systemy S.A.",
     "lukasz.wisniewski@zagiel.com.pl", "12 345 67 89", "+48123456789", "www.zagiel.com.pl",
     "ul. Floriańska 15, 31-019 Kraków", "PL"),
]
PEOPLE_IT = [
    ("Giulia Bianchi", "Responsabile Commerciale", "Rossi Meccanica S.r.l.",
     "giulia.bianchi@rossimeccanica.it", "+39 02 1234 5678", "+390212345678", "rossimeccanica.it",
     "Via Torino 25, 20123 Milano", "IT"),
    ("Niccolò Ferrari", "Direttore Tecnico", "Officine Lucane S.p.A.", "n.ferrari@officinelucane.it",
     "+39 0971 123456", "+390971123456", "www.officinelucane.it",
     "Corso Umberto I 12, 85100 Potenza", "IT"),
]
PEOPLE_BR = [
    ("João Gonçalves", "Diretor Comercial", "Soluções Paulistas Ltda.",
     "joao.goncalves@solucoespaulistas.com.br", "+55 11 3456 7890", "+551134567890",
     "solucoespaulistas.com.br", "Av. Paulista 1000, São Paulo, 01310-100", "BR"),
    ("Ana Conceição", "Gerente de Vendas", "Indústrias Açaí S/A", "ana.conceicao@acai.ind.br",
     "(21) 2345-6789", "+552123456789", "www.acai.ind.br",
     "Rua da Assembleia 10, Rio de Janeiro, 20011-000", "BR"),
]
PEOPLE_NL = [
    ("Sanne de Vries", "Accountmanager", "Polderdata B.V.", "sanne.devries@polderdata.nl",
     "+31 20 123 4567", "+31201234567", "polderdata.nl", "Keizersgracht 123, 1015 CJ Amsterdam",
     "NL"),
    ("Joost Bakker", "Directeur", "Bakker & Zonen Techniek BV", "j.bakker@bakkerzonen.nl",
     "010 234 5678", "+31102345678", "www.bakkerzonen.nl", "Coolsingel 40, 3011 AD Rotterdam",
     "NL"),
]
PEOPLE_RU = [
    ("Анна Смирнова", "Менеджер по продажам", "ООО «Северный Ветер»", "a.smirnova@severveter.ru",
     "+7 495 123-45-67", "+74951234567", "severveter.ru", "ул. Тверская, д. 7, Москва, 125009",
     "RU"),
    ("Дмитрий Козлов", "Генеральный директор", "АО «Уральские Системы»", "kozlov@uralsys.ru",
     "+7 343 222-33-44", "+73432223344", "www.uralsys.ru",
     "пр. Ленина, д. 50, Екатеринбург, 620014", "RU"),
]
PEOPLE_GR = [
    ("Γιώργος Παπαδόπουλος", "Διευθυντής Πωλήσεων", "Αιγαίο Λογισμικό Α.Ε.",
     "g.papadopoulos@aigaio-soft.gr", "+30 210 123 4567", "+302101234567", "aigaio-soft.gr",
     "Λεωφόρος Κηφισίας 44, 15125 Μαρούσι", "GR"),
    ("Μαρία Οικονόμου", "Υπεύθυνη Μάρκετινγκ", "Ελληνικές Τεχνολογίες Ε.Π.Ε.",
     "m.oikonomou@elltech.gr", "+30 2310 234 567", "+302310234567", "www.elltech.gr",
     "Οδός Τσιμισκή 25, 54624 Θεσσαλονίκη", "GR"),
]
PEOPLE_JA = [
    ("山田太郎", "営業部長", "株式会社桜技研", "t.yamada@sakura-giken.co.jp", "03-1234-5678",
     "+81312345678", "www.sakura-giken.co.jp", "東京都港区芝公園4丁目2番8号", "JP"),
    ("佐藤花子", "技術課長", "大阪精機株式会社", "h.sato@osaka-seiki.jp", "+81 6 6123 4567",
     "+81661234567", "osaka-seiki.jp", "大阪府大阪市北区梅田1丁目1番3号", "JP"),
]
PEOPLE_KO = [
    ("김민수", "영업부장", "주식회사 한빛소프트", "minsu.kim@hanbitsoft.co.kr", "+82 2 1234 5678",
     "+82212345678", "www.hanbitsoft.co.kr", "서울특별시 강남구 테헤란로 152", "KR"),
    ("이지은", "마케팅팀장", "(주)미래전자", "jieun.lee@miraeelec.kr", "010-1234-5678",
     "+821012345678", "miraeelec.kr", "경기도 성남시 분당구 판교역로 235", "KR"),
]

# A third person for Taiwan and for each country above, so that every
# country is judged on at least six cards (a country's accuracy on four
# cards moves by 3.6 points per field).
PEOPLE_MORE = [
    (("陳志豪", "業務副理", "台灣光電股份有限公司", "zhihao.chen@twopto.com.tw", "+886 4 2345 6789",
      "+886423456789", "www.twopto.com.tw", "台中市西屯區台灣大道三段99號", "TW"), "zh_hant"),
    (("Marta Giménez", "Responsable de Compras", "Aceros del Norte S.A.", "marta.gimenez@acerosnorte.es",
      "+34 944 123 456", "+34944123456", "acerosnorte.es", "Gran Vía 12, 48001 Bilbao", "ES"), "es"),
    (("François Dubois", "Ingénieur Commercial", "Dubois Électronique SARL",
      "francois.dubois@dubois-elec.fr", "+33 5 56 12 34 56", "+33556123456", "dubois-elec.fr",
      "25 quai des Chartrons, 33000 Bordeaux", "FR"), "fr"),
    (("Agnieszka Zielińska", "Specjalista ds. Zakupów", "Bałtyk Logistyka Sp. z o.o.",
      "a.zielinska@baltyklogistyka.pl", "+48 58 765 43 21", "+48587654321", "baltyklogistyka.pl",
      "ul. Długa 22, 80-831 Gdańsk", "PL"), "pl"),
    (("Lorenzo Esposito", "Direttore Commerciale", "Caffè Partenope S.p.A.",
      "l.esposito@caffepartenope.it", "+39 081 234 5678", "+390812345678", "caffepartenope.it",
      "Via Toledo 156, 80134 Napoli", "IT"), "it"),
    (("Luíza Araújo", "Coordenadora de Marketing", "Café Mineiro Ltda.", "luiza.araujo@cafemineiro.com.br",
      "+55 31 3456 7890", "+553134567890", "cafemineiro.com.br",
      "Rua da Bahia 1200, Belo Horizonte, 30160-011", "BR"), "pt"),
    (("Pieter Janssen", "Verkoopmanager", "Janssen Logistiek B.V.", "p.janssen@janssenlogistiek.nl",
      "+31 30 234 5678", "+31302345678", "janssenlogistiek.nl", "Oudegracht 200, 3511 NR Utrecht",
      "NL"), "nl"),
    (("Ольга Иванова", "Руководитель отдела закупок", "ПАО «Волжский Завод»", "o.ivanova@vzavod.ru",
      "+7 846 333-22-11", "+78463332211", "vzavod.ru", "ул. Ленинградская, д. 24, Самара, 443099",
      "RU"), "ru"),
    (("Νίκος Αλεξίου", "Μηχανικός Πωλήσεων", "Κρητικά Τρόφιμα Α.Ε.", "n.alexiou@kritika-trofima.gr",
      "+30 2810 345 678", "+302810345678", "kritika-trofima.gr", "Λεωφόρος Κνωσού 80, 71409 Ηράκλειο",
      "GR"), "el"),
    (("鈴木一郎", "代表取締役社長", "北海道電機株式会社", "ichiro.suzuki@hokkaido-denki.co.jp",
      "011-234-5678", "+81112345678", "www.hokkaido-denki.co.jp", "北海道札幌市中央区北1条西2丁目3番",
      "JP"), "ja"),
    (("박서준", "기술이사", "주식회사 바다전자", "seojun.park@badaelec.co.kr", "+82 51 234 5678",
      "+82512345678", "www.badaelec.co.kr", "부산광역시 해운대구 센텀중앙로 97", "KR"), "ko"),
]

FONTS_LATIN = ["Noto Sans", "Noto Serif", "DejaVu Sans", "Noto Sans Mono", "Liberation Sans",
               "DejaVu Serif"]
FONTS = {"en": FONTS_LATIN, "de": FONTS_LATIN, "es": FONTS_LATIN, "fr": FONTS_LATIN,
         "pl": FONTS_LATIN, "it": FONTS_LATIN, "pt": FONTS_LATIN, "nl": FONTS_LATIN,
         "ru": ["Noto Sans", "Noto Serif", "DejaVu Sans"], "el": ["Noto Sans", "Noto Serif", "DejaVu Sans"],
         "ja": ["Noto Sans CJK JP", "Noto Serif CJK JP"], "ko": ["Noto Sans CJK KR", "Noto Serif CJK KR"],
         "zh_hant": ["Noto Sans CJK TC", "Noto Serif CJK TC"],
         "zh_hans": ["Noto Sans CJK SC", "Noto Serif CJK SC"],
         "hi": ["Noto Sans Devanagari", "Noto Serif Devanagari"]}
LANGS = {"en": "eng", "de": "eng+deu", "zh_hant": "eng+chi_tra", "zh_hans": "eng+chi_sim",
         "hi": "eng+hin",
         # Latin-script cards of other countries: the default languages (no
         # card_languages in the show), which must read their accents.
         "es": "", "fr": "", "pl": "", "it": "", "pt": "", "nl": "",
         "ru": "rus", "el": "ell", "ja": "jpn", "ko": "kor"}
LABELS = {"en": ("T", "E", "W"), "de": ("Tel.", "E-Mail", "Web"),
          "zh_hant": ("電話", "電郵", "網址"), "zh_hans": ("电话", "邮箱", "网址"),
          "hi": ("फ़ोन", "ईमेल", "वेब"), "es": ("Tel.", "Correo", "Web"),
          "fr": ("Tél.", "E-mail", "Web"), "pl": ("Tel.", "E-mail", "WWW"),
          "it": ("Tel.", "E-mail", "Web"), "pt": ("Tel.", "E-mail", "Site"),
          "nl": ("Tel.", "E-mail", "Web"), "ru": ("Тел.", "E-mail", "Сайт"),
          "el": ("Τηλ.", "Email", "Web"), "ja": ("TEL", "E-mail", "URL"),
          "ko": ("전화", "이메일", "웹")}
LAYOUTS = ["left", "center", "right_block", "bar"]
DEGRADE = ["clean", "noisy", "rotated", "jpeg"]


def pango(text, font, size, bold=False):
    w = ' font_weight="bold"' if bold else ''
    return '<span font="%s %g"%s>%s</span>' % (font, size, w, html.escape(text, quote=False).replace("&amp;", "&#38;"))


def card_lines(p, lang, labelled):
    name, title, company, email, phone_printed, _, web, addr, _ = p
    lt, le, lw = LABELS[lang]
    sep = ": " if labelled and lang not in ("zh_hant", "zh_hans") else "："
    if labelled:
        contact = [lt + sep + phone_printed, le + sep + email, lw + sep + web]
    else:
        contact = [phone_printed, email, web]
    # Point sizes at 300 dpi, as printed on real cards.
    return [(name, 12, True), (title, 8, False), (company, 9, True)], \
        [(c, 7.5, False) for c in contact] + [(addr, 7, False)]


def render(path, p, lang, layout, font, degrade, rng, qr=None):
    head, foot = card_lines(p, lang, labelled=rng.random() < 0.6)
    angle = rng.choice([-5, -4, -3, -2, 2, 3, 4, 5]) + rng.choice([0, 0.5]) \
        if degrade == "rotated" else None
    if os.path.exists(path) and not FORCE:
        return  # committed images stay as they are (noise is not seeded)
    if layout == "inline":
        # "Name | Title" on one line, the address over two lines.
        head = [(p[0] + " | " + p[1], 10, True), head[2]]
        addr = foot[-1][0]
        cut = addr.index(", ")
        foot = foot[:-1] + [(addr[:cut + 1], 7, False), (addr[cut + 2:], 7, False)]
    args = ["/usr/bin/convert", "-respect-parentheses", "-size", "%dx%d" % (W, H), "xc:white"]
    # Decorations that are not text: a bar, a logo square, a rule.
    if layout == "bar":
        args += ["-fill", "gray35", "-draw", "rectangle 0,0 %d,28" % W]
    args += ["-fill", "gray60", "-draw", "rectangle %d,%d %d,%d" % (
        W - 150, 40, W - 70, 120) if layout != "right_block" else "circle 120,110 120,60"]
    args += ["-stroke", "gray50", "-draw", "line 60,%d %d,%d" % (300, W - 60, 300),
             "-stroke", "none"]

    def put(text, size, bold, x, y, gravity):
        args.extend(["(", "+size", "+gravity", "-density", "300", "-fill", "black", "-background", "none", "pango:" + pango(text, font, size, bold), ")",
                     "-gravity", gravity, "-geometry", "+%d+%d" % (x, y), "-composite"])

    y = 60 if layout != "bar" else 70
    for text, size, bold in head:
        if layout == "center":
            put(text, size, bold, 0, y, "North")
        elif layout == "right_block":
            put(text, size, bold, 60, y, "NorthEast")
        else:
            put(text, size, bold, 60, y, "NorthWest")
        y += int(size * 300 / 72 * 1.6)
    y = 330 if layout != "inline" else 312
    step = 1.65 if layout != "inline" else 1.5
    if lang == "hi":
        # Indian cards print contact lines in a Latin face (Devanagari faces
        # draw the full stop as a middle dot).
        font = "Noto Sans,Noto Sans Devanagari"
    for text, size, bold in foot:
        if layout == "center":
            put(text, size, bold, 0, y, "North")
        elif layout == "right_block":
            put(text, size, bold, 60, y, "NorthEast")
        else:
            put(text, size, bold, 60, y, "NorthWest")
        y += int(size * 300 / 72 * step)
    if qr:
        with tempfile.NamedTemporaryFile(suffix=".png", delete=False) as t:
            qpath = t.name
        subprocess.run(["qrencode", "-s", "5", "-m", "2", "-o", qpath, qr], check=True)
        args += [qpath, "-gravity", "SouthEast", "-geometry", "+40+40", "-composite"]
    args += ["-gravity", "NorthWest"]
    if degrade == "noisy":
        args += ["-attenuate", "0.6", "+noise", "Gaussian", "-blur", "0x0.6"]
    elif degrade == "rotated":
        angle = max(-5, min(5, angle))
        args += ["-background", "white", "-rotate", "%g" % angle, "-gravity", "center",
                 "-extent", "%dx%d" % (W + 60, H + 60)]
    args += ["-colorspace", "Gray", "-strip"]
    if path.endswith(".jpg"):
        args += ["-quality", "40" if degrade == "jpeg" else "75"]
    args.append(path)
    subprocess.run(args, check=True)
    if qr:
        os.unlink(qpath)


def main():
    global FORCE
    args = [a for a in sys.argv[1:] if a != "--force"]
    FORCE = len(args) != len(sys.argv) - 1
    out = args[0] if args else os.path.dirname(os.path.abspath(__file__))
    rng = random.Random(20261122)
    people = [(p, "en") for p in PEOPLE_EN] + [(p, "zh_hant") for p in PEOPLE_ZH_HANT] + \
        [(p, "zh_hans") for p in PEOPLE_ZH_HANS] + [(p, "hi") for p in PEOPLE_HI] + \
        [(p, "de") for p in PEOPLE_DE]
    # Every person twice, with a different layout/font/degradation.
    cards = []
    i = 0
    for rnd in range(2):
        for p, lang in people:
            layout = LAYOUTS[(i + rnd) % len(LAYOUTS)]
            degrade = DEGRADE[(i // 2 + rnd * 3) % len(DEGRADE)]
            font = FONTS[lang][(i + rnd) % len(FONTS[lang])]
            cards.append((p, lang, layout, font, degrade, None))
            i += 1
    # Two cards with a QR code: the decoder reads it and OCR is skipped.
    qp = PEOPLE_EN[0]
    cards.append((qp, "en", "left", "Noto Sans", "clean",
                  "MECARD:N:Johnson,Alice;ORG:Brightwave Technologies Inc.;"
                  "EMAIL:alice.johnson@brightwave.com;TEL:+14155550134;;"))
    qp = PEOPLE_EN[3]
    cards.append((qp, "en", "bar", "Noto Serif", "rotated",
                  "MECARD:N:Wong,David;ORG:Harbour Data Systems Limited;"
                  "EMAIL:david.wong@harbourdata.hk;TEL:+85223456789;;"))
    # Name and title on one line, two-line addresses (English and German).
    for k, (p, lang) in enumerate([(PEOPLE_EN[13], "en"), (PEOPLE_EN[1], "en"),
                                   (PEOPLE_EN[8], "en"), (PEOPLE_DE[0], "de"),
                                   (PEOPLE_EN[4], "en"), (PEOPLE_DE[1], "de")]):
        cards.append((p, lang, "inline", FONTS_LATIN[k % len(FONTS_LATIN)],
                      DEGRADE[k % len(DEGRADE)], None))
    # More countries (after the cards above, so that their seeded choices
    # stay as they were): every person twice, in other layouts and states.
    more = [(p, "es") for p in PEOPLE_ES] + [(p, "fr") for p in PEOPLE_FR] + \
        [(p, "pl") for p in PEOPLE_PL] + [(p, "it") for p in PEOPLE_IT] + \
        [(p, "pt") for p in PEOPLE_BR] + [(p, "nl") for p in PEOPLE_NL] + \
        [(p, "ru") for p in PEOPLE_RU] + [(p, "el") for p in PEOPLE_GR] + \
        [(p, "ja") for p in PEOPLE_JA] + [(p, "ko") for p in PEOPLE_KO]
    for rnd in range(2):
        for k, (p, lang) in enumerate(more):
            layout = LAYOUTS[(k + rnd * 2) % len(LAYOUTS)]
            degrade = DEGRADE[(k + rnd * 2 + 1) % len(DEGRADE)] if rnd else "clean"
            font = FONTS[lang][(k + rnd) % len(FONTS[lang])]
            cards.append((p, lang, layout, font, degrade, None))
    for rnd in range(2):
        for k, (p, lang) in enumerate(PEOPLE_MORE):
            layout = LAYOUTS[(k + rnd * 2 + 1) % len(LAYOUTS)]
            degrade = DEGRADE[(k + rnd * 3) % len(DEGRADE)] if rnd else "clean"
            font = FONTS[lang][(k + rnd + 1) % len(FONTS[lang])]
            cards.append((p, lang, layout, font, degrade, None))
    expected = []
    os.makedirs(os.path.join(out, "intl"), exist_ok=True)
    for n, (p, lang, layout, font, degrade, qr) in enumerate(cards, 1):
        ext = "png" if degrade == "clean" else "jpg"
        name = "card%02d-%s-%s-%s.%s" % (n, lang, layout, degrade, ext)
        if n > FIRST_SET:
            # The cards added for issue 16 live in intl/, so that tests
            # picking "the first Chinese card" of this directory by name
            # still get the one they were written with.
            name = "intl/" + name
        render(os.path.join(out, name), p, lang, layout, font, degrade, rng, qr)
        full, title, company, email, _, phone, web, addr, country = p
        e = {"file": name, "langs": LANGS[lang], "country": country, "layout": layout,
             "font": font, "degrade": degrade,
             "fields": {"full_name": full, "title": title, "company": company,
                        "emails": [email], "phones": [phone], "urls": [web], "address": addr}}
        if qr:
            e["qr"] = True
            e["fields"] = {"full_name": full, "company": company, "emails": [email],
                           "phones": [phone]}
        expected.append(e)
        print(name, file=sys.stderr)
    with open(os.path.join(out, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f, ensure_ascii=False, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
