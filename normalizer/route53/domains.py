"""Split a DNS name into ECS subdomain / registered domain / top-level domain.

A compact, embedded SUBSET of the Public Suffix List (https://publicsuffix.org): every
country-code TLD, the common generic TLDs, and the multi-label suffixes seen most in
cloud logs (co.uk, com.au, amazonaws.com, …). No wildcard or exception rules. A name
whose last label is not in the table gets no split, as Elastic's `registered_domain`
processor does for unknown TLDs (`.internal`, `.invalid`, `.local`, …).
"""
from __future__ import annotations

# Country-code TLDs (ISO 3166 plus the few IANA extras: ac, eu, su, uk).
_CC = (
    "ac ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bm bn bo bq br bs bt bw "
    "by bz ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de dj dk dm do dz ec ee eg er es et eu "
    "fi fj fk fm fo fr ga gd ge gf gg gh gi gl gm gn gp gq gr gs gt gu gw gy hk hm hn hr ht hu id ie il im "
    "in io iq ir is it je jm jo jp ke kg kh ki km kn kp kr kw ky kz la lb lc li lk lr ls lt lu lv ly ma mc "
    "md me mg mh mk ml mm mn mo mp mq mr ms mt mu mv mw mx my mz na nc ne nf ng ni nl no np nr nu nz om pa "
    "pe pf pg ph pk pl pm pn pr ps pt pw py qa re ro rs ru rw sa sb sc sd se sg sh si sk sl sm sn so sr ss "
    "st su sv sx sy sz tc td tf tg th tj tk tl tm tn to tr tt tv tw tz ua ug uk us uy uz va vc ve vg vi vn "
    "vu wf ws ye yt za zm zw"
)
# Generic TLDs seen in everyday traffic and in abuse feeds.
_GENERIC = (
    "com net org edu gov mil int arpa info biz name pro mobi asia tel travel jobs aero coop museum cat post "
    "xxx app dev page io ai cloud online site website store shop tech space top xyz club vip live life "
    "link click work world today news blog digital email services solutions network systems agency media "
    "global group company center zone icu buzz fun cyou rest bar best win bid loan men date trade review "
    "stream download racing party science cricket faith accountant gdn kim ltd inc llc run one host press "
    "wiki ninja social tokyo london berlin nyc amazon aws google microsoft apple youtube gle goog"
)
# Multi-label public suffixes: registries' second levels and large shared hosting domains.
_MULTI = (
    "co.uk org.uk ac.uk gov.uk net.uk ltd.uk plc.uk me.uk nhs.uk police.uk sch.uk "
    "com.au net.au org.au edu.au gov.au asn.au id.au co.nz net.nz org.nz govt.nz ac.nz "
    "co.jp ne.jp or.jp ac.jp go.jp ad.jp ed.jp gr.jp lg.jp co.kr or.kr go.kr ac.kr ne.kr "
    "com.cn net.cn org.cn gov.cn edu.cn ac.cn com.hk net.hk org.hk gov.hk edu.hk com.tw net.tw org.tw "
    "gov.tw edu.tw com.sg net.sg org.sg gov.sg edu.sg com.my net.my org.my gov.my edu.my "
    "co.in net.in org.in gov.in ac.in res.in firm.in gen.in ind.in co.id or.id go.id ac.id web.id "
    "co.th in.th or.th go.th ac.th com.vn net.vn org.vn gov.vn edu.vn com.ph net.ph org.ph gov.ph "
    "com.pk net.pk org.pk gov.pk edu.pk com.bd net.bd org.bd gov.bd com.np org.np "
    "com.br net.br org.br gov.br edu.br art.br blog.br com.ar net.ar org.ar gob.ar edu.ar "
    "com.mx net.mx org.mx gob.mx edu.mx com.co net.co org.co gov.co edu.co com.pe org.pe gob.pe "
    "com.ve com.uy com.ec com.bo com.py gob.cl "
    "co.za org.za gov.za ac.za net.za web.za com.ng org.ng gov.ng edu.ng co.ke or.ke go.ke ac.ke "
    "com.eg gov.eg edu.eg co.ma gov.ma com.tr net.tr org.tr gov.tr edu.tr k12.tr gen.tr "
    "com.sa net.sa org.sa gov.sa edu.sa co.il org.il gov.il ac.il net.il co.ae net.ae org.ae gov.ae ac.ae "
    "com.ua net.ua org.ua gov.ua edu.ua in.ua com.ru net.ru org.ru msk.ru spb.ru com.pl net.pl org.pl "
    "gov.pl edu.pl waw.pl co.at or.at gv.at ac.at com.es nom.es org.es gob.es edu.es com.pt org.pt gov.pt "
    "com.gr gov.gr edu.gr co.hu gov.it com.de "
    "amazonaws.com cloudfront.net elasticbeanstalk.com awsapprunner.com amplifyapp.com on.aws "
    "azurewebsites.net cloudapp.net blob.core.windows.net azureedge.net trafficmanager.net "
    "appspot.com googleapis.com web.app firebaseapp.com blogspot.com herokuapp.com github.io "
    "gitlab.io netlify.app vercel.app pages.dev workers.dev ngrok.io ngrok-free.app "
    "duckdns.org no-ip.org ddns.net dyndns.org"
)

SUFFIXES: frozenset[str] = frozenset((_CC + " " + _GENERIC + " " + _MULTI).split())
TLDS: frozenset[str] = frozenset(s for s in SUFFIXES if "." not in s)
# The longest suffix in the table, in labels: bounds the right-to-left search.
_MAX_LABELS = max(s.count(".") + 1 for s in SUFFIXES)
_REVERSE_ZONES = (".in-addr.arpa", ".ip6.arpa")


def split_domain(name: str) -> tuple[str | None, str | None, str | None]:
    """(subdomain, registered_domain, top_level_domain) of `name`; Nones where unknown.

    `name` has no trailing dot. The longest matching suffix wins; reverse-lookup names
    (in-addr.arpa, ip6.arpa) and names under an unknown TLD are not split.
    """
    lowered = name.lower()
    labels = lowered.split(".")
    if labels[-1] not in TLDS or "" in labels or lowered.endswith(_REVERSE_ZONES):
        return None, None, None
    count = len(labels)
    suffix_len = 1
    for n in range(2, min(_MAX_LABELS, count) + 1):
        if ".".join(labels[-n:]) in SUFFIXES:
            suffix_len = n
    original = name.split(".")
    tld = ".".join(original[-suffix_len:])
    if suffix_len == count:
        return None, None, tld
    registered = ".".join(original[-suffix_len - 1:])
    sub = ".".join(original[: count - suffix_len - 1]) or None
    return sub, registered, tld
