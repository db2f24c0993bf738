package org.iopfhir.levelofcare;

import java.util.List;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.QuestionnaireResponse;
import org.hl7.fhir.r4.model.Type;
import org.iopfhir.testsupport.IgValidator;

/** Realistic edits to the example episode's intake, for the reader's and the operation's tests. */
final class IntakeEdits {

    private IntakeEdits() {
    }

    /** A copy of the example intake (adult, ASAM 3rd edition, placed at 2.1). */
    static QuestionnaireResponse example() {
        return IgValidator.exampleEpisode().getEntry().stream().map(Bundle.BundleEntryComponent::getResource)
                .filter(QuestionnaireResponse.class::isInstance).map(QuestionnaireResponse.class::cast)
                .findFirst().orElseThrow().copy();
    }

    /** Sets an item's answer, adding the item to the screening group when the example leaves it out. */
    static void answer(QuestionnaireResponse intake, String linkId, Type value) {
        QuestionnaireResponse.QuestionnaireResponseItemComponent item = find(intake.getItem(), linkId);
        if (item == null) {
            item = find(intake.getItem(), "screening").addItem().setLinkId(linkId);
        }
        item.getAnswer().clear();
        item.addAnswer().setValue(value);
    }

    static void remove(QuestionnaireResponse intake, String linkId) {
        find(intake.getItem(), linkId).getAnswer().clear();
    }

    private static QuestionnaireResponse.QuestionnaireResponseItemComponent find(
            List<QuestionnaireResponse.QuestionnaireResponseItemComponent> items, String linkId) {
        for (QuestionnaireResponse.QuestionnaireResponseItemComponent item : items) {
            if (linkId.equals(item.getLinkId())) {
                return item;
            }
            QuestionnaireResponse.QuestionnaireResponseItemComponent found = find(item.getItem(), linkId);
            for (int i = 0; found == null && i < item.getAnswer().size(); i++) {
                found = find(item.getAnswer().get(i).getItem(), linkId);
            }
            if (found != null) {
                return found;
            }
        }
        return null;
    }
}
