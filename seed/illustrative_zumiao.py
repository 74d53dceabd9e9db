"""Zumiao: the 21 unnamed zones, their communities and lead (1), inside (N) and outside (X) organisations."""
from __future__ import annotations

from seed.illustrative_common import TOWN, Counters, Doc, add_members

PEIDE = "zone-zumiao-peide"

# Internal ("N") organisations per demonstration zone, including the second community's
# committee. With 18 distinct external ("X") ones they make the article's 113.
DEMO_INTERNAL = (24, 25, 24, 22)  # Peide, zone 01, 02, 03 -> 95
DEMO_EXTERNAL = 18
NON_DEMO_EXTERNAL = 6  # a pool that serves only non-demonstration zones
ARTICLE_ABSORBED = 113
assert sum(DEMO_INTERNAL) + DEMO_EXTERNAL == ARTICLE_ABSORBED

N_KINDS = ("ENTERPRISE", "ORGAN", "INSTITUTION", "BRANCH", "SOCIAL", "ENTERPRISE", "BRANCH")
N_NAMES = {
    "ORGAN": ("示例机关党支部", "Illustrative Organ Party Branch"),
    "ENTERPRISE": ("示例企业党支部", "Illustrative Enterprise Party Branch"),
    "INSTITUTION": ("示例事业单位党支部", "Illustrative Public Institution Party Branch"),
    "SOCIAL": ("示例社会组织党支部", "Illustrative Social Organisation Party Branch"),
    "BRANCH": ("示例小区党支部", "Illustrative Neighbourhood Party Branch"),
}
X_KINDS = ("ORGAN", "ORGAN", "INSTITUTION", "SOCIAL", "ORGAN", "ENTERPRISE")
X_NAMES = {
    "ORGAN": ("示例区直机关党支部", "Illustrative District Organ Party Branch"),
    "INSTITUTION": ("示例区属事业单位党支部", "Illustrative District Public Institution Party Branch"),
    "SOCIAL": ("示例社会组织党委", "Illustrative Social Organisation Party Committee"),
    "ENTERPRISE": ("示例驻区企业党支部", "Illustrative Resident Enterprise Party Branch"),
}

NOTE_ZONE = ("示例：文章称祖庙划分22个片区，只列培德", "Illustrative: the article counts 22 Zumiao zones and names only Peide.")
NOTE_DEMO = ("；示范区之一（文章称4个示范区，未列名）", "One of the 4 demonstration zones, which the article does not name.")
NOTE_ZCOMM = ("示例：文章未列祖庙村居名称", "Illustrative: the article names no Zumiao communities.")
NOTE_LEAD = ("；此社区党委任片区龙头党组织（“1”）", 'This committee leads its zone (the "1").')
NOTE_DEMO_N = ("示例：文章称4个示范区吸收片区内外党组织113个，未列名；此为片区内（N）",
               "Illustrative: one of the 113 organisations the article counts, from inside the zone (N).")
NOTE_DEMO_X = ("示例：文章称4个示范区吸收片区内外党组织113个，未列名；此为片区外（X）",
               "Illustrative: one of the 113 organisations the article counts, from outside the zone (X).")
NOTE_OTHER_N = ("示例：非示范片区的片区内（N）组织，文章未列",
                "Illustrative: an inside (N) organisation of a non-demonstration zone.")
NOTE_OTHER_X = ("示例：只服务非示范片区的片区外（X）组织，文章未列",
                "Illustrative: an outside (X) organisation serving only non-demonstration zones.")
NOTE_HOSPITAL = ("示例：文章提到片区医院和党员医生参与“健康培德”，未具名",
                 "Illustrative: the article mentions zone hospitals and party-member doctors in Healthy Peide "
                 "without naming them.")


def zumiao(counters: Counters) -> tuple[Doc, list[str]]:
    doc = Doc("zumiao", "Zumiao's 21 unnamed zones, all zone communities, lead (1), inside (N) "
                        "and outside (X) organisations, and their members.")
    zones = [PEIDE] + [f"zone-zumiao-{i:02d}" for i in range(1, 22)]
    communities: list[str] = []
    for index, zone in enumerate(zones):
        demo = index < len(DEMO_INTERNAL)
        if index:
            doc.node("Zone", zone, f"示例片区{index:02d}", f"Illustrative Zone {index:02d}",
                     NOTE_ZONE + (NOTE_DEMO if demo else ()), isDemonstration=demo, isPilot=False)
            doc.rel("IN_TOWN", zone, TOWN["zumiao"])
        # Two communities per zone; the first one's committee leads the zone, the second is an "N".
        for side in (0, 1):
            c = len(communities) + 1
            community = doc.node("Community", f"community-zumiao-{c:02d}", f"示例祖庙社区{c:02d}",
                                 f"Illustrative Zumiao Community {c:02d}", NOTE_ZCOMM, kind="URBAN_COMMUNITY")
            communities.append(community)
            doc.rel("IN_TOWN", community, TOWN["zumiao"])
            doc.rel("IN_ZONE", community, zone)
            org = doc.node("Organisation", f"org-zumiao-community-{c:02d}", f"示例祖庙社区{c:02d}党委",
                           f"Illustrative Zumiao Community {c:02d} Party Committee",
                           (NOTE_ZCOMM + NOTE_LEAD) if side == 0 else (NOTE_DEMO_N if demo else NOTE_OTHER_N),
                           kind="COMMUNITY")
            doc.rel("BASED_IN", org, community)
            doc.rel("IN_TOWN", org, TOWN["zumiao"])
            doc.rel("SUBORDINATE_TO", org, "org-zumiao-committee")
            doc.rel("LEADS" if side == 0 else "PART_OF", org, zone)
            if side == 0:
                add_members(doc, counters, org, 5 if demo else 1, "社区党委书记")
            elif demo:
                add_members(doc, counters, org, 2, "社区党委书记")
        extra = DEMO_INTERNAL[index] - 1 if demo else index % 3
        if zone == PEIDE:
            extra -= 1
            peide_hospital(doc)
        for _ in range(extra):
            internal_org(doc, counters, zone, demo)
    external_orgs(doc, counters, zones)
    return doc, communities


def peide_hospital(doc: Doc) -> None:
    org = doc.node("Organisation", "org-zumiao-peide-hospital", "示例片区医院党支部",
                   "Illustrative Zone Hospital Party Branch", NOTE_HOSPITAL, kind="INSTITUTION")
    doc.rel("IN_TOWN", org, TOWN["zumiao"])
    doc.rel("PART_OF", org, PEIDE)
    for k in range(1, 7):
        uid = doc.node("Member", f"member-peide-doctor-{k:02d}", f"示例党员医生{k:02d}",
                       f"Illustrative Party-Member Doctor {k:02d}", NOTE_HOSPITAL,
                       role="党支部书记、党员医生" if k == 1 else "党员医生")
        doc.rel("MEMBER_OF", uid, org)
        if k == 1:
            doc.rel("SECRETARY_OF", uid, org)


def internal_org(doc: Doc, counters: Counters, zone: str, demo: bool) -> None:
    n = counters.next("internal")
    kind = N_KINDS[n % len(N_KINDS)]
    k = counters.next(f"internal-{kind}")
    zh, en = N_NAMES[kind]
    org = doc.node("Organisation", f"org-zumiao-n-{n:03d}", f"{zh}{k:03d}", f"{en} {k:03d}",
                   NOTE_DEMO_N if demo else NOTE_OTHER_N, kind=kind)
    doc.rel("IN_TOWN", org, TOWN["zumiao"])
    doc.rel("PART_OF", org, zone)
    if demo:
        add_members(doc, counters, org, 2, "党支部书记")


def external_orgs(doc: Doc, counters: Counters, zones: list[str]) -> None:
    """X organisations: 18 serve the demonstration zones (several bridge two or three of them,
    a few also serve ordinary zones); a pool of 6 serves only ordinary zones. Ordinary zones
    whose number is a multiple of 4 get none, so coverage-gap reports find something."""
    demo_zones, ordinary = zones[:len(DEMO_INTERNAL)], zones[len(DEMO_INTERNAL):]
    served: dict[int, list[str]] = {}
    for j in range(DEMO_EXTERNAL):
        served[j] = [demo_zones[j % 4]]
        if j % 3 == 0:
            served[j].append(demo_zones[(j + 1) % 4])
        if j % 5 == 0:
            served[j].append(demo_zones[(j + 2) % 4])
    pool = list(range(DEMO_EXTERNAL, DEMO_EXTERNAL + NON_DEMO_EXTERNAL))
    for j in pool:
        served[j] = []
    for zone in ordinary:
        number = int(zone.rsplit("-", 1)[1])
        if number % 4 == 0:
            continue
        served[pool[number % len(pool)]].append(zone)
        if number % 3 == 0:
            served[pool[(number + 1) % len(pool)]].append(zone)
        if number % 5 == 1:  # a demonstration-zone X that also bridges to an ordinary zone
            served[number % DEMO_EXTERNAL].append(zone)
    for j in range(DEMO_EXTERNAL + NON_DEMO_EXTERNAL):
        kind = X_KINDS[j % len(X_KINDS)]
        k = counters.next(f"external-{kind}")
        zh, en = X_NAMES[kind]
        org = doc.node("Organisation", f"org-x-{j + 1:02d}", f"{zh}{k:02d}", f"{en} {k:02d}",
                       NOTE_DEMO_X if j < DEMO_EXTERNAL else NOTE_OTHER_X, kind=kind)
        for zone in served[j]:
            doc.rel("SERVES", org, zone)
        add_members(doc, counters, org, 5, "党支部书记" if kind != "SOCIAL" else "党委书记")

