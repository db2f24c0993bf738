package org.iopfhir.privacy;

import ca.uhn.fhir.context.FhirContext;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Attachment;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Communication;
import org.hl7.fhir.r4.model.Composition;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.DocumentReference;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Enumerations;
import org.hl7.fhir.r4.model.EpisodeOfCare;
import org.hl7.fhir.r4.model.Goal;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.QuestionnaireResponse;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.StringType;
import org.iopfhir.testsupport.IgValidator;

/**
 * The adversarial suite's data: program A's SUD patients P1 (no consent for any attacker) and P2 (a
 * Part 2 consent naming payer C), each with every kind of record, and P3, a patient of program A on the
 * mental-health track with nothing Part 2 about them. Every record carries a unique marker (an
 * identifier, and the description or text where the type has one), so a response can be searched for
 * the records it discloses; ids are {@code adv-} ids the suite PUTs itself. The privacy officer loads
 * the data, and the privacy officer's labels are taken as sent: the records carry the labels the
 * labelling interceptor would give them (SUD, R, 42CFRPart2; PSYTHPN on counseling notes).
 */
final class AdversaryFixture {

    static final String PROGRAM_A = "Organization/adv-program-a";
    static final String PROGRAM_B = "Organization/adv-program-b";
    static final String PAYER_C = "Organization/adv-payer-c";
    static final String PAYER_D = "Organization/adv-payer-d";
    /** The payer P1's consent names: none of the callers. */
    static final String PAYER_E = "Organization/adv-payer-e";
    static final List<String> ORGANIZATIONS = List.of(PROGRAM_A, PROGRAM_B, PAYER_C, PAYER_D, PAYER_E);

    static final String MARKER_SYSTEM = "http://iop-fhir.org/fhir/adversary-marker";
    static final String ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
    static final String CONFIDENTIALITY = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality";
    static final String PROGRAM_TRACK = "http://iop-fhir.org/fhir/CodeSystem/iop-program-track";
    static final String RECORD_TYPE = "http://iop-fhir.org/fhir/CodeSystem/iop-record-type";
    static final String ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm";
    static final String AGE_GROUP = "http://iop-fhir.org/fhir/StructureDefinition/iop-age-group";

    /** The fixture patients. */
    enum Who {
        P1("p1", true), P2("p2", true), P3("p3", false);

        final String key;
        final boolean part2;

        Who(String key, boolean part2) {
            this.key = key;
            this.part2 = part2;
        }

        String patientId() {
            return "adv-" + key;
        }

        String reference() {
            return "Patient/" + patientId();
        }

        Set<Kind> kinds() {
            return part2 ? EnumSet.allOf(Kind.class) : EnumSet.of(Kind.PATIENT, Kind.EPISODE, Kind.ENCOUNTER, Kind.OBSERVATION);
        }
    }

    /** The record kinds: resource type and id suffix. */
    enum Kind {
        PATIENT("Patient", ""), EPISODE("EpisodeOfCare", "-episode"), ENCOUNTER("Encounter", "-encounter"),
        OBSERVATION("Observation", "-observation"), CONDITION("Condition", "-condition"), CAREPLAN("CarePlan", "-careplan"),
        APPOINTMENT("Appointment", "-appointment"), INTAKE("QuestionnaireResponse", "-intake"), GOAL("Goal", "-goal"),
        PROGRESS_NOTE("DocumentReference", "-progress-note"), COUNSELING_NOTE("DocumentReference", "-counseling-note"),
        COMMUNICATION("Communication", "-communication"), COMPOSITION("Composition", "-composition"),
        CONSENT("Consent", "-consent");

        final String type;
        final String suffix;

        Kind(String type, String suffix) {
            this.type = type;
            this.suffix = suffix;
        }

        String label() {
            return name().toLowerCase().replace('_', '-');
        }
    }

    /**
     * One record the suite knows: type, id, marker, patient and kind. A fake record ({@link #fake}) has
     * an id and marker nothing on the server carries, to compare a refused record with a missing one.
     */
    record Rec(String type, String id, String marker, Who who, Kind kind) {

        String ref() {
            return type + "/" + id;
        }

        boolean isFake() {
            return who == null;
        }

        /** The record's id as a whole token: not inside a longer id ({@code adv-p1} is not in {@code adv-p1-goal}). */
        Pattern idPattern() {
            return Pattern.compile("(?<![A-Za-z0-9.\\-])" + Pattern.quote(id) + "(?![A-Za-z0-9.\\-])");
        }

        /**
         * A record of the same type that does not exist, its id and marker as long as this one's (so
         * that messages quoting them, and offsets into them, do not differ by length alone).
         */
        Rec missing() {
            if (isFake()) {
                return this;
            }
            return new Rec(type, id.replace("adv-" + who.key, "adv-nx"), marker.replace("-" + who.key, "-nx"), null, kind);
        }

        @Override
        public String toString() {
            return ref();
        }
    }

    private final FhirContext fhir;
    private final Map<String, Rec> records = new LinkedHashMap<>();

    AdversaryFixture(FhirContext fhir) {
        this.fhir = fhir;
        for (Who who : Who.values()) {
            for (Kind kind : who.kinds()) {
                Rec rec = new Rec(kind.type, who.patientId() + kind.suffix, "ADV-SECRET-" + kind.label() + "-" + who.key, who, kind);
                records.put(rec.ref(), rec);
            }
        }
    }

    List<Rec> records() {
        return List.copyOf(records.values());
    }

    Rec rec(Who who, Kind kind) {
        return records.get(kind.type + "/" + who.patientId() + kind.suffix);
    }

    Optional<Rec> byRef(String ref) {
        return Optional.ofNullable(records.get(ref));
    }

    List<Rec> ofType(String type) {
        return records.values().stream().filter(r -> r.type().equals(type)).toList();
    }

    List<Rec> of(Who who) {
        return records.values().stream().filter(r -> r.who() == who).toList();
    }

    Set<String> types() {
        Set<String> types = new java.util.LinkedHashSet<>();
        records.values().forEach(r -> types.add(r.type()));
        return types;
    }

    /** The whole fixture as a transaction of PUTs (also how it is restored after the write attacks). */
    Bundle transaction() {
        Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        for (String reference : ORGANIZATIONS) {
            Organization organization = new Organization();
            organization.setId(reference.substring("Organization/".length()));
            organization.setName("Adversarial suite " + organization.getIdElement().getIdPart());
            organization.setActive(true);
            bundle.addEntry().setResource(organization).getRequest().setMethod(Bundle.HTTPVerb.PUT).setUrl(reference);
        }
        for (Rec rec : records.values()) {
            Resource resource = build(rec);
            bundle.addEntry().setResource(resource).getRequest().setMethod(Bundle.HTTPVerb.PUT).setUrl(rec.ref());
        }
        return bundle;
    }

    /** The stored form of one record (as the privacy officer sends it, labels included). */
    Resource build(Rec rec) {
        Who who = rec.who();
        Reference patient = new Reference(who.reference());
        Identifier marker = new Identifier().setSystem(MARKER_SYSTEM).setValue(rec.marker());
        Resource resource = switch (rec.kind()) {
            case PATIENT -> {
                Patient p = new Patient();
                p.addIdentifier(marker);
                p.addName().setFamily("Adversary-" + who.key).addGiven("Test");
                p.setGender(Enumerations.AdministrativeGender.UNKNOWN);
                p.setBirthDateElement(new DateType("1990-01-01"));
                p.setManagingOrganization(new Reference(PROGRAM_A));
                yield p;
            }
            case EPISODE -> {
                EpisodeOfCare e = new EpisodeOfCare();
                e.addIdentifier(marker);
                e.setStatus(EpisodeOfCare.EpisodeOfCareStatus.ACTIVE);
                e.addType().addCoding(new Coding(PROGRAM_TRACK, who.part2 ? "sud" : "mental-health", null));
                e.setPatient(patient);
                e.setManagingOrganization(new Reference(PROGRAM_A));
                e.setPeriod(new Period().setStartElement(new DateTimeType("2026-01-05")));
                e.addExtension(AGE_GROUP, new CodeType("adult"));
                yield e;
            }
            case ENCOUNTER -> {
                Encounter e = new Encounter();
                e.addIdentifier(marker);
                e.setStatus(Encounter.EncounterStatus.FINISHED);
                e.setClass_(new Coding(ACT_CODE, "AMB", null));
                e.setSubject(patient);
                e.addEpisodeOfCare(new Reference(rec(who, Kind.EPISODE).ref()));
                e.setServiceProvider(new Reference(PROGRAM_A));
                e.setPeriod(new Period().setStartElement(new DateTimeType("2026-01-06T09:00:00-05:00"))
                        .setEndElement(new DateTimeType("2026-01-06T12:00:00-05:00")));
                yield e;
            }
            case OBSERVATION -> {
                Observation o = new Observation();
                o.addIdentifier(marker);
                o.setStatus(Observation.ObservationStatus.FINAL);
                o.getCode().setText("Craving scale");
                o.setSubject(patient);
                o.setEncounter(new Reference(rec(who, Kind.ENCOUNTER).ref()));
                o.setValue(new StringType("moderate"));
                yield o;
            }
            case CONDITION -> {
                Condition c = new Condition();
                c.addIdentifier(marker);
                c.getCode().addCoding(new Coding(ICD10CM, "F11.20", "Opioid dependence, uncomplicated"));
                c.setSubject(patient);
                yield c;
            }
            case CAREPLAN -> {
                CarePlan c = new CarePlan();
                c.addIdentifier(marker);
                c.setStatus(CarePlan.CarePlanStatus.ACTIVE);
                c.setIntent(CarePlan.CarePlanIntent.PLAN);
                c.setSubject(patient);
                c.setDescription(rec.marker());
                c.addExtension("http://hl7.org/fhir/StructureDefinition/workflow-episodeOfCare",
                        new Reference(rec(who, Kind.EPISODE).ref()));
                yield c;
            }
            case APPOINTMENT -> {
                Appointment a = new Appointment();
                a.addIdentifier(marker);
                a.setStatus(Appointment.AppointmentStatus.FULFILLED);
                a.setDescription(rec.marker());
                a.setStartElement(new org.hl7.fhir.r4.model.InstantType("2026-01-06T09:00:00-05:00"));
                a.setEndElement(new org.hl7.fhir.r4.model.InstantType("2026-01-06T12:00:00-05:00"));
                a.addParticipant().setActor(patient).setStatus(Appointment.ParticipationStatus.ACCEPTED);
                a.addSupportingInformation(new Reference(rec(who, Kind.EPISODE).ref()));
                yield a;
            }
            case INTAKE -> {
                QuestionnaireResponse q = exampleIntake();
                q.setIdentifier(marker);
                q.setSubject(patient);
                q.setSource(patient);
                q.setAuthor(null);
                q.setText(null);
                q.getMeta().getProfile().clear();
                yield q;
            }
            case GOAL -> {
                Goal g = new Goal();
                g.addIdentifier(marker);
                g.setLifecycleStatus(Goal.GoalLifecycleStatus.ACTIVE);
                g.getDescription().setText(rec.marker());
                g.setSubject(patient);
                yield g;
            }
            case PROGRESS_NOTE, COUNSELING_NOTE -> {
                DocumentReference d = new DocumentReference();
                d.addIdentifier(marker);
                d.setStatus(Enumerations.DocumentReferenceStatus.CURRENT);
                d.setType(new CodeableConcept(new Coding("http://loinc.org", "11506-3", "Progress note")));
                if (rec.kind() == Kind.COUNSELING_NOTE) {
                    d.addCategory(new CodeableConcept(new Coding(RECORD_TYPE, "sud-counseling-note", "SUD counseling note")));
                }
                d.setSubject(patient);
                d.setDescription(rec.marker());
                d.getContext().addEncounter(new Reference(rec(who, Kind.ENCOUNTER).ref()));
                d.addContent().setAttachment(new Attachment().setContentType("text/plain")
                        .setData(("Session note " + rec.marker()).getBytes(StandardCharsets.UTF_8)));
                yield d;
            }
            case COMMUNICATION -> {
                Communication c = new Communication();
                c.addIdentifier(marker);
                c.setStatus(Communication.CommunicationStatus.COMPLETED);
                c.setSubject(patient);
                c.addAbout(new Reference(rec(who, Kind.APPOINTMENT).ref()));
                c.addPayload().setContent(new StringType("Outreach " + rec.marker()));
                yield c;
            }
            case COMPOSITION -> {
                Composition c = new Composition();
                c.setIdentifier(marker);
                c.setStatus(Composition.CompositionStatus.FINAL);
                c.setType(new CodeableConcept(new Coding("http://loinc.org", "18842-5", "Discharge summary")));
                c.setSubject(patient);
                c.setDateElement(new DateTimeType("2026-03-27"));
                c.addAuthor(new Reference(PROGRAM_A));
                c.setTitle("Discharge summary " + rec.marker());
                c.setEncounter(new Reference(rec(who, Kind.ENCOUNTER).ref()));
                Composition.SectionComponent section = c.addSection().setTitle("Course");
                for (Kind kind : List.of(Kind.ENCOUNTER, Kind.OBSERVATION, Kind.CONDITION, Kind.PROGRESS_NOTE)) {
                    section.addEntry(new Reference(rec(who, kind).ref()));
                }
                yield c;
            }
            case CONSENT -> {
                Consent c = part2Consent(who, who == Who.P2 ? PAYER_C : PAYER_E);
                c.addIdentifier(marker);
                yield c;
            }
        };
        resource.setId(rec.id());
        if (who.part2) {
            resource.getMeta().addSecurity(new Coding(ACT_CODE, "SUD", "substance use disorder information sensitivity"));
            resource.getMeta().addSecurity(new Coding(CONFIDENTIALITY, "R", "restricted"));
            resource.getMeta().addSecurity(new Coding(ACT_CODE, "42CFRPart2", "42 CFR Part2"));
            if (rec.kind() == Kind.COUNSELING_NOTE) {
                resource.getMeta().addSecurity(new Coding(ACT_CODE, "PSYTHPN", "psychotherapy note information sensitivity"));
            }
        }
        return resource;
    }

    /**
     * A Part 2 consent of {@link MatrixData#part2Consent}'s shape: SUD records released to the payers
     * named as recipients for payment and coverage authorization, counseling notes denied.
     */
    static Consent part2Consent(Who who, String... recipients) {
        Consent consent = new Consent();
        consent.setStatus(Consent.ConsentState.ACTIVE);
        consent.getScope().addCoding(new Coding("http://terminology.hl7.org/CodeSystem/consentscope", "patient-privacy", null));
        consent.addCategory().addCoding(new Coding("http://loinc.org", "59284-0", null));
        consent.setPatient(new Reference(who.reference()));
        consent.setDateTime(new Date());
        consent.addPolicy().setUri("https://www.ecfr.gov/current/title-42/part-2");
        consent.getPolicyRule().addCoding(new Coding(ACT_CODE, "42CFRPart2", null));
        Consent.ProvisionComponent provision = consent.getProvision().setType(Consent.ConsentProvisionType.PERMIT);
        provision.setPeriod(new Period().setStartElement(new DateTimeType("2025-01-01"))
                .setEndElement(new DateTimeType("2099-12-31")));
        for (String recipient : recipients) {
            provision.addActor().setReference(new Reference(recipient)).setRole(new CodeableConcept(
                    new Coding("http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "IRCP", null)));
        }
        provision.addPurpose(new Coding("http://terminology.hl7.org/CodeSystem/v3-ActReason", "HPAYMT", null));
        provision.addPurpose(new Coding("http://terminology.hl7.org/CodeSystem/v3-ActReason", "COVAUTH", null));
        provision.addSecurityLabel(new Coding(ACT_CODE, "SUD", null));
        provision.addProvision().setType(Consent.ConsentProvisionType.DENY)
                .addSecurityLabel(new Coding(ACT_CODE, "PSYTHPN", null));
        return consent;
    }

    /** The example episode's intake assessment (a complete ASAM intake the placement operations accept). */
    private QuestionnaireResponse exampleIntake() {
        return IgValidator.exampleEpisode().getEntry().stream().map(Bundle.BundleEntryComponent::getResource)
                .filter(QuestionnaireResponse.class::isInstance).map(QuestionnaireResponse.class::cast)
                .findFirst().orElseThrow().copy();
    }
}
