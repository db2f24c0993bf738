package org.iopfhir.provenance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Reference;
import org.iopfhir.testsupport.SecuredServerTest;
import org.iopfhir.testsupport.TestTokens;
import org.junit.jupiter.api.Test;

/**
 * Every write leaves a Provenance from the caller's token - REST create and update, transaction entries,
 * records an operation persists - searchable by target and by patient, and protected like the record it
 * is about.
 */
class ProvenanceIT extends SecuredServerTest {

    private static final String PATIENT = "Patient/example-patient";
    private static final String PROGRAM = "Organization/example-program";
    private static final String CLINICIAN = "Practitioner/provenance-test-clinician";

    private IGenericClient clinician() {
        return client(TestTokens.token().client("ehr-app").user(CLINICIAN).role("clinician").scope("user/*.cruds")
                .purpose("TREAT").organization(PROGRAM).sign());
    }

    private List<Provenance> provenanceOf(IGenericClient client, String target) {
        Bundle found = client.search().forResource(Provenance.class).where(Provenance.TARGET.hasId(target))
                .returnBundle(Bundle.class).execute();
        return found.getEntry().stream().map(e -> (Provenance) e.getResource()).toList();
    }

    private static Observation observation() {
        Observation observation = new Observation().setStatus(Observation.ObservationStatus.FINAL);
        observation.getCode().setText("minutes attended");
        observation.setSubject(new Reference(PATIENT));
        return observation;
    }

    @Test
    void aCreateIsAttributedToTheUserAndTheClientOnBehalfOfTheProgram() {
        Practitioner user = new Practitioner();
        user.setId(CLINICIAN);
        user.addName().setFamily("Provenance").addGiven("Test");
        client(TestTokens.token().role("privacy-officer").scope("user/*.cruds").sign()).update().resource(user).execute();
        IdType id = (IdType) clinician().create().resource(observation()).execute().getId();

        List<Provenance> provenance = provenanceOf(clinician(), id.toUnqualifiedVersionless().getValue());
        assertThat(provenance).hasSize(1);
        Provenance p = provenance.get(0);
        assertThat(p.getTarget().get(0).getReference()).isEqualTo(id.toUnqualified().getValue());
        assertThat(p.getTarget()).extracting(Reference::getReference).contains(PATIENT);
        assertThat(p.getRecorded()).isNotNull();
        assertThat(p.getActivity().getCodingFirstRep().getCode()).isEqualTo("CREATE");
        Provenance.ProvenanceAgentComponent author = p.getAgent().get(0);
        assertThat(author.getType().getCodingFirstRep().getCode()).isEqualTo("author");
        assertThat(author.getWho().getReference()).isEqualTo(CLINICIAN);
        assertThat(author.getOnBehalfOf().getReference()).isEqualTo(PROGRAM);
        Provenance.ProvenanceAgentComponent transmitter = p.getAgent().get(1);
        assertThat(transmitter.getType().getCodingFirstRep().getCode()).isEqualTo("transmitter");
        assertThat(transmitter.getWho().getIdentifier().getValue()).isEqualTo("ehr-app");
        assertThat(transmitter.getOnBehalfOf().getReference()).isEqualTo(PROGRAM);
    }

    /** The program the written record names itself (here the patient's managing organization) is the stored one. */
    @Test
    void aRecordThatNamesTheProgramIsAttributedToTheStoredProgram() {
        Patient patient = new Patient();
        patient.addName().setFamily("Attributed");
        patient.setManagingOrganization(new Reference(PROGRAM));
        IdType id = (IdType) clinician().create().resource(patient).execute().getId();

        List<Provenance> provenance = provenanceOf(clinician(), id.toUnqualifiedVersionless().getValue());
        assertThat(provenance).hasSize(1);
        assertThat(provenance.get(0).getAgent()).allSatisfy(agent -> {
            assertThat(agent.getOnBehalfOf().getReference()).isEqualTo(PROGRAM);
            assertThat(agent.getOnBehalfOf().hasIdentifier()).isFalse();
        });
    }

    @Test
    void aUserWhoIsNoResourceHereIsNamedByIdentifier() {
        IGenericClient app = client(TestTokens.token().client("ehr-app").user("someone@example.org").role("clinician")
                .scope("user/*.cruds").purpose("TREAT").organization(PROGRAM).sign());
        IdType id = (IdType) app.create().resource(observation()).execute().getId();

        Reference author = provenanceOf(clinician(), id.toUnqualifiedVersionless().getValue()).get(0).getAgentFirstRep().getWho();
        assertThat(author.hasReference()).isFalse();
        assertThat(author.getIdentifier().getValue()).isEqualTo("someone@example.org");
    }

    @Test
    void anUpdateAddsItsOwnProvenance() {
        Observation observation = observation();
        IdType id = (IdType) clinician().create().resource(observation).execute().getId();
        observation.setId(id.toUnqualifiedVersionless());
        observation.getCode().setText("minutes attended (corrected)");
        clinician().update().resource(observation).execute();

        assertThat(provenanceOf(clinician(), id.toUnqualifiedVersionless().getValue()))
                .extracting(p -> p.getActivity().getCodingFirstRep().getCode()).containsExactlyInAnyOrder("CREATE", "UPDATE");
    }

    @Test
    void theEntriesOfATransactionShareOneProvenancePerLabelSet() {
        Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        Encounter encounter = new Encounter().setStatus(Encounter.EncounterStatus.FINISHED).setSubject(new Reference(PATIENT));
        encounter.getClass_().setSystem("http://terminology.hl7.org/CodeSystem/v3-ActCode").setCode("AMB");
        transaction.addEntry().setFullUrl("urn:uuid:5b1a3d7e-8c0f-4a51-9d1e-2f7c6b8a9e01").setResource(encounter)
                .getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("Encounter");
        Observation observation = observation().setEncounter(new Reference("urn:uuid:5b1a3d7e-8c0f-4a51-9d1e-2f7c6b8a9e01"));
        transaction.addEntry().setResource(observation).getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("Observation");
        transaction.addEntry().setResource(observation()).getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("Observation");

        Bundle response = clinician().transaction().withBundle(transaction).execute();

        Map<String, Provenance> byTarget = new LinkedHashMap<>();
        for (Bundle.BundleEntryComponent entry : response.getEntry()) {
            IdType written = new IdType(entry.getResponse().getLocation());
            List<Provenance> found = provenanceOf(clinician(), written.toUnqualifiedVersionless().getValue());
            assertThat(found).as(written.getValue()).hasSize(1);
            assertThat(found.get(0).getTarget()).extracting(Reference::getReference).contains(written.toUnqualified().getValue());
            byTarget.put(written.toUnqualifiedVersionless().getValue(), found.get(0));
        }
        Map<Set<String>, Set<String>> provenanceIdsByLabels = new HashMap<>();
        byTarget.values().forEach(p -> provenanceIdsByLabels.computeIfAbsent(
                p.getMeta().getSecurity().stream().map(c -> c.getSystem() + "|" + c.getCode()).collect(Collectors.toSet()),
                labels -> new HashSet<>()).add(p.getIdElement().getIdPart()));
        assertThat(provenanceIdsByLabels.values()).as("one Provenance per label set, shared by its entries")
                .allSatisfy(ids -> assertThat(ids).hasSize(1));
        List<Provenance> ofObservations = byTarget.entrySet().stream().filter(e -> e.getKey().startsWith("Observation/"))
                .map(Map.Entry::getValue).toList();
        assertThat(ofObservations).hasSize(2);
        assertThat(ofObservations.get(0).getIdElement().getIdPart()).as("two observations with the same labels, one Provenance")
                .isEqualTo(ofObservations.get(1).getIdElement().getIdPart());
        assertThat(byTarget.values()).allSatisfy(p -> assertThat(p.getActivity().getCodingFirstRep().getCode()).isEqualTo("CREATE"));
    }

    @Test
    void whatAnOperationPersistsHasProvenance() {
        Parameters result = clinician().operation().onInstance(new IdType("QuestionnaireResponse/example-intake"))
                .named("$level-of-care").withParameters(new Parameters().addParameter("persist", new BooleanType(true))).execute();
        Observation determination = (Observation) result.getParameter("determination").getResource();

        assertThat(provenanceOf(clinician(), "Observation/" + determination.getIdElement().getIdPart())).isNotEmpty();
    }

    @Test
    void theProvenanceOfAPart2RecordIsProtectedLikeTheRecord() {
        IdType id = (IdType) clinician().create().resource(observation()).execute().getId();
        String target = id.toUnqualifiedVersionless().getValue();
        Provenance provenance = provenanceOf(clinician(), target).get(0);
        assertThat(provenance.getMeta().getSecurity()).extracting(c -> c.getCode()).contains("42CFRPart2");

        IGenericClient payerWithoutConsent = client(TestTokens.token().role("payer").scope("user/*.rs").purpose("HPAYMT")
                .organization("Organization/provenance-test-payer").sign());
        assertThat(provenanceOf(payerWithoutConsent, target)).isEmpty();
        IGenericClient backend = client(TestTokens.token().scope("system/*.rs").sign());
        assertThat(provenanceOf(backend, target)).isEmpty();
    }

    @Test
    void noCallerCreatesChangesOrDeletesAProvenance() {
        IGenericClient officer = client(TestTokens.token().role("privacy-officer").scope("user/*.cruds").sign());
        Provenance forged = new Provenance().addTarget(new Reference(PATIENT));
        forged.setRecorded(new java.util.Date());
        forged.addAgent().setWho(new Reference("Practitioner/someone-else"));
        assertThatThrownBy(() -> clinician().create().resource(forged).execute())
                .isInstanceOf(ForbiddenOperationException.class);
        assertThatThrownBy(() -> officer.create().resource(forged).execute())
                .isInstanceOf(ForbiddenOperationException.class);

        IdType id = (IdType) clinician().create().resource(observation()).execute().getId();
        Provenance recorded = provenanceOf(clinician(), id.toUnqualifiedVersionless().getValue()).get(0);
        recorded.getAgentFirstRep().setWho(new Reference("Practitioner/someone-else"));
        assertThatThrownBy(() -> officer.update().resource(recorded).execute())
                .isInstanceOf(ForbiddenOperationException.class);
        assertThatThrownBy(() -> officer.delete().resourceById(recorded.getIdElement().toUnqualifiedVersionless()).execute())
                .isInstanceOf(ForbiddenOperationException.class);
    }

    @Test
    void theProvenanceIsInThePatientsCompartment() {
        IdType id = (IdType) clinician().create().resource(observation()).execute().getId();
        Bundle ofPatient = clinician().search().forResource(Provenance.class).where(Provenance.PATIENT.hasId(PATIENT))
                .and(Provenance.TARGET.hasId(id.toUnqualifiedVersionless().getValue())).returnBundle(Bundle.class).execute();
        assertThat(ofPatient.getEntry()).hasSize(1);
    }
}
