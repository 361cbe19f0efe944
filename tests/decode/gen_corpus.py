#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# Writes the decoder corpus: tests/decode/<show>/<case>.in (the payload, as
# bytes) beside <case>.json (what `matchbooth decode` must print for it,
# without raw_base64). The expected values are written here by hand, from the
# formats' specifications, not produced by the decoder. Non-UTF-8 payloads are
# made with Python's codecs (GBK, Big5, Shift_JIS, ISO-8859-x, Windows-125x).
#
# Run it after changing a case: /usr/bin/python3 tests/decode/gen_corpus.py
# The shows are configured in tests/decode/decode.conf; "default" means no
# config at all (built-in defaults). The roster of show "ids" is roster.csv.
import base64, json, os, random, shutil

HERE = os.path.dirname(os.path.abspath(__file__))
FIELDS = ["format", "badge_id", "full_name", "given_name", "family_name", "company", "title",
          "emails", "phones", "urls", "address", "country", "warnings"]
LISTS = {"emails", "phones", "urls", "warnings"}
cases = {}


def case(show, name, payload, **exp):
    if isinstance(payload, str):
        payload = payload.encode("utf-8")
    out = {}
    for f in FIELDS:
        out[f] = exp.pop(f, [] if f in LISTS else None)
    assert not exp, exp
    assert out["format"], name
    key = (show, name)
    assert key not in cases, key
    cases[key] = (payload, out)


def rep(b):
    """What the decoders make of bytes that are not UTF-8 and have no declared
    charset: each byte that does not start a valid sequence becomes U+FFFD."""
    out, i = [], 0
    while i < len(b):
        for l in (1, 2, 3, 4):
            try:
                out.append(b[i:i + l].decode("utf-8"))
                i += l
                break
            except UnicodeDecodeError:
                continue
        else:
            out.append("\ufffd")
            i += 1
    return "".join(out)


def qp(s, cs):
    return "".join("=%02X" % b for b in s.encode(cs))


CRLF = "\r\n"


def vc(*lines, version="3.0", end=True):
    body = ["BEGIN:VCARD", "VERSION:" + version] + list(lines)
    if end:
        body.append("END:VCARD")
    return CRLF.join(body) + CRLF


def vcb(parts):
    """vCard from a list of str/bytes pieces (for raw non-UTF-8 bytes)."""
    return b"".join(p.encode() if isinstance(p, str) else p for p in parts)

# ---------------------------------------------------------------- vCard
case("default", "vcard30_basic",
     vc("N:Doe;Jane;;;", "FN:Jane Doe", "ORG:Acme Corp", "TITLE:Head of Sales",
        "EMAIL;TYPE=INTERNET:jane@acme.example", "TEL;TYPE=CELL:+1 415 555 0100",
        "URL:https://acme.example"),
     format="vcard", full_name="Jane Doe", given_name="Jane", family_name="Doe",
     company="Acme Corp", title="Head of Sales", emails=["jane@acme.example"],
     phones=["+14155550100"], urls=["https://acme.example"])

# vCard 2.1, GBK in QUOTED-PRINTABLE, FN folded with a soft line break.
n_qp = qp("王", "gbk") + ";" + qp("小明", "gbk")
fn_qp = qp("王小明", "gbk")
case("default", "vcard21_qp_gbk_folded",
     CRLF.join(["BEGIN:VCARD", "VERSION:2.1",
                "N;CHARSET=GBK;ENCODING=QUOTED-PRINTABLE:" + n_qp,
                "FN;CHARSET=GBK;ENCODING=QUOTED-PRINTABLE:" + fn_qp[:9] + "=",
                fn_qp[9:],
                "ORG;CHARSET=GBK;ENCODING=QUOTED-PRINTABLE:" + qp("香港贸易发展局", "gbk")[:30] + "=",
                qp("香港贸易发展局", "gbk")[30:],
                "TEL;WORK;VOICE:2345 6789", "TEL;CELL:+852 9123 4567",
                "EMAIL;INTERNET:wang@hktdc.example",
                "ADR;WORK;CHARSET=GBK;ENCODING=QUOTED-PRINTABLE:;;" + qp("湾仔港湾道1号", "gbk") + ";;;;Hong Kong",
                "END:VCARD", ""]),
     format="vcard", full_name="王小明", given_name="小明", family_name="王",
     company="香港贸易发展局", phones=["+85223456789", "+85291234567"],
     emails=["wang@hktdc.example"], address="湾仔港湾道1号, Hong Kong", country="HK")

# GB18030 four-byte character in 8-bit (no QP) form.
case("default", "vcard21_gb18030_8bit",
     vcb(["BEGIN:VCARD\r\nVERSION:2.1\r\nFN;CHARSET=GB18030:", "李𠀾".encode("gb18030"),
          "\r\nEMAIL:li@example.cn\r\nEND:VCARD\r\n"]),
     format="vcard", full_name="李𠀾", emails=["li@example.cn"])

# Shift_JIS: ソ is 0x83 0x5C, whose trail byte is a backslash.
case("default", "vcard21_shiftjis",
     vcb(["BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=SHIFT_JIS:", "山田;太郎".encode("shift_jis"),
          "\r\nORG;CHARSET=SHIFT_JIS:", "ソニー株式会社;開発部".encode("shift_jis"),
          "\r\nTITLE;CHARSET=SHIFT_JIS:", "課長".encode("shift_jis"),
          "\r\nTEL;WORK:03-1234-5678\r\nEND:VCARD\r\n"]),
     format="vcard", full_name="山田太郎", given_name="太郎", family_name="山田",
     company="ソニー株式会社", title="課長", phones=["03-1234-5678"])

case("jp", "vcard21_shiftjis_jp_show",
     vcb(["BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=SHIFT_JIS:", "鈴木;一郎".encode("shift_jis"),
          "\r\nTEL;WORK:03-1234-5678\r\nTEL;CELL:090-1234-5678\r\nEND:VCARD\r\n"]),
     format="vcard", full_name="鈴木一郎", given_name="一郎", family_name="鈴木",
     phones=["+81312345678", "+819012345678"])

# Big5: 許 is 0xB3 0x5C.
case("default", "vcard30_big5",
     vcb(["BEGIN:VCARD\r\nVERSION:3.0\r\nN;CHARSET=BIG5:", "許;志明".encode("big5"),
          "\r\nFN;CHARSET=BIG5:", "許志明".encode("big5"),
          "\r\nORG;CHARSET=BIG5:", "台灣電子股份有限公司".encode("big5"),
          "\r\nTEL;TYPE=WORK:+886 2 2345 6789\r\nEND:VCARD\r\n"]),
     format="vcard", full_name="許志明", given_name="志明", family_name="許",
     company="台灣電子股份有限公司", phones=["+886223456789"])

case("default", "vcard21_big5_qp",
     CRLF.join(["BEGIN:VCARD", "VERSION:2.1",
                "FN;CHARSET=BIG5;ENCODING=QUOTED-PRINTABLE:" + qp("陳大文", "big5"),
                "TITLE;CHARSET=BIG5;QUOTED-PRINTABLE:" + qp("經理", "big5"),
                "END:VCARD", ""]),
     format="vcard", full_name="陳大文", title="經理")

case("default", "vcard21_latin1_qp",
     CRLF.join(["BEGIN:VCARD", "VERSION:2.1",
                "N;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:M=FCller;J=FCrgen",
                "ORG;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:Gro=DFhandel GmbH",
                "TEL;WORK:030 1234567",
                "ADR;WORK;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:;;Stra=DFe 1;Berlin;;10115;Deutschland",
                "END:VCARD", ""]),
     format="vcard", full_name="Jürgen Müller", given_name="Jürgen", family_name="Müller",
     company="Großhandel GmbH", phones=["+49301234567"],
     address="Straße 1, Berlin, 10115, Deutschland", country="DE")

case("default", "vcard30_win1250",
     vcb(["BEGIN:VCARD\r\nVERSION:3.0\r\nN;CHARSET=windows-1250:", "Wałęsa;Łukasz".encode("cp1250"),
          "\r\nORG;CHARSET=Windows-1250:", "Zakłady Łódź".encode("cp1250"),
          "\r\nEND:VCARD\r\n"]),
     format="vcard", full_name="Łukasz Wałęsa", given_name="Łukasz", family_name="Wałęsa",
     company="Zakłady Łódź")

case("default", "vcard30_iso8859_5",
     vcb(["BEGIN:VCARD\r\nVERSION:3.0\r\nFN;CHARSET=ISO-8859-5:", "Иван Петров".encode("iso8859_5"),
          "\r\nEND:VCARD\r\n"]),
     format="vcard", full_name="Иван Петров")

case("default", "vcard30_win1252",
     vcb(["BEGIN:VCARD\r\nVERSION:3.0\r\nFN;CHARSET=windows-1252:", "François Lefèvre".encode("cp1252"),
          "\r\nTITLE;CHARSET=windows-1252:", "Directeur – Ventes".encode("cp1252"),
          "\r\nEND:VCARD\r\n"]),
     format="vcard", full_name="François Lefèvre", title="Directeur – Ventes")

case("default", "vcard30_iso8859_2_qp",
     CRLF.join(["BEGIN:VCARD", "VERSION:2.1",
                "FN;CHARSET=ISO-8859-2;ENCODING=QUOTED-PRINTABLE:" + qp("Pavel Dvořák", "iso8859_2"),
                "END:VCARD", ""]),
     format="vcard", full_name="Pavel Dvořák")

case("default", "vcard40_pref",
     vc("FN:Ana García", "N:García;Ana;;;", "EMAIL;TYPE=home;PREF=2:ana@home.example",
        "EMAIL;PREF=1:ana@work.example", "TEL;VALUE=uri;TYPE=\"voice,work\":tel:+34-91-123-45-67",
        "ADR;TYPE=work;LABEL=\"Calle Mayor 1\\nMadrid\":;;Calle Mayor 1;Madrid;;28013;España",
        version="4.0"),
     format="vcard", full_name="Ana García", given_name="Ana", family_name="García",
     emails=["ana@work.example", "ana@home.example"], phones=["+34911234567"],
     address="Calle Mayor 1, Madrid, 28013, España", country="ES")

case("default", "vcard30_type_order",
     vc("FN:Bob Stone", "EMAIL;TYPE=HOME:bob@home.example", "EMAIL;TYPE=WORK:bob@work.example",
        "TEL;TYPE=FAX:+44 20 7946 0001", "TEL;TYPE=HOME:+44 20 7946 0002",
        "TEL;TYPE=WORK:+44 20 7946 0003", "TEL;TYPE=WORK,PREF:+44 7700 900123"),
     format="vcard", full_name="Bob Stone", emails=["bob@work.example", "bob@home.example"],
     phones=["+447700900123", "+442079460003", "+442079460002", "+442079460001"])

case("default", "vcard21_bare_params",
     CRLF.join(["BEGIN:VCARD", "VERSION:2.1", "N:Smith;John", "TEL;HOME:+1 212 555 0101",
                "TEL;WORK;PREF:+1 212 555 0102", "EMAIL;INTERNET;HOME:js@home.example",
                "EMAIL;INTERNET;WORK:js@work.example", "END:VCARD", ""]),
     format="vcard", full_name="John Smith", given_name="John", family_name="Smith",
     phones=["+12125550102", "+12125550101"], emails=["js@work.example", "js@home.example"])

case("default", "vcard30_grouped",
     vc("FN:Carla Rossi", "item1.EMAIL;type=INTERNET:carla@rossi.example",
        "item1.X-ABLabel:_$!<Other>!$_", "item2.URL:https\\://rossi.example/carla",
        "item2.X-ABLabel:_$!<HomePage>!$_", "item3.TEL:+39 06 1234 5678"),
     format="vcard", full_name="Carla Rossi", emails=["carla@rossi.example"],
     urls=["https://rossi.example/carla"], phones=["+390612345678"])

case("default", "vcard30_escapes",
     vc("FN:Pat O'Neil", "ORG:Smith\\, Jones & Co\\;Legal;Contracts", "TITLE:Partner\\, Litigation",
        "NOTE:ignored\\; really", "ADR;TYPE=WORK:;Suite 5;1 Main St\\nFloor 2;Dublin;;D01;Ireland"),
     format="vcard", full_name="Pat O'Neil", company="Smith, Jones & Co;Legal",
     title="Partner, Litigation", address="Suite 5, 1 Main St, Floor 2, Dublin, D01, Ireland",
     country="IE")

case("default", "vcard30_folding",
     "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Maximilian Alexander von \r\n Hohenberg-Schwarzenfels\r\n"
     "EMAIL:max.vonhohenberg@\r\n\tschwarzenfels.example\r\nORG:Hohenberg\r\n  Holding\r\nEND:VCARD\r\n",
     format="vcard", full_name="Maximilian Alexander von Hohenberg-Schwarzenfels",
     emails=["max.vonhohenberg@schwarzenfels.example"], company="Hohenberg Holding")

# vCard 2.1 folding keeps the white space that starts the continuation.
case("default", "vcard21_folding",
     "BEGIN:VCARD\r\nVERSION:2.1\r\nFN:Jane\r\n Doe\r\nTITLE:Chief\r\n Technology\r\n Officer\r\nEND:VCARD\r\n",
     format="vcard", full_name="Jane Doe", title="Chief Technology Officer")

case("default", "vcard30_photo_b64",
     vc("FN:Photo Person", "PHOTO;ENCODING=b;TYPE=JPEG:" + base64.b64encode(bytes(range(256)) * 4).decode()[:75],
        " " + base64.b64encode(bytes(range(256)) * 4).decode()[75:150],
        " " + base64.b64encode(bytes(range(256)) * 4).decode()[150:225],
        "EMAIL:photo@example.org"),
     format="vcard", full_name="Photo Person", emails=["photo@example.org"])

b64 = base64.b64encode(bytes(random.Random(7).randrange(256) for _ in range(600))).decode()
case("default", "vcard21_photo_block",
     "BEGIN:VCARD\r\nVERSION:2.1\r\nN:Block;Betty\r\nPHOTO;ENCODING=BASE64;TYPE=GIF:\r\n"
     + CRLF.join(b64[i:i + 76] for i in range(0, len(b64), 76))
     + "\r\n\r\nTEL;WORK:+65 6123 4567\r\nEND:VCARD\r\n",
     format="vcard", full_name="Betty Block", given_name="Betty", family_name="Block",
     phones=["+6561234567"])

case("default", "vcard21_agent_nested",
     CRLF.join(["BEGIN:VCARD", "VERSION:2.1", "FN:Boss Person", "AGENT:", "BEGIN:VCARD",
                "VERSION:2.1", "FN:Assistant Person", "EMAIL:assistant@example.com", "END:VCARD",
                "EMAIL:boss@example.com", "END:VCARD", ""]),
     format="vcard", full_name="Boss Person", emails=["boss@example.com"])

case("default", "vcard30_double_begin",
     "BEGIN:VCARD\r\nBEGIN:VCARD\r\nVERSION:3.0\r\nFN:Twice Begun\r\nEND:VCARD\r\n",
     format="vcard", full_name="Twice Begun", warnings=["vcard: nested BEGIN ignored"])

case("default", "vcard30_truncated",
     "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Cut Short\r\nEMAIL:cut@example.com\r\nTEL:+852 21",
     format="vcard", full_name="Cut Short", emails=["cut@example.com"], phones=["+852 21"],
     warnings=["vcard: no END:VCARD (truncated?)"])

case("default", "vcard30_truncated_qp",
     "BEGIN:VCARD\r\nVERSION:2.1\r\nFN;ENCODING=QUOTED-PRINTABLE:Ren=C3=A9 =\r\n",
     format="vcard", full_name="René", warnings=["vcard: no END:VCARD (truncated?)"])

case("default", "vcard30_n_only",
     vc("N:Doe;Jane;Q.;Dr.;PhD"),
     format="vcard", full_name="Jane Doe", given_name="Jane", family_name="Doe")

case("default", "vcard30_fn_only", vc("FN:Mononymous"), format="vcard", full_name="Mononymous")

case("default", "vcard30_cjk_n_only", vc("N:王;小明;;;"),
     format="vcard", full_name="王小明", given_name="小明", family_name="王")

case("default", "vcard30_korean_n", vc("N:김;민수;;;"),
     format="vcard", full_name="김민수", given_name="민수", family_name="김")

case("default", "vcard30_org_units_only", vc("FN:Unit Only", "ORG:;Marketing;EMEA"),
     format="vcard", full_name="Unit Only", company="Marketing")

case("default", "vcard30_org_units", vc("FN:With Units", "ORG:Acme Ltd;Sales;EMEA"),
     format="vcard", full_name="With Units", company="Acme Ltd")

case("default", "vcard30_adr_work_preferred",
     vc("FN:Hans Meier", "ADR;TYPE=HOME:;;Heimweg 2;München;;80331;Germany",
        "ADR;TYPE=WORK:;;Werkstraße 5;Berlin;;10115;Germany", "TEL;TYPE=WORK:030 1234567",
        "TEL;TYPE=CELL:0151 23456789"),
     format="vcard", full_name="Hans Meier", address="Werkstraße 5, Berlin, 10115, Germany",
     country="DE", phones=["+49301234567", "+4915123456789"])

case("default", "vcard30_lf_lowercase",
     "begin:vcard\nversion:3.0\nfn:lower case\nemail:lower@example.com\nend:vcard\n",
     format="vcard", full_name="lower case", emails=["lower@example.com"])

case("default", "vcard30_bom_blank_lines",
     b"\xef\xbb\xbf\r\n\r\nBEGIN:VCARD\r\nVERSION:3.0\r\n\r\nFN:Bom Body\r\n\r\nEND:VCARD\r\n",
     format="vcard", full_name="Bom Body")

case("default", "vcard30_invalid_utf8",
     b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Bad \xff\xfe Bytes\r\nEMAIL:ok@example.com\r\nEND:VCARD\r\n",
     format="vcard", full_name="Bad \ufffd\ufffd Bytes", emails=["ok@example.com"],
     warnings=["vcard FN: invalid bytes replaced"])

case("default", "vcard30_nul_bytes",
     b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ja\x00ne\x00 Doe\r\nEMAIL:ja\x00ne@example.com\r\nEND:VCARD\r\n",
     format="vcard", full_name="Jane Doe", emails=["jane@example.com"])

note = "NOTE:" + ("lorem ipsum dolor sit amet " * 1200)
photo = base64.b64encode(bytes(random.Random(1).randrange(256) for _ in range(45000))).decode()
big = ["BEGIN:VCARD", "VERSION:3.0", "FN:Large Card", "PHOTO;ENCODING=b;TYPE=PNG:" + photo[:60]]
big += [" " + photo[i:i + 74] for i in range(60, len(photo), 74)]
big += [note[i:i + 75] if i == 0 else " " + note[i:i + 74] for i in range(0, len(note), 75)][:1]
big += ["EMAIL:large@example.com", "END:VCARD", ""]
payload = CRLF.join(big).encode()
payload = payload.replace(b"END:VCARD", b"X-PAD:" + b"x" * max(0, 102400 - len(payload)) + b"\r\nEND:VCARD")
assert len(payload) >= 100 * 1024
case("default", "vcard30_100kb", payload, format="vcard", full_name="Large Card",
     emails=["large@example.com"])

case("default", "vcard30_data_after_end",
     vc("FN:First Card") + vc("FN:Second Card"),
     format="vcard", full_name="First Card", warnings=["vcard: data after END:VCARD ignored"])

case("default", "vcard30_quoted_params",
     vc("FN:Quoted Params", "TEL;TYPE=\"work,voice\";X-LABEL=\"desk: main;2\":+852 2123 4567",
        "EMAIL;X-NOTE=\"a:b\":qp@example.com"),
     format="vcard", full_name="Quoted Params", phones=["+85221234567"], emails=["qp@example.com"])

case("default", "vcard30_uid_not_badge",
     vc("FN:Phone Contact", "UID:urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1"),
     format="vcard", full_name="Phone Contact")

case("ids", "vcard30_uid_badge", vc("FN:Badge Holder", "UID:SB54321"),
     format="vcard", badge_id="SB54321", full_name="Badge Holder")

case("code39", "vcard30_uid_padded_badge", vc("FN:Padded Uid", "UID:0002427"),
     format="vcard", badge_id="2427", full_name="Padded Uid", company="Acme GmbH",
     emails=["jane.doe@acme.example"], title="Buyer", country="DE")

case("default", "vcard21_qp_utf8_multiline_adr",
     CRLF.join(["BEGIN:VCARD", "VERSION:2.1", "FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Zo=C3=AB Brontë",
                "ADR;WORK;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:;;Room 4=0D=0A1 Quay=",
                " Street;Sydney;NSW;2000;Australia", "TEL;WORK:02 9123 4567", "END:VCARD", ""]),
     format="vcard", full_name="Zoë Brontë", address="Room 4, 1 Quay Street, Sydney, NSW, 2000, Australia",
     country="AU", phones=["+61291234567"])

case("default", "vcard30_email_mailto", vc("FN:Mail To", "EMAIL:mailto:mailto@example.com"),
     format="vcard", full_name="Mail To", emails=["mailto@example.com"])

case("default", "vcard30_tel_extension", vc("FN:Ext Person", "TEL;TYPE=WORK:+1 212 555 1212 ext. 33"),
     format="vcard", full_name="Ext Person", phones=["+1 212 555 1212 ext. 33"])

case("default", "vcard30_junk_lines",
     "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Junk Around\r\nthis line has no colon\r\nEMAIL:junk@example.com\r\nEND:VCARD\r\n",
     format="vcard", full_name="Junk Around", emails=["junk@example.com"],
     warnings=["vcard: 1 line(s) without ':' ignored"])

case("default", "vcard30_unknown_charset", vc("FN;CHARSET=X-FANCY:Plain Text"),
     format="vcard", full_name="Plain Text", warnings=["vcard FN: unknown charset X-FANCY, read as UTF-8"])

case("default", "vcard21_gb2312_8bit",
     vcb(["BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=GB2312:", "朱;镕基".encode("gbk"),
          "\r\nTEL;CELL:138 1234 5678\r\nADR;WORK;CHARSET=GB2312:", ";;长安街1号;北京;;100000;中国".encode("gbk"),
          "\r\nEND:VCARD\r\n"]),
     format="vcard", full_name="朱镕基", given_name="镕基", family_name="朱",
     phones=["+8613812345678"], address="长安街1号, 北京, 100000, 中国", country="CN")

case("default", "vcard30_title_role", vc("FN:Role Only", "ROLE:Speaker"),
     format="vcard", full_name="Role Only", title="Speaker")

case("default", "vcard30_empty_card", vc(), format="vcard")

case("hk", "vcard30_hk_local_numbers",
     vc("FN:Local Numbers", "TEL;TYPE=CELL:9123 4567", "TEL;TYPE=WORK:(852) 2123-4567",
        "TEL:+86 138 1234 5678"),
     format="vcard", full_name="Local Numbers", phones=["+85221234567", "+85291234567", "+8613812345678"])

case("in", "vcard30_india", vc("FN:Priya Sharma", "TEL;TYPE=CELL:098765 43210", "TEL;TYPE=WORK:+91 22 2345 6789"),
     format="vcard", full_name="Priya Sharma", phones=["+912223456789", "+919876543210"])

case("default", "vcard30_fr_numbers_no_country",
     vc("FN:Claire Dubois", "TEL;TYPE=WORK:01 23 45 67 89", "TEL;TYPE=CELL:0033 6 12 34 56 78"),
     format="vcard", full_name="Claire Dubois", phones=["01 23 45 67 89", "+33612345678"])

case("default", "vcard30_tw_country_in_adr",
     vc("FN:Lin Wei", "TEL;TYPE=WORK:02 2345 6789", "ADR;TYPE=WORK:;;;Taipei;;;Taiwan"),
     format="vcard", full_name="Lin Wei", phones=["+886223456789"], address="Taipei, Taiwan", country="TW")

case("default", "vcard30_sg_gb_us",
     vc("FN:Three Countries", "TEL:+65 6123 4567", "TEL:+44 (0)20 7946 0958", "TEL:+1 (604) 555-0199"),
     format="vcard", full_name="Three Countries", phones=["+6561234567", "+442079460958", "+16045550199"])


# ---------------------------------------------------------------- vCards from elsewhere (issue 16)
# Written here after the formats real writers produce (no other project's
# files copied): no CHARSET and 8-bit text, byte-order marks, every folding
# form, names only in N, Apple's address book.
case("default", "vcard30_cp1251_no_charset",
     vcb(["BEGIN:VCARD\r\nVERSION:3.0\r\nN:", "Смирнова;Анна;;;".encode("cp1251"),
          "\r\nFN:", "Анна Смирнова".encode("cp1251"), "\r\nORG:",
          "ООО Северный ветер".encode("cp1251"), "\r\nEMAIL:a.smirnova@severveter.example\r\n"
          "END:VCARD\r\n"]),
     format="vcard", full_name="Анна Смирнова", given_name="Анна", family_name="Смирнова",
     company="ООО Северный ветер", emails=["a.smirnova@severveter.example"])
case("default", "vcard21_cp1253_no_charset",
     vcb(["BEGIN:VCARD\r\nVERSION:2.1\r\nN:", "Παπαδόπουλος;Γιώργος".encode("cp1253"),
          "\r\nFN:", "Γιώργος Παπαδόπουλος".encode("cp1253"), "\r\nTITLE:",
          "Διευθυντής Πωλήσεων".encode("cp1253"),
          "\r\nTEL;WORK:+30 210 123 4567\r\nEND:VCARD\r\n"]),
     format="vcard", full_name="Γιώργος Παπαδόπουλος", given_name="Γιώργος",
     family_name="Παπαδόπουλος", title="Διευθυντής Πωλήσεων", phones=["+302101234567"])
case("default", "vcard30_utf16le_bom",
     b"\xff\xfe" + vc("N:Lefèvre;Étienne;;;", "FN:Étienne Lefèvre", "ORG:Société Lyonnaise SAS",
                      "EMAIL;TYPE=work:etienne@slr.example").encode("utf-16-le"),
     format="vcard", full_name="Étienne Lefèvre", given_name="Étienne", family_name="Lefèvre",
     company="Société Lyonnaise SAS", emails=["etienne@slr.example"])
case("default", "vcard30_utf16be_bom_apple",
     b"\xfe\xff" + vc("N:Wiśniewska;Katarzyna;;;", "FN:Katarzyna Wiśniewska",
                      "ORG:Technika Polska Sp. z o.o.;", "item1.EMAIL;type=INTERNET;type=pref:k.w@tp.example",
                      "item1.X-ABLabel:_$!<Work>!$_", "X-ABUID:5AD380FD-B2DE-4261-BA99-DE1D1DB52FBE\\:ABPerson"
                      ).encode("utf-16-be"),
     format="vcard", full_name="Katarzyna Wiśniewska", given_name="Katarzyna",
     family_name="Wiśniewska", company="Technika Polska Sp. z o.o.", emails=["k.w@tp.example"])
case("default", "vcard40_utf32le_bom",
     b"\xff\xfe\x00\x00" + vc("FN:Lucía Fernández", "EMAIL:lucia@ib.example", version="4.0").encode("utf-32-le"),
     format="vcard", full_name="Lucía Fernández", emails=["lucia@ib.example"])
case("default", "vcard30_fn_folded_midword",
     vc("FN:Maximilian Alexander von Hohen\r\n zollern-Sigmaringen", "EMAIL:max@hz.example"),
     format="vcard", full_name="Maximilian Alexander von Hohenzollern-Sigmaringen",
     emails=["max@hz.example"])
case("default", "vcard40_fn_folded_in_utf8_char",
     "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Niccol".encode() + "ò".encode()[:1] + b"\r\n " +
     "ò".encode()[1:] + " Ferrari\r\nEND:VCARD\r\n".encode(),
     format="vcard", full_name="Niccolò Ferrari")
case("default", "vcard30_fn_folded_tab_in_header",
     vc("F\r\n\tN;CHARSET=\r\n UTF-8:Hélène\r\n  Moreau"),
     format="vcard", full_name="Hélène Moreau")
case("default", "vcard21_fn_folded_keeps_space",
     vc("FN:Javier\r\n Muñoz", "N;CHARSET=UTF-8:Mu\r\n ñoz;Javier", version="2.1"),
     format="vcard", full_name="Javier Muñoz", given_name="Javier", family_name="Mu ñoz")
case("default", "vcard21_qp_param_folded",
     vc("FN;CHARSET=UTF-8;ENCODING=QUOTED-\r\n PRINTABLE:" + qp("Łukasz Wiś", "utf-8") + "=\r\n" +
        qp("niewski", "utf-8"), version="2.1"),
     format="vcard", full_name="Łukasz Wiśniewski")
case("default", "vcard30_fn_empty_name_from_n", vc("N:Bianchi;Giulia;;;", "FN:", "ORG:Rossi S.r.l."),
     format="vcard", full_name="Giulia Bianchi", given_name="Giulia", family_name="Bianchi",
     company="Rossi S.r.l.")
case("default", "vcard30_fn_blank_name_from_n", vc("FN:   ", "N:山田;太郎;;;"),
     format="vcard", full_name="山田太郎", given_name="太郎", family_name="山田")
case("default", "vcard30_no_fn_n_escaped", vc("N:O'Neill\\, Jr.;Sarah;;;", "EMAIL:s@bp.example"),
     format="vcard", full_name="Sarah O'Neill, Jr.", given_name="Sarah", family_name="O'Neill, Jr.",
     emails=["s@bp.example"])
case("default", "vcard30_apple_company_card",
     vc("N:;;;;", "FN:Polderdata B.V.", "ORG:Polderdata B.V.;", "X-ABShowAs:COMPANY",
        "item1.URL;type=pref:polderdata.example", "item1.X-ABLabel:_$!<HomePage>!$_"),
     format="vcard", company="Polderdata B.V.", urls=["polderdata.example"])
case("default", "vcard30_apple_person",
     vc("PRODID:-//Apple Inc.//macOS 13.4//EN", "N:Conceição;Ana;;;", "FN:Ana Conceição",
        "ORG:Indústrias Açaí S/A;", "TITLE:Gerente de Vendas",
        "item1.EMAIL;type=INTERNET;type=pref:ana@acai.example", "item1.X-ABLabel:_$!<Other>!$_",
        "TEL;type=CELL;type=VOICE;type=pref:+55 21 98765-4321"),
     format="vcard", full_name="Ana Conceição", given_name="Ana", family_name="Conceição",
     company="Indústrias Açaí S/A", title="Gerente de Vendas", emails=["ana@acai.example"],
     phones=["+5521987654321"])

# ---------------------------------------------------------------- MeCard & co
case("default", "mecard_eventmaker",
     "MECARD:UID:187WCI5;N:Doe,Jane;ORG:Acme;TEL:+85291234567;EMAIL:jane@acme.example;;",
     format="mecard", badge_id="187WCI5", full_name="Jane Doe", given_name="Jane", family_name="Doe",
     company="Acme", phones=["+85291234567"], emails=["jane@acme.example"])

case("default", "mecard_basic", "MECARD:N:Doe,Jane;ORG:Acme;EMAIL:jane@acme.example;;",
     format="mecard", full_name="Jane Doe", given_name="Jane", family_name="Doe", company="Acme",
     emails=["jane@acme.example"])

case("default", "mecard_uid_x1", "MECARD:UID:X1;N:Roe,Richard;;",
     format="mecard", badge_id="X1", full_name="Richard Roe", given_name="Richard", family_name="Roe")

case("default", "mecard_escapes",
     "MECARD:N:O\\;Brien,Pat;ORG:Foo\\, Inc\\:;NOTE:a\\;b;EMAIL:pat@foo.example;;",
     format="mecard", full_name="Pat O;Brien", given_name="Pat", family_name="O;Brien",
     company="Foo, Inc:", emails=["pat@foo.example"])

case("default", "mecard_name_no_comma", "MECARD:N:Jane Roe;EMAIL:jr@example.com;;",
     format="mecard", full_name="Jane Roe", emails=["jr@example.com"])

case("default", "mecard_truncated", "MECARD:N:Cut,Off;EMAIL:cut@exa",
     format="mecard", full_name="Off Cut", given_name="Off", family_name="Cut",
     emails=["cut@exa"], warnings=["mecard: no ';;' at the end (truncated?)"])

# Shift_JIS MeCard (Japanese phones make them): without a charset in the
# profile the bytes are replaced; with fallback_charset = Shift_JIS they are
# read, even ソ (0x83 0x5C), whose second byte is MeCard's escape character.
sj = "MECARD:N:田中,花子;TEL:090-1111-2222;;".encode("shift_jis")
fam, giv = rep("田中".encode("shift_jis")), rep("花子".encode("shift_jis"))
case("default", "mecard_shiftjis_no_profile", sj,
     format="mecard", full_name=giv + " " + fam, given_name=giv, family_name=fam,
     warnings=["mecard N: invalid bytes replaced"], phones=["090-1111-2222"])
case("jp", "mecard_shiftjis", "MECARD:N:田中,花子;ORG:ソフト開発;TEL:090-1111-2222;;".encode("shift_jis"),
     format="mecard", full_name="田中花子", given_name="花子", family_name="田中",
     company="ソフト開発", phones=["+819011112222"])
case("jp", "delimited_shiftjis_pipe", "JP-7|ソニー|佐藤".encode("shift_jis"),
     format="delimited", badge_id="JP-7", company="ソニー", family_name="佐藤", full_name="佐藤")

case("hk", "mecard_hk_numbers", "MECARD:N:Chan,Tai Man;TEL:9123 4567;TEL:2345-6789;TEL:+852 9123 4567;;",
     format="mecard", full_name="Tai Man Chan", given_name="Tai Man", family_name="Chan",
     phones=["+85291234567", "+85223456789"])

case("default", "mecard_lowercase_keys", "mecard:n:doe,john;email:john@doe.example;;",
     format="mecard", full_name="john doe", given_name="john", family_name="doe",
     emails=["john@doe.example"])

case("default", "mecard_url_adr",
     "MECARD:N:Lee,Ann;URL:https://ann.example;ADR:1 Harbour Rd\\, Wan Chai;TITLE:CTO;;",
     format="mecard", full_name="Ann Lee", given_name="Ann", family_name="Lee",
     urls=["https://ann.example"], address="1 Harbour Rd, Wan Chai", title="CTO")

case("default", "mecard_bom", b"\xef\xbb\xbfMECARD:N:Bom,Bea;;",
     format="mecard", full_name="Bea Bom", given_name="Bea", family_name="Bom")

case("default", "bizcard_basic",
     "BIZCARD:N:Sean;X:Owen;T:Software Engineer;C:Google;A:76 9th Avenue, New York, NY 10011;"
     "B:+12125551212;E:sowen@google.com;;",
     format="mecard", full_name="Sean Owen", given_name="Sean", family_name="Owen",
     title="Software Engineer", company="Google", address="76 9th Avenue, New York, NY 10011",
     phones=["+12125551212"], emails=["sowen@google.com"])

case("default", "matmsg_basic", "MATMSG:TO:sales@acme.example;SUB:Hello;BODY:Met you at the booth;;",
     format="mecard", emails=["sales@acme.example"])

case("default", "mailto_multi", "mailto:a%40x.example,b@y.example?subject=Hi&cc=c@z.example",
     format="mecard", emails=["a@x.example", "b@y.example"])

case("hk", "tel_hk", "tel:91234567", format="mecard", phones=["+85291234567"])

case("default", "tel_international", "TEL:+49-30-1234567", format="mecard", phones=["+49301234567"])

# ---------------------------------------------------------------- URLs
case("default", "url_plain", "https://www.acme.example/contact?ref=qr",
     format="url", urls=["https://www.acme.example/contact?ref=qr"])

case("url", "url_token", "https://pgeu.example/t/at/AbC123xyz/",
     format="url", badge_id="AbC123xyz", urls=["https://pgeu.example/t/at/AbC123xyz/"])

case("url", "url_not_badge", "https://pgeu.example/about/",
     format="url", urls=["https://pgeu.example/about/"])

case("urlq", "url_query_param", "https://reg.example/b?x=1&id=A%2012+B&y=2",
     format="url", badge_id="A 12 B", urls=["https://reg.example/b?x=1&id=A%2012+B&y=2"])

case("urlq", "url_query_param_missing", "https://reg.example/b?x=1",
     format="url", urls=["https://reg.example/b?x=1"])

case("default", "url_with_space", "https://example.com/a b", format="unknown")

case("default", "url_http_trailing_newline", "http://example.org/\r\n",
     format="url", urls=["http://example.org/"])

# ---------------------------------------------------------------- JSON
case("default", "json_object_guess",
     json.dumps({"attendee": {"first_name": "Jane", "last_name": "Doe", "email": "jane@doe.example",
                              "company": "Doe Ltd", "job_title": "CEO"}, "id": 4711}),
     format="json", badge_id="4711", full_name="Jane Doe", given_name="Jane", family_name="Doe",
     emails=["jane@doe.example"], company="Doe Ltd", title="CEO")

case("json", "json_indico", '[2, "https://indico.example.org", "3a9f5e1c-8b0d-4e5f-9a1b-2c3d4e5f6a7b"]',
     format="json", badge_id="3a9f5e1c-8b0d-4e5f-9a1b-2c3d4e5f6a7b", urls=["https://indico.example.org"])

case("json2", "json_nested_map",
     json.dumps({"attendee": {"name": "Kim Park", "org": {"name": "Park Industries"}},
                 "contact": {"emails": ["kim@park.example", "kp@alt.example"]}, "ref": "R-77"}),
     format="json", badge_id="R-77", full_name="Kim Park", company="Park Industries",
     emails=["kim@park.example", "kp@alt.example"])

case("default", "json_number_id", '{"id": 4711, "name": "Jane Doe", "Country": "Singapore", "phone": "6123 4567"}',
     format="json", badge_id="4711", full_name="Jane Doe", country="SG", phones=["+6561234567"])

case("default", "json_truncated", '{"name": "Jane', format="unknown")

case("default", "json_trailing_garbage", '{"name": "Jane"} and more', format="unknown")

case("default", "json_array_no_map", "[1, 2, 3]", format="json",
     warnings=["json: no field found (set json_map for this show)"])

case("hk", "json_phone_array", '{"fullName": "Ho Ka Yan", "phones": ["2345 6789", "+852 9123 4567"]}',
     format="json", full_name="Ho Ka Yan", phones=["+85223456789", "+85291234567"])

case("default", "json_bom_ws", b"\xef\xbb\xbf  {\"Email\": \"bom@example.com\"}\n",
     format="json", emails=["bom@example.com"])

case("default", "json_non_string_values", '{"name": null, "email": true, "company": {"x": 1}, "title": [ "Dr" ]}',
     format="json", title="Dr", warnings=[])

case("default", "json_event_name_not_person",
     json.dumps({"event": {"name": "HKEF 2026", "id": 99}, "attendee": {"email": "ev@example.com"},
                 "contact": {"name": "Eve Visitor"}}),
     format="json", full_name="Eve Visitor", emails=["ev@example.com"])

# found by fuzz_json: a number too large for an integer id
case("default", "json_huge_number", '{"id": 1e300, "name": "Big Number"}',
     format="json", badge_id="%.17g" % 1e300, full_name="Big Number")

# ---------------------------------------------------------------- delimited
case("pdf", "pdf417_name_company_id", "Jane Doe_Acme GmbH^2427",
     format="delimited", badge_id="2427", full_name="Jane Doe", company="Acme GmbH",
     emails=["jane.doe@acme.example"], title="Buyer", country="DE")  # enriched from the roster

case("pdf", "pdf417_no_separator", "no separators here", format="unknown")

# Latin-1 with no declared charset: the guess (uchardet, checked to read as
# Latin script) gets it right. Until issue 16 this expected U+FFFD.
case("pdf", "pdf417_latin1", "Jürgen Müller_Müller AG^9001".encode("latin-1"),
     format="delimited", badge_id="9001", full_name="Jürgen Müller", company="Müller AG")

# Aptify's PDF417 layout: "FirstLast_Company^PersonID", the name written
# without spaces; the company stays as written (it may be PayPal).
case("pdf", "pdf417_aptify_glued_name", "AieshaAaronson_DanubePartner^8810",
     format="delimited", badge_id="8810", full_name="Aiesha Aaronson", given_name="Aiesha",
     family_name="Aaronson", company="DanubePartner")
case("pdf", "pdf417_glued_name_mc", "RonaldMcDonald_Burger Labs^77",
     format="delimited", badge_id="77", full_name="Ronald McDonald", given_name="Ronald",
     family_name="McDonald", company="Burger Labs")
# Caret-delimited exports with the name in two fields.
case("default", "caret_given_family_company", "Jane^Doe^Acme Corp^jane@acme.example",
     format="delimited", full_name="Jane Doe", given_name="Jane", family_name="Doe",
     company="Acme Corp", emails=["jane@acme.example"])
case("default", "caret_family_caps_first", "MÜLLER^Jürgen^Bäckerei Schmidt GmbH^Einkauf^j.mueller@baeckerei.example",
     format="delimited", full_name="Jürgen MÜLLER", given_name="Jürgen", family_name="MÜLLER",
     company="Bäckerei Schmidt GmbH", title="Einkauf", emails=["j.mueller@baeckerei.example"])
case("ids", "caret_id_given_family", "SB20001^Priya^Sharma^Sunrise Pharma^+91 98765 43210",
     format="delimited", badge_id="SB20001", full_name="Priya Sharma", given_name="Priya",
     family_name="Sharma", company="Sunrise Pharma", phones=["+919876543210"])

case("pipe", "pipe_map", "A-100|Doe|John|Doe & Sons|john@doesons.example",
     format="delimited", badge_id="A-100", family_name="Doe", given_name="John", full_name="John Doe",
     company="Doe & Sons", emails=["john@doesons.example"])

case("tab", "tab_map", "tab@example.com\tTab Person\n",
     format="delimited", emails=["tab@example.com"], full_name="Tab Person")

case("default", "guess_caret", "Jane Doe^Acme^jane@acme.example",
     format="delimited", full_name="Jane Doe", company="Acme", emails=["jane@acme.example"])

case("default", "guess_semicolon_weak", "Jane;Acme", format="unknown")

case("ids", "guess_pipe_with_id", "SB12345|Jane Doe|Acme|+852 9123 4567",
     format="delimited", badge_id="SB12345", full_name="Jane Doe", company="Acme",
     phones=["+85291234567"], emails=["jane@acme.example"], title="CTO", given_name="Jane",
     family_name="Doe", country="HK")

# ---------------------------------------------------------------- bare ids + roster
case("ids", "id_in_roster", "SB12345",
     format="roster", badge_id="SB12345", full_name="Jane Doe", given_name="Jane", family_name="Doe",
     company="Acme HK", title="CTO", emails=["jane@acme.example"], phones=["+85291234567"],
     country="HK")

case("ids", "id_not_in_roster", "SB99999\r\n",
     format="roster", badge_id="SB99999", warnings=["roster: id not in the roster"])

case("ids", "id_no_match", "XX1", format="unknown")

case("ids", "id_multiline_quoted_roster", "SB00002",
     format="roster", badge_id="SB00002", full_name="Zhang Wei", company="深圳电子, \"Shenzhen\"",
     address="Room 1\nBuilding 2", emails=["zw@sz.example"])

case("code39", "id_zero_padded", "0002427",
     format="roster", badge_id="2427", full_name="Jane Doe", company="Acme GmbH",
     emails=["jane.doe@acme.example"], title="Buyer", country="DE")

case("default", "id_default_profile", "SB12345", format="unknown")

# ---------------------------------------------------------------- nasty
case("default", "empty", b"", format="unknown")
case("default", "nul_only", b"\x00\x00\x00", format="unknown")
case("default", "binary_with_separator_and_email", b"x\x01\x02^jane@acme.example^\x00\xff\x10 Acme", format="unknown")
case("default", "binary_random", bytes(random.Random(3).randrange(256) for _ in range(512)), format="unknown")
case("default", "invalid_utf8_text", b"\xff\xfe hello \xc3\x28", format="unknown")
case("default", "whitespace_only", b" \r\n\t ", format="unknown")
case("default", "text_100kb", ("not a badge " * 9000).encode(), format="unknown")
case("default", "begin_only", b"BEGIN:VCARD", format="vcard", warnings=["vcard: no END:VCARD (truncated?)"])
case("default", "mecard_prefix_only", b"MECARD:", format="mecard",
     warnings=["mecard: no ';;' at the end (truncated?)"])
case("default", "vcard_nul_in_keyword", b"BEGIN:VC\x00ARD\r\nFN:x\r\nEND:VCARD\r\n", format="unknown")


# The roster of show "ids" (and of the shows that use it): semicolon-separated,
# with a BOM, a quoted field with a newline and "" quotes, like Excel writes.
ROSTER = ("\ufeffRegistration No;First Name;Last Name;Full Name;Company;Job Title;E-mail;Mobile;Country;Address\r\n"
          "SB12345;Jane;Doe;;Acme HK;CTO;jane@acme.example;+852 9123 4567;Hong Kong;\r\n"
          "SB00002;;;Zhang Wei;\"深圳电子, \"\"Shenzhen\"\"\";;zw@sz.example;;;\"Room 1\r\nBuilding 2\"\r\n"
          "2427;;;Jane Doe;Acme GmbH;Buyer;jane.doe@acme.example;;Germany;\r\n"
          ";;;No Id;;;;;;\r\n")


def main():
    for d in os.listdir(HERE):
        p = os.path.join(HERE, d)
        if os.path.isdir(p) and d != "__pycache__":
            shutil.rmtree(p)
    for (show, name), (payload, exp) in sorted(cases.items()):
        d = os.path.join(HERE, show)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, name + ".in"), "wb") as f:
            f.write(payload)
        with open(os.path.join(d, name + ".json"), "w", encoding="utf-8") as f:
            json.dump(exp, f, ensure_ascii=False, indent=1)
            f.write("\n")
    with open(os.path.join(HERE, "roster.csv"), "w", encoding="utf-8", newline="") as f:
        f.write(ROSTER)
    print(len(cases), "cases")


main()
