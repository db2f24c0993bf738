package org.iopfhir.server;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.iopfhir.testsupport.GuideFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * This server encodes without HAPI's search for reference targets to contain ({@link FhirEndpointConfig#configureParsing}):
 * every resource the guide ships, and resources with contained resources in every way they can be referenced, are
 * encoded exactly as HAPI's defaults encode them. Only a reference holding a resource object without an id, which
 * nothing here builds, is encoded differently: without that object (HAPI's default puts it in {@code contained}).
 */
class ParsingOptionsTest {

    private static final FhirContext DEFAULTS = FhirContext.forR4();
    private static final FhirContext OURS = FhirContext.forR4();

    static {
        FhirEndpointConfig.configureParsing(OURS);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("guideFiles")
    void encodesTheGuidesResourcesAsHapisDefaults(Path file) throws IOException {
        String json = Files.readString(file);
        assertThat(roundTrip(OURS, json)).isEqualTo(roundTrip(DEFAULTS, json));
    }

    @Test
    void encodesContainedResourcesAsHapisDefaults() {
        String json = """
                {"resourceType": "Observation", "id": "o1",
                 "contained": [
                   {"resourceType": "Practitioner", "id": "by-reference", "name": [{"family": "Reyes"}]},
                   {"resourceType": "Questionnaire", "id": "holds-a-canonical", "status": "active",
                    "item": [{"linkId": "1", "type": "choice", "answerValueSet": "#by-canonical"}]},
                   {"resourceType": "ValueSet", "id": "by-canonical", "status": "active"},
                   {"resourceType": "Device", "id": "not-referenced"},
                   {"resourceType": "Location", "id": "from-an-extension"}],
                 "extension": [{"url": "http://example.org/where", "valueReference": {"reference": "#from-an-extension"}}],
                 "status": "final", "code": {"text": "x"},
                 "subject": {"reference": "Patient/p1"},
                 "performer": [{"reference": "#by-reference"}],
                 "derivedFrom": [{"reference": "Questionnaire/q1"}],
                 "focus": [{"reference": "#holds-a-canonical"}]}
                """;
        String ours = roundTrip(OURS, json);
        assertThat(ours).isEqualTo(roundTrip(DEFAULTS, json))
                .contains("\"id\":\"by-reference\"", "\"id\":\"holds-a-canonical\"", "\"id\":\"by-canonical\"",
                        "\"id\":\"not-referenced\"", "\"id\":\"from-an-extension\"", "\"reference\":\"#by-reference\"",
                        "\"answerValueSet\":\"#by-canonical\"", "\"reference\":\"#from-an-extension\"");
    }

    @Test
    void aReferenceHoldingAResourceWithoutAnIdLosesIt() {
        Observation observation = new Observation();
        observation.setStatus(Observation.ObservationStatus.FINAL);
        observation.setSubject(new Reference(new Patient().addName(new org.hl7.fhir.r4.model.HumanName().setFamily("Unsaved")))
                .setDisplay("the patient"));
        assertThat(OURS.newJsonParser().encodeResourceToString(observation))
                .isEqualTo("{\"resourceType\":\"Observation\",\"status\":\"final\",\"subject\":{\"display\":\"the patient\"}}");
        assertThat(DEFAULTS.newJsonParser().encodeResourceToString(observation.copy())).contains("contained", "Unsaved");
    }

    static Stream<Path> guideFiles() {
        return GuideFiles.all().stream();
    }

    private static String roundTrip(FhirContext context, String json) {
        return context.newJsonParser().encodeResourceToString(context.newJsonParser().parseResource(json));
    }
}
