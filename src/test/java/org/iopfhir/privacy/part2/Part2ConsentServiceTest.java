package org.iopfhir.privacy.part2;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.interceptor.consent.ConsentOperationStatusEnum;
import ca.uhn.fhir.rest.server.interceptor.consent.IConsentContextServices;
import java.time.Clock;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.iopfhir.privacy.auth.CallerContext;
import org.junit.jupiter.api.Test;

/**
 * What the consent service tells HAPI about a resource it is about to show: refused (REJECT), shown with nothing
 * inside left to ask about (AUTHORIZED), or shown with resources inside that HAPI must ask about one by one
 * (PROCEED). Resources whose id starts with "denied" are refused by the stand-in policy.
 */
class Part2ConsentServiceTest {

    private static final IConsentContextServices NONE = IConsentContextServices.NULL_IMPL;

    private final DisclosurePolicy policy = new DisclosurePolicy(null, Clock.systemUTC()) {
        @Override
        public Decision decideStored(CallerContext caller, IBaseResource stored, RequestDetails request) {
            return stored.getIdElement().getIdPart() != null && stored.getIdElement().getIdPart().startsWith("denied")
                    ? Decision.deny("test") : Decision.permit("test");
        }
    };
    private final Part2ConsentService service = new Part2ConsentService(policy, new PatientRecords(FhirContext.forR4Cached(), null, null));
    private final RequestDetails request = new SystemRequestDetails();

    private ConsentOperationStatusEnum willSee(IBaseResource resource) {
        return service.willSeeResource(request, resource, NONE).getStatus();
    }

    private static Encounter session(String id) {
        Encounter session = new Encounter();
        session.setId(id);
        session.setSubject(new Reference("Patient/p1"));
        return session;
    }

    @Test
    void aRefusedResourceIsRejected() {
        assertThat(willSee(session("denied-1"))).isEqualTo(ConsentOperationStatusEnum.REJECT);
    }

    @Test
    void aPermittedResourceHoldingNoOtherIsAuthorized() {
        assertThat(willSee(session("s1"))).isEqualTo(ConsentOperationStatusEnum.AUTHORIZED);
    }

    @Test
    void aPermittedResourceWithContainedResourcesLetsHapiAskAboutThem() {
        Encounter session = session("s2");
        Patient contained = new Patient();
        contained.setId("denied-contained");
        session.addContained(contained);
        session.setSubject(new Reference("#denied-contained"));
        assertThat(willSee(session)).isEqualTo(ConsentOperationStatusEnum.PROCEED);
    }

    /**
     * A contained resource is part of its container: once the container is permitted, HAPI's question about what
     * it contains is not decided on the contained resource's local id ("denied-held" would be refused); what a
     * refused container holds is left alone (it is not shown).
     */
    @Test
    void whatAPermittedRecordContainsIsShownWithIt() {
        Encounter session = session("s6");
        Patient held = new Patient();
        held.setId("denied-held");
        session.addContained(held);
        session.setSubject(new Reference("#denied-held"));
        Encounter refused = session("denied-s7");
        Patient other = new Patient();
        other.setId("denied-other");
        refused.addContained(other);

        assertThat(willSee(refused)).isEqualTo(ConsentOperationStatusEnum.REJECT);
        assertThat(willSee(session)).isEqualTo(ConsentOperationStatusEnum.PROCEED);
        assertThat(willSee(held)).isNotEqualTo(ConsentOperationStatusEnum.REJECT);
        // HAPI walks into a refused record too: what it contains is not shown and must not be taken out again.
        assertThat(willSee(other)).isEqualTo(ConsentOperationStatusEnum.AUTHORIZED);
        assertThat(willSee(session("denied-alone"))).isEqualTo(ConsentOperationStatusEnum.REJECT);
        assertThat(service.canSeeResource(request, held, NONE).getStatus()).isNotEqualTo(ConsentOperationStatusEnum.REJECT);
    }

    /** The entries of a refused stored Bundle are not decided (nor remembered) as the stored records they name. */
    @Test
    void whatARefusedStoredBundleHoldsIsLeftAlone() {
        Bundle stored = new Bundle().setType(Bundle.BundleType.COLLECTION);
        stored.setId("denied-doc");
        stored.getMeta().setVersionId("1");
        Encounter entry = session("denied-entry");
        stored.addEntry().setResource(entry);

        assertThat(willSee(stored)).isEqualTo(ConsentOperationStatusEnum.REJECT);
        assertThat(willSee(entry)).isEqualTo(ConsentOperationStatusEnum.AUTHORIZED);
    }

    @Test
    void aReferenceCarryingItsTargetCountsAsHoldingIt() {
        Encounter session = session("s3");
        Patient target = new Patient();
        target.setId("denied-target");
        session.getSubject().setResource(target);
        assertThat(willSee(session)).isEqualTo(ConsentOperationStatusEnum.PROCEED);
    }

    @Test
    void parametersAlwaysLetHapiAskAboutTheirParts() {
        Parameters parameters = new Parameters();
        parameters.addParameter().setName("return").setResource(session("denied-part"));
        assertThat(willSee(parameters)).isEqualTo(ConsentOperationStatusEnum.PROCEED);
        assertThat(willSee(new Parameters())).isEqualTo(ConsentOperationStatusEnum.PROCEED);
    }

    @Test
    void aBundleOfResourcesAlreadyShownIsAuthorized() {
        Encounter first = session("s4");
        Encounter second = session("s5");
        assertThat(willSee(first)).isEqualTo(ConsentOperationStatusEnum.AUTHORIZED);
        assertThat(willSee(second)).isEqualTo(ConsentOperationStatusEnum.AUTHORIZED);
        Bundle page = new Bundle().setType(Bundle.BundleType.SEARCHSET);
        page.addEntry().setResource(first);
        page.addEntry().setResource(second);
        assertThat(willSee(page)).isEqualTo(ConsentOperationStatusEnum.AUTHORIZED);
        assertThat(page.getEntry()).allSatisfy(e -> assertThat(e.hasResponse()).isFalse());
    }

    @Test
    void aBundleWithAnEntryNotYetShownLetsHapiAskAboutIt() {
        Encounter shown = session("s6");
        assertThat(willSee(shown)).isEqualTo(ConsentOperationStatusEnum.AUTHORIZED);
        Bundle page = new Bundle().setType(Bundle.BundleType.SEARCHSET);
        page.addEntry().setResource(shown);
        // an equal copy is another object: it has not been shown
        page.addEntry().setResource(session("s6").copy());
        assertThat(willSee(page)).isEqualTo(ConsentOperationStatusEnum.PROCEED);
    }

    @Test
    void aBundleCarryingAnOutcomeInAnEntryLetsHapiAskAboutIt() {
        Encounter shown = session("s7");
        willSee(shown);
        Bundle answer = new Bundle().setType(Bundle.BundleType.BATCHRESPONSE);
        answer.addEntry().setResource(shown).getResponse().setStatus("200").setOutcome(new OperationOutcome());
        assertThat(willSee(answer)).isEqualTo(ConsentOperationStatusEnum.PROCEED);
    }

    @Test
    void aBundleHoldingABundleLetsHapiAskAboutWhatThatHolds() {
        Bundle inner = new Bundle().setType(Bundle.BundleType.COLLECTION);
        inner.addEntry().setResource(session("denied-inner"));
        inner.setId("inner");
        Bundle outer = new Bundle().setType(Bundle.BundleType.SEARCHSET);
        outer.addEntry().setResource(inner);
        assertThat(willSee(outer)).isEqualTo(ConsentOperationStatusEnum.PROCEED);
        // the inner Bundle shown on its own is not authorized either: its entries were never shown
        assertThat(willSee(inner)).isEqualTo(ConsentOperationStatusEnum.PROCEED);
    }

    @Test
    void aShownResourceThatHasSinceTakenInAnotherLetsHapiAskAboutIt() {
        Encounter shown = session("s8");
        assertThat(willSee(shown)).isEqualTo(ConsentOperationStatusEnum.AUTHORIZED);
        Patient contained = new Patient();
        contained.setId("denied-later");
        shown.addContained(contained);
        Bundle page = new Bundle().setType(Bundle.BundleType.SEARCHSET);
        page.addEntry().setResource(shown);
        assertThat(willSee(page)).isEqualTo(ConsentOperationStatusEnum.PROCEED);
    }
}
