package org.iopfhir.necessity.criteria;

import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.DocumentReference;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.iopfhir.episode.EpisodeLoader;
import org.iopfhir.necessity.Codes;
import org.iopfhir.necessity.Criterion;
import org.iopfhir.necessity.Finding;
import org.iopfhir.necessity.Kind;
import org.iopfhir.necessity.Review;

/**
 * A discharged episode has its end reason (the {@code iop-discharge-reason} extension), a
 * discharge summary (LOINC 18842-5) for this episode, and an aftercare referral (ServiceRequest of
 * category {@code iop-record-type#aftercare-referral}). Not applicable while the episode runs.
 */
public class DischargeCriterion implements Criterion {

    @Override
    public Kind kind() {
        return Kind.DOCUMENTATION;
    }

    private static final String REASON = EpisodeLoader.BASE + "StructureDefinition/iop-discharge-reason";

    @Override
    public String id() {
        return "discharge";
    }

    @Override
    public Finding evaluate(Review review) {
        if (!review.discharged()) {
            return Finding.notApplicable("the episode had not ended by " + review.asOf());
        }
        List<Resource> evidence = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        Extension ended = review.record().episode().getExtensionByUrl(REASON);
        if (ended == null) {
            missing.add("the reason it ended");
        }
        review.documents(Codes.LOINC, Codes.DISCHARGE_SUMMARY).stream()
                .filter(d -> d.getContext().getRelated().stream().anyMatch(r -> review.record().isEpisode(r.getReference())))
                .filter(d -> d.getDocStatus() != DocumentReference.ReferredDocumentStatus.PRELIMINARY)
                .findFirst().ifPresentOrElse(evidence::add, () -> missing.add("a discharge summary"));
        review.all(ServiceRequest.class).stream()
                .filter(s -> Codes.hasAny(s.getCategory(), Codes.RECORD_TYPE, "aftercare-referral"))
                .filter(s -> s.getStatus() == ServiceRequest.ServiceRequestStatus.ACTIVE
                        || s.getStatus() == ServiceRequest.ServiceRequestStatus.COMPLETED)
                .findFirst().ifPresentOrElse(evidence::add, () -> missing.add("an aftercare referral"));
        String reason = ended != null && ended.getValue() instanceof CodeableConcept why
                ? " (" + why.getCodingFirstRep().getCode() + ")" : "";
        return Finding.metIf(missing.isEmpty(),
                "discharged " + review.record().discharge() + reason + " with a discharge summary and an aftercare referral",
                "discharged " + review.record().discharge() + " without " + String.join(", ", missing), evidence);
    }
}
