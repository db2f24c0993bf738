#!/usr/bin/env python3
"""Build the example IOP episode: Bundle-example-episode.json (a FHIR R4 transaction Bundle).

One fictional, de-identified adult in a 12-week substance-use-disorder intensive outpatient
program (ASAM 3rd edition level 2.1): intake assessment and its six dimension ratings, the
level-of-care determination, the episode, the treatment plan with measurable goals, the
Part 2 consent, every scheduled session (Appointment), every attended session (Encounter)
with its signed progress note, outreach after each no-show, weekly urine drug screens and
PHQ-9 scores.

Every entry is a PUT to `<Type>/<id>` with an `example-` id, so loading the Bundle twice
changes nothing. The script uses only the Python 3 standard library, has no randomness and
always writes the same file:

    python3 build_example_episode.py            # writes Bundle-example-episode.json here
    python3 build_example_episode.py OUT.json   # writes elsewhere
    python3 build_example_episode.py --weeks 52 --prefix bench52 /tmp/episode-52.json
                                                # a longer copy with other ids (benchmark data)
    python3 build_example_episode.py --variants # also the variant episodes (Bundle-variant-*.json):
                                                # lapse (a positive screen answered by a plan change),
                                                # stepup (on hold at 2.5 for two weeks, then back),
                                                # ama (left against advice after 5 weeks),
                                                # adolescent (age group adolescent, family therapy)

Each variant is another patient of the same program (ids prefixed with the variant's name); VARIANTS
builds them; the README lists the verdict each built-in policy reaches on each, which the tests check.

Missed groups are made up in the same week, a physician certifies the need for IOP before the
first day and recertifies every 60 days, and an aftercare referral precedes discharge, so the
episode meets every item of the medical-necessity checklist.

Times are local clock times of the program (US Eastern): UTC-05:00, and UTC-04:00 once
daylight saving time starts (second Sunday of March; 2026-03-08). Everyone and everything
in it is invented; identifiers use example systems or the 99-prefix that no real NPI has.
"""

import argparse
import base64
import json
import os
import re
from datetime import date, datetime, time, timedelta, timezone

BASE = "http://iop-fhir.org/fhir"
CS = BASE + "/CodeSystem/"
SD = BASE + "/StructureDefinition/"
LOINC = "http://loinc.org"
SCT = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
HCPCS = "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
NPI = "http://hl7.org/fhir/sid/us-npi"
THO = "http://terminology.hl7.org/CodeSystem/"
US_CORE_CAREPLAN_CATEGORY = "http://hl7.org/fhir/us/core/CodeSystem/careplan-category"
US_CORE_DOCUMENT_CATEGORY = "http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category"
MRN_SYSTEM = "http://riverbend.example.org/mrn"
QUESTIONNAIRE = BASE + "/Questionnaire/iop-intake|0.2.0"

ADMISSION = date(2026, 1, 5)        # Monday, first group session
WEEKS = 12                          # --weeks changes the length (the benchmark builds 12, 26 and 52)
DISCHARGE = ADMISSION + timedelta(days=7 * (WEEKS - 1) + 4)   # Friday of the last week
AFTERCARE_START = DISCHARGE + timedelta(days=4)               # the Tuesday after discharge
CERTIFICATION_DAYS = 60             # a physician (re)certifies the need for IOP for 60 days at a time
INTAKE_AUTHORED = "2026-01-02T10:00:00-05:00"

PATIENT = "Patient/example-patient"
COUNSELOR = "Practitioner/example-counselor"
PHYSICIAN = "Practitioner/example-physician"
PROGRAM = "Organization/example-program"
PAYER = "Organization/example-payer"
EPISODE = "EpisodeOfCare/example-episode"
CAREPLAN = "CarePlan/example-careplan"
INTAKE = "QuestionnaireResponse/example-intake"
DETERMINATION = "Observation/example-determination"

# Group sessions (1-based number within each block of 36, i.e. 12 weeks) that did not happen as
# planned. Longer episodes repeat the 12-week pattern.
NO_SHOWS = {8, 20, 29}
CANCELLED = {15}
TELEHEALTH = {11, 12, 24, 33}        # attended by video (Encounter.class VR)
ENDED_EARLY = {26: 150, 32: 150}     # attended minutes when a session ended early
# A missed group is made up in the same 7-day window so the week still reaches 9 hours: a missed
# Wednesday on the Thursday evening track, the cancelled Friday on the Saturday morning group.
MAKEUP = {8: (1, 18), 20: (1, 18), 29: (1, 18), 15: (1, 9)}   # days after the missed session, start hour


# --------------------------------------------------------------------------- helpers

def eastern(day, hour, minute=0):
    """A datetime at the given local (US Eastern) clock time, with the right UTC offset."""
    march_first = date(day.year, 3, 1)
    dst_start = march_first + timedelta(days=(6 - march_first.weekday()) % 7 + 7)   # 2nd Sunday
    nov_first = date(day.year, 11, 1)
    dst_end = nov_first + timedelta(days=(6 - nov_first.weekday()) % 7)             # 1st Sunday
    hours = -4 if dst_start <= day < dst_end else -5
    return datetime.combine(day, time(hour, minute), tzinfo=timezone(timedelta(hours=hours)))


def iso(dt):
    return dt.isoformat()


def ref(reference, display=None):
    out = {"reference": reference}
    if display:
        out["display"] = display
    return out


def coding(system, code, display=None):
    out = {"system": system, "code": code}
    if display:
        out["display"] = display
    return out


def concept(*codings, text=None):
    out = {"coding": list(codings)}
    if text:
        out["text"] = text
    return out


def meta(profile_id):
    return {"profile": [SD + profile_id]}


def narrative(text):
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return {"status": "generated", "div": '<div xmlns="http://www.w3.org/1999/xhtml"><p>%s</p></div>' % escaped}


def minutes_qty(value):
    return {"value": value, "unit": "min", "system": UCUM, "code": "min"}


def b64(text):
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def edition_ext():
    return {"url": SD + "asam-edition", "valueCode": "3"}


# --------------------------------------------------------------------------- codes

SESSION = {
    "group": {
        "type": coding(CS + "iop-session-type", "group-therapy", "Group therapy"),
        "snomed": coding(SCT, "76168009", "Group psychotherapy"),
        "minutes": 180,
        "label": "Group therapy",
    },
    "makeup": {
        "type": coding(CS + "iop-session-type", "group-therapy", "Group therapy"),
        "snomed": coding(SCT, "76168009", "Group psychotherapy"),
        "minutes": 180,
        "label": "Make-up group therapy",
    },
    "individual": {
        "type": coding(CS + "iop-session-type", "individual-therapy", "Individual therapy"),
        "snomed": coding(SCT, "18512000", "Individual psychotherapy"),
        "minutes": 60,
        "label": "Individual therapy",
    },
}
LEVEL_2_1 = coding(CS + "asam-level-of-care", "2.1", "Intensive outpatient services")
RATING_DISPLAY = {0: "None", 1: "Mild", 2: "Moderate", 3: "Significant", 4: "Severe (imminent danger)"}
# Displays of CodeSystem asam-dimension (edition-qualified codes; e4-6 is described, not rated).
DIMENSION_DISPLAY = {
    "e3-1": "3rd edition dimension 1: acute intoxication and withdrawal potential",
    "e3-2": "3rd edition dimension 2: biomedical conditions and complications",
    "e3-3": "3rd edition dimension 3: emotional, behavioral or cognitive conditions",
    "e3-4": "3rd edition dimension 4: readiness to change",
    "e3-5": "3rd edition dimension 5: relapse, continued use or continued problem potential",
    "e3-6": "3rd edition dimension 6: recovery and living environment",
    "e4-1": "4th edition dimension 1: intoxication, withdrawal and addiction medications",
    "e4-2": "4th edition dimension 2: biomedical conditions",
    "e4-3": "4th edition dimension 3: psychiatric and cognitive conditions",
    "e4-4": "4th edition dimension 4: substance use-related risks",
    "e4-5": "4th edition dimension 5: recovery environment interactions",
}


# --------------------------------------------------------------------------- people and places

def organizations():
    program = {
        "resourceType": "Organization",
        "id": "example-program",
        "text": narrative("Riverbend Recovery Center, Intensive Outpatient Program (fictional)."),
        "identifier": [{"use": "official", "system": NPI, "value": "9941339100"}],
        "active": True,
        "type": [concept(coding(THO + "organization-type", "prov", "Healthcare Provider"))],
        "name": "Riverbend Recovery Center \u2014 Intensive Outpatient Program",
        "telecom": [{"system": "phone", "value": "555-0100", "use": "work"}],
        "address": [{"use": "work", "line": ["2200 Riverbend Parkway", "Suite 300"], "city": "Harlow",
                     "state": "PA", "postalCode": "17999", "country": "US"}],
    }
    payer = {
        "resourceType": "Organization",
        "id": "example-payer",
        "text": narrative("Blue Valley Health Plan, a fictional commercial health plan."),
        "identifier": [{"system": "http://riverbend.example.org/payer-id", "value": "BVHP-01"}],
        "active": True,
        "type": [concept(coding(THO + "organization-type", "pay", "Payer"))],
        "name": "Blue Valley Health Plan",
        "telecom": [{"system": "phone", "value": "555-0188", "use": "work"}],
    }
    return [program, payer]


def practitioners():
    counselor = {
        "resourceType": "Practitioner",
        "id": "example-counselor",
        "text": narrative("Marcus T. Bell, LADC: licensed alcohol and drug counselor (fictional)."),
        "identifier": [{"system": NPI, "value": "9941339201"}],
        "active": True,
        "name": [{"use": "official", "family": "Bell", "given": ["Marcus", "T."], "suffix": ["LADC"]}],
        "telecom": [{"system": "phone", "value": "555-0101", "use": "work"}],
        "qualification": [{"code": {"text": "Licensed Alcohol and Drug Counselor (LADC)"}}],
    }
    physician = {
        "resourceType": "Practitioner",
        "id": "example-physician",
        "text": narrative("Priya N. Raman, MD: addiction medicine physician (fictional)."),
        "identifier": [{"system": NPI, "value": "9941339202"}],
        "active": True,
        "name": [{"use": "official", "family": "Raman", "given": ["Priya", "N."], "prefix": ["Dr."],
                  "suffix": ["MD"]}],
        "telecom": [{"system": "phone", "value": "555-0102", "use": "work"}],
        "qualification": [{"code": concept(coding(THO + "v2-0360", "MD", "Doctor of Medicine"),
                                           text="Physician (MD), board certified in addiction medicine")}],
    }
    return [counselor, physician]


def patient():
    return {
        "resourceType": "Patient",
        "id": "example-patient",
        "text": narrative("Danielle M. Harper (fictional), female, born 1991-08-22, MRN RB-004217."),
        "identifier": [{
            "use": "usual",
            "type": concept(coding(THO + "v2-0203", "MR", "Medical record number")),
            "system": MRN_SYSTEM, "value": "RB-004217"}],
        "active": True,
        "name": [{"use": "official", "family": "Harper", "given": ["Danielle", "Marie"]}],
        "telecom": [{"system": "phone", "value": "555-0143", "use": "mobile"}],
        "gender": "female",
        "birthDate": "1991-08-22",
        "address": [{"use": "home", "line": ["418 Alder Creek Road"], "city": "Harlow", "state": "PA",
                     "postalCode": "17999", "country": "US"}],
        "maritalStatus": concept(coding(THO + "v3-MaritalStatus", "M", "Married")),
        "communication": [{"language": concept(coding("urn:ietf:bcp:47", "en-US", "English (United States)")),
                           "preferred": True}],
        "managingOrganization": ref(PROGRAM),
    }


def conditions():
    def condition(cid, code, display, onset, note):
        return {
            "resourceType": "Condition",
            "id": cid,
            "text": narrative("%s %s (confirmed, active). %s" % (code, display, note)),
            "clinicalStatus": concept(coding(THO + "condition-clinical", "active", "Active")),
            "verificationStatus": concept(coding(THO + "condition-ver-status", "confirmed", "Confirmed")),
            # An episode's diagnosis is on the problem list (as US Core's Condition Problems and Health Concerns),
            # not the diagnosis of one encounter.
            "category": [concept(coding(THO + "condition-category", "problem-list-item", "Problem List Item"))],
            "code": concept(coding(ICD10CM, code, display), text=display),
            "subject": ref(PATIENT),
            "onsetDateTime": onset,
            "recordedDate": "2026-01-02",
            "recorder": ref(PHYSICIAN),
            "asserter": ref(PHYSICIAN),
            "note": [{"text": note}],
        }
    return [
        condition("example-dx-aud", "F10.20", "Alcohol dependence, uncomplicated", "2016",
                  "Daily drinking since mid-2025 after five months of abstinence; no history of complicated "
                  "withdrawal."),
        condition("example-dx-gad", "F41.1", "Generalized anxiety disorder", "2019",
                  "Persistent worry, restlessness and poor sleep; drinking used to manage anxiety."),
    ]


# --------------------------------------------------------------------------- assessment

# Answered at intake, keyed by asam-dimension code (3rd edition: e3-1..e3-6).
RATINGS = {"e3-1": 1, "e3-2": 0, "e3-3": 2, "e3-4": 2, "e3-5": 3, "e3-6": 1}
RATIONALE = {
    "e3-1": "Last drink three days before intake; mild tremor and sweating (CIWA-Ar 6), no history of seizures or "
            "DTs: withdrawal can be managed without extended monitoring.",
    "e3-2": "No active physical health problems; recent primary-care labs normal; not pregnant.",
    "e3-3": "Generalized anxiety with moderate depressive symptoms (PHQ-9 14) that interfere with daily life; no "
            "suicidal or homicidal ideation (C-SSRS screen negative); stable enough for outpatient care.",
    "e3-4": "Wants to stop drinking to keep her job and marriage but doubts she can manage stress without alcohol.",
    "e3-5": "Returned to daily drinking after weekly outpatient counseling; strong evening cravings and few coping "
            "skills: needs the structure of several sessions a week.",
    "e3-6": "Lives with a supportive spouse in a safe, alcohol-free home; some workplace social drinking.",
}
ADULT_DIAGNOSES = [coding(ICD10CM, "F10.20", "Alcohol dependence, uncomplicated"),
                   coding(ICD10CM, "F41.1", "Generalized anxiety disorder")]     # as in conditions()
# The adult example's answers, by linkId of Questionnaire/iop-intake 0.2.0 (the screening codings, ratings and
# rationale are separate keyword arguments of intake_response). Values: bool, int, str (string, text and
# valueString options), a date string for date items, a coding dict for valueSet-bound choices, a list for
# repeating items, and for the repeating group `substance` a list of {linkId: value} dicts. Items enabled only
# for adolescents (CRAFFT, PHQ-A, school, guardian) and items behind a "yes" (C-SSRS method/intent/plan, recent
# behaviour, overdose count) are left out. No MOUD/MAUD is taken and naloxone does not apply, so
# current-moud-maud and naloxone-on-hand are unanswered.
ADULT_ANSWERS = {
    "screening-imminent-danger": False,
    "screening-phq9-total": 14,
    "screening-phq9-item9": 0,
    "screening-dast10-total": 1,
    "screening-auditc-total": 10,
    "cssrs-wish-dead": False,
    "cssrs-active-thoughts": False,
    "cssrs-behavior": False,
    "self-harm-3-months": False,
    "homicidal-ideation": False,
    "substance": [{"substance-class": coding(CS + "iop-substance-class", "alcohol", "Alcohol"),
                   "substance-days-used-30": 26,
                   "substance-route": "oral",
                   "substance-last-use": "2025-12-30",
                   "substance-age-first-use": 17}],
    "diagnosis": ADULT_DIAGNOSES,
    "overdose-history": False,
    "last-use": "2025-12-30",
    "withdrawal-symptoms": "mild",
    "withdrawal-history-complicated": False,
    "ciwa-ar-score": 6,
    "cows-score": 0,
    "medical-conditions": "No chronic medical conditions. Primary-care visit 2025-12-15: blood pressure, liver "
                          "enzymes and blood count within normal limits. Takes an oral contraceptive; no other "
                          "medications.",
    "medically-stable": True,
    "pregnant": False,
    "psychiatric-symptoms": "Daily worry about work and finances, restlessness, trouble falling asleep, low mood "
                            "most days for two months. Drinks in the evening to calm down. No psychotic symptoms; "
                            "oriented and cognitively intact.",
    "psychiatrically-stable": True,
    "cognitive-impairment": False,
    "living-situation": "stable-housing",
    "environment-safe": True,
    "support-network": True,
    "transportation": True,
    "commitments": "Full-time office manager at a dental practice; employer approved intermittent leave so she "
                   "starts at 1 pm on group days. Shares care of a 6-year-old with her husband.",
    "functional-impairment": ["work-or-school", "family"],
    "functional-notes": "Evening drinking and poor sleep leave her exhausted at work; arguments at home about "
                        "drinking. Still working full time.",
    "prior-treatment": "Weekly outpatient counseling, March-August 2024.",
    "prior-treatment-episodes": 1,
    "prior-level": coding(CS + "asam-level-of-care", "1", "Outpatient services"),
    "readiness-stage": "preparation",
    "motivation": "\"I can't keep doing this to my husband, and I can't lose this job.\" Agrees to attend three "
                  "mornings a week; unsure she can get through stressful evenings without a drink.",
    "relapse-history": "About five months abstinent after outpatient counseling in 2024. Resumed drinking in June "
                       "2025 after a promotion and longer hours; now 5-7 drinks most evenings.",
    "longest-abstinence-days": 152,
    "cravings": "moderate",
}
AGE_GROUP_DISPLAY = {"adult": "Adult", "adolescent": "Adolescent"}
EDITION_DISPLAY = {"3": "ASAM Criteria, 3rd edition (2013)", "4": "ASAM Criteria, 4th edition (2023)"}
INSTRUMENT_DISPLAY = {"asam": "ASAM Criteria", "locus": "LOCUS (adults)",
                      "calocus-casii": "CALOCUS-CASII (children and adolescents)"}
TRACK_DISPLAY = {"sud": "Substance use disorder", "mental-health": "Mental health",
                 "co-occurring": "Co-occurring substance use and mental health disorders"}
LOCUS_RATING_DISPLAY = {1: "Minimal", 2: "Mild", 3: "Moderate", 4: "Serious", 5: "Extreme"}
QUESTIONNAIRE_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir,
                                  "Questionnaire-iop-intake.json")


def rating_items(code, rating, rationale=None):
    """The answers of one rated dimension, by linkId: ASAM codes e3-N / e4-N (rating 0-4, asam-risk-rating,
    with the rationale as notes) or LOCUS codes 1, 2, 3, 4a, 4b, 5, 6 (rating 1-5, locus-rating)."""
    if code.startswith("e"):
        out = {code + "-rating": coding(CS + "asam-risk-rating", str(rating), RATING_DISPLAY[rating])}
        if rationale:
            out[code + "-notes"] = rationale
        return out
    return {"locus-%s-rating" % code: coding(CS + "locus-rating", str(rating), LOCUS_RATING_DISPLAY[rating])}


def _questionnaire_items():
    with open(QUESTIONNAIRE_FILE, encoding="utf-8") as f:
        return json.load(f)["item"]


def _answer(q, value):
    """One QuestionnaireResponse answer for a Questionnaire item of q's type."""
    kind = q["type"]
    if kind == "boolean":
        return {"valueBoolean": value}
    if kind == "integer":
        return {"valueInteger": value}
    if kind == "date":
        return {"valueDate": value}
    if kind == "choice" and "answerValueSet" in q and not isinstance(value, dict):
        raise ValueError("%s: answer with a coding from %s" % (q["linkId"], q["answerValueSet"]))
    if kind in ("string", "text") or (kind in ("choice", "open-choice") and isinstance(value, str)):
        return {"valueString": value}
    if kind in ("choice", "open-choice") and isinstance(value, dict):
        return {"valueCoding": value}
    raise ValueError("%s: cannot answer a %s item with %r" % (q["linkId"], kind, value))


def _enabled(q, answers):
    """Evaluates the enableWhen conditions of this Questionnaire (operator '=' only, all conditions must hold)."""
    for cond in q.get("enableWhen", []):
        given = answers.get(cond["question"])
        if "answerBoolean" in cond:
            ok = given is cond["answerBoolean"]
        elif "answerCoding" in cond:
            want = cond["answerCoding"]
            ok = isinstance(given, dict) and (given.get("system"), given.get("code")) == (want["system"], want["code"])
        else:
            raise ValueError("unsupported enableWhen on " + q["linkId"])
        if not ok:
            return False
    return True


def _response_items(questions, answers, enabled_answers, used):
    out = []
    for q in questions:
        link = q["linkId"]
        enabled = _enabled(q, enabled_answers)
        if q["type"] == "group":
            if q.get("repeats"):
                reps = answers.get(link) or []
                if reps and not enabled:
                    raise ValueError("%s is answered but not enabled" % link)
                used.add(link)
                for rep in reps:
                    inner = set()
                    children = _response_items(q["item"], rep, enabled_answers, inner)
                    unknown = set(rep) - inner
                    if unknown:
                        raise ValueError("not items of %s: %s" % (link, sorted(unknown)))
                    out.append({"linkId": link, "text": q["text"], "item": children})
                continue
            children = _response_items(q["item"], answers, enabled_answers, used) if enabled else []
            if not enabled and any(k in answers for k in _link_ids(q["item"])):
                raise ValueError("%s is answered but the group %s is not enabled" % (
                    sorted(k for k in _link_ids(q["item"]) if k in answers), link))
            if children:
                out.append({"linkId": link, "text": q["text"], "item": children})
            elif enabled and q.get("required"):
                raise ValueError("required group %s has no answers" % link)
            continue
        value = answers.get(link)
        if value is None:
            if enabled and q.get("required"):
                raise ValueError("required item %s is not answered" % link)
            continue
        if not enabled:
            raise ValueError("%s is answered but not enabled" % link)
        used.add(link)
        values = value if isinstance(value, list) else [value]
        if len(values) > 1 and not q.get("repeats"):
            raise ValueError("%s does not repeat" % link)
        out.append({"linkId": link, "text": q["text"], "answer": [_answer(q, v) for v in values]})
    return out


def _link_ids(questions):
    for q in questions:
        yield q["linkId"]
        yield from _link_ids(q.get("item", []))


def intake_response(age_group="adult", instrument="asam", edition="3", program_track="sud", ratings=None,
                    rationale=None, answers=None, rid="example-intake", subject=PATIENT, author=COUNSELOR,
                    authored=INTAKE_AUTHORED, summary=None):
    """The intake as a QuestionnaireResponse to Questionnaire/iop-intake 0.2.0.

    The defaults are the adult example (ASAM 3rd edition, SUD track). For another intake pass, for example,
    age_group="adolescent", ratings={"e3-1": 0, ...}, rationale={...} and answers={...}: answers are merged over
    ADULT_ANSWERS by linkId, and a value of None removes an adult answer (say "screening-auditc-total": None,
    with "screening-crafft-score": 3, "school-enrolled": True, "guardian-involved": True). instrument is "asam",
    "locus", "calocus-casii" or None (left unanswered, which the server reads as ASAM); edition "3", "4" or None;
    ratings are keyed by dimension code (e3-N, e4-N, or LOCUS 1, 2, 3, 4a, 4b, 5, 6). Item texts come from the
    Questionnaire file next door, and an answer to a disabled item, a missing required answer or an unknown
    linkId is an error.
    """
    ratings = RATINGS if ratings is None else ratings
    rationale = RATIONALE if rationale is None and ratings is RATINGS else (rationale or {})
    given = {"screening-age-group": coding(CS + "iop-age-group", age_group, AGE_GROUP_DISPLAY[age_group]),
             "screening-program-track": coding(CS + "iop-program-track", program_track, TRACK_DISPLAY[program_track])}
    if instrument:
        given["screening-instrument"] = coding(CS + "iop-placement-instrument", instrument,
                                               INSTRUMENT_DISPLAY[instrument])
    if edition:
        given["screening-edition"] = coding(CS + "asam-edition", edition, EDITION_DISPLAY[edition])
    for code, rating in ratings.items():
        given.update(rating_items(code, rating, rationale.get(code)))
    merged = dict(ADULT_ANSWERS)
    merged.update(given)
    merged.update(answers or {})
    merged = {k: v for k, v in merged.items() if v is not None}

    questions = _questionnaire_items()
    used = set()
    items = _response_items(questions, merged, merged, used)
    unknown = set(merged) - used
    if unknown:
        raise ValueError("not linkIds of Questionnaire/iop-intake: %s" % sorted(unknown))

    if summary is None:
        label = ("ASAM %s edition" % {"3": "3rd", "4": "4th"}[edition]) if edition and instrument in (None, "asam") \
            else INSTRUMENT_DISPLAY[instrument or "asam"]
        summary = ("Intake assessment %s (%s, %s, %s track). Ratings: %s. %s" % (
            authored[:10], label, age_group, program_track.upper() if program_track == "sud" else program_track,
            ", ".join("D%s=%s" % (code.split("-")[-1], r) for code, r in ratings.items()),
            "Imminent danger." if merged.get("screening-imminent-danger") else "No imminent danger."))
    out = {
        "resourceType": "QuestionnaireResponse",
        "id": rid,
        "meta": meta("iop-intake-response"),
        "text": narrative(summary),
    }
    if edition and instrument in (None, "asam"):
        out["extension"] = [{"url": SD + "asam-edition", "valueCode": edition}]
    out.update({
        "questionnaire": QUESTIONNAIRE,
        "status": "completed",
        "subject": ref(subject),
        "authored": authored,
        "author": ref(author),
        "source": ref(subject),
        "item": items,
    })
    return out


def dimension_ratings(ratings=None, rationale=None, edition="3", id_prefix="example-rating-", subject=PATIENT,
                      performer=COUNSELOR, effective=INTAKE_AUTHORED, intake=INTAKE):
    """One Observation per rated ASAM dimension, coded asam-dimension e3-N (or e4-N), id <id_prefix>N."""
    ratings = RATINGS if ratings is None else ratings
    rationale = RATIONALE if rationale is None and ratings is RATINGS else (rationale or {})
    out = []
    for code, r in ratings.items():
        obs = {
            "resourceType": "Observation",
            "id": id_prefix + code.split("-")[-1],
            "meta": meta("iop-dimension-rating"),
            "text": narrative("%s: rating %d (%s). %s" % (DIMENSION_DISPLAY[code], r, RATING_DISPLAY[r],
                                                          rationale.get(code, ""))),
            "extension": [{"url": SD + "asam-edition", "valueCode": edition}],
            "status": "final",
            "category": [concept(coding(THO + "observation-category", "survey", "Survey")),
                         concept(coding(CS + "iop-observation-code", "asam-dimension-rating",
                                        "ASAM dimension risk rating"))],
            "code": concept(coding(CS + "asam-dimension", code, DIMENSION_DISPLAY[code])),
            "subject": ref(subject),
            "effectiveDateTime": effective,
            "performer": [ref(performer)],
            "valueInteger": r,
        }
        if rationale.get(code):
            obs["note"] = [{"text": rationale[code]}]
        obs["derivedFrom"] = [ref(intake)]
        out.append(obs)
    return out


DETERMINATION_NOTE = ("Highest risk in relapse potential (3) with moderate emotional and readiness needs (2): needs "
                      "several structured sessions a week, while being medically stable, without complicated "
                      "withdrawal and with a safe, supportive home. Intensive outpatient care is the least intensive "
                      "level that meets these needs.")


def determination(ratings=None, edition="3", level=LEVEL_2_1, note=DETERMINATION_NOTE, rid="example-determination",
                  rating_prefix="example-rating-", subject=PATIENT, performer=PHYSICIAN, effective="2026-01-02",
                  intake=INTAKE, imminent_danger=False):
    ratings = RATINGS if ratings is None else ratings
    edition_name = {"3": "3rd", "4": "4th"}[edition]
    return {
        "resourceType": "Observation",
        "id": rid,
        "meta": meta("iop-level-of-care-determination"),
        "text": narrative("Level-of-care determination %s (ASAM %s edition): recommended and actual level %s %s; %s."
                          % (effective[:10], edition_name, level["code"], level["display"][0].lower()
                             + level["display"][1:], "imminent danger" if imminent_danger else "no imminent danger")),
        "extension": [{"url": SD + "asam-edition", "valueCode": edition}],
        "status": "final",
        "category": [concept(coding(THO + "observation-category", "survey", "Survey"))],
        "code": concept(coding(CS + "iop-observation-code", "level-of-care-determination",
                               "Level-of-care determination")),
        "subject": ref(subject),
        "effectiveDateTime": effective,
        "performer": [ref(performer)],
        "valueCodeableConcept": concept(level),
        "note": [{"text": note}],
        "hasMember": [ref("Observation/" + rating_prefix + code.split("-")[-1]) for code in ratings],
        "derivedFrom": [ref(intake)],
        "component": [
            {"code": concept(coding(CS + "iop-observation-code", "imminent-danger", "Imminent danger")),
             "valueBoolean": imminent_danger},
            {"code": concept(coding(CS + "iop-observation-code", "actual-level", "Actual level of care")),
             "valueCodeableConcept": concept(level)},
        ],
    }


# --------------------------------------------------------------------------- episode and plan

def episode():
    return {
        "resourceType": "EpisodeOfCare",
        "id": "example-episode",
        "meta": meta("iop-episode-of-care"),
        "text": narrative("IOP episode (SUD track, adult, ASAM 3rd edition level 2.1), 2026-01-05 to %s; "
                          "program completed." % DISCHARGE.isoformat()),
        "extension": [
            {"url": SD + "iop-age-group", "valueCode": "adult"},
            {"url": SD + "iop-level-of-care", "valueCoding": LEVEL_2_1},
            edition_ext(),
            {"url": SD + "iop-discharge-reason",
             "valueCodeableConcept": concept(coding(CS + "iop-discharge-reason", "completed", "Completed program"))},
        ],
        "status": "finished",
        "statusHistory": [
            {"status": "planned", "period": {"start": "2026-01-02", "end": "2026-01-05"}},
            {"status": "active", "period": {"start": "2026-01-05", "end": DISCHARGE.isoformat()}},
        ],
        "type": [concept(coding(CS + "iop-program-track", "sud", "Substance use disorder"))],
        "diagnosis": [
            {"condition": ref("Condition/example-dx-aud"),
             "role": concept(coding(THO + "diagnosis-role", "AD", "Admission diagnosis")), "rank": 1},
            {"condition": ref("Condition/example-dx-gad"),
             "role": concept(coding(THO + "diagnosis-role", "CM", "Comorbidity diagnosis")), "rank": 2},
        ],
        "patient": ref(PATIENT),
        "managingOrganization": ref(PROGRAM),
        "period": {"start": ADMISSION.isoformat(), "end": DISCHARGE.isoformat()},
        "careManager": ref(COUNSELOR),
    }


def goals():
    common = {"subject": ref(PATIENT), "startDate": "2026-01-06", "expressedBy": ref(PATIENT),
              "addresses": [ref("Condition/example-dx-aud")]}
    due = DISCHARGE.isoformat()
    abstinence = dict(common, **{
        "resourceType": "Goal", "id": "example-goal-abstinence", "meta": meta("iop-goal"),
        "text": narrative("Stay abstinent from alcohol for at least 30 consecutive days by %s. Achieved." % due),
        "lifecycleStatus": "completed",
        "achievementStatus": concept(coding(THO + "goal-achievement", "achieved", "Achieved")),
        "description": {"text": "Stay abstinent from alcohol for at least 30 consecutive days before discharge."},
        "target": [{"measure": {"text": "Days abstinent from alcohol, self-report confirmed by testing"},
                    "detailQuantity": {"value": 30, "unit": "d", "system": UCUM, "code": "d"},
                    "dueDate": due}],
        "statusDate": due,
        "note": [{"text": "Abstinent since 2025-12-30 by self-report; all %d weekly urine screens negative." % WEEKS}],
    })
    phq9 = dict(common, **{
        "resourceType": "Goal", "id": "example-goal-phq9", "meta": meta("iop-goal"),
        "text": narrative("Bring the PHQ-9 total to 9 or lower by %s. Improving (14 to 10); continued in "
                          "aftercare." % due),
        "lifecycleStatus": "active",
        "achievementStatus": concept(coding(THO + "goal-achievement", "improving", "Improving")),
        "description": {"text": "Reduce depressive and anxiety symptoms to a PHQ-9 total of 9 or lower."},
        "addresses": [ref("Condition/example-dx-gad")],
        "target": [{"measure": concept(coding(LOINC, "44261-6", "Patient Health Questionnaire 9 item (PHQ-9) "
                                                                "total score [Reported]"), text="PHQ-9 total score"),
                    "detailRange": {"high": {"value": 9}},
                    "dueDate": due}],
        "statusDate": due,
        "outcomeReference": [ref(last_phq9())],
    })
    attendance = dict(common, **{
        "resourceType": "Goal", "id": "example-goal-attendance", "meta": meta("iop-goal"),
        "text": narrative("Attend at least 90%% of scheduled group sessions by %s. Achieved." % due),
        "lifecycleStatus": "completed",
        "achievementStatus": concept(coding(THO + "goal-achievement", "achieved", "Achieved")),
        "description": {"text": "Attend at least 90% of scheduled group therapy sessions."},
        "target": [{"measure": {"text": "Share of scheduled group sessions attended"},
                    "detailQuantity": {"value": 90, "unit": "%", "system": UCUM, "code": "%"},
                    "dueDate": due}],
        "statusDate": due,
        "note": [{"text": "Attended 32 of every 35 group sessions not cancelled in advance (91%); each no-show "
                          "was followed up by phone the next day and made up in the same week."}],
    })
    return [abstinence, phq9, attendance]


def careplan():
    def activity(session_codes, timing, description, kind="Appointment", status="completed"):
        return {"detail": {
            "kind": kind,
            "code": concept(*session_codes),
            "status": status,
            "scheduledTiming": {"repeat": timing},
            "performer": [ref(COUNSELOR)],
            "description": description,
        }}
    acts = [
        activity([SESSION["group"]["type"], SESSION["group"]["snomed"]],
                 {"frequency": 3, "period": 1, "periodUnit": "wk", "duration": 3, "durationUnit": "h",
                  "dayOfWeek": ["mon", "wed", "fri"], "timeOfDay": ["09:00:00"]},
                 "Group therapy three mornings a week, 3 hours each (CBT skills, relapse prevention, "
                 "psychoeducation)."),
        activity([SESSION["individual"]["type"], SESSION["individual"]["snomed"]],
                 {"frequency": 1, "period": 2, "periodUnit": "wk", "duration": 1, "durationUnit": "h",
                  "dayOfWeek": ["tue"], "timeOfDay": ["14:00:00"]},
                 "Individual therapy every other week, 1 hour (motivational interviewing, anxiety management)."),
        {"detail": {
            "kind": "MedicationRequest",
            "code": concept(coding(CS + "iop-session-type", "medication-management", "Medication management")),
            "status": "completed",
            "scheduledTiming": {"repeat": {"frequency": 1, "period": 4, "periodUnit": "wk", "duration": 20,
                                           "durationUnit": "min"}},
            "performer": [ref(PHYSICIAN)],
            "description": "Medication for alcohol use disorder offered at admission: oral naltrexone 50 mg daily, "
                           "reviewed with the physician every 4 weeks.",
        }},
        activity([coding(CS + "iop-session-type", "drug-testing", "Drug testing")],
                 {"frequency": 1, "period": 1, "periodUnit": "wk", "duration": 15, "durationUnit": "min"},
                 "Observed urine drug screen with ethyl glucuronide once a week, at check-in for Monday group.",
                 kind="ServiceRequest"),
    ]
    return {
        "resourceType": "CarePlan",
        "id": "example-careplan",
        "meta": meta("iop-careplan"),
        "text": narrative("IOP treatment plan 2026-01-05 to " + DISCHARGE.isoformat() + ": group therapy 3 x 3 h a week, individual "
                          "therapy 1 h every other week, weekly drug screen (about 9.75 planned hours a week). "
                          "Goals: 30 days abstinent, PHQ-9 of 9 or lower, 90% group attendance."),
        "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/workflow-episodeOfCare",
                       "valueReference": ref(EPISODE)}],
        "status": "completed",
        "intent": "plan",
        # assess-plan is US Core's category for the assessment and plan of treatment.
        "category": [concept(coding(CS + "iop-careplan-category", "iop-treatment-plan", "IOP treatment plan")),
                     concept(coding(US_CORE_CAREPLAN_CATEGORY, "assess-plan", "Assessment and Plan of Treatment"))],
        "title": "Intensive outpatient treatment plan",
        "description": "Individualized plan for alcohol dependence with co-occurring generalized anxiety: build "
                       "coping and relapse-prevention skills, reduce anxiety and low mood, and step down to "
                       "weekly outpatient aftercare.",
        "subject": ref(PATIENT),
        "period": {"start": ADMISSION.isoformat(), "end": DISCHARGE.isoformat()},
        "created": "2026-01-06",
        "author": ref(PHYSICIAN),
        "contributor": [ref(PATIENT), ref(COUNSELOR)],
        "addresses": [ref("Condition/example-dx-aud"), ref("Condition/example-dx-gad")],
        "supportingInfo": [ref(DETERMINATION)],
        "goal": [ref("Goal/example-goal-abstinence"), ref("Goal/example-goal-phq9"),
                 ref("Goal/example-goal-attendance")],
        "activity": acts,
        "note": plan_reviews(),
    }


def plan_reviews():
    """The physician reviews the plan with the patient and counselor every 4 weeks (policies ask for 30 days)."""
    reviews = []
    day = ADMISSION + timedelta(days=29)
    while day < DISCHARGE:
        last = day + timedelta(days=28) >= DISCHARGE
        text = ("%d-day review: goals on track; discharge planning started, aftercare referral to weekly outpatient "
                "counseling from %s." % ((day - ADMISSION).days + 1, AFTERCARE_START.isoformat()) if last else
                "%d-day review with patient and counselor: attending reliably, urine screens negative, PHQ-9 "
                "trending down. Plan continued unchanged." % ((day - ADMISSION).days + 1))
        reviews.append({"authorReference": ref(PHYSICIAN), "time": iso(eastern(day, 16)), "text": text})
        day += timedelta(days=28)
    return reviews


def certifications():
    """Physician certification that IOP is needed (signed before the first day), renewed every 60 days.

    A DocumentReference authored and authenticated by the physician; `type` says certification or
    recertification, `context.period` is the period certified, `context.related` the episode and the
    individualized plan of care it certifies.
    """
    out = []
    start, k = ADMISSION, 0
    while start <= DISCHARGE:
        end = start + timedelta(days=CERTIFICATION_DAYS - 1)
        signed = eastern(date(2026, 1, 2), 11) if k == 0 else eastern(start - timedelta(days=2), 16, 30)
        kind = "physician-certification" if k == 0 else "physician-recertification"
        text = ("I certify that this patient needs intensive outpatient services of at least 9 hours a week under "
                "an individualized written plan of care, for %s to %s." % (start.isoformat(), end.isoformat()))
        if k:
            text = "Recertification: the patient continues to need intensive outpatient services. " + text
        title = ("Physician certification" if k == 0 else "Physician recertification") + " for IOP"
        out.append(text_document("example-certification-%02d" % (k + 1),
                                 coding(CS + "iop-record-type", kind, title.replace(" for IOP", "")), title, text,
                                 signed, [PHYSICIAN],
                                 {"period": {"start": start.isoformat(), "end": end.isoformat()},
                                  "related": [ref(EPISODE), ref(CAREPLAN)]}))
        start, k = end + timedelta(days=1), k + 1
    return out


def aftercare_referral():
    authored = eastern(DISCHARGE - timedelta(days=10), 15, 10)
    return {
        "resourceType": "ServiceRequest",
        "id": "example-aftercare-referral",
        "text": narrative("Aftercare referral: weekly outpatient counseling from %s, and a mutual-help group."
                          % AFTERCARE_START.isoformat()),
        "status": "active",
        "intent": "order",
        "category": [concept(coding(CS + "iop-record-type", "aftercare-referral", "Aftercare referral"))],
        "code": concept(coding(CS + "asam-level-of-care", "1", "Outpatient services"),
                        text="Weekly outpatient counseling"),
        "subject": ref(PATIENT),
        "occurrenceDateTime": AFTERCARE_START.isoformat(),
        "authoredOn": iso(authored),
        "requester": ref(COUNSELOR),
        "reasonReference": [ref("Condition/example-dx-aud")],
        "supportingInfo": [ref(EPISODE)],
        "note": [{"text": "Step-down from intensive outpatient care on completion of the program."}],
    }


def consent():
    return {
        "resourceType": "Consent",
        "id": "example-consent",
        "meta": meta("iop-consent-part2"),
        "text": narrative("42 CFR Part 2 consent signed 2026-01-05: the program may disclose substance use "
                          "disorder records to Blue Valley Health Plan for payment and coverage authorization until "
                          "2027-01-05. Psychotherapy (counseling) notes are excluded."),
        "status": "active",
        "scope": concept(coding(THO + "consentscope", "patient-privacy", "Privacy Consent")),
        "category": [concept(coding(LOINC, "59284-0", "Patient Consent"))],
        "patient": ref(PATIENT),
        "dateTime": "2026-01-05",
        "performer": [ref(PATIENT)],
        "organization": [ref(PROGRAM)],
        "sourceAttachment": {"contentType": "application/pdf", "title": "Signed 42 CFR Part 2 consent",
                             "creation": "2026-01-05T08:30:00-05:00"},
        "policyRule": concept(coding(THO + "v3-ActCode", "42CFRPart2", "42 CFR Part2")),
        "provision": {
            "type": "permit",
            "period": {"start": "2026-01-05", "end": (DISCHARGE + timedelta(days=365)).isoformat()},
            "actor": [{"role": concept(coding(THO + "v3-ParticipationType", "IRCP", "information recipient")),
                       "reference": ref(PAYER)}],
            "purpose": [coding(THO + "v3-ActReason", "HPAYMT", "healthcare payment"),
                        coding(THO + "v3-ActReason", "COVAUTH", "coverage authorization")],
            "securityLabel": [coding(THO + "v3-ActCode", "SUD", "substance use disorder information sensitivity")],
            "provision": [{
                "type": "deny",
                "securityLabel": [coding(THO + "v3-ActCode", "PSYTHPN",
                                         "psychotherapy note information sensitivity")],
            }],
        },
    }


# --------------------------------------------------------------------------- sessions

def sessions():
    """Every scheduled session: (kind, number, day, start, end, status)."""
    out = []
    makeups = 0
    for week in range(WEEKS):
        for k, offset in enumerate((0, 2, 4)):          # Monday, Wednesday, Friday
            n = week * 3 + k + 1
            day = ADMISSION + timedelta(days=7 * week + offset)
            status = "noshow" if cycle(n) in NO_SHOWS else "cancelled" if cycle(n) in CANCELLED else "fulfilled"
            out.append(("group", n, day, eastern(day, 9), eastern(day, 12), status))
            if cycle(n) in MAKEUP:
                makeups += 1
                days_after, hour = MAKEUP[cycle(n)]
                makeup_day = day + timedelta(days=days_after)
                out.append(("makeup", makeups, makeup_day, eastern(makeup_day, hour), eastern(makeup_day, hour + 3),
                            "fulfilled"))
    for k in range(WEEKS // 2):                           # every second Tuesday
        day = ADMISSION + timedelta(days=1 + 14 * k)
        out.append(("individual", k + 1, day, eastern(day, 14), eastern(day, 15), "fulfilled"))
    return out


def cycle(n, length=36):
    """The session's number within its 12-week block: longer episodes repeat the first 12 weeks' story."""
    return (n - 1) % length + 1


def suffix(kind, n):
    return {"group": "g%02d", "individual": "i%02d", "makeup": "m%02d"}[kind] % n


GROUP_NOTES = {
    1: "Orientation to group norms and confidentiality. Client introduced herself, described evening drinking "
       "to manage work stress and set an initial goal of 30 days abstinent. Mild tremor resolved; no withdrawal "
       "concerns.",
    2: "Topic: the cycle of anxiety and alcohol use. Client identified 5-7 pm after work as her highest-risk "
       "time and listed three alternatives to drinking.",
    3: "Topic: cravings as waves. Client practiced urge surfing and reported two strong cravings this week, "
       "neither acted on.",
    4: "Topic: thought records. Client completed her first record about a conflict with a supervisor; needed "
       "prompting to separate thoughts from feelings.",
    5: "Topic: sleep and recovery. Client reports falling asleep within an hour on most nights now; "
       "shared her wind-down routine with peers.",
    6: "Topic: communicating needs at home. Client role-played asking her husband for help with evenings; "
       "engaged and supportive of others.",
    7: "Topic: high-risk social situations. Client planned how to decline drinks at a work dinner next week.",
    9: "Returned after Wednesday no-show. Client discussed oversleeping after a night of poor sleep and "
       "recommitted to her attendance plan; denies use.",
    10: "Topic: cognitive distortions (catastrophizing). Client linked her worry about finances to urges to "
        "drink and reframed two examples.",
    11: "Session by secure video because of the snow emergency. Topic: relaxation skills; client practiced "
        "paced breathing and stayed engaged throughout.",
    12: "Session by secure video (roads still closed). Topic: values clarification; client named family and "
        "reliability at work as reasons to stay sober.",
    13: "Topic: alcohol and the body. Client surprised by effects on sleep and mood; asked good questions.",
    14: "Topic: building a sober support network. Client agreed to try a mutual-help meeting this weekend.",
    16: "Returned after cancelling Friday for a family funeral; client shared her grief and said she attended "
        "her first mutual-help meeting while away. Topic: managing unstructured time on weekends.",
    17: "Topic: problem-solving steps. Client applied them to scheduling childcare on group days.",
    18: "Topic: assertive refusal skills. Client practiced refusals with two peers; confident and clear.",
    19: "Topic: emotion regulation. Client described feeling irritable rather than anxious this week and "
        "linked it to a work deadline; no use.",
    21: "Returned after Wednesday no-show (child ill). Topic: lapse versus relapse; client explained her plan if "
        "she has a drink and who she would call.",
    22: "Topic: gratitude and positive activities. Client scheduled two pleasant activities with her family.",
    23: "Topic: stress at work. Client set a boundary about staying late and reported less evening tension.",
    24: "Session by secure video (car in for repairs). Topic: triggers review; client updated her trigger list "
        "and coping card.",
    25: "Topic: relationships in recovery. Husband's support remains strong; client shared gratitude for it.",
    26: "Client left at 11:30 for a pre-arranged dental appointment, which she had told the group about. "
        "Topic: self-compassion after mistakes; active until she left.",
    27: "Topic: anxiety without alcohol. Client reports worry is manageable most days and that she uses "
        "breathing and thought records on her own.",
    28: "Topic: planning for holidays and celebrations. Client prepared for her sister's birthday party.",
    30: "Returned after Wednesday no-show. Client reported a weekend of strong cravings without use; reviewed "
        "which skills helped and added an evening check-in call with a peer.",
    31: "Topic: relapse warning signs. Client identified isolating and skipping meals as her early signs.",
    32: "Group ended early at 11:30 because of a building fire-alarm test. Topic: recovery maintenance plan; "
        "client drafted hers.",
    33: "Session by secure video (child home sick). Topic: healthy routines; client shared her weekday "
        "schedule.",
    34: "Topic: step-down to weekly aftercare. Client expressed some worry about less structure and named "
        "her supports.",
    35: "Topic: reviewing progress. Client reflected on 12 weeks without alcohol and gave feedback to newer "
        "members.",
    36: "Final group. Client completed the program, presented her relapse prevention plan and said goodbye; "
        "aftercare begins 2026-03-31 with weekly outpatient counseling.",
}
INDIVIDUAL_NOTES = {
    1: "Individual session: reviewed assessment and treatment plan; client agreed with goals. Motivational "
       "interviewing explored her ambivalence about evenings without alcohol. No safety concerns.",
    2: "Individual session: reviewed her sleep diary and work stress; client is using thought records "
       "between sessions and reports two cravings this week, neither acted on.",
    3: "Individual session: explored the missed group on 2026-01-21; anxiety management plan updated. Client "
       "reports no use and fewer cravings; husband joined for the last 10 minutes to discuss how he can help.",
    4: "Individual session: talked through grief after the family funeral that led her to cancel a group, and "
       "reinforced her lapse plan. Client remains abstinent and motivated.",
    5: "Individual session: 60-day progress review; client reports better sleep and less worry. Began "
       "discharge and aftercare planning.",
    6: "Individual session: reviewed last week's missed group and craving weekend, then finalized the relapse "
       "prevention and aftercare plan; referral to weekly outpatient counseling confirmed. Client feels ready "
       "to step down.",
}
OUTREACH = {
    8: "Called the patient the morning after the missed group. She overslept after a night of poor sleep; "
       "no use. Reviewed her attendance plan and confirmed Friday's session.",
    20: "Left a voicemail, then spoke with the patient at noon: her son was sick and she forgot to call in. "
        "No use reported. Reminded her of the call-in line; confirmed Friday's session.",
    29: "Reached the patient by phone: a hard weekend with strong cravings, no drinking. She stayed home "
        "feeling drained. Encouraged her to call a peer, confirmed Friday's session and planned to review "
        "it at her next individual session.",
}
MAKEUP_NOTES = {
    1: "Make-up group (evening track) for the missed Wednesday session. Topic: cravings and sleep; client "
       "engaged well with a new group and practiced urge surfing.",
    2: "Make-up group (Saturday morning) for the Friday she cancelled. Topic: coping with grief without "
       "alcohol; client shared openly and supported a newer member.",
    3: "Make-up group (evening track) after Wednesday's no-show. Topic: routines at home; client planned "
       "how to get to group on mornings when her son is ill.",
    4: "Make-up group (evening track) after Wednesday's no-show. Topic: getting through high-craving "
       "weekends; client described the peer check-in call she added.",
}
# Notes signed the day after the session (all others are signed the same afternoon).
SIGNED_NEXT_DAY = {("group", 5), ("group", 23), ("individual", 4)}


def appointment(kind, n, day, start, end, status):
    s = SESSION[kind]
    sid = suffix(kind, n)
    appt = {
        "resourceType": "Appointment",
        "id": "example-appt-" + sid,
        "meta": meta("iop-appointment"),
        "text": narrative("%s %s %s-%s: %s." % (s["label"], day.isoformat(), start.strftime("%H:%M"),
                                                end.strftime("%H:%M"), status)),
        "status": status,
        "serviceType": [concept(s["type"], s["snomed"])],
        "description": {"group": "IOP group therapy, morning track",
                        "makeup": "IOP group therapy, make-up session for a missed group",
                        "individual": "Individual therapy with primary counselor"}[kind],
        "start": iso(start),
        "end": iso(end),
        "minutesDuration": s["minutes"],
        "created": "2026-01-02",
        "participant": [
            {"actor": ref(PATIENT), "required": "required", "status": "accepted"},
            {"actor": ref(COUNSELOR), "required": "required", "status": "accepted"},
        ],
        "supportingInformation": [ref(EPISODE), ref(CAREPLAN)],
    }
    if status == "cancelled":
        appt["cancelationReason"] = concept(coding(THO + "appointment-cancellation-reason", "pat", "Patient"),
                                            text="Patient called the day before to cancel: family funeral out "
                                                 "of town.")
        appt["comment"] = "Cancelled by the patient on %s." % (day - timedelta(days=1)).isoformat()
    return appt


def encounter(kind, n, day, start, end):
    s = SESSION[kind]
    sid = suffix(kind, n)
    minutes = ENDED_EARLY.get(cycle(n), s["minutes"]) if kind == "group" else s["minutes"]
    actual_end = start + timedelta(minutes=minutes)
    virtual = kind == "group" and cycle(n) in TELEHEALTH
    enc_class = coding(THO + "v3-ActCode", "VR", "virtual") if virtual else coding(THO + "v3-ActCode", "AMB",
                                                                                   "ambulatory")
    return {
        "resourceType": "Encounter",
        "id": "example-enc-" + sid,
        "meta": meta("iop-encounter"),
        "text": narrative("%s %s %s-%s (%d min, %s)." % (s["label"], day.isoformat(), start.strftime("%H:%M"),
                                                         actual_end.strftime("%H:%M"), minutes,
                                                         "telehealth" if virtual else "in person")),
        "status": "finished",
        "class": enc_class,
        # The session type, not a billing code: billing follows from it (ConceptMap session-type-to-billing).
        "type": [concept(s["type"], s["snomed"])],
        "subject": ref(PATIENT),
        "episodeOfCare": [ref(EPISODE)],
        "participant": [{"type": [concept(coding(THO + "v3-ParticipationType", "PPRF", "primary performer"))],
                         "individual": ref(COUNSELOR)}],
        "appointment": [ref("Appointment/example-appt-" + sid)],
        "period": {"start": iso(start), "end": iso(actual_end)},
        "length": minutes_qty(minutes),
        "serviceProvider": ref(PROGRAM),
    }, actual_end


def progress_note(kind, n, day, start, end):
    sid = suffix(kind, n)
    text = {"group": lambda: GROUP_NOTES[cycle(n)], "makeup": lambda: MAKEUP_NOTES[cycle(n, 4)],
            "individual": lambda: INDIVIDUAL_NOTES[cycle(n, 6)]}[kind]()
    signed = end + timedelta(minutes=45)
    if (kind, n) in SIGNED_NEXT_DAY:
        signed = eastern(day + timedelta(days=1), 9, 30)
    title = "%s progress note %s" % (SESSION[kind]["label"], day.isoformat())
    return text_document("example-note-" + sid, coding(LOINC, "11506-3", "Progress note"), title, text, signed,
                         [COUNSELOR], {"encounter": [ref("Encounter/example-enc-" + sid)],
                                       "period": {"start": iso(start), "end": iso(end)}})


def text_document(rid, doc_type, title, text, signed, authors, context, summary=None):
    """A signed plain-text document; the first author authenticates it."""
    return {
        "resourceType": "DocumentReference",
        "id": rid,
        "text": narrative(summary or title + ": " + text),
        "status": "current",
        "docStatus": "final",
        "type": concept(doc_type),
        "category": [concept(coding(US_CORE_DOCUMENT_CATEGORY, "clinical-note", "Clinical Note"))],
        "subject": ref(PATIENT),
        "date": iso(signed),
        "author": [ref(a) for a in authors],
        "authenticator": ref(authors[0]),
        "description": title,
        "content": [{"attachment": {"contentType": "text/plain", "language": "en-US", "data": b64(text),
                                    "title": title, "creation": iso(signed)}}],
        "context": context,
    }


def outreach(n, day):
    sent = eastern(day + timedelta(days=1), 10, 15)
    return {
        "resourceType": "Communication",
        "id": "example-outreach-g%02d" % n,
        "text": narrative("No-show outreach %s: %s" % (sent.date().isoformat(), OUTREACH[cycle(n)])),
        "status": "completed",
        "category": [{"text": "No-show outreach"}],
        "medium": [concept(coding(THO + "v3-ParticipationMode", "PHONE", "telephone"))],
        "subject": ref(PATIENT),
        "about": [ref("Appointment/example-appt-g%02d" % n)],
        "sent": iso(sent),
        "recipient": [ref(PATIENT)],
        "sender": ref(COUNSELOR),
        "payload": [{"contentString": OUTREACH[cycle(n)]}],
    }


# Urine drug screens the standard way (profile iop-drug-screen): LOINC test codes, SNOMED CT results. Sources are
# cited in ValueSet iop-drug-screen-code (LOINC 65750-2 drugs-of-abuse cup, 58375-7 ethyl glucuronide screen) and
# iop-drug-screen-result (SNOMED CT 10828004 Positive, 260385009 Negative, 419984006 Inconclusive).
DRUGS_OF_ABUSE_SCREEN = coding(LOINC, "65750-2", "Drugs of abuse 5 panel - Urine by Screen method")
ETG_SCREEN = coding(LOINC, "58375-7", "Ethyl glucuronide [Presence] in Urine by Screen method")
POSITIVE = coding(SCT, "10828004", "Positive")
NEGATIVE = coding(SCT, "260385009", "Negative")


def drug_screen(k, day, encounter_id):
    collected = eastern(day, 9, 0)        # at check-in for Monday group
    return {
        "resourceType": "Observation",
        "id": "example-uds-%02d" % k,
        "meta": meta("iop-drug-screen"),
        "text": narrative("Urine drug screen %s: negative." % day.isoformat()),
        "status": "final",
        "category": [concept(coding(THO + "observation-category", "laboratory", "Laboratory"))],
        "code": concept(DRUGS_OF_ABUSE_SCREEN, text="Urine drug screen"),
        "subject": ref(PATIENT),
        "encounter": ref("Encounter/" + encounter_id),
        "effectiveDateTime": iso(collected),
        "issued": iso(collected + timedelta(minutes=15)),
        "performer": [ref(COUNSELOR)],
        "valueCodeableConcept": concept(NEGATIVE),
        "component": [{"code": concept(ETG_SCREEN), "valueCodeableConcept": concept(NEGATIVE)}],
        "note": [{"text": ("Admission screen. " if k == 1 else "")
                  + "Observed collection; point-of-care cup for common drugs of abuse plus ethyl glucuronide "
                    "(EtG) immunoassay, all negative."}],
    }


PHQ9 = [14, 13, 13, 12, 12, 11, 11, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10]
GAD7 = [15, 14, 13, 13, 12, 12, 11, 11, 11, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10]


def measurement_days():
    """Intake, then every other Friday from the second week while the program runs."""
    days = []
    day = ADMISSION + timedelta(days=11)
    while day < DISCHARGE:
        days.append(day)
        day += timedelta(days=14)
    return days


def score(oid, when, loinc, display, text, value):
    return {
        "resourceType": "Observation",
        "id": oid,
        "text": narrative("%s %s: %d." % (text, when[:10], value)),
        "status": "final",
        "category": [concept(coding(THO + "observation-category", "survey", "Survey"))],
        "code": concept(coding(*loinc, display), text=text),
        "subject": ref(PATIENT),
        "effectiveDateTime": when,
        "performer": [ref(COUNSELOR)],
        "valueInteger": value,
    }


def phq9_scores():
    """PHQ-9 and GAD-7 at intake and every other week (measurement-based care): still moderate, so the
    admission severity persists; days of use on a substance-use monitor at intake and monthly."""
    times = [INTAKE_AUTHORED] + [iso(eastern(d, 12, 15)) for d in measurement_days()]
    out = []
    for k, when in enumerate(times):
        out.append(score("example-phq9-%02d" % (k + 1), when, (LOINC, "44261-6"),
                         "Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]", "PHQ-9 total score",
                         PHQ9[min(k, len(PHQ9) - 1)]))
        out.append(score("example-gad7-%02d" % (k + 1), when, (LOINC, "70274-6"),
                         "Generalized anxiety disorder 7 item (GAD-7) total score [Reported.PHQ]", "GAD-7 total score",
                         GAD7[min(k, len(GAD7) - 1)]))
        if k % 2 == 0:
            out.append(score("example-use-%02d" % (k // 2 + 1), when, (CS + "iop-observation-code", "substance-use-days"),
                             "Days of substance use, past 30 days", "Days of alcohol use in the past 30 days (BAM)",
                             20 if k == 0 else 0))
    return out


def last_phq9():
    return "Observation/example-phq9-%02d" % (len(measurement_days()) + 1)


def coverage():
    return {
        "resourceType": "Coverage",
        "id": "example-coverage",
        "text": narrative("Blue Valley Health Plan commercial coverage of the patient (fictional)."),
        "status": "active",
        "type": concept(coding("urn:oid:2.16.840.1.113883.3.221.5", "5", "PRIVATE HEALTH INSURANCE")),
        "subscriberId": "BVH-55501234",
        "beneficiary": ref(PATIENT),
        "relationship": concept(coding(THO + "subscriber-relationship", "self", "Self")),
        "period": {"start": "2025-01-01", "end": "2026-12-31"},
        "payor": [ref(PAYER)],
    }


def authorization():
    """The payer's prior authorization (Da Vinci PAS shape): the window and the H0015 days it covers."""
    return {
        "resourceType": "ClaimResponse",
        "id": "example-preauth",
        "text": narrative("Blue Valley Health Plan authorizes intensive outpatient care (H0015), %s to %s, up to "
                          "60 days (authorization BV-PA-2026-0042)." % (ADMISSION, ADMISSION + timedelta(days=111))),
        "status": "active",
        "type": concept(coding(THO + "claim-type", "institutional", "Institutional")),
        "use": "preauthorization",
        "patient": ref(PATIENT),
        "created": iso(eastern(date(2026, 1, 3), 10)),
        "insurer": ref(PAYER),
        "requestor": ref(PROGRAM),
        "outcome": "complete",
        "disposition": "Authorized after review of the intake assessment and level-of-care determination.",
        "preAuthRef": "BV-PA-2026-0042",
        "preAuthPeriod": {"start": ADMISSION.isoformat(), "end": (ADMISSION + timedelta(days=111)).isoformat()},
        "addItem": [{
            "productOrService": concept(coding(HCPCS, "H0015", "Alcohol and/or drug services, intensive outpatient")),
            "quantity": {"value": 60},
            "adjudication": [{"category": concept(coding(THO + "adjudication", "eligible", "Eligible Amount"))}],
        }],
    }


def safety_plan():
    return {
        "resourceType": "CarePlan",
        "id": "example-safety-plan",
        "text": narrative("Safety and crisis plan: warning signs, coping steps, supports, and 24/7 crisis access "
                          "(988 and the program's on-call line)."),
        "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/workflow-episodeOfCare",
                       "valueReference": ref(EPISODE)}],
        "status": "active",
        "intent": "plan",
        "category": [concept(coding(CS + "iop-careplan-category", "crisis-safety-plan", "Safety and crisis plan")),
                     concept(coding(US_CORE_CAREPLAN_CATEGORY, "assess-plan", "Assessment and Plan of Treatment"))],
        "title": "Safety and crisis plan",
        "subject": ref(PATIENT),
        "created": "2026-01-06",
        "author": ref(COUNSELOR),
        "contributor": [ref(PATIENT)],
        "activity": [{"detail": {
            "code": concept(coding(CS + "iop-session-type", "crisis-intervention", "Crisis intervention")),
            "status": "in-progress",
            "description": "Call or text 988, or the program's on-call clinician at 555-0199, at any hour, any day.",
        }}],
    }


def discharge_summary(all_sessions):
    def count(kind, status=None):
        return sum(1 for k, _, _, _, _, st in all_sessions if k == kind and status in (None, st))
    text = ("Discharge summary: Danielle Harper completed the %d-week intensive outpatient program on %s. "
            "She attended %d of %d scheduled group sessions, %d make-up groups and all %d individual sessions, "
            "stayed abstinent from alcohol with %d negative weekly screens, and her PHQ-9 fell from 14 to 10. "
            "Discharge criteria met; referred to weekly outpatient counseling starting %s and to a mutual-help "
            "group." % (WEEKS, DISCHARGE.isoformat(), count("group", "fulfilled"), count("group"), count("makeup"),
                        count("individual"), WEEKS, AFTERCARE_START.isoformat()))
    return text_document("example-discharge-summary", coding(LOINC, "18842-5", "Discharge summary"),
                         "IOP discharge summary", text, eastern(DISCHARGE, 15, 30), [PHYSICIAN, COUNSELOR],
                         {"period": {"start": ADMISSION.isoformat(), "end": DISCHARGE.isoformat()},
                          "related": [ref(EPISODE)]}, summary=text)


# --------------------------------------------------------------------------- bundle

def build(variant=None):
    resources = organizations() + practitioners() + [patient()] + conditions()
    resources += [intake_response()] + dimension_ratings() + [determination(), episode()]
    resources += goals() + [careplan(), safety_plan(), consent(), coverage(), authorization()] + certifications()

    appointments, encounters, notes, outreaches, screens = [], [], [], [], []
    all_sessions = sessions()
    for kind, n, day, start, end, status in all_sessions:
        appointments.append(appointment(kind, n, day, start, end, status))
        if status == "fulfilled":
            enc, actual_end = encounter(kind, n, day, start, end)
            encounters.append(enc)
            notes.append(progress_note(kind, n, day, start, actual_end))
            if kind == "group" and day.weekday() == 0:      # weekly screen at Monday check-in
                screens.append(drug_screen(len(screens) + 1, day, enc["id"]))
        elif status == "noshow":
            outreaches.append(outreach(n, day))
    resources += appointments + encounters + notes + outreaches + screens + phq9_scores()
    resources += [aftercare_referral(), discharge_summary(all_sessions)]
    if variant:
        variant(resources)

    ids = set()
    entries = []
    for r in resources:
        key = "%s/%s" % (r["resourceType"], r["id"])
        assert r["id"].startswith("example-") and key not in ids, key
        ids.add(key)
        entries.append({"fullUrl": "%s/%s" % (BASE, key), "resource": r,
                        "request": {"method": "PUT", "url": key}})
    return {"resourceType": "Bundle", "id": "example-episode", "type": "transaction", "entry": entries}



# --------------------------------------------------------------------------- variants

def by_id(resources, rtype, rid):
    return next(r for r in resources if r["resourceType"] == rtype and r["id"] == rid)


def observation_level(oid, day, level, display, note):
    """A re-rating after admission: a level-of-care determination recommending (and placing at) a level."""
    return {
        "resourceType": "Observation",
        "id": oid,
        "text": narrative("Re-rated %s: level %s. %s" % (day, level, note)),
        "status": "final",
        "category": [concept(coding(THO + "observation-category", "survey", "Survey"))],
        "code": concept(coding(CS + "iop-observation-code", "level-of-care-determination", "Level-of-care determination")),
        "subject": ref(PATIENT),
        "effectiveDateTime": day,
        "performer": [ref(PHYSICIAN)],
        "valueCodeableConcept": concept(coding(CS + "asam-level-of-care", level, display)),
        "note": [{"text": note}],
    }


def variant_lapse(resources):
    """Week 5: a lapse. Monday's screen is EtG-positive; the next day's physician review changes the plan
    (weekly relapse-prevention sessions). A clinical signal answered by the plan: continued stay holds."""
    screen = by_id(resources, "Observation", "example-uds-05")
    screen["valueCodeableConcept"] = concept(POSITIVE)
    screen["component"] = [{"code": concept(ETG_SCREEN), "valueCodeableConcept": concept(POSITIVE)}]
    screen["interpretation"] = [concept(coding(THO + "v3-ObservationInterpretation", "POS", "Positive"))]
    screen["text"] = narrative("Urine drug screen %s: positive for ethyl glucuronide (alcohol use)." % screen["effectiveDateTime"][:10])
    screen["note"] = [{"text": "Observed collection; EtG immunoassay positive. Patient reports drinking on Saturday."}]
    plan = by_id(resources, "CarePlan", "example-careplan")
    plan["note"][0]["text"] = ("30-day review after a lapse (EtG positive on Monday): plan changed - weekly individual "
                               "relapse-prevention sessions for four weeks, naltrexone adherence check, screens continue.")
    episode = by_id(resources, "EpisodeOfCare", "example-episode")
    episode["text"] = narrative("IOP episode with a lapse in week 5 answered by a plan change; program completed %s."
                                % DISCHARGE.isoformat())


def variant_step_up(resources):
    """Weeks 6-7: re-rated at 2.5 after repeated use, the patient steps up to partial hospitalization (the IOP
    episode is on hold, its sessions cancelled), then is re-rated at 2.1 and resumes IOP."""
    hold_from = ADMISSION + timedelta(days=35)
    hold_to = hold_from + timedelta(days=13)
    episode = by_id(resources, "EpisodeOfCare", "example-episode")
    episode["statusHistory"] = [
        {"status": "planned", "period": {"start": "2026-01-02", "end": ADMISSION.isoformat()}},
        {"status": "active", "period": {"start": ADMISSION.isoformat(), "end": hold_from.isoformat()}},
        {"status": "onhold", "period": {"start": hold_from.isoformat(), "end": hold_to.isoformat()}},
        {"status": "active", "period": {"start": (hold_to + timedelta(days=1)).isoformat(), "end": DISCHARGE.isoformat()}},
    ]
    episode["text"] = narrative("IOP episode stepped up to partial hospitalization (2.5) from %s to %s and back; "
                                "program completed %s." % (hold_from, hold_to, DISCHARGE))
    held = lambda when: hold_from.isoformat() <= when[:10] <= hold_to.isoformat()
    gone = set()
    for r in resources:
        if r["resourceType"] == "Appointment" and held(r["start"]) and r["status"] in ("fulfilled", "noshow"):
            r["status"] = "cancelled"
            r["cancelationReason"] = concept(coding(THO + "appointment-cancellation-reason", "prov",
                                                    "Provider"), text="Stepped up to partial hospitalization")
        if r["resourceType"] == "Encounter" and held(r["period"]["start"]):
            gone.add("Encounter/" + r["id"])
        if r["resourceType"] == "DocumentReference" and any(e["reference"] in gone for e in
                                                           r.get("context", {}).get("encounter", [])):
            gone.add("DocumentReference/" + r["id"])
        if r["resourceType"] == "Communication" and held(r["sent"]):
            gone.add("Communication/" + r["id"])
    resources[:] = [r for r in resources if "%s/%s" % (r["resourceType"], r["id"]) not in gone]
    for r in resources:
        if r["resourceType"] == "Observation" and r.get("encounter", {}).get("reference") in gone:
            del r["encounter"]
    resources.append(observation_level("example-rerating-up", iso(eastern(hold_from - timedelta(days=3), 16)), "2.5",
                                       "Partial hospitalization services",
                                       "Repeated use and rising craving (dimension 5 rated 4): step up to partial "
                                       "hospitalization for two weeks."))
    resources.append(observation_level("example-rerating-back", iso(eastern(hold_to, 15)), "2.1",
                                       "Intensive outpatient services",
                                       "Stable after two weeks of partial hospitalization: back to intensive "
                                       "outpatient care."))


def variant_early_discharge(resources):
    """A five-week stay ended when the patient left against advice: no aftercare referral could be made."""
    episode = by_id(resources, "EpisodeOfCare", "example-episode")
    for x in episode["extension"]:
        if x["url"].endswith("iop-discharge-reason"):
            x["valueCodeableConcept"] = concept(coding(CS + "iop-discharge-reason", "left-against-advice",
                                                       "Left against clinical advice"))
    episode["text"] = narrative("IOP episode ended %s when the patient left against clinical advice." % DISCHARGE)
    resources[:] = [r for r in resources if r["id"] != "example-aftercare-referral"]
    for goal in (r for r in resources if r["resourceType"] == "Goal"):
        goal["lifecycleStatus"] = "cancelled"
        goal["achievementStatus"] = concept(coding(THO + "goal-achievement", "not-achieved", "Not Achieved"))
        goal.pop("outcomeReference", None)
        goal["text"] = narrative("Not achieved: the patient left the program against advice on %s." % DISCHARGE)
    summary = by_id(resources, "DocumentReference", "example-discharge-summary")
    text = ("Discharge summary: the patient left the intensive outpatient program against clinical advice on %s, "
            "after %d weeks; she declined a referral to outpatient counseling. Crisis numbers were given." % (DISCHARGE, WEEKS))
    summary["description"] = text
    summary["content"][0]["attachment"]["data"] = b64(text)
    summary["text"] = narrative(text)


def variant_adolescent(resources):
    """The adolescent track: a 15-year-old (age group adolescent, so the 6-hour threshold of the
    commercial policy), the same after-school groups, and family therapy in place of every other
    individual session, as the plan calls for. The intake is the example's story assessed for the
    adolescent program (adolescent screeners, school and guardian); its ratings and determination
    are the example's, which the adolescent table also places at 2.1."""
    patient_ = by_id(resources, "Patient", "example-patient")
    patient_["birthDate"] = "2010-05-14"
    patient_["text"] = narrative("Danielle M. Harper (fictional), female, born 2010-05-14, MRN RB-004217.")
    patient_.pop("maritalStatus", None)
    intake = by_id(resources, "QuestionnaireResponse", "example-intake")
    resources[resources.index(intake)] = intake_response(
        age_group="adolescent", answers={"screening-crafft-score": 4, "screening-phqa-total": 13,
                                         "school-enrolled": True, "guardian-involved": True},
        summary="Intake assessment 2026-01-02 (ASAM 3rd edition, adolescent, SUD track).")
    episode = by_id(resources, "EpisodeOfCare", "example-episode")
    for x in episode["extension"]:
        if x["url"].endswith("iop-age-group"):
            x["valueCode"] = "adolescent"
    episode["text"] = narrative("IOP episode (SUD track, adolescent, ASAM level 2.1) with family therapy; program "
                                "completed %s." % DISCHARGE)
    family = coding(CS + "iop-session-type", "family-therapy", "Family therapy")
    family_snomed = coding(SCT, "108313002", "Family psychotherapy")
    plan = by_id(resources, "CarePlan", "example-careplan")
    plan["activity"].append({"detail": {
        "kind": "Appointment", "code": concept(family, family_snomed), "status": "completed",
        "scheduledTiming": {"repeat": {"frequency": 1, "period": 4, "periodUnit": "wk", "duration": 1,
                                       "durationUnit": "h", "dayOfWeek": ["tue"]}},
        "performer": [ref(COUNSELOR)],
        "description": "Family therapy with a parent every fourth week, 1 hour."}})
    for r in resources:
        if r["resourceType"] in ("Encounter", "Appointment") and re.search(r"-i0[246]$", r["id"]):
            types = r["serviceType"] if r["resourceType"] == "Appointment" and "serviceType" in r else None
            for concept_ in (r.get("type") or []) + (types or []):
                # codings are shared between sessions: replace them, never change them in place
                concept_["coding"] = [dict(family) if c.get("code") == "individual-therapy"
                                      else dict(family_snomed) if c.get("code") == "18512000" else c
                                      for c in concept_.get("coding", [])]


# Each variant: how to build it from the completed episode, and its length in weeks. The verdict each
# built-in policy reaches on it is listed in the README and checked by MedicalNecessityIT over HTTP.
VARIANTS = {
    "lapse": (variant_lapse, 12),
    "stepup": (variant_step_up, 12),
    "ama": (variant_early_discharge, 5),
    "adolescent": (variant_adolescent, 12),
}

def configure(weeks):
    global WEEKS, DISCHARGE, AFTERCARE_START
    WEEKS = weeks
    DISCHARGE = ADMISSION + timedelta(days=7 * (WEEKS - 1) + 4)
    AFTERCARE_START = DISCHARGE + timedelta(days=4)


def with_prefix(bundle, prefix):
    """Renames the patient's records from example-* to <prefix>-*, so copies can live side by side.

    The program, payer and staff stay shared: a copy is another patient of the same program, so a
    program clinician's token and the payer's consent cover it as they cover the example."""
    if prefix == "example":
        return bundle
    text = json.dumps(bundle, ensure_ascii=False)
    return json.loads(re.sub(r'(?<=["/])example-(?!(program|payer|counselor|physician)")', prefix + "-", text))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", nargs="?", default=os.path.join(here, "Bundle-example-episode.json"))
    parser.add_argument("--weeks", type=int, default=12, help="program length in weeks (at least 2)")
    parser.add_argument("--prefix", default="example", help="id prefix instead of 'example' (kebab-case)")
    parser.add_argument("--variants", action="store_true",
                        help="also write each variant episode (lapse, stepup, ama, adolescent) next to OUT as Bundle-variant-<name>.json")
    args = parser.parse_args()
    if args.weeks < 2 or not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", args.prefix):
        parser.error("--weeks must be at least 2 and --prefix kebab-case")
    configure(args.weeks)
    write(with_prefix(build(), args.prefix), args.out)
    if args.variants:
        for name, (variant, weeks) in VARIANTS.items():
            if variant:
                configure(weeks)
                write(with_prefix(build(variant), name), os.path.join(os.path.dirname(os.path.abspath(args.out)),
                                                                     "Bundle-variant-%s.json" % name))


def write(bundle, out):
    with open(out, "w", encoding="utf-8", newline="\n") as f:
        json.dump(bundle, f, indent=2, ensure_ascii=False)
        f.write("\n")
    counts = {}
    for e in bundle["entry"]:
        counts[e["resource"]["resourceType"]] = counts.get(e["resource"]["resourceType"], 0) + 1
    print("wrote %s: %d entries (%s)" % (out, len(bundle["entry"]),
                                         ", ".join("%s %d" % kv for kv in sorted(counts.items()))))


if __name__ == "__main__":
    main()
