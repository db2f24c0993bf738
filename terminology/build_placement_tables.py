#!/usr/bin/env python3
"""Writes the placement rule tables (ConceptMaps) the level-of-care engine reads.

    python3 terminology/build_placement_tables.py      # rewrites terminology/ConceptMap-*-placement-*.json

One table per instrument, edition and age group. Every rule names its public source in the
extension iop-rule-source; the rationale (comment) is this project's own wording, never the
text of the ASAM Criteria or LOCUS. Where the two ASAM editions rate the same need (withdrawal,
physical health, psychiatric conditions, relapse / use-related risks, recovery environment) they
share one row of levels, so the same patient gets the same answer; the differences that remain
are deliberate and listed in DIFFERENCES (and in profiles/README.md).
"""
import json
import os

BASE = "http://iop-fhir.org/fhir/"
CS = BASE + "CodeSystem/"
LEVELS = CS + "asam-level-of-care"
LOCUS_LEVELS = CS + "locus-level-of-care"
DIMENSION = CS + "asam-dimension"
LOCUS_DIMENSION = CS + "locus-dimension"
OBS = CS + "iop-observation-code"
AGE = CS + "iop-age-group"
RULE_SOURCE = BASE + "StructureDefinition/iop-rule-source"
WM = LEVELS + "#withdrawal-management"
DANGER = OBS + "#imminent-danger"
REQUIREMENT = OBS + "#requirement"
DATE = "2026-12-02"
VERSION = "0.2.0"
# Every artifact of the guide names who to contact and where it applies.
CONTACT = [{"name": "IOP FHIR Server project", "telecom": [{"system": "url", "value": BASE.rstrip("/")}]}]
JURISDICTION = [{"coding": [{"system": "urn:iso:std:iso:3166", "code": "US", "display": "United States of America"}]}]
HERE = os.path.dirname(os.path.abspath(__file__))

# Public sources, cited next to every rule.
ASAM3 = ("The ASAM Criteria, 3rd ed. (Mee-Lee et al., 2013), dimensional admission criteria for adult levels "
         "0.5-4 and withdrawal management 1-WM to 4-WM")
ASAM3_ADOL = ("The ASAM Criteria, 3rd ed. (2013), adolescent criteria: levels 0.5, 1, 2.1, 2.5, 3.1, 3.5, 3.7 and 4, "
              "withdrawal management provided within the level (no separate WM levels), no level 3.3")
ASAM4 = ("The ASAM Criteria, 4th ed., Volume 1: Adults (2023): levels 1.0-4, withdrawal management integrated in "
         "1.7, 2.7, 3.7 and 4; dimension 4 substance use-related risks, dimension 5 recovery environment interactions")
TIP47 = ("SAMHSA TIP 47, Substance Abuse: Clinical Issues in Intensive Outpatient Treatment (2006), ch. 2: IOP suits "
         "people whose living environment supports treatment; an environment that undermines recovery calls for a "
         "more structured setting")
CIWA = ("ASAM Clinical Practice Guideline on Alcohol Withdrawal Management (2020): CIWA-Ar below 10 mild, 10-18 "
        "moderate, 19 or more severe (Sullivan et al., Br J Addict 1989;84:1353)")
COWS = ("Wesson & Ling, The Clinical Opiate Withdrawal Scale, J Psychoactive Drugs 2003;35(2):253: COWS 5-12 mild, "
        "13-24 moderate, 25-36 moderately severe, over 36 severe")
CSSRS = ("Columbia-Suicide Severity Rating Scale, screen version (Posner et al., Am J Psychiatry 2011;168:1266) and "
         "its triage guidance: ideation with intent or a plan is high risk needing immediate evaluation; active "
         "ideation or suicidal behaviour in the past 3 months needs a safety plan and a prompt mental-health "
         "evaluation; The Joint Commission NPSG 15.01.01 (screen, evaluate, safety-plan)")
PHQ9 = ("PHQ-9 (Kroenke et al., J Gen Intern Med 2001;16:606): any answer above 0 to item 9 calls for a suicide "
        "risk assessment")
PREGNANCY = ("ACOG Committee Opinion 711, Opioid Use and Opioid Use Disorder in Pregnancy (2017), and SAMHSA, "
             "Clinical Guidance for Treating Pregnant and Parenting Women With Opioid Use Disorder (2018): opioid "
             "agonist treatment (methadone or buprenorphine) is recommended over withdrawal")
LOCUS = ("LOCUS, Level of Care Utilization System (American Association for Community Psychiatry): six dimensions, "
         "seven scales rated 1-5, composite score. ILLUSTRATIVE rules of this project, not the licensed grid")

DIFFERENCES = [
    "Withdrawal (dimension 1) rated 2: the 3rd edition places at 2.1 with ambulatory withdrawal management 2-WM "
    "beside it; the 4th edition folds withdrawal management into the level, so the same need is level 2.7. "
    "ConceptMap asam-3rd-to-4th maps 2-WM to 2.7.",
    "No risk at all: the 3rd edition's lowest level is 0.5 (early intervention), the 4th edition's 1.0 "
    "(long-term remission monitoring).",
    "Readiness to change is rated as dimension 4 in the 3rd edition; the 4th edition does not rate it (it is part "
    "of the unrated dimension 6, person-centered considerations), so a low readiness raises the 3rd-edition "
    "placement only.",
    "The 3rd edition's 3.3 (population-specific, for cognitive impairment) and 3.2-WM do not exist in the 4th; "
    "the 4th-edition table places those needs at 3.5 and 3.7.",
    "The 4th edition has no adolescent volume: adolescents are placed with the 3rd edition's adolescent table.",
]


def level_display(system, code):
    with open(os.path.join(HERE, "CodeSystem-%s.json" % system.rsplit("/", 1)[1])) as f:
        concepts = {c["code"]: c["display"] for c in json.load(f)["concept"]}
    return concepts[code]


def target(system, code, comment, source, depends=(), wm=None, danger=False, requires=(), expects=()):
    """One rule: minimum level `code` (None: no minimum), products for withdrawal management, imminent danger,
    requirements and the ratings a consistent assessment would give (dimension, at least)."""
    t = {}
    if code is not None:
        t["code"] = code
        t["display"] = level_display(system, code)
    t["equivalence"] = "relatedto" if code is not None else "unmatched"
    t["comment"] = comment
    t["extension"] = [{"url": RULE_SOURCE, "valueString": source}]
    if depends:
        t["dependsOn"] = [dict(d) for d in depends]
    products = []
    if wm:
        products.append({"property": WM, "system": LEVELS, "value": wm, "display": level_display(LEVELS, wm)})
    if danger:
        products.append({"property": DANGER, "value": "true"})
    for r in requires:
        products.append({"property": REQUIREMENT, "system": OBS, "value": r})
    for dimension, rating in expects:
        products.append({"property": DIMENSION + "#" + dimension, "value": str(rating)})
    if products:
        t["product"] = products
    # FHIR orders extension before the other elements; keep the JSON tidy.
    return {k: t[k] for k in ["extension", "code", "display", "equivalence", "comment", "dependsOn", "product"] if k in t}


def on_dimension(system, dimension):
    return {"property": system, "system": system, "value": dimension}


def at_least(dimension, rating):
    return {"property": DIMENSION + "#" + dimension, "value": str(rating)}


def finding(code):
    return {"property": OBS, "system": OBS, "value": code}


def age(code):
    return {"property": AGE, "system": AGE, "value": code}


# ---------------------------------------------------------------- ASAM rows shared by both editions
# rating -> (level, withdrawal management, danger, rationale)

def withdrawal_rows(edition, adolescent):
    low = "0.5" if edition == "3" else "1.0"
    op = "1" if edition == "3" else "1.5"
    if edition == "4":
        return [(low, None, False, "No intoxication or withdrawal risk."),
                (op, None, False, "Mild withdrawal potential that ordinary outpatient care can manage."),
                ("2.7", "2.7", False, "Moderate withdrawal risk: withdrawal management with extended on-site "
                 "monitoring, integrated in medically managed intensive outpatient care."),
                ("3.7", "3.7", False, "Significant withdrawal risk needs 24-hour medically managed care."),
                ("4", "4", True, "Severe withdrawal, e.g. a history of seizures or delirium: imminent danger, "
                 "medically managed inpatient care.")]
    return [(low, None, False, "No intoxication or withdrawal risk."),
            (op, None, False, "Mild withdrawal potential that ordinary outpatient follow-up can manage."),
            ("2.1", None if adolescent else "2-WM", False,
             "Moderate withdrawal risk: " + ("withdrawal management within an intensive program, with extended "
                                             "on-site monitoring." if adolescent else
                                             "ambulatory withdrawal management with extended on-site monitoring "
                                             "alongside a structured program.")),
            ("3.7", None if adolescent else "3.7-WM", False, "Significant withdrawal risk needs 24-hour medical "
             "monitoring."),
            ("4", None if adolescent else "4-WM", True, "Severe withdrawal, e.g. a history of seizures or delirium: "
             "imminent danger, medically managed intensive inpatient care.")]


def medical_rows(edition, what):
    low = "0.5" if edition == "3" else "1.0"
    op = "1" if edition == "3" else "1.5"
    if what == "biomedical":
        return [(low, None, False, "No biomedical problems."),
                (op, None, False, "Mild, stable physical conditions."),
                ("2.1", None, False, "Moderate conditions that need monitoring but not 24-hour care."),
                ("3.7", None, False, "Significant conditions that need 24-hour medical monitoring."),
                ("4", None, True, "Severe, unstable conditions: imminent danger, hospital-level care.")]
    return [(low, None, False, "No emotional, behavioral or cognitive problems."),
            (op, None, False, "Mild symptoms that do not interfere with outpatient treatment."),
            ("2.1", None, False, "Moderate symptoms that need several contacts a week and close monitoring."),
            ("3.7", None, False, "Significant psychiatric instability needs 24-hour medically monitored care."),
            ("4", None, True, "Severe symptoms such as active suicidal or homicidal intent: imminent danger, "
             "medically managed care.")]


def use_risk_rows(edition):
    """3rd edition dimension 5 (relapse, continued use) and 4th edition dimension 4 (use-related risks)."""
    low = "0.5" if edition == "3" else "1.0"
    op = "1" if edition == "3" else "1.5"
    return [(low, None, False, "Low risk of continued use or relapse, good coping skills."),
            (op, None, False, "Some risk of continued use, manageable with outpatient relapse prevention."),
            (op, None, False, "Moderate risk of continued use with some skills to cope: outpatient care."),
            ("2.1", None, False, "High likelihood of continued use without close monitoring and several sessions "
             "a week."),
            ("2.5", None, False, "Cannot control use without near-daily structure.")]


def readiness_rows():
    return [("0.5", None, False, "Engaged and ready to change."),
            ("1", None, False, "Some ambivalence, workable with motivational work in outpatient care."),
            ("1", None, False, "Ambivalent but willing to attend: outpatient care with motivational interviewing."),
            ("2.1", None, False, "Low readiness that needs structured, frequent motivational interventions."),
            ("2.5", None, False, "Unable to follow through without near-daily structure.")]


def environment_rows(edition):
    """3rd edition dimension 6 (recovery / living environment) and 4th edition dimension 5."""
    low = "0.5" if edition == "3" else "1.0"
    op = "1" if edition == "3" else "1.5"
    return [(low, None, False, "Supportive recovery environment."),
            (op, None, False, "Mostly supportive environment."),
            ("2.1", None, False, "Unsupportive environment: needs the structure of an intensive program to cope."),
            ("3.1", None, False, "Environment undermines recovery: 24-hour structured living is needed."),
            ("3.5", None, False, "Environment is dangerous to recovery or safety: high-intensity residential "
             "care.")]


def dimension_group(dimension, rows, source):
    elements = []
    for rating, (level, wm, danger, comment) in enumerate(rows):
        elements.append({"code": str(rating), "target": [target(LEVELS, level, comment, source,
                                                                depends=[on_dimension(DIMENSION, dimension)],
                                                                wm=wm, danger=danger)]})
    return {"source": CS + "asam-risk-rating", "target": LEVELS, "element": elements}


def asam_table(edition, adolescent):
    source = ASAM3_ADOL if adolescent else ASAM3 if edition == "3" else ASAM4
    d = (lambda n: "e%s-%d" % (edition, n))
    environment = d(6) if edition == "3" else d(5)
    psychiatric, biomedical, withdrawal = d(3), d(2), d(1)
    groups = [dimension_group(withdrawal, withdrawal_rows(edition, adolescent), source),
              dimension_group(biomedical, medical_rows(edition, "biomedical"), source),
              dimension_group(psychiatric, medical_rows(edition, "psychiatric"), source)]
    if edition == "3":
        groups += [dimension_group(d(4), readiness_rows(), source),
                   dimension_group(d(5), use_risk_rows(edition), source),
                   dimension_group(d(6), environment_rows(edition), source)]
    else:
        groups += [dimension_group(d(4), use_risk_rows(edition), source),
                   dimension_group(d(5), environment_rows(edition), source)]
    severe_wm = None if adolescent else ("3.7-WM" if edition == "3" else "3.7")
    # 3rd edition: clinically managed residential withdrawal management (3.2-WM) beside 3.1; the 4th edition
    # has no clinically managed withdrawal level, so the need is medically managed residential care (3.7).
    residential_wm = None if adolescent else ("3.2-WM" if edition == "3" else "3.7")
    residential = "3.1" if edition == "3" else "3.7"
    findings = [
        ("imminent-danger", target(LEVELS, "4", "Imminent danger to self or others (found at screening, suicidal "
                                   "intent or a plan, homicidal ideation): emergency or medically managed care "
                                   "first.", CSSRS, danger=True)),
        ("unsafe-environment", target(LEVELS, "3.1", "The home is not safe or works against recovery: an intensive "
                                      "outpatient program sends the person back there every day; 24-hour "
                                      "structured living is needed.", TIP47, expects=[(environment, 3)])),
        ("no-support-network", target(LEVELS, "2.1", "No support network: at least the structure of an intensive "
                                      "program has to stand in for it.", TIP47, expects=[(environment, 2)])),
        ("lives-with-active-users", target(LEVELS, "2.1", "Lives with people who use: recovery needs at least an "
                                           "intensive program's structure.", TIP47, expects=[(environment, 2)])),
        ("homeless", target(LEVELS, "2.1", "Without housing: recovery needs at least an intensive program's "
                            "structure, with case management for housing.", TIP47, expects=[(environment, 2)])),
        ("medically-unstable", target(LEVELS, "3.7", "Not medically stable enough for outpatient care: 24-hour "
                                      "medical monitoring.", source, expects=[(biomedical, 3)])),
        ("psychiatrically-unstable", target(LEVELS, "3.7", "Not psychiatrically stable enough for outpatient care: "
                                            "24-hour monitored care.", source, expects=[(psychiatric, 3)])),
        ("withdrawal-score-moderate", target(LEVELS, None, "A withdrawal scale score in the moderate range (CIWA-Ar "
                                             "10-18 or COWS 13-24): the withdrawal rating should be at least "
                                             "moderate.", CIWA + "; " + COWS, expects=[(withdrawal, 2)])),
        ("withdrawal-score-severe", target(LEVELS, "3.7", "A withdrawal scale score in the severe range (CIWA-Ar 19 "
                                           "or more, or COWS 25 or more): medically monitored withdrawal "
                                           "management.", CIWA + "; " + COWS, wm=severe_wm,
                                           expects=[(withdrawal, 3)])),
        ("suicide-risk", target(LEVELS, None, "Active suicidal ideation, suicidal behaviour or self-harm in the past "
                                "3 months, or a positive PHQ-9 item 9: outpatient care only with a written safety "
                                "plan (24/7 crisis access) and a psychiatric evaluation.", CSSRS + "; " + PHQ9,
                                requires=["safety-plan", "psychiatric-evaluation"], expects=[(psychiatric, 2)])),
        ("pregnant-opioid-use", target(LEVELS, None, "Pregnant and using opioids: refer for a consult with an "
                                       "opioid treatment program or a buprenorphine prescriber before or with "
                                       "admission.", PREGNANCY, requires=["otp-moud-consult"])),
    ]
    finding_group = {"source": OBS, "target": LEVELS,
                     "element": [{"code": code, "target": [t]} for code, t in findings]}
    modifiers = []
    if not adolescent:
        modifiers.append((withdrawal, target(LEVELS, "1" if edition == "3" else "1.7",
                                             "Current withdrawal signs at low risk: " + (
                                                 "ambulatory withdrawal management without extended on-site "
                                                 "monitoring, alongside at least outpatient care." if edition == "3"
                                                 else "medically managed outpatient withdrawal management."),
                                             source, depends=[at_least(withdrawal, 1), finding("withdrawal-signs")],
                                             wm="1-WM" if edition == "3" else "1.7")))
    modifiers += [
        (withdrawal, target(LEVELS, residential, "Moderate withdrawal without a safe, supportive place to withdraw: "
                            "residential withdrawal management.", source,
                            depends=[at_least(withdrawal, 2), at_least(environment, 3)], wm=residential_wm)),
        (withdrawal, target(LEVELS, residential, "Moderate withdrawal in an unsafe home: residential withdrawal "
                            "management.", source + "; " + TIP47,
                            depends=[at_least(withdrawal, 2), finding("unsafe-environment")], wm=residential_wm)),
        (withdrawal, target(LEVELS, "3.7", "Moderate withdrawal with a history of complicated withdrawal "
                            "(seizures, delirium): medically monitored withdrawal management.", source,
                            depends=[at_least(withdrawal, 2), finding("complicated-withdrawal-history")],
                            wm=severe_wm)),
        (environment, target(LEVELS, "3.1", "Lives with people who use and has no support network: the environment "
                             "undermines recovery; 24-hour structured living is needed.", TIP47,
                             depends=[finding("lives-with-active-users"), finding("no-support-network")],
                             expects=[(environment, 3)])),
        (environment, target(LEVELS, "3.1", "Without housing and without a support network: 24-hour structured "
                             "living is needed.", TIP47, depends=[finding("homeless"), finding("no-support-network")],
                             expects=[(environment, 3)])),
    ]
    if edition == "3" and not adolescent:
        modifiers.append((psychiatric, target(LEVELS, "3.3", "Needs 24-hour structure and has a cognitive impairment "
                                              "that limits standard programming: population-specific residential "
                                              "care.", source, depends=[finding("cognitive-impairment"),
                                                                         at_least(environment, 3), age("adult")])))
    elif edition == "4":
        modifiers.append((psychiatric, target(LEVELS, "3.5", "Needs 24-hour structure and has a cognitive impairment "
                                              "that limits standard programming: high-intensity residential care "
                                              "adapted to it (the 4th edition has no level 3.3).", source,
                                              depends=[finding("cognitive-impairment"), at_least(environment, 3)])))
    modifier_group = {"source": DIMENSION, "target": LEVELS, "element": []}
    for dimension, t in modifiers:
        element = next((e for e in modifier_group["element"] if e["code"] == dimension), None)
        if element is None:
            element = {"code": dimension, "target": []}
            modifier_group["element"].append(element)
        element["target"].append(t)
    groups += [finding_group, modifier_group]

    suffix = "-adolescent" if adolescent else ""
    ordinal = "3rd" if edition == "3" else "4th"
    who = "adolescents" if adolescent else "adults"
    use_context = [{"code": {"system": "http://terminology.hl7.org/CodeSystem/usage-context-type", "code": "program"},
                    "valueCodeableConcept": {"coding": [{"system": CS + "asam-edition", "code": edition}]}},
                   {"code": {"system": "http://terminology.hl7.org/CodeSystem/usage-context-type", "code": "age"},
                    "valueCodeableConcept": {"coding": [{"system": AGE,
                                                         "code": "adolescent" if adolescent else "adult"}]}}]
    description = (
        "The placement rule table the level-of-care engine reads for the ASAM Criteria %s edition, %s: for each "
        "dimension (dependsOn) and risk rating 0-4 (source code), the least intensive level that safely meets that "
        "dimension's needs (target), with a rationale (comment) and its public source (extension iop-rule-source). "
        "A group maps findings of the intake to minimum levels, requirements (product iop-observation-code"
        "#requirement) and the ratings a consistent assessment would give (product asam-dimension#<code>: "
        "a lower rating is reported as a discordance); the last group holds modifiers, rules that combine several "
        "facts (every dependsOn is a condition: asam-dimension#<code> = rated at least the value, "
        "iop-observation-code = that finding present, iop-age-group = that age group). It is this project's own "
        "ASAM-informed reading, not ASAM's text; a licensed table of the same shape can replace it through "
        "configuration (iop.level-of-care.rule-sets). Generated by terminology/build_placement_tables.py."
        % (ordinal, who))
    if edition == "4":
        description += " Where the editions differ on purpose: " + " ".join(DIFFERENCES)
    return {
        "resourceType": "ConceptMap",
        "id": "asam-placement-%s-edition%s" % (ordinal, suffix),
        "text": {"status": "generated", "div": narrative(
            "ASAM-informed placement rules, %s edition, %s. Minimum level per dimension rating; the recommendation "
            "is the most intensive of all minimums, never an average." % (ordinal, who), groups)},
        "url": BASE + "ConceptMap/asam-placement-%s-edition%s" % (ordinal, suffix),
        "version": VERSION,
        "name": "AsamPlacement%sEdition%s" % (ordinal[0] + ordinal[1:], "Adolescent" if adolescent else ""),
        "title": "ASAM-informed placement rules, %s edition, %s" % (ordinal, who),
        "status": "draft",
        "experimental": False,
        "date": DATE,
        "publisher": "IOP FHIR Server project",
        "contact": CONTACT,
        "description": description,
        "copyright": "Our own paraphrase; implementing the ASAM Criteria needs no permission, shipping ASAM's text "
                     "does. No endorsement by ASAM.",
        "useContext": use_context,
        "jurisdiction": JURISDICTION,
        "targetCanonical": BASE + "ValueSet/asam-level-of-care",
        "group": groups,
    }


def narrative(summary, groups):
    rows = []
    for group in groups:
        for element in group["element"]:
            for t in element["target"]:
                conditions = ", ".join("%s >= %s" % (d["property"].rsplit("#", 1)[1], d["value"])
                                       if "#" in d["property"] else d["value"]
                                       for d in t.get("dependsOn", []) if d["property"] != DIMENSION
                                       and d["property"] != LOCUS_DIMENSION)
                on = [d["value"] for d in t.get("dependsOn", []) if d["property"] in (DIMENSION, LOCUS_DIMENSION)]
                when = ("%s rated %s" % (on[0], element["code"])) if on else (conditions or element["code"])
                rows.append("<tr><td>%s</td><td>%s</td><td>%s</td></tr>" % (
                    escape(when), escape(t.get("code", "-")), escape(t["comment"])))
    return ('<div xmlns="http://www.w3.org/1999/xhtml"><p>%s</p><table><tr><th>When</th><th>Minimum level</th>'
            '<th>Why</th></tr>%s</table></div>' % (escape(summary), "".join(rows)))


def escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def locus_table():
    with open(os.path.join(HERE, "ConceptMap-locus-placement-illustrative.json")) as f:
        table = json.load(f)
    for group in table["group"]:
        for element in group["element"]:
            for t in element["target"]:
                t.pop("extension", None)
                t["extension"] = [{"url": RULE_SOURCE, "valueString": LOCUS}]
                element["target"][element["target"].index(t)] = {k: t[k] for k in ["extension"] + [
                    k for k in t if k != "extension"]}
    table.update({"version": VERSION, "date": DATE, "status": "draft", "experimental": True})
    table["useContext"] = [{"code": {"system": "http://terminology.hl7.org/CodeSystem/usage-context-type",
                                     "code": "age"},
                            "valueCodeableConcept": {"coding": [{"system": AGE, "code": "adult"}]}}]
    return table


def write(resource):
    path = os.path.join(HERE, "ConceptMap-%s.json" % resource["id"])
    with open(path, "w") as f:
        json.dump(resource, f, indent=1, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    write(asam_table("3", adolescent=False))
    write(asam_table("3", adolescent=True))
    write(asam_table("4", adolescent=False))
    write(locus_table())
