package org.iopfhir.ig;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.StructureDefinition;
import org.hl7.fhir.r4.model.UriType;
import org.hl7.fhir.r4.model.ValueSet;
import org.iopfhir.privacy.part2.RecordOwner;
import org.iopfhir.testsupport.IgValidator;
import org.iopfhir.testsupport.PostgresServerTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** The guide inside the running server on PostgreSQL: terminology operations, capabilities, validation on write. */
class ImplementationGuideIT extends PostgresServerTest {

    @Autowired
    private ImplementationGuideInstaller installer;
    @Autowired
    private ImplementationGuide guide;
    @Autowired
    private DaoRegistry daos;

    /**
     * What a restart does with the guide already stored: nothing to what is unchanged; a guide resource someone
     * changed is installed again, also when another resource claims the guide file's source (an imitation must not
     * pass for the installed original) and when a client edited it and kept the guide file's source.
     */
    @Test
    void aRestartRewritesNothingUnchangedAndReinstallsWhatWasChangedEvenWhenImitatedOrItsSourceKept() {
        List<ImplementationGuide.Entry> entries = guide.conformance().stream()
                .filter(e -> e.resource() instanceof ValueSet).limit(3).toList();
        List<ValueSet> valueSets = entries.stream().map(e -> (ValueSet) e.resource()).toList();
        installer.afterSingletonsInstantiated();
        Map<String, String> before = versionsOfTheGuide();
        assertThat(installer.currentlyStored(guide.conformance())).as("the query finds the whole guide installed")
                .hasSize(guide.conformance().size());

        installer.afterSingletonsInstantiated();
        assertThat(versionsOfTheGuide()).as("an unchanged guide is not written again").isEqualTo(before);

        ValueSet changed = stored(valueSets.get(0));
        changed.setTitle("Changed by a client");
        changed.getMeta().setSource("https://ehr.example.org/edit");
        daos.getResourceDao(ValueSet.class).update(changed, new SystemRequestDetails());
        ValueSet imitated = stored(valueSets.get(1));
        ValueSet imitation = imitated.copy();
        imitation.setId("imitation-" + imitated.getIdPart());
        imitation.setUrl(imitated.getUrl() + "-imitation");
        daos.getResourceDao(ValueSet.class).update(imitation, new SystemRequestDetails());
        imitated.setTitle("Changed by a client");
        imitated.getMeta().setSource("https://ehr.example.org/edit");
        daos.getResourceDao(ValueSet.class).update(imitated, new SystemRequestDetails());
        // A client's read, edit and write back through the API: the guide file's source comes back with it.
        ValueSet keptSource = client().read().resource(ValueSet.class).withId(valueSets.get(2).getIdPart()).execute();
        keptSource.setTitle("Changed by a client that kept meta.source");
        client().update().resource(keptSource).execute();
        try {
            assertThat(stored(valueSets.get(2)).getMeta().getSource())
                    .startsWith(ImplementationGuideInstaller.sourceOf(entries.get(2)));
            assertThat(installer.currentlyStored(guide.conformance())).doesNotContainAnyElementsOf(entries.stream()
                    .map(e -> ImplementationGuideInstaller.keyOf(e.resource(), ImplementationGuideInstaller.sourceOf(e)))
                    .toList());

            installer.afterSingletonsInstantiated();

            for (ImplementationGuide.Entry entry : entries) {
                ValueSet reinstalled = stored((ValueSet) entry.resource());
                assertThat(reinstalled.getTitle()).isEqualTo(((ValueSet) entry.resource()).getTitle());
                assertThat(reinstalled.getMeta().getSource()).isEqualTo(ImplementationGuideInstaller.sourceOf(entry));
                assertThat(Long.parseLong(reinstalled.getMeta().getVersionId()))
                        .isEqualTo(Long.parseLong(before.get("ValueSet/" + entry.resource().getIdElement().getIdPart())) + 2);
            }
            Map<String, String> after = versionsOfTheGuide();
            after.keySet().removeIf(id -> valueSets.stream().anyMatch(v -> id.equals("ValueSet/" + v.getIdPart())));
            assertThat(before).containsAllEntriesOf(after);
        } finally {
            daos.getResourceDao(ValueSet.class).delete(imitation.getIdElement(), new SystemRequestDetails());
        }
    }

    private ValueSet stored(ValueSet valueSet) {
        return daos.getResourceDao(ValueSet.class).read(valueSet.getIdElement().toUnqualifiedVersionless(),
                new SystemRequestDetails());
    }

    private Map<String, String> versionsOfTheGuide() {
        return guide.conformance().stream().map(ImplementationGuide.Entry::resource).collect(Collectors.toMap(
                r -> r.fhirType() + "/" + r.getIdElement().getIdPart(),
                r -> daos.getResourceDao(r.fhirType()).read(r.getIdElement().toUnqualifiedVersionless(),
                        new SystemRequestDetails()).getMeta().getVersionId()));
    }

    private static final String CS = "http://iop-fhir.org/fhir/CodeSystem/";
    private static final String VS = "http://iop-fhir.org/fhir/ValueSet/";

    @Test
    void capabilityStatementListsEveryProfileAsSupported() {
        CapabilityStatement capabilities = client().capabilities().ofType(CapabilityStatement.class).execute();
        List<String> supported = capabilities.getRestFirstRep().getResource().stream()
                .flatMap(r -> r.getSupportedProfile().stream()).map(p -> p.getValue()).toList();

        assertThat(supported).containsAll(profileUrls());
    }

    @Test
    void everyValueSetOfTheGuideExpands() {
        List<ValueSet> valueSets = IgValidator.guide().conformance().stream()
                .map(ImplementationGuide.Entry::resource).filter(ValueSet.class::isInstance).map(ValueSet.class::cast).toList();
        assertThat(valueSets).hasSizeGreaterThan(20);
        for (ValueSet valueSet : valueSets) {
            ValueSet expanded = client().operation().onType(ValueSet.class).named("$expand")
                    .withParameter(Parameters.class, "url", new UriType(valueSet.getUrl()))
                    .returnResourceType(ValueSet.class).execute();
            assertThat(expanded.getExpansion().getContains()).as(valueSet.getUrl()).isNotEmpty();
        }
    }

    @Test
    void translateMapsThirdEditionLevelsToTheFourth() {
        assertThat(translate("2.1")).isEqualTo("2.1:equal");
        assertThat(translate("3.3")).isEqualTo("3.5:wider");
        assertThat(translate("2-WM")).isEqualTo("2.7:wider");
    }

    @Test
    void lookupAndValidateCodeAnswerFromOurCodeSystemsAndValueSets() {
        Parameters lookup = client().operation().onType("CodeSystem").named("$lookup")
                .withParameter(Parameters.class, "system", new UriType(CS + "asam-level-of-care"))
                .andParameter("code", new StringType("2.1")).execute();
        assertThat(lookup.getParameterValue("display").primitiveValue()).isEqualTo("Intensive outpatient services");
        assertThat(lookup.getParameter().stream().filter(p -> p.getName().equals("property")))
                .anyMatch(p -> p.getPart().stream().anyMatch(x -> "min-weekly-hours-adult".equals(x.getValue().primitiveValue())));

        assertThat(validateCode("asam-levels-4th-edition", "1.5")).isTrue();
        assertThat(validateCode("asam-levels-3rd-edition", "1.5")).isFalse();
    }

    @Test
    void nonConformantProfiledResourceIsRejectedWith422ListingEveryIssueWithItsLocation() {
        Encounter session = new Encounter().setStatus(Encounter.EncounterStatus.FINISHED);
        session.getMeta().addProfile(ImplementationGuide.PROFILE_BASE + "iop-encounter");
        session.getClass_().setSystem("http://terminology.hl7.org/CodeSystem/v3-ActCode").setCode("EMER");

        assertThatThrownBy(() -> client().create().resource(session).execute())
                .isInstanceOfSatisfying(UnprocessableEntityException.class, e -> {
                    OperationOutcome outcome = (OperationOutcome) e.getOperationOutcome();
                    List<OperationOutcome.OperationOutcomeIssueComponent> errors = outcome.getIssue().stream()
                            .filter(i -> i.getSeverity() == OperationOutcome.IssueSeverity.ERROR).toList();
                    assertThat(errors).hasSizeGreaterThanOrEqualTo(4)
                            .allSatisfy(i -> assertThat(i.getExpression()).isNotEmpty());
                    assertThat(errors).anyMatch(i -> i.getDiagnostics().contains("iop-encounter-class"));
                });
    }

    @Test
    void resourcesWithThirdPartyProfilesAreAcceptedWhenOtherwiseValid() {
        Patient synthetic = new Patient();
        synthetic.getMeta().addProfile("http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient");
        synthetic.addName().setFamily("Synthea");

        assertThat(client().create().resource(synthetic).execute().getCreated()).isTrue();
    }

    @Test
    void exampleEpisodeLoadsValidatedAndLoadingItAgainChangesNothing() {
        Bundle example = IgValidator.exampleEpisode();

        Bundle first = client().transaction().withBundle(example.copy()).execute();
        assertThat(first.getEntry()).hasSameSizeAs(example.getEntry())
                .allSatisfy(e -> assertThat(e.getResponse().getStatus()).matches("20[01].*"));
        // The records about the patient belong to the program from their first version on (the Patient is
        // stored in the same transaction, before them).
        Condition diagnosis = client().read().resource(Condition.class).withId("example-dx-aud").execute();
        assertThat(RecordOwner.of(diagnosis)).contains("Organization/example-program");
        Bundle second = client().transaction().withBundle(example.copy()).execute();

        assertThat(second.getEntry()).allSatisfy(e -> assertThat(e.getResponse().getStatus()).startsWith("200"));
        assertThat(second.getEntry()).extracting(e -> e.getResponse().getLocation())
                .containsExactlyElementsOf(first.getEntry().stream().map(e -> e.getResponse().getLocation()).toList());
        Bundle sessions = client().search().forResource(Encounter.class)
                .where(Encounter.EPISODE_OF_CARE.hasId("EpisodeOfCare/example-episode"))
                .count(200).returnBundle(Bundle.class).execute();
        assertThat(sessions.getEntry()).hasSizeGreaterThanOrEqualTo(36);
    }

    @Test
    void searchParametersOfTheGuideFindEpisodesAndPlansByTheirExtensions() {
        client().transaction().withBundle(IgValidator.exampleEpisode().copy()).execute();
        client().transaction().withBundle(IgValidator.example("Bundle-variant-ama.json").copy()).execute();

        assertThat(ids("EpisodeOfCare?level-of-care=" + CS + "asam-level-of-care|2.1"))
                .contains("example-episode", "ama-episode");
        assertThat(ids("EpisodeOfCare?level-of-care=" + CS + "asam-level-of-care|3.1")).doesNotContain("example-episode");
        assertThat(ids("EpisodeOfCare?discharge-reason=" + CS + "iop-discharge-reason|left-against-advice"))
                .contains("ama-episode").doesNotContain("example-episode");
        assertThat(ids("EpisodeOfCare?age-group=adult&asam-edition=3&_id=example-episode")).containsExactly("example-episode");
        assertThat(ids("CarePlan?episode-of-care=EpisodeOfCare/example-episode"))
                .contains("example-careplan").allMatch(id -> id.startsWith("example-"));
        // Other suites on the shared server store AMA episodes of their own: the example's plans must not match.
        assertThat(ids("CarePlan?episode-of-care.discharge-reason=left-against-advice"))
                .contains("ama-careplan").doesNotContain("example-careplan", "example-safety-plan");
    }

    private List<String> ids(String query) {
        Bundle found = client().search().byUrl(query).count(100).returnBundle(Bundle.class).execute();
        return found.getEntry().stream().map(e -> e.getResource().getIdElement().getIdPart()).toList();
    }

    @Test
    void patchThatBreaksAProfiledResourceIsRejectedAndLeavesItUnchanged() {
        client().transaction().withBundle(IgValidator.exampleEpisode().copy()).execute();
        IdType session = new IdType("Encounter/example-enc-g01");
        String before = client().read().resource(Encounter.class).withId(session).execute().getMeta().getVersionId();

        assertThatThrownBy(() -> client().patch()
                .withBody("[{\"op\":\"replace\",\"path\":\"/length/code\",\"value\":\"h\"}]")
                .withId(session).execute())
                .isInstanceOfSatisfying(UnprocessableEntityException.class, e -> assertThat(
                        ((OperationOutcome) e.getOperationOutcome()).getIssue()).anyMatch(i -> i.getDiagnostics().contains("iop-enc-2")));

        assertThat(client().read().resource(Encounter.class).withId(session).execute().getMeta().getVersionId())
                .isEqualTo(before);
    }

    @Test
    void validateOperationAppliesTheRequestedProfile() throws Exception {
        Encounter unprofiled = new Encounter().setStatus(Encounter.EncounterStatus.FINISHED);
        unprofiled.getClass_().setSystem("http://terminology.hl7.org/CodeSystem/v3-ActCode").setCode("AMB");

        OperationOutcome outcome = (OperationOutcome) client().validate().resource(unprofiled)
                .execute().getOperationOutcome();
        assertThat(outcome.getIssue()).noneMatch(i -> i.getSeverity() == OperationOutcome.IssueSeverity.ERROR);

        // HAPI 8.8.0 applies the profile given as a URL parameter (README documents this form).
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl() + "/Encounter/$validate?profile="
                        + ImplementationGuide.PROFILE_BASE + "iop-encounter"))
                .header("Content-Type", "application/fhir+json")
                .POST(HttpRequest.BodyPublishers.ofString(FHIR.newJsonParser().encodeResourceToString(unprofiled)))
                .build();
        OperationOutcome profiled = FHIR.newJsonParser().parseResource(OperationOutcome.class,
                HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString()).body());
        assertThat(profiled.getIssue()).anyMatch(i -> i.getSeverity() == OperationOutcome.IssueSeverity.ERROR
                && i.getDiagnostics().contains("Encounter.episodeOfCare"));
    }

    private String translate(String code) {
        Parameters result = client().operation().onType("ConceptMap").named("$translate")
                .withParameter(Parameters.class, "url", new UriType("http://iop-fhir.org/fhir/ConceptMap/asam-3rd-to-4th"))
                .andParameter("system", new UriType(CS + "asam-level-of-care"))
                .andParameter("code", new StringType(code)).execute();
        Parameters.ParametersParameterComponent match = result.getParameter().stream()
                .filter(p -> p.getName().equals("match")).findFirst().orElseThrow();
        String target = match.getPart().stream().filter(p -> p.getName().equals("concept")).findFirst().orElseThrow()
                .getValue().getNamedProperty("code").getValues().get(0).primitiveValue();
        String equivalence = match.getPart().stream().filter(p -> p.getName().equals("equivalence")).findFirst()
                .orElseThrow().getValue().primitiveValue();
        return target + ":" + equivalence;
    }

    private boolean validateCode(String valueSet, String code) {
        Parameters result = client().operation().onType(ValueSet.class).named("$validate-code")
                .withParameter(Parameters.class, "url", new UriType(VS + valueSet))
                .andParameter("system", new UriType(CS + "asam-level-of-care"))
                .andParameter("code", new StringType(code)).execute();
        return ((BooleanType) result.getParameterValue("result")).booleanValue();
    }

    private static List<String> profileUrls() {
        return IgValidator.guide().conformance().stream().map(ImplementationGuide.Entry::resource)
                .filter(r -> r instanceof StructureDefinition sd && sd.getKind() == StructureDefinition.StructureDefinitionKind.RESOURCE)
                .map(r -> ((StructureDefinition) r).getUrl()).toList();
    }
}
