package org.iopfhir.levelofcare;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.QuestionnaireResponse;
import org.hl7.fhir.r4.model.Reference;

/**
 * Stores what {@code persist=true} records: one rating Observation per dimension and the
 * determination, each created once (conditional on its identifier) with the caller's request, so
 * the server's access rules and profile validation apply as they do to a plain create.
 */
final class DeterminationRecorder {

    /** The stored records, read back as the caller sees them. */
    record Recorded(Observation determination, List<Observation> ratings) {
    }

    private final DaoRegistry daos;

    DeterminationRecorder(DaoRegistry daos) {
        this.daos = daos;
    }

    Recorded record(QuestionnaireResponse response, Assessment assessment, Recommendation recommendation, Level actual,
            CodeableConcept varianceReason, RequestDetails request) {
        List<Observation> ratings = new ArrayList<>();
        for (Observation rating : DeterminationRecords.dimensionRatings(response, assessment)) {
            ratings.add(createOnce(rating, request));
        }
        List<Reference> members = ratings.stream()
                .map(o -> new Reference(o.getIdElement().toUnqualifiedVersionless().getValue())).toList();
        Observation determination = createOnce(DeterminationRecords.determination(response, assessment, recommendation,
                actual, varianceReason, members), request);
        return new Recorded(determination, ratings);
    }

    /** Conditional create on the record's identifier: the second identical request finds the first record. */
    private Observation createOnce(Observation observation, RequestDetails request) {
        IFhirResourceDao<Observation> dao = daos.getResourceDao(Observation.class);
        String identifier = observation.getIdentifierFirstRep().getSystem() + "|" + observation.getIdentifierFirstRep().getValue();
        IdType id = (IdType) dao.create(observation, "Observation?identifier=" + identifier, request).getId();
        return dao.read(id.toUnqualifiedVersionless(), request);
    }
}
