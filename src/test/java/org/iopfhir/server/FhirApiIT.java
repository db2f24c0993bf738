package org.iopfhir.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.rest.api.MethodOutcome;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Enumerations;
import org.hl7.fhir.r4.model.EpisodeOfCare;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.iopfhir.testsupport.PostgresServerTest;
import org.junit.jupiter.api.Test;

/** The standard FHIR REST API over HTTP with HAPI's generic client, on PostgreSQL. */
class FhirApiIT extends PostgresServerTest {

    private static final String MRN = "http://example.org/mrn";

    @Test
    void createReadUpdateVreadDeleteRoundTrip() {
        IGenericClient client = client();
        Patient patient = patient(unique());
        patient.setGender(Enumerations.AdministrativeGender.FEMALE);

        IdType id = (IdType) client.create().resource(patient).execute().getId();
        assertThat(id.getVersionIdPart()).isEqualTo("1");

        Patient read = client.read().resource(Patient.class).withId(id.toUnqualifiedVersionless()).execute();
        assertThat(read.getGenderElement().getValue()).isEqualTo(Enumerations.AdministrativeGender.FEMALE);

        read.setGender(Enumerations.AdministrativeGender.OTHER);
        IdType updated = (IdType) client.update().resource(read).execute().getId();
        assertThat(updated.getVersionIdPart()).isEqualTo("2");

        Patient first = client.read().resource(Patient.class).withId(id.withVersion("1")).execute();
        assertThat(first.getGender()).isEqualTo(Enumerations.AdministrativeGender.FEMALE);

        Bundle history = client.history().onInstance(id.toUnqualifiedVersionless()).returnBundle(Bundle.class).execute();
        assertThat(history.getEntry()).hasSize(2);

        client.delete().resourceById(id.toUnqualifiedVersionless()).execute();
        assertThatThrownBy(() -> client.read().resource(Patient.class).withId(id.toUnqualifiedVersionless()).execute())
                .isInstanceOf(ResourceGoneException.class);
    }

    @Test
    void searchPagesThroughAllMatchesWithIncludeAndRevinclude() {
        IGenericClient client = client();
        IdType patientId = createPatient(unique());
        for (int i = 0; i < 25; i++) {
            client.create().resource(finishedSession(patientId, null)).execute();
        }

        Bundle page = client.search().forResource(Encounter.class)
                .where(Encounter.SUBJECT.hasId(patientId.toUnqualifiedVersionless()))
                .include(Encounter.INCLUDE_SUBJECT)
                .count(10)
                .returnBundle(Bundle.class).execute();
        Set<String> encounterIds = new HashSet<>();
        boolean patientIncluded = false;
        int pages = 0;
        while (true) {
            pages++;
            for (Bundle.BundleEntryComponent entry : page.getEntry()) {
                if (entry.getResource() instanceof Encounter) {
                    encounterIds.add(entry.getResource().getIdElement().getIdPart());
                } else if (entry.getResource() instanceof Patient) {
                    patientIncluded = true;
                    assertThat(entry.getSearch().getMode()).isEqualTo(Bundle.SearchEntryMode.INCLUDE);
                }
            }
            if (page.getLink(Bundle.LINK_NEXT) == null) {
                break;
            }
            page = client.loadPage().next(page).execute();
        }
        assertThat(encounterIds).hasSize(25);
        assertThat(pages).isEqualTo(3);
        assertThat(patientIncluded).isTrue();

        Bundle withEncounters = client.search().forResource(Patient.class)
                .where(Patient.RES_ID.exactly().code(patientId.getIdPart()))
                .revInclude(Encounter.INCLUDE_SUBJECT)
                .count(100)
                .returnBundle(Bundle.class).execute();
        assertThat(withEncounters.getEntry()).hasSize(26);
    }

    @Test
    void transactionResolvesPlaceholderReferencesAndCommitsEverything() {
        String mrn = unique();
        Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        String patientRef = "urn:uuid:" + UUID.randomUUID();
        String episodeRef = "urn:uuid:" + UUID.randomUUID();
        transaction.addEntry().setFullUrl(patientRef).setResource(patient(mrn))
                .getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("Patient");
        EpisodeOfCare episode = new EpisodeOfCare()
                .setStatus(EpisodeOfCare.EpisodeOfCareStatus.ACTIVE)
                .setPatient(new Reference(patientRef));
        transaction.addEntry().setFullUrl(episodeRef).setResource(episode)
                .getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("EpisodeOfCare");
        CarePlan plan = new CarePlan()
                .setStatus(CarePlan.CarePlanStatus.ACTIVE)
                .setIntent(CarePlan.CarePlanIntent.PLAN)
                .setSubject(new Reference(patientRef));
        plan.addExtension("http://hl7.org/fhir/StructureDefinition/workflow-episodeOfCare", new Reference(episodeRef));
        transaction.addEntry().setResource(plan).getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("CarePlan");
        for (int i = 0; i < 3; i++) {
            Encounter session = finishedSession(null, patientRef);
            session.addEpisodeOfCare(new Reference(episodeRef));
            transaction.addEntry().setResource(session).getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("Encounter");
        }

        Bundle response = client().transaction().withBundle(transaction).execute();

        assertThat(response.getEntry()).hasSize(6)
                .allSatisfy(e -> assertThat(e.getResponse().getStatus()).startsWith("201"));
        IdType patientId = new IdType(response.getEntry().get(0).getResponse().getLocation());
        IdType episodeId = new IdType(response.getEntry().get(1).getResponse().getLocation());
        Bundle encounters = client().search().forResource(Encounter.class)
                .where(Encounter.EPISODE_OF_CARE.hasId(episodeId.toUnqualifiedVersionless()))
                .returnBundle(Bundle.class).execute();
        assertThat(encounters.getEntry()).hasSize(3).allSatisfy(e ->
                assertThat(((Encounter) e.getResource()).getSubject().getReference())
                        .isEqualTo(patientId.toUnqualifiedVersionless().getValue()));
    }

    @Test
    void transactionWithOneBadEntryLeavesNothingBehind() {
        String mrn = unique();
        Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        transaction.addEntry().setResource(patient(mrn)).getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("Patient");
        Observation dangling = new Observation().setStatus(Observation.ObservationStatus.FINAL);
        dangling.getCode().setText("PHQ-9 total");
        dangling.setSubject(new Reference("Patient/does-not-exist-" + mrn));
        transaction.addEntry().setResource(dangling).getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("Observation");

        assertThatThrownBy(() -> client().transaction().withBundle(transaction).execute())
                .hasMessageContaining("does-not-exist");

        assertThat(searchByMrn(mrn).getTotal()).isZero();
    }

    @Test
    void batchProcessesEntriesIndependently() {
        String mrn = unique();
        Bundle batch = new Bundle().setType(Bundle.BundleType.BATCH);
        batch.addEntry().setResource(patient(mrn)).getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("Patient");
        batch.addEntry().getRequest().setMethod(Bundle.HTTPVerb.GET).setUrl("Patient/not-there-" + mrn);

        Bundle response = client().transaction().withBundle(batch).execute();

        assertThat(response.getEntry().get(0).getResponse().getStatus()).startsWith("201");
        assertThat(response.getEntry().get(1).getResponse().getStatus()).startsWith("404");
        assertThat(response.getEntry().get(1).getResponse().getOutcome()).isInstanceOf(OperationOutcome.class);
        assertThat(searchByMrn(mrn).getTotal()).isEqualTo(1);
    }

    @Test
    void conditionalCreateAndUpdateMatchOnIdentifier() {
        String mrn = unique();
        String condition = "identifier=" + MRN + "|" + mrn;

        MethodOutcome first = client().create().resource(patient(mrn)).conditionalByUrl("Patient?" + condition).execute();
        MethodOutcome second = client().create().resource(patient(mrn)).conditionalByUrl("Patient?" + condition).execute();
        assertThat(first.getCreated()).isTrue();
        assertThat(second.getCreated()).isNotEqualTo(Boolean.TRUE);
        assertThat(second.getId().getIdPart()).isEqualTo(first.getId().getIdPart());

        Patient changed = patient(mrn).setActive(false);
        MethodOutcome updated = client().update().resource(changed).conditionalByUrl("Patient?" + condition).execute();
        assertThat(updated.getId().getIdPart()).isEqualTo(first.getId().getIdPart());
        assertThat(updated.getId().getVersionIdPart()).isEqualTo("2");
        assertThat(searchByMrn(mrn).getTotal()).isEqualTo(1);
    }

    @Test
    void jsonPatchChangesOnlyThePatchedElement() {
        IdType id = createPatient(unique());
        String patch = "[{\"op\":\"add\",\"path\":\"/active\",\"value\":false}]";

        client().patch().withBody(patch).withId(id.toUnqualifiedVersionless()).execute();

        Patient patched = client().read().resource(Patient.class).withId(id.toUnqualifiedVersionless()).execute();
        assertThat(patched.getActive()).isFalse();
        assertThat(patched.getIdentifierFirstRep().getSystem()).isEqualTo(MRN);
        assertThat(patched.getMeta().getVersionId()).isEqualTo("2");
    }

    @Test
    void patientEverythingReturnsTheCompartment() {
        IdType patientId = createPatient(unique());
        IdType encounterId = (IdType) client().create().resource(finishedSession(patientId, null)).execute().getId();

        Parameters noInput = new Parameters();
        Bundle everything = client().operation().onInstance(patientId.toUnqualifiedVersionless())
                .named("$everything").withParameters(noInput).returnResourceType(Bundle.class).execute();

        List<String> ids = everything.getEntry().stream()
                .map(e -> e.getResource().getIdElement().toUnqualifiedVersionless().getValue()).toList();
        assertThat(ids).contains(patientId.toUnqualifiedVersionless().getValue(),
                encounterId.toUnqualifiedVersionless().getValue());
    }

    @Test
    void validateReportsMissingRequiredElementsWithTheirLocation() {
        Observation withoutStatus = new Observation();
        withoutStatus.getCode().setText("PHQ-9 total");

        OperationOutcome invalid = (OperationOutcome) client().validate().resource(withoutStatus).execute()
                .getOperationOutcome();
        assertThat(invalid.getIssue()).anySatisfy(issue -> {
            assertThat(issue.getSeverity()).isEqualTo(OperationOutcome.IssueSeverity.ERROR);
            assertThat(issue.getDiagnostics()).contains("Observation.status");
            assertThat(issue.getExpression()).isNotEmpty();
        });

        Observation valid = withoutStatus.copy().setStatus(Observation.ObservationStatus.FINAL);
        OperationOutcome ok = (OperationOutcome) client().validate().resource(valid).execute().getOperationOutcome();
        assertThat(ok.getIssue()).noneMatch(i -> i.getSeverity() == OperationOutcome.IssueSeverity.ERROR);
    }

    @Test
    void capabilityStatementNamesTheServerItsVersionAndResources() {
        CapabilityStatement capabilities = client().capabilities().ofType(CapabilityStatement.class).execute();

        assertThat(capabilities.getSoftware().getName()).isEqualTo("IOP FHIR Server");
        assertThat(capabilities.getSoftware().getVersion()).isNotBlank();
        assertThat(capabilities.getFhirVersion().toCode()).isEqualTo("4.0.1");
        CapabilityStatement.CapabilityStatementRestResourceComponent encounter = capabilities.getRestFirstRep()
                .getResource().stream().filter(r -> r.getType().equals("Encounter")).findFirst().orElseThrow();
        assertThat(encounter.getSearchParam()).anyMatch(p -> p.getName().equals("subject"));
        assertThat(capabilities.getRestFirstRep().getInteraction())
                .anyMatch(i -> i.getCode() == CapabilityStatement.SystemRestfulInteraction.TRANSACTION);
    }

    private IdType createPatient(String mrn) {
        return (IdType) client().create().resource(patient(mrn)).execute().getId();
    }

    @Test
    void wholeDatabaseReindexingIsNotOfferedToClients() {
        CapabilityStatement capabilities = client().capabilities().ofType(CapabilityStatement.class).execute();
        assertThat(capabilities.getRestFirstRep().getOperation()).extracting(op -> op.getName())
                .contains("get-resource-counts")
                .doesNotContain("mark-all-resources-for-reindexing", "perform-reindexing-pass", "reindex-terminology");
        for (String operation : List.of("$mark-all-resources-for-reindexing", "$perform-reindexing-pass",
                "$reindex-terminology")) {
            assertThatThrownBy(() -> client().operation().onServer().named(operation)
                    .withNoParameters(Parameters.class).execute())
                    .as(operation).isInstanceOfSatisfying(InvalidRequestException.class, e -> assertThat(
                            ((OperationOutcome) e.getOperationOutcome()).getIssueFirstRep().getDiagnostics())
                            .contains("does not offer " + operation));
        }
    }

    private Bundle searchByMrn(String mrn) {
        return client().search().forResource(Patient.class)
                .where(Patient.IDENTIFIER.exactly().systemAndIdentifier(MRN, mrn))
                .totalMode(ca.uhn.fhir.rest.api.SearchTotalModeEnum.ACCURATE)
                .returnBundle(Bundle.class).execute();
    }

    private static Patient patient(String mrn) {
        Patient patient = new Patient();
        patient.addIdentifier().setSystem(MRN).setValue(mrn);
        patient.addName().setFamily("Rivera").addGiven("Sam");
        patient.setActive(true);
        return patient;
    }

    /** An attended 3-hour IOP group session. */
    private static Encounter finishedSession(IdType patientId, String patientRef) {
        Encounter session = new Encounter().setStatus(Encounter.EncounterStatus.FINISHED);
        session.getClass_().setSystem("http://terminology.hl7.org/CodeSystem/v3-ActCode").setCode("AMB");
        session.addType().addCoding().setSystem("http://snomed.info/sct").setCode("76168009");
        session.setSubject(patientRef != null ? new Reference(patientRef) : new Reference(patientId.toUnqualifiedVersionless()));
        session.getLength().setValue(180).setUnit("min").setSystem("http://unitsofmeasure.org").setCode("min");
        return session;
    }

    private static String unique() {
        return UUID.randomUUID().toString();
    }
}
