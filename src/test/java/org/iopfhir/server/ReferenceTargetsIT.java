package org.iopfhir.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import java.util.List;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.HumanName;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.iopfhir.testsupport.SecuredServerTest;
import org.iopfhir.testsupport.TestTokens;
import org.junit.jupiter.api.Test;

/**
 * A write's references lead to the targets HAPI would have found ({@link ReferenceTargets}): the right type when two
 * types share an id, the current target after an update, a versioned reference; a deleted or missing target still
 * fails the write, and nothing is stored.
 */
class ReferenceTargetsIT extends SecuredServerTest {

    private final String officerToken = TestTokens.token().role("privacy-officer").scope("user/*.cruds").sign();

    private IGenericClient officer() {
        return client(officerToken);
    }

    private IIdType put(org.hl7.fhir.r4.model.Resource resource) {
        return officer().update().resource(resource).execute().getId().toUnqualifiedVersionless();
    }

    private IIdType result(String code, Reference subject) {
        Observation result = new Observation();
        result.setStatus(Observation.ObservationStatus.FINAL);
        result.getCode().setText(code);
        result.setSubject(subject);
        return officer().create().resource(result).execute().getId().toUnqualifiedVersionless();
    }

    private List<String> found(String query) {
        Bundle page = officer().search().byUrl(query).returnBundle(Bundle.class).execute();
        return page.getEntry().stream().map(e -> e.getResource().getIdElement().toUnqualifiedVersionless().getValue()).toList();
    }

    @Test
    void aReferenceLeadsToItsTargetOfTheRightType() {
        put(new Patient().addName(new HumanName().setFamily("Rtsharedfamily")).setId("rt-shared"));
        put(new Group().setType(Group.GroupType.PERSON).setActual(true).setName("Rtsharedgroup").setId("rt-shared"));
        IIdType toPatient = result("rt-1", new Reference("Patient/rt-shared"));
        IIdType toGroup = result("rt-2", new Reference("Group/rt-shared"));
        IIdType versioned = result("rt-3", new Reference("Patient/rt-shared/_history/1"));

        assertThat(found("Observation?subject=Patient/rt-shared")).containsExactlyInAnyOrder(toPatient.getValue(), versioned.getValue());
        assertThat(found("Observation?subject:Patient.family=Rtsharedfamily"))
                .as("the link holds the Patient's database id").containsExactlyInAnyOrder(toPatient.getValue(), versioned.getValue());
        assertThat(found("Observation?subject=Group/rt-shared")).containsExactly(toGroup.getValue());
        assertThat(found("Patient?_has:Observation:subject:_id=" + toPatient.getIdPart())).containsExactly("Patient/rt-shared");
    }

    @Test
    void anUpdateLeadsToItsNewTarget() {
        put(new Patient().addName(new HumanName().setFamily("Rtbefore")).setId("rt-before"));
        put(new Patient().addName(new HumanName().setFamily("Rtafter")).setId("rt-after"));
        IIdType id = result("rt-moved", new Reference("Patient/rt-before"));
        Observation moved = officer().read().resource(Observation.class).withId(id).execute();
        moved.setSubject(new Reference("Patient/rt-after"));
        officer().update().resource(moved).execute();

        assertThat(found("Observation?subject:Patient.family=Rtafter")).containsExactly(id.getValue());
        assertThat(found("Observation?subject:Patient.family=Rtbefore")).isEmpty();
    }

    @Test
    void aDeletedOrMissingTargetStillFailsTheWrite() {
        IIdType gone = put(new Patient().addName(new HumanName().setFamily("Rtgone")).setId("rt-gone"));
        officer().delete().resourceById(gone).execute();

        assertThatThrownBy(() -> result("rt-to-deleted", new Reference("Patient/rt-gone")))
                .isInstanceOfAny(InvalidRequestException.class, ResourceGoneException.class);
        assertThatThrownBy(() -> result("rt-to-missing", new Reference("Patient/rt-never")))
                .isInstanceOf(InvalidRequestException.class);
        assertThat(found("Observation?code:text=rt-to-deleted")).isEmpty();
        assertThat(found("Observation?code:text=rt-to-missing")).isEmpty();
    }
}
