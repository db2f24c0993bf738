package org.iopfhir.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hl7.fhir.instance.model.api.IBaseCoding;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CanonicalType;
import org.hl7.fhir.r4.model.HumanName;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Meta;
import org.hl7.fhir.r4.model.Narrative;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.iopfhir.testsupport.SecuredServerTest;
import org.iopfhir.testsupport.TestTokens;
import org.junit.jupiter.api.Test;

/**
 * Stored versions parsed once and then copied ({@link ParsedResources}) must read exactly as parsing them
 * again would: labels changed without a new version are enforced at once, each request gets its own copy, an
 * update is read as the new version and an earlier version stays as it was.
 */
class ParsedResourcesIT extends SecuredServerTest {

    private static final String PAYER = "Organization/cache-test-payer";
    private static final String ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
    private static final String CONFIDENTIALITY = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality";

    private final String officerToken = TestTokens.token().role("privacy-officer").scope("user/*.cruds").sign();

    private IGenericClient officer() {
        return client(officerToken);
    }

    private IGenericClient payer() {
        return client(TestTokens.token().role("payer").scope("user/*.rs").purpose("HPAYMT").organization(PAYER).sign());
    }

    /** A patient with no SUD record yet and one blood-pressure observation with a narrative: a payer may read it. */
    private IdType storedObservation() {
        IdType patient = (IdType) officer().create().resource(new Patient().addName(new HumanName().setFamily("Cache")))
                .execute().getId().toUnqualifiedVersionless();
        Observation observation = new Observation();
        observation.setStatus(Observation.ObservationStatus.FINAL);
        observation.getCode().setText("Blood pressure");
        observation.setSubject(new Reference(patient));
        observation.getText().setStatus(Narrative.NarrativeStatus.GENERATED)
                .setDivAsString("<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>Blood pressure &amp; pulse</p></div>");
        return (IdType) officer().create().resource(observation).execute().getId().toUnqualifiedVersionless();
    }

    @Test
    void aPart2LabelAddedWithoutANewVersionIsEnforcedOnTheNextRead() {
        IdType id = storedObservation();
        for (int i = 0; i < 3; i++) {
            Observation read = payer().read().resource(Observation.class).withId(id).execute();
            assertThat(read.getText().getDivAsString()).contains("Blood pressure &amp; pulse");
            assertThat(read.getMeta().getSecurity()).extracting(IBaseCoding::getCode).doesNotContain("SUD", "R");
        }
        assertThat(payerSearch(id)).isEqualTo(1);

        officer().meta().add().onResource(id).meta(new Meta()
                .addSecurity(ACT_CODE, "SUD", null).addSecurity(CONFIDENTIALITY, "R", null)).execute();

        Observation relabelled = officer().read().resource(Observation.class).withId(id).execute();
        assertThat(relabelled.getMeta().getVersionId()).as("$meta-add makes no new version").isEqualTo("1");
        assertThat(relabelled.getMeta().getSecurity()).extracting(IBaseCoding::getCode).contains("SUD", "R");
        assertThatThrownBy(() -> payer().read().resource(Observation.class).withId(id).execute())
                .isInstanceOf(ResourceNotFoundException.class);
        assertThat(payerSearch(id)).isZero();

        officer().meta().delete().onResource(id).meta(new Meta()
                .addSecurity(ACT_CODE, "SUD", null).addSecurity(CONFIDENTIALITY, "R", null)).execute();

        assertThat(payer().read().resource(Observation.class).withId(id).execute().getMeta().getSecurity())
                .extracting(IBaseCoding::getCode).doesNotContain("SUD", "R");
        assertThat(payerSearch(id)).isEqualTo(1);
    }

    @Test
    void everyReadGetsTheSameAnswerAndAnUpdateIsReadAsTheNewVersion() {
        IdType id = storedObservation();
        String first = get("/fhir/" + id.getValue(), officerToken).body();
        for (int i = 0; i < 3; i++) {
            // Nothing the server adds on the way out (notices, labels) may pile up on a shared instance.
            assertThat(get("/fhir/" + id.getValue(), officerToken).body()).isEqualTo(first);
        }

        Observation changed = officer().read().resource(Observation.class).withId(id).execute();
        changed.getCode().setText("Blood pressure, seated");
        officer().update().resource(changed).execute();

        assertThat(officer().read().resource(Observation.class).withId(id).execute().getCode().getText())
                .isEqualTo("Blood pressure, seated");
        assertThat(officer().read().resource(Observation.class).withId(id.withVersion("1")).execute().getCode().getText())
                .isEqualTo("Blood pressure");
        Bundle history = officer().history().onInstance(id).returnBundle(Bundle.class).execute();
        assertThat(history.getEntry()).extracting(e -> ((Observation) e.getResource()).getCode().getText())
                .containsExactly("Blood pressure, seated", "Blood pressure");
    }

    /**
     * A page's matches are loaded at their current version by one query per page ({@link CurrentVersionsQuery}), whose
     * id list is padded to a power of two: pages of 3 and of 1, some matches updated and one deleted.
     */
    @Test
    void everyPageShowsEachMatchOnceAtItsCurrentVersion() {
        List<IdType> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(storedObservation());
        }
        for (IdType id : ids.subList(0, 3)) {
            Observation changed = officer().read().resource(Observation.class).withId(id).execute();
            changed.getCode().setText("Blood pressure, " + id.getIdPart());
            officer().update().resource(changed).execute();
        }
        officer().delete().resourceById(ids.get(4)).execute();

        List<String> shown = new ArrayList<>();
        Bundle page = officer().search().forResource(Observation.class)
                .where(Observation.RES_ID.exactly().codes(ids.stream().map(IdType::getIdPart).toList()))
                .count(3).returnBundle(Bundle.class).execute();
        List<Integer> pageSizes = new ArrayList<>();
        while (page != null) {
            pageSizes.add(page.getEntry().size());
            for (Bundle.BundleEntryComponent entry : page.getEntry()) {
                Observation match = (Observation) entry.getResource();
                IdType id = match.getIdElement().toUnqualifiedVersionless();
                boolean updated = ids.indexOf(id) < 3;
                assertThat(match.getMeta().getVersionId()).as(id.getValue()).isEqualTo(updated ? "2" : "1");
                assertThat(match.getCode().getText()).as(id.getValue())
                        .isEqualTo(updated ? "Blood pressure, " + id.getIdPart() : "Blood pressure");
                shown.add(id.getValue());
            }
            page = page.getLink(Bundle.LINK_NEXT) == null ? null
                    : officer().loadPage().next(page).execute();
        }
        assertThat(pageSizes).containsExactly(3, 1);
        assertThat(shown).containsExactlyInAnyOrderElementsOf(ids.subList(0, 4).stream().map(IdType::getValue).toList());

        Bundle one = officer().search().forResource(Observation.class)
                .where(Observation.RES_ID.exactly().code(ids.get(3).getIdPart())).returnBundle(Bundle.class).execute();
        assertThat(one.getEntry()).extracting(e -> e.getResource().getIdElement().toUnqualifiedVersionless().getValue())
                .containsExactly(ids.get(3).getValue());
    }

    /** Search results get their tags, labels and profiles from plain rows ({@link StoredTags}): exactly what a read shows. */
    @Test
    void aSearchResultCarriesTheTagsLabelsAndProfilesOfARead() {
        IdType id = storedObservation();
        Meta meta = new Meta().addProfile("http://example.org/fhir/StructureDefinition/other-bp")
                .addSecurity(CONFIDENTIALITY, "N", "normal");
        meta.addTag().setSystem("http://example.org/fhir/tags").setCode("reviewed").setDisplay("Reviewed");
        meta.addTag("http://example.org/fhir/tags", "imported", null);
        officer().meta().add().onResource(id).meta(meta).execute();

        for (int i = 0; i < 2; i++) {
            Meta read = officer().read().resource(Observation.class).withId(id).execute().getMeta();
            Meta found = ((Observation) officer().search().forResource(Observation.class)
                    .where(Observation.RES_ID.exactly().code(id.getIdPart())).returnBundle(Bundle.class).execute()
                    .getEntryFirstRep().getResource()).getMeta();
            assertThat(described(found)).as("search and read agree").isEqualTo(described(read));
            assertThat(read.getTag()).hasSize(2);
            assertThat(read.getTag()).anySatisfy(tag -> {
                assertThat(tag.getCode()).isEqualTo("reviewed");
                assertThat(tag.getDisplay()).isEqualTo("Reviewed");
            });
            assertThat(read.getSecurity()).extracting(IBaseCoding::getCode).contains("N");
            assertThat(read.getProfile()).extracting(CanonicalType::getValue)
                    .contains("http://example.org/fhir/StructureDefinition/other-bp");
        }
    }

    /**
     * A search page shows the matches its consent check loaded ({@link LoadedMatches}), as a read shows them, with
     * included resources marked as such; the next request after an update sees the new version.
     */
    @Test
    void aSearchPageTakesTheMatchesItsConsentCheckLoadedAndShowsThemAsStored() {
        IdType first = storedObservation();
        IdType second = storedObservation();
        double reusedBefore = remembered("reused");

        Bundle page = payer().search().forResource(Observation.class)
                .where(Observation.RES_ID.exactly().codes(first.getIdPart(), second.getIdPart()))
                .returnBundle(Bundle.class).execute();

        assertThat(page.getEntry()).extracting(e -> e.getResource().getIdElement().toUnqualifiedVersionless().getValue())
                .containsExactlyInAnyOrder(first.getValue(), second.getValue());
        assertThat(described(page.getMeta())).as("the payer's Bundle carries the redisclosure notice")
                .anyMatch(label -> label.contains("NORDSCLCD"));
        for (Bundle.BundleEntryComponent entry : page.getEntry()) {
            // As stored (an officer's read; a payer's read carries the redisclosure notice on the record itself).
            Observation read = officer().read().resource(Observation.class)
                    .withId(entry.getResource().getIdElement().toUnqualifiedVersionless()).execute();
            assertThat(described(entry.getResource().getMeta())).isEqualTo(described(read.getMeta()));
            assertThat(entry.getResource().getMeta().getVersionId()).isEqualTo(read.getMeta().getVersionId());
            assertThat(entry.getSearch().getMode()).isEqualTo(Bundle.SearchEntryMode.MATCH);
        }
        assertThat(remembered("reused") - reusedBefore).as("both matches were taken, not loaded again")
                .isGreaterThanOrEqualTo(2);

        Observation changed = officer().read().resource(Observation.class).withId(first).execute();
        changed.getCode().setText("Blood pressure, standing");
        officer().update().resource(changed).execute();
        Observation found = (Observation) payer().search().forResource(Observation.class)
                .where(Observation.RES_ID.exactly().code(first.getIdPart())).returnBundle(Bundle.class).execute()
                .getEntryFirstRep().getResource();
        assertThat(found.getMeta().getVersionId()).isEqualTo("2");
        assertThat(found.getCode().getText()).isEqualTo("Blood pressure, standing");

        Bundle withPatients = officer().search().forResource(Observation.class)
                .where(Observation.RES_ID.exactly().code(first.getIdPart())).include(Observation.INCLUDE_SUBJECT)
                .returnBundle(Bundle.class).execute();
        assertThat(withPatients.getEntry()).extracting(e -> e.getResource().fhirType() + " " + e.getSearch().getMode())
                .containsExactlyInAnyOrder("Observation " + Bundle.SearchEntryMode.MATCH,
                        "Patient " + Bundle.SearchEntryMode.INCLUDE);
    }

    @Test
    void repeatedLoadsAreServedFromTheCacheAndItIsMeasured() {
        IdType id = storedObservation();
        double before = hits();
        for (int i = 0; i < 5; i++) {
            officer().read().resource(Observation.class).withId(id).execute();
        }
        assertThat(hits() - before).isGreaterThanOrEqualTo(4);
    }

    private static List<String> described(Meta meta) {
        List<String> all = new ArrayList<>();
        meta.getTag().forEach(c -> all.add("tag " + c.getSystem() + "|" + c.getCode() + "|" + c.getDisplay() + "|"
                + c.getVersion() + "|" + c.getUserSelected()));
        meta.getSecurity().forEach(c -> all.add("label " + c.getSystem() + "|" + c.getCode() + "|" + c.getDisplay()));
        meta.getProfile().forEach(p -> all.add("profile " + p.getValue()));
        Collections.sort(all);
        return all;
    }

    private int payerSearch(IdType id) {
        return payer().search().forResource(Observation.class).where(Observation.RES_ID.exactly().code(id.getIdPart()))
                .returnBundle(Bundle.class).execute().getEntry().size();
    }

    /** The count of search matches a page took from its consent check ("reused") or loaded again ("changed-since"). */
    private double remembered(String load) {
        Response metrics = get("/actuator/prometheus", officerToken);
        assertThat(metrics.status()).isEqualTo(200);
        Matcher counted = Pattern.compile("(?m)^iop_search_matches_remembered_total\\{[^}]*load=\"" + load + "\"[^}]*} (\\S+)$")
                .matcher(metrics.body());
        return counted.find() ? Double.parseDouble(counted.group(1)) : 0;
    }

    private double hits() {
        Response metrics = get("/actuator/prometheus", officerToken);
        assertThat(metrics.status()).isEqualTo(200);
        Matcher hit = Pattern.compile("(?m)^cache_gets_total\\{[^}]*cache=\"parsed-resources\"[^}]*result=\"hit\"[^}]*} (\\S+)$")
                .matcher(metrics.body());
        assertThat(hit.find()).as("the cache's hit counter is exported").isTrue();
        return Double.parseDouble(hit.group(1));
    }
}
